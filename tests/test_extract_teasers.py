"""Teaser blocks, the site's name line and CMS accounts are not article text (issue 17, item 3).

Pages of our own making, in theme shapes not in the fixture corpus: a teaser block is found
by its shape (items that each link one other article of the site under a headline), not by
its heading, wherever the theme puts it.
"""

from __future__ import annotations

import pytest

from crawler.analysis.extract import extract_page

URL = "https://tanphu.vanban.laocai.gov.vn/tin-tuc/xa-tan-phu-so-hoa-ho-so-ho-tich-1204.html"
TITLE = "Xã Tân Phú hoàn thành số hóa hồ sơ hộ tịch phục vụ người dân"
BODY = [
    "Ủy ban nhân dân xã Tân Phú đã hoàn thành việc số hóa hồ sơ hộ tịch từ năm 1990 đến nay, "
    "phục vụ tra cứu trực tuyến cho người dân trên Cổng dịch vụ công và ứng dụng VNeID.",
    "Tổ công nghệ số cộng đồng ở 12 thôn tiếp tục đến từng hộ gia đình hướng dẫn cài đặt, sử "
    "dụng các ứng dụng thanh toán không dùng tiền mặt và nộp hồ sơ trực tuyến.",
    "Trong năm tới, xã đặt mục tiêu 80% hồ sơ thủ tục hành chính được tiếp nhận và giải quyết "
    "trực tuyến, đồng thời mở lớp bồi dưỡng kỹ năng số cho cán bộ thôn.",
]
# a real paragraph with one inline link to another article of the site: it stays
LINKED = ("Kết quả này nằm trong lộ trình của <a href='/tin-tuc/ke-hoach-chuyen-doi-so-"
          "2024-1100.html'>Kế hoạch chuyển đổi số của xã giai đoạn 2024 - 2025</a> đã được Đảng "
          "ủy xã thông qua từ đầu năm.")
LINKED_TEXT = ("Kết quả này nằm trong lộ trình của Kế hoạch chuyển đổi số của xã giai đoạn "
               "2024 - 2025 đã được Đảng ủy xã thông qua từ đầu năm.")
TEASERS = [
    ("/tin-tuc/truong-hoc-chuyen-doi-so-1201.html",
     "Trường học trên địa bàn xã đẩy mạnh chuyển đổi số trong dạy và học",
     "Các trường đã đưa sổ điểm điện tử và học bạ số vào sử dụng từ đầu năm học."),
    ("/tin-tuc/so-ket-de-an-06-1198.html",
     "Sơ kết 6 tháng triển khai Đề án 06 trên địa bàn xã Tân Phú",
     "Chuyển đổi số giúp người dân tiết kiệm thời gian đi lại làm thủ tục hành chính."),
    ("https://tanphu.vanban.laocai.gov.vn/tin-tuc/cho-4-0-1190.html",
     "Ra mắt mô hình chợ 4.0 thanh toán không dùng tiền mặt ở trung tâm xã",
     "Tiểu thương được hướng dẫn tạo mã QR, góp phần thúc đẩy chuyển đổi số ở nông thôn."),
    ("/tin-tuc/tap-huan-ky-nang-so-1185.html",
     "Tập huấn kỹ năng số cho thành viên tổ công nghệ số cộng đồng",
     "Hơn 100 thành viên tổ công nghệ số cộng đồng được tập huấn về chuyển đổi số."),
]


def page(column: str, *, head: str = "", sidebar: str = "") -> str:
    """A portal page: masthead, menu, the content column, an optional sidebar, a footer."""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title>{head}"
            "</head><body><div class='top'><a href='/'><img src='/logo.png'></a></div>"
            "<div class='mainmenu'><a href='/'>Trang chủ</a> <a href='/gioi-thieu'>Giới thiệu"
            "</a> <a href='/tin-tuc'>Tin tức</a></div><div class='container'><div class='row'>"
            f"<div class='col-md-8'>{column}</div><div class='col-md-4'>{sidebar}</div></div>"
            "</div><div class='bottom'>Địa chỉ: UBND xã Tân Phú, tỉnh Lào Cai</div>"
            "</body></html>")


def paragraphs(*texts: str) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def assert_clean(text: str, *, body: list[str] = BODY) -> None:
    for para in body:
        assert para in text
    for _, headline, sentence in TEASERS:
        assert headline not in text and sentence not in text
    assert "Chuyển đổi số\n" not in text + "\n"  # the block's heading goes with it


