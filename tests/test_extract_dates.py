"""The article's own date wins over the "today" date a theme prints (issue 17, item 4).

Pages of our own making: a header bar, a clock box in the left column or a sidebar prints
the day of the visit ("Thứ Ba, ngày 17/12/2024"); the article prints its own date near the
title. The page chrome's date never wins over the article's.
"""

from __future__ import annotations

from crawler.analysis.extract import extract_page

URL = "https://sotttt.vinhlong.gov.vn/tin-tuc/chuyen-doi-so-cap-xa-2203.html"
TITLE = "Vĩnh Long đánh giá mức độ chuyển đổi số cấp xã năm 2024"
BODY = [
    "Sở Khoa học và Công nghệ vừa công bố kết quả đánh giá mức độ chuyển đổi số của 124 xã, "
    "phường, thị trấn trên địa bàn tỉnh, dựa trên bộ chỉ số gồm chính quyền số, kinh tế số "
    "và xã hội số.",
    "Năm nay có 37 xã đạt mức khá trở lên, tăng 15 xã so với năm trước; tỷ lệ hồ sơ trực "
    "tuyến toàn trình ở cấp xã đạt 62%, vượt chỉ tiêu của kế hoạch.",
    "Sở đề nghị các địa phương xếp cuối bảng rà soát lại hạ tầng, bố trí cán bộ phụ trách "
    "chuyển đổi số và tăng cường hoạt động của tổ công nghệ số cộng đồng.",
]
TODAY = "Thứ Ba, ngày 17/12/2024"


def body() -> str:
    return "".join(f"<p>{p}</p>" for p in BODY)


def page(inner: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE} - Sở KH&amp;CN"
            f"</title></head><body>{inner}<div class='footer'>Sở Khoa học và Công nghệ tỉnh "
            "Vĩnh Long</div></body></html>")


def test_a_top_bar_date_loses_to_the_update_line_under_the_title() -> None:
    html = page(f"<div class='top-strip'><span class='date'>{TODAY}</span><a href='/lien-he'>"
                "Liên hệ</a></div><div class='page'><div class='col-left'><h1 class='tit'>"
                f"{TITLE}</h1><p class='small'>Cập nhật: 14:10 ngày 05/03/2024</p>{body()}"
                "</div></div>")
    got = extract_page(html, URL)
    assert got.published is not None
    assert got.published.isoformat() == "2024-03-05T14:10:00+07:00"
    assert got.text.split("\n") == BODY


def test_a_clock_box_before_the_article_loses_to_its_12_30_pm_date() -> None:
    html = page("<table width='100%'><tr><td width='25%' valign='top'><div id='ngay-hien-tai'>"
                f"{TODAY}</div><div><a href='/van-ban'>Văn bản mới</a></div></td><td>"
                f"<div class='news-detail'><h2>{TITLE}</h2><div class='news-date'>05/03/2024 "
                f"12:30 PM</div>{body()}</div></td></tr></table>")
    got = extract_page(html, URL)
    assert got.published is not None
    assert got.published.isoformat() == "2024-03-05T12:30:00+07:00"  # 12 PM stays 12


def test_a_sidebar_date_after_the_article_loses_to_a_date_line_near_the_title() -> None:
    html = page(f"<main><div class='row'><div class='col-9'><h1>{TITLE}</h1>"
                f"<p><i>Thứ Năm, 05/03/2024 - 09:45</i></p>{body()}</div><div class='col-3'>"
                f"<div class='time-now'>{TODAY}</div></div></div></main>")
    got = extract_page(html, URL)
    assert got.published is not None
    assert got.published.isoformat() == "2024-03-05T09:45:00+07:00"
    assert got.text.split("\n") == BODY


def test_a_date_line_closing_a_long_article_beats_a_today_date_in_the_top_bar() -> None:
    # the date is printed below a body of a dozen paragraphs, far from the title
    long_body = [f"{i}. {p}" for i, p in enumerate(BODY * 4, 1)]
    html = page(f"<div class='tb'><span class='date'>{TODAY}</span></div><div class='wrap'>"
                f"<div class='left'><h1>{TITLE}</h1>{''.join(f'<p>{p}</p>' for p in long_body)}"
                "<p class='text-right'><b>Ngọc Hân</b></p><p>Ngày đăng: 05/03/2024 09:00</p>"
                "</div><div class='right'><a href='/lien-he'>Liên hệ</a></div></div>")
    got = extract_page(html, URL)
    assert got.published is not None
    assert got.published.isoformat() == "2024-03-05T09:00:00+07:00"
    assert got.author == "Ngọc Hân" and got.text.split("\n") == long_body


def test_a_today_bar_inside_the_content_column_loses_to_the_date_under_the_title() -> None:
    html = page(f"<div class='main-col'><div class='date'>{TODAY}</div><h1>{TITLE}</h1>"
                f"<p><em>Đăng lúc 07:45, Thứ Ba 05/03/2024</em></p>{body()}</div>")
    got = extract_page(html, URL)
    assert got.published is not None
    assert got.published.isoformat() == "2024-03-05T07:45:00+07:00"
