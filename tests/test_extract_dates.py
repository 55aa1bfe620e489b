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


def _published(html: str) -> str:
    got = extract_page(html, URL)
    assert got.published is not None
    return got.published.isoformat()


def test_a_two_digit_year_with_a_time_in_the_line_under_the_headline() -> None:
    # "Cập nhật thứ hai, ngày 24/12/12 11:05 tối" in a "subheader" right after the h1, and a
    # sidebar teaser's own full date elsewhere: the headline's line is the article's date
    html = page("<div id='content_head'><h1 class='pTitle'>" + TITLE + "</h1><div "
                "class='subheader'><a href='/xa-hoi.html'>Xã hội</a><span class='timestamp'>"
                " | Cập nhật thứ hai, ngày 24/12/12 11:05 tối</span></div></div>"
                f"<div class='content'>{body()}</div><div class='side'><ul><li><a "
                "href='/tin/1.html'>Bài văn đạt giải nhất cuộc thi viết về quê hương</a><span "
                "class='time'>Ngày 22/10/2012</span></li></ul></div>")
    assert _published(html) == "2012-12-24T23:05:00+07:00"


def test_an_untranslated_english_cms_date_is_month_first() -> None:
    # vBulletin's default "Published on 03-08-2011 01:00 AM" is the en-US order
    html = page(f"<div class='article'><h1>{TITLE}</h1><div class='info'>by Admin</div><div>"
                f"Published on 03-08-2011 01:00 AM</div>{body()}</div>")
    assert _published(html) == "2011-03-08T01:00:00+07:00"


def test_a_vietnamese_date_with_an_am_clock_stays_day_first() -> None:
    html = page(f"<div class='article'><h1>{TITLE}</h1><div class='publication_date'>Thứ Hai, "
                f"03/08/2011, 03:04 AM (GMT+7)</div>{body()}</div>")
    assert _published(html) == "2011-08-03T03:04:00+07:00"


def test_the_printed_publication_time_the_day_after_the_declared_creation_wins() -> None:
    # the meta carries when the story was written; the page prints when it went out
    meta = "<meta itemprop='datePublished' name='pubdate' content='2012-12-23T14:02+07:00'>"
    inner = (f"<div class='article'><h1>{TITLE}</h1><div class='publication_date'>Thứ Hai, "
             f"24/12/2012, 03:04 AM (GMT+7)</div>{body()}</div>")
    html = page(inner).replace("</head>", meta + "</head>")
    assert _published(html) == "2012-12-24T03:04:00+07:00"
    # a printed date further away (a re-publication, an update) does not move it
    far = html.replace("24/12/2012, 03:04", "27/12/2012, 03:04")
    assert _published(far) == "2012-12-23T14:02:00+07:00"


def test_a_two_digit_year_needs_a_time_or_ngay() -> None:
    from crawler.core.dates import parse_vietnamese_date

    value = parse_vietnamese_date("30/11/12 04:00 chiều")
    assert value is not None and value.isoformat() == "2012-11-30T16:00:00+07:00"
    assert parse_vietnamese_date("ngày 5/3/24") is not None
    assert parse_vietnamese_date("tỷ lệ 12/10/12 của kế hoạch") is None
    assert parse_vietnamese_date("Quyết định 12/10/12/QĐ-UBND") is None


def test_a_document_reference_with_a_colon_dates_the_document() -> None:
    from crawler.core.dates import find_published_in_text

    value = find_published_in_text("Số: 486/QĐ-UBND Ngày: 06/04/2018\nVăn thư lưu trữ 22/04/2019")
    assert value is not None and value.date().isoformat() == "2019-04-22"
