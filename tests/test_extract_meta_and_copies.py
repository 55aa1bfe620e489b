"""A meta author that is the publisher's own name is no author; a hidden copy of shown text is
dropped."""

from __future__ import annotations

import pytest

from crawler.analysis.extract import extract_page

BODY = "<p>" + "Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước năm nay. " * 12 + "</p>"


def _page(author: str, title_suffix: str = "", site_name: str = "") -> str:
    title = "Tỉnh đẩy mạnh chuyển đổi số" + (f" - {title_suffix}" if title_suffix else "")
    og = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    return (f'<html><head><title>{title}</title><meta name="author" content="{author}">{og}'
            f"</head><body><h1>Tỉnh đẩy mạnh chuyển đổi số</h1>{BODY}{BODY}</body></html>")


@pytest.mark.parametrize(("html", "url"), [
    (_page("Dân Trí"), "https://dantri.com.vn/xa-hoi/bai-20221224.htm"),  # the host's name
    (_page("VietNamNet"), "https://vietnamnet.vn/bai-123.html"),
    (_page("Tuổi Trẻ", title_suffix="Tuổi Trẻ"), "https://example.vn/a.html"),  # <title>
    (_page("Người Lao Động", site_name="Người Lao Động"), "https://nld.com.vn/a.htm"),
])
def test_the_publishers_name_in_meta_author_is_no_author(html: str, url: str) -> None:
    assert extract_page(html, url).author is None


def test_a_writers_name_in_meta_author_stays() -> None:
    page = extract_page(_page("Nguyễn Văn An", title_suffix="Dân trí"),
                        "https://dantri.com.vn/a.htm")
    assert page.author == "Nguyễn Văn An"


SLIDE = "Trung tâm điều hành thông minh của tỉnh đã kết nối dữ liệu với 20 sở ngành năm nay."
PARA = "Người dân nộp hồ sơ trực tuyến toàn trình mọi lúc mọi nơi qua điện thoại thông minh. "


def test_a_hidden_copy_of_a_caption_is_kept_once() -> None:
    """A photo story that prints each slide's text twice, once hidden (display: none),
    stores it once."""
    def desc(n: int, hidden: bool) -> str:
        style = ' style="display: none; height: 0;"' if hidden else ""
        return (f'<div class="desc_cation"{style}><p class="Normal">{SLIDE} Ảnh số {n}.</p>'
                f'<p class="Normal">{PARA}Khung cảnh số {n}.</p></div>')
    # each slide left open, as the theme prints it: the next slide nests inside
    slides = "".join(f'<div class="item_slide_show clearfix"><div class="block_thumb_slide_show">'
                     f'<div class="block_thumb_picture"><picture><img src="{n}.jpg"></picture>'
                     f"</div>{desc(n, True)}{desc(n, False)}" for n in range(5))
    html = (f"<html><head><title>Tỉnh vận hành IOC</title></head><body><h1>Tỉnh vận hành IOC"
            f'</h1><p class="description">{PARA}</p><article class="fck_detail">{slides}'
            "</article></body></html>")
    lines = [line for line in extract_page(html, "https://x.vn/a.html").text.split("\n")
             if line.strip()]
    assert any("Ảnh số 4" in line for line in lines)
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("name", ["news-other", "other-news", "newsOther", "box_other_news",
                                  "tin-cung-chuyen-muc"])
def test_an_other_news_block_is_furniture_whatever_its_class_spelling(name: str) -> None:
    teaser = ("Một tin khác của chuyên mục: huyện bên cạnh tổ chức hội nghị tổng kết công tác "
              "năm và triển khai nhiệm vụ trọng tâm của năm sau với nhiều chỉ tiêu mới. ")
    html = (f"<html><head><title>Tỉnh vận hành IOC</title></head><body><h1>Tỉnh vận hành IOC"
            f"</h1><p>{PARA * 4}</p><p>{SLIDE}</p><div class='{name}'><p>{teaser * 2}</p></div>"
            f"<p>{PARA * 3}</p></body></html>")
    text = extract_page(html, "https://x.vn/a.html").text
    assert "Một tin khác" not in text and SLIDE in text
