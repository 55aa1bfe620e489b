"""Article-link recognition, pagination, feeds and URL canonicalisation."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.analysis.links import (
    announced_feeds,
    article_links,
    article_score,
    is_trap,
    next_page,
)
from crawler.core.urls import canonical_url, fetchable_url

SITE = "https://tinh.gov.vn/"


@pytest.mark.parametrize("url", [
    # NukeViet, Liferay, WordPress
    "https://tinh.gov.vn/news/chuyen-doi-so/tinh-day-manh-chuyen-doi-so-nam-2024-1234.html",
    "https://tinh.gov.vn/web/portal/-/asset_publisher/abc/content/hoi-nghi-trien-khai-ke-hoach",
    "https://tinh.gov.vn/2024/05/12/so-khcn-tap-huan-ky-nang-so-cho-to-cong-nghe/",
    "https://tinh.gov.vn/Default.aspx?tabid=74&newsid=123456",  # ASP.NET
    "https://bao.vn/lao-cai-khai-truong-trung-tam-ioc-post403219.html",  # newspaper CMS
    "https://tinh.gov.vn/portal/Pages/2023-08-07/Day-manh-thi-dua-Chuyen-doi-son4oug8vtnbka.aspx",
    # article addresses in the query string: Joomla (slug or bare id), NukeViet without
    # rewriting, ASP.NET detail pages with a short id
    "https://tinh.gov.vn/index.php?option=com_content&view=article&id=12:tinh-day-manh-cds"
    "-nam-2024&catid=8&Itemid=101",
    "https://tinh.gov.vn/index.php?option=com_content&view=article&id=12&catid=8",
    "https://tinh.gov.vn/index.php?language=vi&nv=news&op=thoi-su/hoi-nghi-trien-khai-ke-hoach"
    "-chuyen-doi-so-123.html",
    "https://tinh.gov.vn/ChiTietTin.aspx?ID=123",
    "https://tinh.gov.vn/Pages/tin-tuc.aspx?ItemID=1234",  # SharePoint
    "https://so.tinh.gov.vn/node/1234",  # Drupal without path aliases
])
def test_article_urls_are_recognised(url: str) -> None:
    assert article_score(url, "Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước") >= 3


@pytest.mark.parametrize("url", [
    "https://tinh.gov.vn/", "https://tinh.gov.vn/tin-tuc/", "https://tinh.gov.vn/tim-kiem?q=abc",
    "https://tinh.gov.vn/tag/chuyen-doi-so", "https://tinh.gov.vn/2024/05/",
    "https://tinh.gov.vn/lien-he", "https://tinh.gov.vn/uploads/van-ban-so-123456.pdf",
    "https://tinh.gov.vn/tin-tuc?page=2", "https://tinh.gov.vn/dang-nhap?ReturnUrl=/",
    "https://tinh.gov.vn/index.php?option=com_content&view=category&id=8&limitstart=6",
    "https://tinh.gov.vn/tin-tuc?utm_campaign=chuyen-doi-so-thang-nam-2024",
    "https://tinh.gov.vn/news/2", "https://tinh.gov.vn/Pages/tin-tuc.aspx?CategoryID=5",
])
def test_listing_trap_and_asset_urls_are_not_articles(url: str) -> None:
    assert article_score(url, "Trang") < 3


def test_tracking_parameters_do_not_make_a_listing_look_like_an_article() -> None:
    listing = "https://tinh.gov.vn/tin-tuc?utm_campaign=chuyen-doi-so-thang-nam-2024"
    assert article_score(listing, "Tỉnh đẩy mạnh chuyển đổi số trong cơ quan nhà nước") < 3


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
    # Joomla counts items, not pages: limitstart=6 is page 2 of a 6-item blog
    ('<a href="/index.php?view=category&amp;id=8">Trước</a>'
     '<a href="/index.php?view=category&amp;id=8&amp;limitstart=12">Sau</a>',
     "https://tinh.gov.vn/index.php?view=category&id=8&limitstart=6",
     "https://tinh.gov.vn/index.php?view=category&id=8&limitstart=12"),
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


# -- whole listing pages in the styles of five CMS families (tests/sites/cms) -------------
CMS = {
    "nukeviet": ("https://sokhcn.tinh.gov.vn/news/page-2", [
        "https://sokhcn.tinh.gov.vn/news/tin-hoat-dong/hoi-nghi-trien-khai-chuyen-doi-so-nam-2024-1012.html",
        "https://sokhcn.tinh.gov.vn/news/tin-hoat-dong/tap-huan-ky-nang-so-cho-can-bo-xa-1013.html",
        "https://sokhcn.tinh.gov.vn/news/khoa-hoc/ung-dung-iot-trong-nong-nghiep-1014.html",
    ], "https://sokhcn.tinh.gov.vn/news/page-3",
        ["https://sokhcn.tinh.gov.vn/index.php?nv=news&op=rss"]),
    "liferay": ("https://tinh.gov.vn/web/portal/tin-tuc", [
        "https://tinh.gov.vn/web/portal/tin-tuc/-/asset_publisher/Ab3dEf/content/ha-giang-day-manh-xay-dung-chinh-quyen-so?redirect=%2Fweb%2Fportal%2Ftin-tuc&inheritRedirect=true",
        "https://tinh.gov.vn/web/portal/tin-tuc/-/asset_publisher/Ab3dEf/content/khai-truong-trung-tam-ioc-cua-tinh",
        "https://tinh.gov.vn/web/portal/tin-tuc/-/asset_publisher/Ab3dEf/content/nghiem-thu-du-an-ha-tang-so",
    ], "https://tinh.gov.vn/web/portal/tin-tuc?p_p_id=101_INSTANCE_Ab3dEf&_101_INSTANCE_Ab3dEf_cur=2",
        []),
    "wordpress": ("https://baotinh.vn/category/tin-tuc/page/2/", [
        "https://baotinh.vn/2024/05/12/tinh-ra-mat-to-cong-nghe-so-cong-dong-tai-100-xa/",
        "http://www.baotinh.vn/2024/05/11/nong-dan-ban-hang-qua-san-thuong-mai-dien-tu/?utm_source=rss&utm_medium=rss",
    ], "https://baotinh.vn/category/tin-tuc/page/3/", ["https://baotinh.vn/feed/"]),
    "aspnet": ("https://tinh.gov.vn/Default.aspx?tabid=74", [
        "https://tinh.gov.vn/Default.aspx?tabid=74&ndid=102&newsid=128934",
        "https://tinh.gov.vn/Default.aspx?tabid=74&ndid=102&newsid=128935",
    ], "https://tinh.gov.vn/Default.aspx?tabid=74&page=2", []),
    "newspaper": ("https://baotinh.vn/thoi-su/", [
        "https://baotinh.vn/thoi-su/tinh-uy-ban-hanh-nghi-quyet-ve-chuyen-doi-so-post412345.html",
        "https://baotinh.vn/kinh-te/xuat-khau-nong-san-tang-manh-418822.html",
    ], "https://baotinh.vn/thoi-su/trang-2.html", ["https://baotinh.vn/rss/thoi-su.rss"]),
}  # fmt: skip


@pytest.mark.parametrize("cms", sorted(CMS))
def test_cms_listing_pages(cms: str) -> None:
    """Exactly the articles (no menus, footers, tags, categories, archives, searches, share
    buttons, comment anchors or print links), the next page, and the article feeds."""
    from pathlib import Path

    url, articles, following, feeds = CMS[cms]
    html = (Path(__file__).parent / "sites" / "cms" / f"{cms}.html").read_text("utf-8")
    sel = Selector(text=html)
    assert article_links(sel, url, url) == articles
    assert next_page(sel, url, url) == following
    assert announced_feeds(sel, url) == feeds


def test_read_more_links_count_by_url_shape() -> None:
    # "Xem chi tiết" says nothing; a Liferay content path or a NukeViet slug-id does
    assert article_score("https://tinh.gov.vn/web/portal/-/asset_publisher/x/content/"
                         "nghiem-thu-du-an", "Xem chi tiết") >= 3
    assert article_score("https://tinh.gov.vn/web/portal/tin-tuc", "Xem chi tiết") < 3


@pytest.mark.parametrize("url", [
    "https://tinh.gov.vn/lich-cong-tac?date=2024-05-12",        # calendar by query
    "https://tinh.gov.vn/calendar/2031/01/",                     # calendar far ahead
    "https://baotinh.vn/?s=chuyen+doi+so",                       # WordPress search
    "https://baotinh.vn/tim-kiem.html?keywords=cds",             # newspaper search
    "https://tinh.gov.vn/tag/chuyen-doi-so?page=9",              # tag archive
])
def test_more_traps(url: str) -> None:
    assert is_trap(url)


def test_an_aspnet_item_address_is_an_article_and_its_section_is_not() -> None:
    headline = "Huyện triển khai dịch vụ công trực tuyến toàn trình tại 14 xã"
    assert article_score("https://huyen.gov.vn/TinTuc.aspx?ID=2031", headline) >= 3
    assert article_score("https://huyen.gov.vn/TinTuc.aspx?CatID=3", headline) < 3


def test_a_wordpress_entry_header_is_not_page_chrome() -> None:
    # themes put each post's title in <article><header class="entry-header">
    html = ("<html><body><header id='masthead'><nav><a href='/2024/03/01/bai-trong-menu-dau"
            "-trang-cua-bao/'>Bài trong menu đầu trang của báo tỉnh</a></nav></header><main>"
            "<article><header class='entry-header'><h2><a href='/2024/03/12/nguoi-dan-vung-cao"
            "-dung-dich-vu-cong/'>Người dân vùng cao dùng dịch vụ công trực tuyến</a></h2>"
            "</header></article></main></body></html>")
    assert article_links(Selector(text=html), SITE, SITE) == [
        "https://tinh.gov.vn/2024/03/12/nguoi-dan-vung-cao-dung-dich-vu-cong/"]
