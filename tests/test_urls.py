"""One article, one URL: canonical_url, fetchable_url and same_site on real-world variants."""

from __future__ import annotations

import pytest

from crawler.core.urls import canonical_url, fetchable_url, same_site

ARTICLE = "https://baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html"


@pytest.mark.parametrize("variant", [
    ARTICLE,
    "http://baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html",          # scheme
    "https://www.baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html",     # www.
    "https://BaoTinh.VN/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html",         # host case
    ARTICLE + "#binh-luan",                                                       # fragment
    ARTICLE + "?utm_source=facebook&utm_medium=social&utm_campaign=cds",          # utm_*
    ARTICLE + "?fbclid=IwAR0abc",                                                 # Facebook
    ARTICLE + "?zarsrc=30&utm_source=zalo&utm_medium=zalo&utm_campaign=zalo",     # Zalo
    ARTICLE + "?gidzl=xYz-123",                                                   # Zalo id
    ARTICLE + "?print=1",                                                         # print view
    ARTICLE + "?mode=print",
    "https://baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345-print.html",   # print file
    "https://baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html/",        # slash
    "https://baotinh.vn/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html;jsessionid=A1B2",
    ARTICLE + "?PHPSESSID=deadbeef",                                              # session
    "https://baotinh.vn:443/thoi-su/tinh-day-manh-chuyen-doi-so-412345.html",     # default port
])
def test_variants_of_one_article_share_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant) == ARTICLE


@pytest.mark.parametrize(("url", "canonical"), [
    ("https://tinh.gov.vn/tin-tuc/", "https://tinh.gov.vn/tin-tuc"),
    ("https://tinh.gov.vn/tin-tuc/index.html", "https://tinh.gov.vn/tin-tuc"),
    ("https://tinh.gov.vn/Default.aspx", "https://tinh.gov.vn/"),
    ("https://tinh.gov.vn/bai-viet/print", "https://tinh.gov.vn/bai-viet"),
    ("https://tinh.gov.vn/in-bai/bai-viet-123", "https://tinh.gov.vn/bai-viet-123"),
    ("https://tinh.gov.vn/web/portal/-/asset_publisher/Ab/content/ten-bai?redirect=%2Fweb"
     "&inheritRedirect=true", "https://tinh.gov.vn/web/portal/-/asset_publisher/Ab/content/"
     "ten-bai"),
])
def test_path_and_navigation_noise_removed(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(("a", "b"), [
    # the identifying parameter of an ASP.NET or NukeViet article stays
    ("https://tinh.gov.vn/Default.aspx?tabid=74&newsid=1", "https://tinh.gov.vn/Default.aspx?tabid=74&newsid=2"),
    ("https://tinh.gov.vn/index.php?nv=news&op=a-1", "https://tinh.gov.vn/index.php?nv=news&op=a-2"),
    # print=0 is not a print view; a non-default port is a different server
    ("https://tinh.gov.vn/a?id=1", "https://tinh.gov.vn/a?id=2"),
    ("http://127.0.0.1:8001/a-1.html", "http://127.0.0.1:8002/a-1.html"),
    # subdomains are different sites (department portals under the province's domain)
    ("https://sokhcn.tinh.gov.vn/a-1.html", "https://stttt.tinh.gov.vn/a-1.html"),
])
def test_different_articles_stay_different(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


def test_query_order_and_relative_urls() -> None:
    assert canonical_url("https://tinh.gov.vn/x?b=2&a=1") == "https://tinh.gov.vn/x?a=1&b=2"
    assert canonical_url("../tin/bai-1.html?utm_source=x", base="https://tinh.gov.vn/a/b/") == \
        "https://tinh.gov.vn/a/tin/bai-1.html"


def test_local_servers_keep_their_scheme_and_port() -> None:
    assert canonical_url("http://127.0.0.1:8001/a.html?utm_source=x") == \
        "http://127.0.0.1:8001/a.html"


def test_fetchable_url_removes_noise_only() -> None:
    # what the site linked, minus tracking/session noise: the canonical host or scheme may
    # not answer (http-only portals, www-only hosts)
    assert fetchable_url("http://www.tinh.gov.vn/a.html?utm_source=x&id=3#top") == \
        "http://www.tinh.gov.vn/a.html?id=3"
    assert fetchable_url("http://tinh.gov.vn/a.html;jsessionid=XYZ?fbclid=1") == \
        "http://tinh.gov.vn/a.html"
    # a print view is a real page the site serves: fetching it is allowed, storing it under
    # its own URL is not (canonical_url)
    assert fetchable_url("https://tinh.gov.vn/a.html?print=1") == \
        "https://tinh.gov.vn/a.html?print=1"
    untouched = "https://tinh.gov.vn/Default.aspx?tabid=74&newsid=128934"
    assert fetchable_url(untouched) == untouched


def test_same_site() -> None:
    assert same_site("https://www.tinh.gov.vn/a", "http://tinh.gov.vn/b")
    assert not same_site("https://sokhcn.tinh.gov.vn/a", "https://tinh.gov.vn/")
    assert not same_site("https://tinh.gov.vn.evil.com/a", "https://tinh.gov.vn/")


@pytest.mark.parametrize(("a", "b", "same"), [
    # another port is another server, also on the same host (issue 18.2)
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8002/b", False),
    ("http://127.0.0.1:8001/a", "http://127.0.0.1/b", False),
    ("https://tinh.gov.vn:8443/a", "https://tinh.gov.vn/", False),
    ("http://127.0.0.1:8001/a", "http://127.0.0.1:8001/b", True),
    # the default ports of http and https are the portal's one site
    ("https://tinh.gov.vn:443/a", "http://www.tinh.gov.vn:80/b", True),
    ("https://tinh.gov.vn/a", "http://tinh.gov.vn:443/b", True),
    ("https://Tinh.Gov.VN./a", "https://tinh.gov.vn/", True),
    # a port that is not a number names no site
    ("http://tinh.gov.vn:abc/a", "http://tinh.gov.vn:abc/a", False),
])
def test_same_site_compares_host_and_port(a: str, b: str, same: bool) -> None:
    assert same_site(a, b) is same
