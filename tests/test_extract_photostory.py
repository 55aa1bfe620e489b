"""A photo story keeps its captions: there they are the article (issue 17, the safety net).

Captions are not article text in an ordinary article; but a photo story ("Phóng sự ảnh")
tells itself in the paragraph under each photo, and removing captions left one line where
bare trafilatura keeps the story. Pages of our own making in two themes.
"""

from __future__ import annotations

from crawler.analysis.extract import extract_page

URL = "https://baotuyenquang.com.vn/phong-su-anh/mua-thu-hoach-che-so-hoa-1402.html"
TITLE = "Phóng sự ảnh: Mùa chè số ở Mỹ Bằng"
LEAD = "Người trồng chè ở Mỹ Bằng bán hàng qua sàn thương mại điện tử ngay tại đồi chè."
STORY = [
    "Từ sáng sớm, các hộ trồng chè ở thôn Làng Mới đã ra đồi thu hái; mỗi lô chè đều có mã QR "
    "ghi lại ngày bón phân, ngày phun thuốc và ngày thu hoạch.",
    "Chị Nguyễn Thị Hoa quét mã QR trên gốc chè để cập nhật nhật ký sản xuất vào phần mềm của "
    "hợp tác xã, thay cho cuốn sổ tay ghi chép như trước.",
    "Sau khi sao, chè được đóng gói và chụp ảnh ngay tại xưởng để đăng bán trên sàn thương mại "
    "điện tử Postmart và các trang mạng xã hội của hợp tác xã.",
    "Khách hàng ở Hà Nội, TP Hồ Chí Minh thanh toán qua ví điện tử; mỗi tháng hợp tác xã bán "
    "được hơn 2 tấn chè khô, gấp đôi so với năm trước.",
]


def page(inner: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title></head>"
            f"<body><div class='logo'><img src='/logo.png'></div>{inner}"
            "<div class='copyright'>Báo Tuyên Quang điện tử. Giấy phép số 12/GP-BTTTT</div>"
            "</body></html>")


def test_a_story_told_in_figcaptions_keeps_them_as_paragraphs() -> None:
    photos = "".join(f"<figure class='photo'><img src='/anh/{i}.jpg'><figcaption><p>{text}"
                     f"</p></figcaption></figure>" for i, text in enumerate(STORY))
    html = page(f"<div class='story'><h1>{TITLE}</h1><p class='sapo'>{LEAD}</p>{photos}"
                "<p class='author'>Ảnh: Thanh Phúc</p></div>")
    got = extract_page(html, URL)
    assert got.text.split("\n") == [LEAD, *STORY]


def test_a_story_told_in_image_table_captions_keeps_them() -> None:
    photos = "".join(f"<table class='image center'><tbody><tr><td><img src='/anh/{i}.jpg'></td>"
                     f"</tr><tr><td class='image_desc'>{text} (Ảnh: Thanh Phúc)</td></tr>"
                     "</tbody></table>" for i, text in enumerate(STORY))
    html = page(f"<div id='content'><h2 class='title'>{TITLE}</h2><div>{LEAD}</div>{photos}"
                "</div>")
    got = extract_page(html, URL)
    assert got.text.split("\n") == [LEAD, *STORY]  # the credit is not text


def test_captions_of_an_ordinary_article_stay_out() -> None:
    body = "".join(f"<p>{text} {text}</p>" for text in STORY)  # long running paragraphs
    photos = "".join(f"<figure><img src='/anh/{i}.jpg'><figcaption>Ảnh minh họa số {i} của "
                     "phóng viên tại đồi chè Mỹ Bằng, huyện Yên Sơn, tỉnh Tuyên Quang năm 2024"
                     "</figcaption></figure>" for i in range(3))
    html = page(f"<div class='story'><h1>{TITLE}</h1>{photos}{body}</div>")
    got = extract_page(html, URL)
    assert "Ảnh minh họa số" not in got.text and len(got.text.split("\n")) == len(STORY)
