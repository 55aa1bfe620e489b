"""Finding article links, pagination, feeds and sitemaps in a fetched page.

Pure functions over parsel selectors and strings, so each rule can be tested on its own.
The article-link recogniser scores a link by URL shape, anchor text and where it sits in
the page; listing and trap URLs (tags, search, calendars, login) score below zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.urls import canonical_url, keeps_param, same_site

ASSET_EXT = re.compile(
    r"\.(jpe?g|png|gif|webp|svg|bmp|ico|pdf|docx?|xlsx?|pptx?|zip|rar|7z|mp3|mp4|avi|mov|"
    r"wmv|flv|css|js|xml|json|txt|apk|exe)$", re.I)
TRAP_PATH = re.compile(
    r"(/tags?/|/tu-khoa|/search|/tim-kiem|/timkiem|/lien-he|/contact|/login|/dang-nhap|"
    r"/dang-ky|/register|/rss|/feed/?$|/video/?$|/calendar|/lich-|/print|/in-bai|/sitemap|"
    r"/author/|/tac-gia/|/wp-admin|/wp-login|/cart|/gio-hang|/share|mailto:|javascript:|"
    r"/(19|20)\d\d/(0?[1-9]|1[0-2])/?$|/(19|20)\d\d/?$)", re.I)
TRAP_QUERY_KEYS = frozenset({"q", "keyword", "keywords", "search", "s", "tukhoa", "date",
                             "ngay", "month", "year", "sort", "orderby", "filter", "lang"})
ARTICLE_EXT = re.compile(r"\.(html?|aspx?|php|jsp)$", re.I)
LONG_ID = re.compile(r"\d{5,}")
COMMENT_FEED = re.compile(r"/comments?/feed|/(19|20)\d\d/\d\d/.+/feed/?$", re.I)
NEXT_TEXT = {"trang sau", "trang tiếp", "tiếp", "sau", "tiếp theo", "next", "»", "›", ">",
             ">>", "xem tiếp", "xem thêm"}
# page=2, trang=2, Liferay's _101_INSTANCE_x_cur=2, DotNetNuke's PageIndex ...
PAGE_PARAM = re.compile(
    r"^(.*_)?(page|p|trang|pageindex|pagenumber|pg|paged|cur|start|limitstart)$", re.I)
# what CMSs put in an article page's address: Joomla's view=article, ASP.NET's
# ChiTiet.aspx / NewsDetail.aspx, "xem tin", "noi dung", SharePoint's ItemID=, Drupal's
# /node/123, /news/123 (pagination links that look alike have no headline as anchor text)
DETAIL_MARK = re.compile(
    r"(chi-?tiet|detail|view=article|/article/|viewnews|xem-?tin|noi-?dung|"
    r"[?&](item|news|article|post|tin|bai)_?id=\d+|/(node|news|tin|bai|article|post)s?/\d+/?$)",
    re.I)
PAGE_PATH = re.compile(r"/(page|trang|p)[/-](\d+)(?=/|$|\.)", re.I)
NAV_ANCESTORS = ("nav", "footer", "header")
# Liferay web content: /web/<site>/<page>/-/asset_publisher/<id>/content/<slug> or /-/<slug>
LIFERAY_CONTENT = re.compile(r"/-/(asset_publisher/[^/]+/content/|)[^/]+$")


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def _slug_words(path: str) -> int:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    last = ARTICLE_EXT.sub("", last)
    return len([w for w in re.split(r"[-_]+", last) if w and not w.isdigit()])


def _query_slug_words(query: str) -> int:
    """The longest slug in a query value: Joomla's ``id=12:tinh-day-manh-...``, NukeViet's
    ``op=thoi-su/tinh-day-manh-....html``."""
    return max((_slug_words(piece) for key, value in parse_qsl(query)
                if keeps_param(key, value)  # not utm_campaign=chuyen-doi-so-thang-5
                for piece in re.split(r"[:/]", value)), default=0)


def is_trap(url: str) -> bool:
    """Search pages, tag pages, calendars, logins and session-laden URLs."""
    parts = urlsplit(url)
    if TRAP_PATH.search(parts.path) or TRAP_PATH.search(url[:11]):
        return True
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(keys & TRAP_QUERY_KEYS)


def article_score(url: str, text: str) -> int:
    """How much ``url`` (with anchor ``text``) looks like a news article; >= 3 means yes."""
    parts = urlsplit(url)
    path = parts.path
    if ASSET_EXT.search(path) or is_trap(url) or path in ("", "/"):
        return -5
    score = 0
    if ARTICLE_EXT.search(path) and (LONG_ID.search(path) or _slug_words(path) >= 4):
        score += 2
    elif LONG_ID.search(path) or LONG_ID.search(parts.query):
        score += 2
    if _slug_words(path) >= 4 or _query_slug_words(parts.query) >= 4:
        score += 2
    elif DETAIL_MARK.search(f"{path}?{parts.query}" if parts.query else path):
        score += 2  # an article address without a slug: ChiTiet.aspx?ID=12, view=article&id=12
    if LIFERAY_CONTENT.search(path) and _slug_words(path) >= 2:
        score += 2
    words = len(text.split())
    if words >= 5:
        score += 1
    if words >= 8:
        score += 1
    if PAGE_PATH.search(path) or any(PAGE_PARAM.match(k) for k, _ in parse_qsl(parts.query)):
        score -= 3
    return score


def _in_navigation(anchor: Selector) -> bool:
    return bool(anchor.xpath(
        "ancestor::*[self::nav or self::footer or self::header or "
        "contains(@class,'menu') or contains(@id,'menu') or contains(@class,'breadcrumb') or "
        "contains(@id,'footer') or contains(@class,'footer') or contains(@id,'header')]"))


def page_links(sel: Selector, base_url: str) -> Iterator[Link]:
    for _, url, text in _anchors(sel, base_url):
        yield Link(url, text)


def _anchors(sel: Selector, base_url: str) -> Iterator[tuple[Selector, str, str]]:
    """(anchor, absolute URL, anchor text or else its title) of each followable link."""
    for a in sel.css("a[href]"):
        href = (a.attrib.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = " ".join(" ".join(a.css("::text").getall()).split())
        yield a, urljoin(base_url, href), text or a.attrib.get("title", "").strip()


def article_links(sel: Selector, base_url: str, site_url: str,
                  pattern: re.Pattern[str] | None = None) -> list[str]:
    """Article URLs linked from a listing page, in page order, de-duplicated canonically.

    With a per-source ``pattern`` only links whose URL matches it are taken; otherwise the
    general recogniser decides, ignoring links inside navigation, header and footer.
    """
    seen: set[str] = set()
    out: list[str] = []
    for a, url, text in _site_links(sel, base_url, site_url):
        if pattern is not None:
            if not pattern.search(url):
                continue
        elif _in_navigation(a) or article_score(url, text) < 3:
            continue
        key = canonical_url(url)
        if key not in seen:
            seen.add(key)
            out.append(url.split("#", 1)[0])
    return out


def links_not_taken(sel: Selector, base_url: str, site_url: str, limit: int = 5
                    ) -> list[tuple[int, str]]:
    """The same-site links outside navigation that the recogniser did not take, best score
    first: what an operator looks at to write a source's ``article_pattern``."""
    scored: dict[str, int] = {}
    for a, url, text in _site_links(sel, base_url, site_url):
        score = article_score(url, text)
        if score < 3 and not _in_navigation(a):
            scored[url] = max(score, scored.get(url, score))
    return sorted(((score, url) for url, score in scored.items()), key=lambda p: -p[0])[:limit]


