"""Where themes print the byline, and what is not one (issue 17, real-page corpus).

Pages of our own making in the byline positions real pages use: a right-aligned or bold
name under the last paragraph (with other lines after it), a bold name printed after the
content block, a writer above a source credit, an author box's note; and what is no
author: a date in an author-classed element, a bare "Tác giả" label, the site's own name
as meta author, a source credit ("Theo Forbes").
"""

from __future__ import annotations

from crawler.analysis.extract import extract_page

URL = "https://baoyenbai.com.vn/xa-hoi/so-hoa-ho-tich-3301.html"
TITLE = "Yên Bái số hóa toàn bộ sổ hộ tịch từ năm 1945"
BODY = [
    "Sở Tư pháp tỉnh Yên Bái vừa hoàn thành số hóa hơn 1,2 triệu trang sổ hộ tịch lưu trữ tại "
    "173 xã, phường, phục vụ tra cứu và cấp bản sao trực tuyến cho người dân.",
    "Dữ liệu được đưa vào cơ sở dữ liệu hộ tịch điện tử dùng chung, kết nối với Cơ sở dữ liệu "
    "quốc gia về dân cư, giúp cán bộ tư pháp xã không phải tra sổ giấy như trước.",
    "Trong năm tới, tỉnh tiếp tục rà soát, chuẩn hóa dữ liệu đã số hóa và hướng dẫn người dân "
    "sử dụng dịch vụ công trực tuyến trên ứng dụng VNeID.",
]


def page(inner: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title>{head}"
            f"</head><body><div class='logo'><img src='/logo.png'></div>{inner}"
            "<div class='copyright'>Báo Yên Bái điện tử. Giấy phép số 45/GP-BTTTT</div>"
            "</body></html>")


def body() -> str:
    return "".join(f"<p>{t}</p>" for t in BODY)


def test_a_right_aligned_name_under_the_body_beats_the_meta_account() -> None:
    # a one-word pen name, right-aligned and bold, then reader-submission residue lines
    inner = (f"<div class='detail'><h1>{TITLE}</h1>{body()}<p class='Normal' align='right'>"
             "<strong>Trung</strong></p><p>Thông tin do bạn đọc cung cấp và chịu trách nhiệm "
             "về tính xác thực của nội dung.</p></div>")
    got = extract_page(page(inner, "<meta name='author' content='Nguyen Van Seo'>"), URL)
    assert got.author == "Trung"
    assert "Trung" not in got.text.split("\n")


def test_a_bold_name_printed_after_the_content_block_is_the_author() -> None:
    # the theme closes the content block, then prints a share widget and the bold byline
    inner = (f"<div class='detail'><h1>{TITLE}</h1><div class='content'>{body()}</div>"
             "<div class='wrapper'><div class='social'><iframe src='/like.html'></iframe></div>"
             "<strong>THU HẰNG</strong></div></div>")
    got = extract_page(page(inner), URL)
    assert got.author == "THU HẰNG"
    assert got.text.split("\n") == BODY


def test_initials_in_bold_above_a_photo_credit_are_the_author() -> None:
    inner = (f"<div class='detail'><h1>{TITLE}</h1>{body()}<p align='right'><strong>H.V."
             "<br></strong><em>Ảnh</em>:<strong> Minh Khôi</strong></p></div>")
    assert extract_page(page(inner), URL).author == "H.V."


def test_a_source_credit_in_bold_is_no_author() -> None:
    inner = (f"<div class='detail'><h1>{TITLE}</h1>{body()}</div><div class='source'>Theo "
             "<strong>Forbes, Newsweek</strong></div>")
    assert extract_page(page(inner), URL).author is None


def test_the_writer_above_a_source_credit_is_the_author() -> None:
    inner = (f"<div class='detail'><h1>{TITLE}</h1>{body()}<p>Nhóm PV</p><p>Theo Infonet</p>"
             "</div>")
    got = extract_page(page(inner), URL)
    assert got.author == "Nhóm PV"
    assert got.text.split("\n") == BODY


def test_an_author_box_note_names_the_author() -> None:
    box = ("<div class='author-box'><h3><a href='/tac-gia/12.html'>Lê Minh Châu</a></h3><div "
           "class='summary'>Tác giả Lê Minh Châu là nghiên cứu viên Viện Nhà nước và Pháp luật."
           "</div></div>")
    inner = f"<div class='detail'><h1>{TITLE}</h1>{box}{body()}</div>"
    assert extract_page(page(inner), URL).author == "Lê Minh Châu"


def test_a_date_in_an_author_classed_element_is_no_author() -> None:
    inner = (f"<div class='detail'><h1>{TITLE}</h1><div class='author-meta'><time "
             "class='author-time' datetime='2025-05-06 06:02'>Thứ ba, 06/05/2025 - 06:02</time>"
             f"</div>{body()}</div>")
    got = extract_page(page(inner), URL)
    assert got.author is None
    assert got.published is not None and got.published.date().isoformat() == "2025-05-06"


def test_a_bare_author_label_is_no_author() -> None:
    inner = (f"<div class='detail'><h1>{TITLE}</h1>{body()}<div class='the-article-credit'>"
             "<span class='author-label'>Tác giả</span><p class='author'>Anh Nguyễn</p></div>"
             "</div>")
    assert extract_page(page(inner), URL).author == "Anh Nguyễn"


def test_the_sites_name_with_a_word_after_it_is_no_author() -> None:
    head = ("<meta name='author' content='BaoYenBai News'>"
            "<meta property='og:site_name' content='Báo Yên Bái'>")
    got = extract_page(page(f"<div class='detail'><h1>{TITLE}</h1>{body()}</div>", head), URL)
    assert got.author is None