def test_ul_of_teasers_with_sentences_after_the_byline_in_the_content_column() -> None:
    items = "".join(f"<li><a href='{href}'><img src='/t.jpg'></a><h4><a href='{href}'>{h}</a>"
                    f"</h4><p>{s}</p></li>" for href, h, s in TEASERS)
    column = (f"<h1 class='post-title'>{TITLE}</h1>{paragraphs(*BODY)}<p>{LINKED}</p>"
              f"<p class='text-right'><strong>Minh Châu</strong></p>"
              f"<h3 class='cat-name'><a href='/chuyen-doi-so'>Chuyển đổi số</a></h3>"
              f"<ul class='list-news'>{items}</ul>")
    got = extract_page(page(column), URL)
    assert_clean(got.text, body=[*BODY, LINKED_TEXT])
    assert got.author == "Minh Châu"
    assert got.text.endswith(LINKED_TEXT)


def test_repeated_item_divs_between_the_last_paragraph_and_the_byline() -> None:
    items = "".join(f"<div class='item'><div class='thumb'><a href='{href}'><img src='/t.jpg'>"
                    f"</a></div><div class='info'><a class='name' href='{href}'>{h}</a>"
                    f"<div class='desc'>{s}</div></div></div>" for href, h, s in TEASERS)
    column = (f"<h1>{TITLE}</h1><div class='detail'>{paragraphs(*BODY)}"
              f"<div class='box-cds'><div class='box-head'>Chuyển đổi số</div>{items}</div>"
              "<p style='text-align:right'><b>Hoàng Lan</b></p></div>")
    got = extract_page(page(column), URL)
    assert_clean(got.text)
    assert got.author == "Hoàng Lan" and got.text.endswith(BODY[-1])


def test_teaser_items_without_any_heading_between_paragraphs() -> None:
    items = "".join(f"<div class='row-item'><a href='{href}'>{h}</a><span>{s}</span></div>"
                    for href, h, s in TEASERS[:3])
    column = (f"<h1>{TITLE}</h1><div class='detail'><p>{BODY[0]}</p>{items}"
              f"{paragraphs(*BODY[1:])}</div>")
    got = extract_page(page(column), URL)
    for _, headline, sentence in TEASERS[:3]:
        assert headline not in got.text and sentence not in got.text
    assert got.text.split("\n") == BODY


def test_a_headed_link_list_with_dates_and_br_separators_after_the_byline() -> None:
    links = "".join(f"<a href='{href}'>{h}</a> <span class='d'>(0{i}/03)</span><br>"
                    for i, (href, h, _) in enumerate(TEASERS, 1))
    column = (f"<h1>{TITLE}</h1><div class='ct'>{paragraphs(*BODY)}<p><em>Minh Châu</em></p>"
              f"<b>Xem thêm tin về chuyển đổi số</b><br>{links}</div>")
    got = extract_page(page(column), URL)
    assert_clean(got.text)
    assert "Xem thêm tin" not in got.text and "(04/03)" not in got.text
    assert got.author == "Minh Châu"


def test_a_short_list_under_a_heading_between_paragraphs_goes_with_its_heading() -> None:
    items = "".join(f"<li><a href='{href}'>{h}</a> - {s}</li>" for href, h, s in TEASERS[:2])
    column = (f"<article><h1>{TITLE}</h1><p>{BODY[0]}</p><div><div><b>Tin cùng chủ đề chuyển "
              f"đổi số</b></div><ul>{items}</ul></div>{paragraphs(*BODY[1:])}</article>")
    got = extract_page(page(column), URL)
    assert got.text.split("\n") == BODY


@pytest.mark.parametrize("name_line", [
    "TRANG THÔNG TIN ĐIỆN TỬ XÃ TÂN PHÚ",
    "Cổng thông tin điện tử tỉnh Lào Cai",
    "Trang thông tin điện tử xã Tân Phú, tỉnh Lào Cai",
    "Báo Lào Cai điện tử",
])
def test_the_sites_own_name_line_is_not_text(name_line: str) -> None:
    column = (f"<div class='content-box'><p class='unit'><b>{name_line}</b></p><h2>{TITLE}</h2>"
              f"{paragraphs(*BODY)}<p>{name_line}</p></div>")
    got = extract_page(page(column), URL)
    assert got.text.split("\n") == BODY


def test_a_sentence_naming_the_portal_stays() -> None:
    sentence = ("Cổng thông tin điện tử tỉnh đã tích hợp 1.200 dịch vụ công trực tuyến, "
                "trong đó có 70 thủ tục của cấp xã.")
    column = f"<h1>{TITLE}</h1>{paragraphs(sentence, *BODY)}<p>Administrator</p>"
    got = extract_page(page(column), URL)
    assert got.text.split("\n") == [sentence, *BODY]  # and the account line is gone
    assert got.author is None


