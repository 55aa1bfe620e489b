"""A meta author that is the publisher's own name is no author."""

from __future__ import annotations

import pytest

from crawler.extract import extract_page

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