def _site_links(sel: Selector, base_url: str, site_url: str
                ) -> Iterator[tuple[Selector, str, str]]:
    """``_anchors`` that are http(s) links to the same site."""
    for a, url, text in _anchors(sel, base_url):
        if same_site(url, site_url) and urlsplit(url).scheme in ("http", "https"):
            yield a, url, text


def _page_number(url: str) -> int | None:
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        if PAGE_PARAM.match(k) and v.isdigit():
            return int(v)
    m = PAGE_PATH.search(parts.path)
    return int(m.group(2)) if m else None


def next_page(sel: Selector, current_url: str, site_url: str) -> str | None:
    """The URL of the next listing page: rel=next, a "Trang sau"-like link, or page N+1."""
    for href in sel.css("link[rel=next]::attr(href), a[rel=next]::attr(href)").getall():
        url = urljoin(current_url, href.strip())
        if same_site(url, site_url):
            return url
    current = _page_number(current_url) or 1
    numbered: str | None = None
    for link in page_links(sel, current_url):
        if not same_site(link.url, site_url) or link.url.split("#")[0] == current_url:
            continue
        label = link.text.strip().lower()
        if label in NEXT_TEXT and _page_number(link.url) not in (None, current - 1):
            return link.url
        if label == str(current + 1) or (_page_number(link.url) == current + 1 and
                                         label in NEXT_TEXT | {str(current + 1)}):
            numbered = numbered or link.url
    return numbered


def announced_feeds(sel: Selector, base_url: str) -> list[str]:
    """Feeds announced with ``<link rel="alternate" type="application/rss+xml">`` (or atom).

    Comment feeds (WordPress ``/comments/feed/``, per-post ``/feed/`` under a post) list
    comments, not articles, and are left out.
    """
    hrefs = sel.xpath(
        "//link[contains(@rel,'alternate') and (contains(@type,'rss') or "
        "contains(@type,'atom'))]/@href").getall()
    urls = [urljoin(base_url, h.strip()) for h in hrefs if h.strip()]
    return [u for u in urls if not COMMENT_FEED.search(urlsplit(u).path)]
