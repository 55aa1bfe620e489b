"""Vietnamese dates: day first, +07:00, weekday names, the CMS shapes of DOMAIN.md."""

from __future__ import annotations

import pytest

from crawler.core.dates import VN_TZ, find_published_in_text, parse_iso, parse_vietnamese_date


@pytest.mark.parametrize(("text", "iso"), [
    ("Thứ hai, 08/05/2023 18:14", "2023-05-08T18:14:00+07:00"),
    ("THỨ HAI, 08/05/2023 18:14", "2023-05-08T18:14:00+07:00"),
    ("Thứ tư - 06/10/2021 21:08", "2021-10-06T21:08:00+07:00"),
    # the time first, a weekday between it and the date (Joomla templates)
    ("Cập nhật lúc 10:15, Thứ Năm 03/12/2026", "2026-12-03T10:15:00+07:00"),
    ("10:15 Chủ nhật, ngày 06/12/2026", "2026-12-06T10:15:00+07:00"),
    ("06/10/2021 | 21:08", "2021-10-06T21:08:00+07:00"),
    ("Cập nhật: 14:32 ngày 12/03/2024", "2024-03-12T14:32:00+07:00"),
    ("Ngày 6/4/2022", "2022-04-06T00:00:00+07:00"),
    ("Sáng 6/4/2022", "2022-04-06T00:00:00+07:00"),
    ("Chủ nhật, 01/12/2024 - 07:05", "2024-12-01T07:05:00+07:00"),
    ("12-03-2024 9h30", "2024-03-12T09:30:00+07:00"),
    ("ngày 6 tháng 4 năm 2022", "2022-04-06T00:00:00+07:00"),
    ("3 tháng 12, 2026", "2026-12-03T00:00:00+07:00"),
    ("Thứ Năm, 3 tháng 12 năm 2026 08:15", "2026-12-03T08:15:00+07:00"),
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


@pytest.mark.parametrize(("text", "iso"), [
    ("08/05/2023 - 18:14", "2023-05-08T18:14:00+07:00"),
    ("CHỦ NHẬT, 01/12/2024 07:05", "2024-12-01T07:05:00+07:00"),
    ("chủ nhật - 01/12/2024 07:05", "2024-12-01T07:05:00+07:00"),
    ("thứ bảy, 29/02/2024", "2024-02-29T00:00:00+07:00"),  # leap day
    ("Thứ Năm, 07/04/2022 - 10:15", "2022-04-07T10:15:00+07:00"),
    ("Thứ 5, 07/04/2022 10:15", "2022-04-07T10:15:00+07:00"),
    ("Cập nhật lúc 14:32, 12/03/2024", "2024-03-12T14:32:00+07:00"),
    ("14h32 ngày 12/3/2024", "2024-03-12T14:32:00+07:00"),
    ("Ngày đăng: 12.03.2024", "2024-03-12T00:00:00+07:00"),
    ("Thứ Hai, 8/5/2023, 18:14 (GMT+7)", "2023-05-08T18:14:00+07:00"),
    ("1/2/2024 10:05 PM", "2024-02-01T22:05:00+07:00"),  # 1 February, not 2 January
    ("2024-03-12T07:32:00Z", "2024-03-12T14:32:00+07:00"),
    ("2024-03-12", "2024-03-12T00:00:00+07:00"),
])
def test_more_shapes(text: str, iso: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == iso


@pytest.mark.parametrize("text", ["29/02/2023", "32/01/2024", "00/05/2023", "Chiều 6/4",
                                  "05/13/2024"])  # month-first input is not guessed
def test_impossible_day_first_dates_are_none(text: str) -> None:
    assert parse_vietnamese_date(text) is None


def test_out_of_range_time_keeps_the_date() -> None:
    parsed = parse_vietnamese_date("12/03/2024 25:61")
    assert parsed is not None and parsed.isoformat() == "2024-03-12T00:00:00+07:00"


def test_every_result_is_at_plus_seven() -> None:
    for text in ("08/05/2023 18:14", "2024-03-12T07:32:00-05:00", "Sáng 6/4/2022"):
        parsed = parse_vietnamese_date(text)
        assert parsed is not None and parsed.utcoffset() == VN_TZ.utcoffset(None)


def test_visible_date_skips_a_cited_document_even_with_a_cue() -> None:
    text = ("Hà Tĩnh quyết liệt thực hiện chuyển đổi số\n"
            "Theo Kế hoạch số 54/KH-UBND ngày 09/3/2022 của UBND tỉnh về chuyển đổi số trong "
            "cơ quan nhà nước\nThứ hai, 08/05/2023 18:14")
    assert find_published_in_text(text).isoformat() == "2023-05-08T18:14:00+07:00"


def test_visible_date_falls_back_to_a_dated_lead() -> None:
    text = ("LCĐT – Sáng 6/4/2022, Ban Chỉ đạo chuyển đổi số tỉnh Lào Cai tổ chức Hội nghị "
            "đánh giá kết quả chuyển đổi số trên địa bàn tỉnh năm 2021.")
    assert find_published_in_text(text).isoformat() == "2022-04-06T00:00:00+07:00"


@pytest.mark.parametrize(("text", "iso"), [
    # 12 PM is 12:xx, 12 AM is 00:xx, whatever prints the clock (issue 17, item 4)
    ("2024-03-05 12:30 PM", "2024-03-05T12:30:00+07:00"),
    ("2024-03-05 12:30 AM", "2024-03-05T00:30:00+07:00"),  # an ISO-first date with a marker
    ("2024-03-05 01:30:15 PM", "2024-03-05T13:30:15+07:00"),
    ("Đăng lúc 12:30 P.M., 05/03/2024", "2024-03-05T12:30:00+07:00"),
    ("05/03/2024 12:30 sáng", "2024-03-05T12:30:00+07:00"),  # 'sáng' is no 'SA' marker
    ("05/03/2024 12:10 SA", "2024-03-05T00:10:00+07:00"),    # SA/CH: the vi-VN AM/PM
    ("05/03/2024 4:30 chiều", "2024-03-05T16:30:00+07:00"),
    ("12 giờ 30 phút, ngày 05/03/2024", "2024-03-05T12:30:00+07:00"),
    ("Cập nhật 14 giờ 05 ngày 5/3/2024", "2024-03-05T14:05:00+07:00"),
    ("1:05 trưa, Thứ Ba 05/03/2024", "2024-03-05T13:05:00+07:00"),
])
def test_twelve_hour_clocks_and_words_for_the_hour(text: str, iso: str) -> None:
    parsed = parse_vietnamese_date(text)
    assert parsed is not None and parsed.isoformat() == iso
