"""Bodies written as text runs between <br>s are kept whole (issue 17, item 5).

Pages of our own making in the shapes of NukeViet and older portals: the body is text nodes
separated by ``<br>`` inside a ``<div>`` or a layout cell, after an image block or an image
table with its caption. Every run is a paragraph line; the caption is not text.
"""

from __future__ import annotations

from crawler.analysis.extract import extract_page

URL = "https://ubndxaphuoc.quangtri.gov.vn/index.php/vi/news/tin-tuc/ha-tang-so-3301.html"
TITLE = "Xã Phước Sơn phủ sóng 4G đến 100% thôn bản"
RUNS = [
    "Sau hai năm triển khai chương trình hạ tầng số, xã Phước Sơn đã có sóng 4G ở tất cả 14 "
    "thôn, bản, kể cả các điểm dân cư ven rừng phòng hộ.",
    "Xã phối hợp với các doanh nghiệp viễn thông lắp mới 6 trạm phát sóng, kéo cáp quang đến "
    "trụ sở, trường học và trạm y tế.",
    "Hạ tầng được nâng cấp giúp người dân nộp hồ sơ trực tuyến tại nhà.",  # a short run
    "Tổ công nghệ số cộng đồng đã hướng dẫn hơn 1.500 lượt người cài đặt VNeID và các ứng dụng "
    "thanh toán không dùng tiền mặt.",
]
SUBHEAD = "Hướng tới xã thông minh"
LAST = ("Năm 2025, xã phấn đấu 90% hộ gia đình có điện thoại thông minh và 70% người trưởng "
        "thành có tài khoản thanh toán điện tử.")
CAPTION = "Kỹ thuật viên lắp đặt trạm phát sóng tại thôn Ba Nang"


def page(inner: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
            "<body><div id='header'><a href='/'><img src='/logo.png' alt='UBND xã'></a></div>"
            f"{inner}"
            "<div id='footer'>Bản quyền thuộc UBND xã Phước Sơn</div></body></html>")


def runs(separator: str = "<br /><br />") -> str:
    return separator.join([*RUNS, f"<strong>{SUBHEAD}</strong>", LAST])


def assert_whole(text: str) -> None:
    assert text.split("\n") == [*RUNS, SUBHEAD, LAST]
    assert CAPTION not in text


def test_runs_after_a_lead_paragraph_and_an_image_block_with_its_caption() -> None:
    # NukeViet 4: a bold lead paragraph, the image and its caption as a block, then the
    # runs as tail text, then the byline paragraph
    html = page(f"<div class='news_column'><h1 class='title'>{TITLE}</h1>"
                "<div id='news-bodyhtml' class='bodytext margin-bottom-lg'>"
                f"<p><strong>{RUNS[0]}</strong></p><div class='image-center'>"
                f"<img src='/uploads/tram.jpg' alt=''><p class='image-caption'>{CAPTION}</p>"
                f"</div>{'<br /><br />'.join([*RUNS[1:], f'<strong>{SUBHEAD}</strong>', LAST])}"
                "<p style='text-align: right;'><strong>Thanh Bình</strong></p></div></div>")
    got = extract_page(html, URL)
    assert_whole(got.text)
    assert got.author == "Thanh Bình"


def test_runs_after_an_image_table_in_a_layout_cell() -> None:
    # an old portal: a layout table; the content cell holds the title, an image table with a
    # caption row, then the runs; the byline is the last run
    html = page("<table width='980'><tr><td width='200' class='left'><a href='/gioi-thieu'>"
                "Giới thiệu</a><br><a href='/lien-he'>Liên hệ</a></td><td class='center'>"
                f"<div class='tieude'>{TITLE}</div><table align='center' width='400'><tr><td>"
                f"<img src='/anh/tram.jpg'></td></tr><tr><td><i>{CAPTION}</i></td></tr></table>"
                f"{runs('<br><br>')}<br><br><b>Minh Hải</b></td></tr></table>")
    got = extract_page(html, URL)
    assert_whole(got.text)
    assert got.author == "Minh Hải"


def test_single_br_runs_between_a_caption_div_and_a_closing_paragraph() -> None:
    # CKEditor output mixed with hand-typed runs: a first paragraph, an image paragraph, a
    # caption div, the runs separated by single <br>s, and the last paragraph as a real <p>
    html = page(f"<div class='detail'><h2>{TITLE}</h2><div class='content'><p>{RUNS[0]}</p>"
                f"<p><img src='/anh/tram.jpg'></p><div class='chuthich'>{CAPTION}</div>"
                f"{'<br>'.join([*RUNS[1:], f'<b>{SUBHEAD}</b>'])}<p>{LAST}</p></div></div>")
    got = extract_page(html, URL)
    assert_whole(got.text)


def test_a_sidebar_blurb_beside_the_body_is_not_made_a_paragraph() -> None:
    # a one-run blurb (the commune's introduction) after its photo, in the next column:
    # only a container holding several runs of prose is a body written as runs
    blurb = ("Xã Phước Sơn nằm ở phía tây của tỉnh, diện tích tự nhiên 9.800 ha, dân số 6.200 "
             "người thuộc 5 dân tộc cùng sinh sống.")
    html = page(f"<div class='row'><div class='col-left'><h1>{TITLE}</h1>"
                f"{''.join(f'<p>{r}</p>' for r in [*RUNS, LAST])}</div><div class='col-right'>"
                f"<div class='gt'><img src='/chu-tich.jpg'></div>{blurb}<br>Liên hệ: UBND xã"
                "<br></div></div>")
    got = extract_page(html, URL)
    assert got.text.split("\n") == [*RUNS, LAST]
