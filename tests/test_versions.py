"""What is a change of a stored article, and how the change reads in an alert."""

from __future__ import annotations

import pytest

from crawler.analysis.versions import (
    change_summary,
    is_change,
    is_other_page,
    is_volatile,
    text_diff,
    text_key,
)

BODY = ("Năm 2023, tỉnh đã cung cấp 1.342 dịch vụ công trực tuyến toàn trình, tỷ lệ hồ sơ "
        "nộp trực tuyến đạt 68%.\nTrung tâm IOC đã kết nối 1.200 camera.")


@pytest.mark.parametrize("line", [
    "Lượt xem: 1.234", "Hôm nay 56", "12.345", "1.234 lượt xem", "Thứ Năm, 14/03/2024",
    "Thứ hai, 08/05/2023 18:14", "Cập nhật: 14:32 ngày 12/03/2024", "06/10/2021 | 21:08",
    "Tổng số điểm của bài viết là: 0 trong 0 đánh giá", "Tổng lượt truy cập 12.345",
    "Đang truy cập: 37", "Khách viếng thăm 1.234.567", "Tháng 12", "Năm 2024"])
def test_counters_and_clocks_are_volatile(line: str) -> None:
    assert is_volatile(line)


@pytest.mark.parametrize("line", [
    "Số hồ sơ: 1.342", "Huyện Bảo Thắng: 1.234", "Tỷ lệ đạt 68%",
    "Năm 2024, tỉnh đặt mục tiêu 80%", "Sáng 6/4/2022, UBND tỉnh họp", "Hôm nay"])
def test_figures_in_the_article_are_not_volatile(line: str) -> None:
    assert not is_volatile(line)


def test_counter_date_whitespace_case_and_nfd_are_no_change() -> None:
    page = f"Thứ Năm, 14/03/2024\n{BODY}\nLượt xem: 120"
    again = f"Thứ Sáu, 15/03/2024\n  {BODY.replace(' ', '  ')}  \nLượt xem: 9.999"
    nfd = BODY.replace("ế", "e\u0302\u0301").upper()
    assert text_key(page) == text_key(again) == text_key(BODY) == text_key(nfd)
    assert not is_change("Tiêu đề", text_key(page), " tiêu  đề ", text_key(again))


def test_a_figure_or_a_sentence_or_the_title_is_a_change() -> None:
    assert text_key(BODY) != text_key(BODY.replace("68%", "71%"))
    assert text_key(BODY) != text_key(BODY + "\nTỉnh sẽ sơ kết vào tháng 7.")
    assert text_key(BODY) != text_key(BODY.replace("1.342", "1.324"))
    assert is_change("Tiêu đề cũ", text_key(BODY), "Tiêu đề mới", text_key(BODY))


def test_summary_shows_the_changed_figure_inline_and_the_added_sentence() -> None:
    edited = BODY.replace("68%", "71%") + "\nTỉnh sẽ sơ kết việc thực hiện vào tháng 7/2024."
    summary = change_summary(text_diff("T", BODY, "T", edited))
    lines = summary.split("\n")
    assert lines[0].startswith("~ ") and "[68%. → 71%.]" in lines[0]
    assert lines[0] == "~ … nộp trực tuyến đạt [68%. → 71%.]"  # a few words of context
    assert lines[1] == "+ Tỉnh sẽ sơ kết việc thực hiện vào tháng 7/2024."
    assert len(lines) == 2


def test_summary_is_short_for_a_rewrite() -> None:
    old = "\n".join(f"Đoạn {i} nói về chuyển đổi số của tỉnh, " * 5 for i in range(30))
    new = "\n".join(f"Đoạn mới {i} nói về kinh tế số và xã hội số, " * 5 for i in range(30))
    assert len(change_summary(text_diff("A", old, "B", new))) <= 600


def test_another_page_at_the_articles_url_is_told_from_an_edit() -> None:
    title = "Xã Bình Minh đưa dịch vụ công trực tuyến đến từng hộ dân"
    text = ("Tổ công nghệ số cộng đồng xã Bình Minh đã hướng dẫn hơn 1.200 hộ dân nộp hồ sơ "
            "trên Cổng dịch vụ công quốc gia trong tháng 11.\nTỷ lệ hồ sơ trực tuyến toàn "
            "trình đạt 78%, tăng gấp đôi so với đầu năm.")
    notice = "Hệ thống đang được nâng cấp. Xin vui lòng quay lại sau ít phút."
    assert is_other_page(title, text, "Trang đang được bảo trì", notice)
    assert is_other_page(title, text, "Trang chủ", "Tin mới\nXã Tân Lập ra mắt chợ 4.0")
    # edits: a new headline over the same text, new text under the same headline,
    # a headline reworded with the text corrected
    assert not is_other_page(title, text, "Người dân Bình Minh làm thủ tục tại nhà", text)
    assert not is_other_page(title, text, title, notice)
    assert not is_other_page(title, text, "Xã Bình Minh đưa DVC trực tuyến đến 1.200 hộ dân",
                             text.replace("78%", "81%") + "\nXã sẽ sơ kết vào tháng 3.")