@pytest.mark.parametrize(("where", "account"), [
    ("element", "Quản trị viên"), ("element", "Đăng bởi: admin"),
    ("meta", "Super User"), ("line", "Người đăng: Webmaster"), ("line", "Biên tập viên"),
])
def test_a_cms_account_is_not_the_author(where: str, account: str) -> None:
    meta = f"<meta name='author' content='{account}'>" if where == "meta" else ""
    info = f"<div class='post-author'>{account}</div>" if where == "element" else ""
    last = f"<p>{account}</p>" if where == "line" else ""
    column = f"<h1>{TITLE}</h1>{info}{paragraphs(*BODY)}{last}"
    got = extract_page(page(column, head=meta), URL)
    assert got.author is None
    assert got.text.split("\n") == BODY


def test_a_real_author_after_an_account_line_is_kept() -> None:
    column = (f"<h1>{TITLE}</h1><div class='author'>admin</div>{paragraphs(*BODY)}"
              "<p><b>Bài, ảnh: Thu Hà</b></p><p>Quản trị viên</p>")
    got = extract_page(page(column), URL)
    assert got.author == "Thu Hà" and got.text.split("\n") == BODY


# a paragraph that starts with a long link to another page of the site: no thumbnail, so no
# card; it stays
OPENS_WITH_LINK = ("<a href='/van-ban/ke-hoach-45-kh-ubnd.html'>Kế hoạch số 45/KH-UBND về "
                   "chuyển đổi số năm 2024</a> giao chỉ tiêu cụ thể cho từng thôn.")
OPENS_WITH_LINK_TEXT = ("Kế hoạch số 45/KH-UBND về chuyển đổi số năm 2024 giao chỉ tiêu cụ thể "
                        "cho từng thôn.")


SUMMARY = ("Đến nay, toàn bộ hồ sơ hộ tịch đã được số hóa và cập nhật vào cơ sở dữ liệu quốc "
           "gia, người dân có thể tra cứu ở bất cứ đâu.")


def test_a_single_read_also_card_between_paragraphs() -> None:
    # an <article> card embedded in the body: thumbnail, headline link, summary
    href, headline, sentence = TEASERS[1]
    card = (f"<article class='ck-embed-card'><a href='{href}' class='pic'><picture><img "
            f"src='/t.jpg'></picture></a><div class='txt'><a href='{href}'>{headline}</a>"
            f"<span class='sum'>{sentence} {SUMMARY}</span></div></article>")
    column = (f"<h1>{TITLE}</h1><div class='detail'><p>{BODY[0]}</p>{card}"
              f"<p>{OPENS_WITH_LINK}</p>{paragraphs(*BODY[1:])}</div>")
    got = extract_page(page(column), URL)
    assert headline not in got.text and SUMMARY not in got.text
    assert got.text.split("\n") == [BODY[0], OPENS_WITH_LINK_TEXT, *BODY[1:]]


def test_a_read_also_card_of_paragraphs_after_the_last_paragraph() -> None:
    # a CKEditor template: the card is a div of three <p>s (image, bold headline, summary)
    href, headline, sentence = TEASERS[2]
    card = (f"<div class='card-box'><p><a href='{href}'><img src='/t.jpg' width='120'></a></p>"
            f"<p><a href='{href}'><strong>{headline}</strong></a></p><p>{sentence} {SUMMARY}"
            "</p></div>")
    column = (f"<h1>{TITLE}</h1><div class='detail'>{paragraphs(*BODY)}{card}"
              "<p style='text-align:right'><b>Thu Hà</b></p></div>")
    got = extract_page(page(column), URL)
    assert headline not in got.text and SUMMARY not in got.text
    assert got.text.split("\n") == BODY and got.author == "Thu Hà"


def test_a_link_to_the_page_itself_is_no_teaser() -> None:
    # a theme wraps the photo, the headline (both linking the article itself) and the lead:
    # that is the article's head, not a card teasing another article
    own = URL.removeprefix("https://tanphu.vanban.laocai.gov.vn")
    column = (f"<div class='news-head'><a href='{own}'><img src='/anh.jpg'></a><h1><a "
              f"href='{own}'>{TITLE}</a></h1><p class='lead'>{BODY[0]}</p></div>"
              f"<div class='detail'>{paragraphs(*BODY[1:])}</div>")
    got = extract_page(page(column), URL)
    assert got.text.split("\n") == BODY
