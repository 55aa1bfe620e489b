"""Article-link recognition, pagination, feeds and URL canonicalisation."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.urls import canonical_url, fetchable_url
from spiders.discovery import (
    announced_feeds,
    article_links,
    article_score,
    is_trap,
    next_page,
)

SITE = "https://tinh.gov.vn/"


@pytest.mark.parametrize("url", [
    # NukeViet, Liferay, WordPress
    "https://tinh.gov.vn/news/chuyen-doi-so/tinh-day-manh-chuyen-doi-so-nam-2024-1234.html",
    "https://tinh.gov.vn/web/portal/-/asset_publisher/abc/content/hoi-nghi-trien-khai-ke-hoach",
    "https://tinh.gov.vn/2024/05/12/so-khcn-tap-huan-ky-nang-so-cho-to-cong-nghe/",
    "https://tinh.gov.vn/Default.aspx?tabid=74&newsid=123456",  # ASP.NET
    "https://bao.vn/lao-cai-khai-truong-trung-tam-ioc-post403219.html",  # newspaper CMS
    "https://tinh.gov.vn/portal/Pages/2023-08-07/Day-manh-thi-dua-Chuyen-doi-son4oug8vtnbka.aspx",
])
def test_article_urls_are_recognised(url: str) -> None:
    assert article_score(url, "Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước") >= 3


@pytest.mark.parametrize("url", [
    "https://tinh.gov.vn/", "https://tinh.gov.vn/tin-tuc/", "https://tinh.gov.vn/tim-kiem?q=abc",
    "https://tinh.gov.vn/tag/chuyen-doi-so", "https://tinh.gov.vn/2024/05/",
    "https://tinh.gov.vn/lien-he", "https://tinh.gov.vn/uploads/van-ban-so-123456.pdf",
    "https://tinh.gov.vn/tin-tuc?page=2", "https://tinh.gov.vn/dang-nhap?ReturnUrl=/",
])
def test_listing_trap_and_asset_urls_are_not_articles(url: str) -> None:
    assert article_score(url, "Trang") < 3


def test_traps() -> None:
    assert is_trap("https://tinh.gov.vn/search?keyword=x")
    assert is_trap("https://tinh.gov.vn/lich-su-kien/2024/05/")
    assert not is_trap("https://tinh.gov.vn/tin-tuc/hoi-nghi-chuyen-doi-so-123.html")


def test_article_links_skip_navigation_and_other_sites_and_honour_a_pattern() -> None:
    html = """<html><body><nav><a href="/tin-tuc/gioi-thieu-ve-tinh-ta-va-lich-su-123456.html">
    Giới thiệu về tỉnh ta và lịch sử hình thành</a></nav>
    <div class="list"><a href="/tin-tuc/tinh-day-manh-chuyen-doi-so-234567.html">Tỉnh đẩy
    mạnh chuyển đổi số năm 2024 trong các cơ quan</a>
    <a href="/tin-tuc/tinh-day-manh-chuyen-doi-so-234567.html?utm_source=fb#top">Tỉnh đẩy
    mạnh chuyển đổi số (bản chia sẻ)</a>
    <a href="https://other.vn/tin/mot-bai-khac-tren-trang-khac-345678.html">Một bài khác trên trang
    khác hoàn toàn</a>
    <a href="/tag/chuyen-doi-so-va-chinh-quyen-so-456789">Thẻ: chuyển đổi số và chính quyền
    số</a></div>
    </body></html>"""
    sel = Selector(text=html)
    links = article_links(sel, SITE, SITE)
    assert links == ["https://tinh.gov.vn/tin-tuc/tinh-day-manh-chuyen-doi-so-234567.html"]
    import re

    pattern = re.compile(r"/tag/")  # a per-source override wins over the recogniser
    assert article_links(sel, SITE, SITE, pattern) == [
        "https://tinh.gov.vn/tag/chuyen-doi-so-va-chinh-quyen-so-456789"]


@pytest.mark.parametrize(("html", "current", "expected"), [
    ('<link rel="next" href="/tin-tuc?page=3">', "https://tinh.gov.vn/tin-tuc?page=2",
     "https://tinh.gov.vn/tin-tuc?page=3"),
    ('<a href="/tin-tuc/trang-2">Trang sau</a>', "https://tinh.gov.vn/tin-tuc",
     "https://tinh.gov.vn/tin-tuc/trang-2"),
    ('<a href="/tin-tuc?page=1">1</a><a href="/tin-tuc?page=2">2</a>'
     '<a href="/tin-tuc?page=3">3</a>',
     "https://tinh.gov.vn/tin-tuc?page=2", "https://tinh.gov.vn/tin-tuc?page=3"),
    ('<a href="/category/tin/page/2/">»</a>', "https://tinh.gov.vn/category/tin/",
     "https://tinh.gov.vn/category/tin/page/2/"),
    ('<a href="/tin-tuc?page=1">Trang trước</a>', "https://tinh.gov.vn/tin-tuc?page=2", None),
])
def test_next_page(html: str, current: str, expected: str | None) -> None:
    assert next_page(Selector(text=f"<html><head></head><body>{html}</body></html>"), current,
                     SITE) == expected


def test_announced_feeds() -> None:
    sel = Selector(text='<html><head><link rel="alternate" type="application/rss+xml" '
                        'href="/rss/home.rss"><link rel="stylesheet" href="/a.css"></head></html>')
    assert announced_feeds(sel, SITE) == ["https://tinh.gov.vn/rss/home.rss"]


@pytest.mark.parametrize(("variant", "canonical"), [
    ("http://www.bao.vn/a-123.html?utm_source=fb&fbclid=x#c", "https://bao.vn/a-123.html"),
    ("https://bao.vn/a-123.html?zarsrc=31&gidzl=abc", "https://bao.vn/a-123.html"),
    ("https://BAO.vn/a-123.html?print=1", "https://bao.vn/a-123.html"),
    ("https://bao.vn/a-123/print", "https://bao.vn/a-123"),
    ("https://bao.vn/tin/;jsessionid=ABC123?id=5", "https://bao.vn/tin?id=5"),
    ("https://bao.vn/tin/index.html", "https://bao.vn/tin"),
    ("https://bao.vn/x?b=2&a=1", "https://bao.vn/x?a=1&b=2"),
])
def test_canonical_url(variant: str, canonical: str) -> None:
    assert canonical_url(variant) == canonical


def test_fetchable_url_keeps_scheme_and_host() -> None:
    assert fetchable_url("http://www.bao.vn/a.html?utm_medium=x&id=3#top") == \
        "http://www.bao.vn/a.html?id=3"
