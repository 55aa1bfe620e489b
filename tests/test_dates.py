"""Vietnamese dates: day first, +07:00, weekday names, the CMS shapes of DOMAIN.md."""

from __future__ import annotations

import pytest

from crawler.dates import find_published_in_text, parse_iso, parse_vietnamese_date


@pytest.mark.parametrize(("text", "iso"), [
    ("Thứ hai, 08/05/2023 18:14", "2023-05-08T18:14:00+07:00"),
    ("THỨ HAI, 08/05/2023 18:14", "2023-05-08T18:14:00+07:00"),
    ("Thứ tư - 06/10/2021 21:08", "2021-10-06T21:08:00+07:00"),
    ("06/10/2021 | 21:08", "2021-10-06T21:08:00+07:00"),
    ("Cập nhật: 14:32 ngày 12/03/2024", "2024-03-12T14:32:00+07:00"),
    ("Ngày 6/4/2022", "2022-04-06T00:00:00+07:00"),
    ("Sáng 6/4/2022", "2022-04-06T00:00:00+07:00"),
    ("Chủ nhật, 01/12/2024 - 07:05", "2024-12-01T07:05:00+07:00"),
    ("12-03-2024 9h30", "2024-03-12T09:30:00+07:00"),
    ("ngày 6 tháng 4 năm 2022", "2022-04-06T00:00:00+07:00"),
    ("Thu hai, 08/05/2023 18:14", "2023-05-08T18:14:00+07:00"),  # no diacritics
])
def test_shapes_parse_day_first(text: str, iso: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == iso


@pytest.mark.parametrize("text", ["", "không có ngày", "31/02/2024", "13/13/2023", "99/99/9999",
                                  "08/05/1800"])
def test_invalid_or_missing_dates_are_none(text: str) -> None:
    assert parse_vietnamese_date(text) is None


def test_day_first_never_month_first() -> None:
    assert parse_vietnamese_date("08/05/2023").month == 5  # 8 May, never 5 August


def test_iso_with_and_without_offsets() -> None:
    assert parse_iso("2024-03-14T09:05:00+00:00").isoformat() == "2024-03-14T16:05:00+07:00"
    assert parse_iso("2024-03-14T09:05:00Z").isoformat() == "2024-03-14T16:05:00+07:00"
    assert parse_iso("2024-03-14T09:05").isoformat() == "2024-03-14T09:05:00+07:00"
    assert parse_iso("not a date") is None


def test_visible_date_prefers_a_date_line_over_a_document_date() -> None:
    text = ("Tiêu đề bài viết\nThứ tư - 06/10/2021 21:08\n"
            "Theo Quyết định số 4123/QĐ-UBND ngày 23/12/2011 của UBND tỉnh về chính phủ "
            "điện tử ...")
    assert find_published_in_text(text).isoformat() == "2021-10-06T21:08:00+07:00"
    assert find_published_in_text("Không có ngày tháng nào ở đây.") is None
