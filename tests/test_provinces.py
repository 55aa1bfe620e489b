from __future__ import annotations

import pytest

from crawler.core.provinces import (
    CURRENT_PROVINCES,
    FORMER_TO_CURRENT,
    canonical_province,
    current_province,
    detect_province,
    province_matches,
)


def test_34_units_and_every_former_maps_to_one_of_them() -> None:
    assert len(CURRENT_PROVINCES) == 34 == len(set(CURRENT_PROVINCES))
    assert set(FORMER_TO_CURRENT.values()) <= set(CURRENT_PROVINCES)
    assert len(FORMER_TO_CURRENT) == 30  # 29 merged provinces + Thừa Thiên Huế renamed


@pytest.mark.parametrize(("name", "current"), [
    ("Ha Giang", "Tuyên Quang"), ("tỉnh Yên Bái", "Lào Cai"), ("Dak Lak", "Đắk Lắk"),
    ("TP HCM", "TP Hồ Chí Minh"), ("Bà Rịa - Vũng Tàu", "TP Hồ Chí Minh"),
    ("Thanh Hoá", "Thanh Hóa"), ("Thừa Thiên Huế", "Huế"), ("HUẾ", "Huế"),
])
def test_names_with_or_without_diacritics(name: str, current: str) -> None:
    assert current_province(name) == current
    assert canonical_province("Atlantis") is None


def test_filter_accepts_current_or_former_name() -> None:
    assert province_matches("tuyen quang", "Tuyên Quang", ["Hà Giang"])
    assert province_matches("Hà Giang", "Tuyên Quang", ["Hà Giang"])
    assert not province_matches("Hà Giang", "Tuyên Quang", [])
    assert not province_matches("Lào Cai", "Tuyên Quang", ["Hà Giang"])


def test_detect_province_counts_former_names_for_the_current_unit() -> None:
    text = "Tỉnh Hà Giang đẩy mạnh chuyển đổi số. Hà Giang và Tuyên Quang hợp nhất; Hà Nội hỗ trợ."
    assert detect_province(text) == ("Tuyên Quang", ["Hà Giang"])
    assert detect_province("Không nhắc tới tỉnh nào cả.") == (None, [])
