"""Finding article links, pagination, feeds and sitemaps in a fetched page.

Pure functions over parsel selectors and strings, so each rule can be tested on its own.
The article-link recogniser scores a link by URL shape, anchor text and where it sits in
the page; listing and trap URLs (tags, search, calendars, login) score below zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector

from crawler.core.urls import canonical_url, keeps_param, same_site

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


# a section address: /category/..., /page/2, ?CatID=3 without an item id
_LISTING_PATH = re.compile(
    r"/(category|categories|chuyen-muc|chuyenmuc|danh-muc|danhmuc|section|topic|chu-de)(/|$)|"
    r"/(page|trang)[/-]\d+/?$", re.I)
_LISTING_KEYS = frozenset({"cat", "catid", "cate", "categoryid", "cateid", "chuyenmuc",
                           "danhmuc", "menuid", "zoneid", "page", "paged", "trang"})
_ARTICLE_KEYS = frozenset({"id", "newsid", "itemid", "articleid", "postid", "p", "tinid",
                           "baiid", "nid", "news_id", "item_id", "article_id"})

def listing_address(url: str) -> bool:
    """A section address: ``/category/…``, ``/page/2``, ``?CatID=3`` without an item id."""
    parts = urlsplit(url)
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if keys & _ARTICLE_KEYS:
        return False
    return bool(_LISTING_PATH.search(parts.path) or keys & _LISTING_KEYS)


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


def _item_id_only(query: str) -> bool:
    """The query names one item by a numeric ``id`` and nothing else (no category, view or
    page parameter): ``TinTuc.aspx?ID=2031``."""
    pairs = parse_qsl(query)
    return len(pairs) == 1 and pairs[0][0].lower() == "id" and pairs[0][1].isdigit()


def is_trap(url: str) -> bool:
    """Search pages, tag pages, calendars, logins and session-laden URLs."""
    parts = urlsplit(url)
    if TRAP_PATH.search(parts.path) or TRAP_PATH.search(url[:11]):
        return True
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return bool(keys & TRAP_QUERY_KEYS)


def article_score(url: str, text: str) -> int:
    """How much ``url`` (with anchor ``text``) looks like a news article; >= 3 means yes."""
    score = _url_score(url)
    if score is None:
        return -5
    words = len(text.split())
    if words >= 5:
        score += 1
    if words >= 8:
        score += 1
    return score


@lru_cache(maxsize=16384)
def _url_score(url: str) -> int | None:
    """The address's part of ``article_score`` (None: an asset, trap or home page). Cached:
    a site's menus, footers and latest-news boxes repeat on every page of a crawl."""
    parts = urlsplit(url)
    path = parts.path
    if ASSET_EXT.search(path) or is_trap(url) or path in ("", "/"):
        return None
    score = 0
    if ARTICLE_EXT.search(path) and (LONG_ID.search(path) or _slug_words(path) >= 4):
        score += 2
    elif LONG_ID.search(path) or LONG_ID.search(parts.query):
        score += 2
    if _slug_words(path) >= 4 or _query_slug_words(parts.query) >= 4:
        score += 2
    elif DETAIL_MARK.search(f"{path}?{parts.query}" if parts.query else path) or (
            ARTICLE_EXT.search(path) and _item_id_only(parts.query)):
        # an article address without a slug: ChiTiet.aspx?ID=12, view=article&id=12, and
        # TinTuc.aspx?ID=2031 (the same page with CatID=3 is the section)
        score += 2
    if LIFERAY_CONTENT.search(path) and _slug_words(path) >= 2:
        score += 2
    if PAGE_PATH.search(path) or any(PAGE_PARAM.match(k) for k, _ in parse_qsl(parts.query)):
        score -= 3
    return score


def _in_navigation(anchor: Any) -> bool:
    return bool(anchor.xpath(
        # an <article>'s own <header>/<footer> (WordPress entry-header) is no page chrome
        "ancestor::*[self::nav or ((self::footer or self::header) and not(ancestor::article)) or "
        "contains(@class,'menu') or contains(@id,'menu') or contains(@class,'breadcrumb') or "
        "contains(@id,'footer') or contains(@class,'footer') or contains(@id,'header')]"))


def page_links(sel: Selector, base_url: str) -> Iterator[Link]:
    for _, url, text in _anchors(sel, base_url):
        yield Link(url, text)


_NOT_FOLLOWED = ("#", "javascript:", "mailto:", "tel:")
_HAS_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.I)


def _anchors(sel: Selector, base_url: str) -> Iterator[tuple[Any, str, str]]:
    """(anchor element, absolute URL, anchor text or else its title) of each followable
    link. Read from the lxml tree directly: a parsel query per anchor cost more than the
    rest of the work on a page of 170 links."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    for a in sel.root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(_NOT_FOLLOWED):
            continue
        if href.startswith("/") and not href.startswith("//") and "/." not in href:
            url = origin + href  # what urljoin gives, at a tenth of its cost
        elif href.startswith(("http://", "https://")) and "/." not in href:
            url = href
        else:
            url = urljoin(base_url, href)
        text = " ".join("".join(a.itertext()).split())
        yield a, url, text or (a.get("title") or "").strip()


def article_anchors(sel: Selector, base_url: str, site_url: str,
                    pattern: re.Pattern[str] | None = None) -> list[tuple[Any, str]]:
    """Every anchor element that links to an article, with its URL, in page order (an
    article linked twice, by its picture and its headline, gives two anchors).

    With a per-source ``pattern`` only links whose URL matches it are taken; otherwise the
    general recogniser decides, ignoring links inside navigation, header and footer.
    """
    out: list[tuple[Any, str]] = []
    for a, url, text in _site_links(sel, base_url, site_url):
        if pattern is not None:
            if not pattern.search(url):
                continue
        elif article_score(url, text) < 3 or _in_navigation(a):  # the cheap test first
            continue
        out.append((a, url.split("#", 1)[0]))
    return out


def article_links(sel: Selector, base_url: str, site_url: str,
                  pattern: re.Pattern[str] | None = None) -> list[str]:
    """Article URLs linked from a listing page, in page order, de-duplicated canonically."""
    seen: set[str] = set()
    out: list[str] = []
    for _, url in article_anchors(sel, base_url, site_url, pattern):
        key = canonical_url(url)
        if key not in seen:
            seen.add(key)
            out.append(url)
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
                ) -> Iterator[tuple[Any, str, str]]:
    """``_anchors`` that are http(s) links to the same site."""
    for a, url, text in _anchors(sel, base_url):
        if _on_site("/".join(url.split("/", 3)[:3]), site_url):
            yield a, url, text


@lru_cache(maxsize=1024)
def _on_site(origin: str, site_url: str) -> bool:
    """Whether ``scheme://host[:port]`` is an http(s) origin on ``site_url``'s site."""
    return origin.startswith(("http://", "https://")) and same_site(f"{origin}/", site_url)


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


# links to a news section: a block's "more" link, a menu item or block heading naming news
MORE_TEXT = {"xem thêm", "xem tất cả", "xem toàn bộ", "tất cả", "xem thêm tin", "xem tiếp",
             "đọc thêm", "more", "xem them", "xem tat ca", "»", "›", ">>", "+"}
NEWS_WORDS = re.compile(
    r"(tin|tức|thời sự|sự kiện|kinh tế|xã hội|chính trị|văn hóa|văn hoá|giáo dục|y tế|"
    r"quốc phòng|an ninh|nông nghiệp|khoa học|công nghệ|chuyển đổi số|hoạt động|thông báo|"
    r"chỉ đạo|điều hành|địa phương|du lịch|thể thao|pháp luật|bạn đọc|news|"
    r"tin-|tin_|tintuc|tin-tuc|thoi-su|su-kien|kinh-te|xa-hoi|chinh-tri|chuyen-doi-so|"
    r"hoat-dong|thong-bao|category|chuyen-muc|chuyenmuc|danh-muc|catid|cat=)", re.I)
# menu items that are never news sections (their pages are fetched every night if taken)
NOT_NEWS = re.compile(
    r"\b(giới thiệu|liên hệ|sơ đồ|hỏi đáp|hỏi - đáp|văn bản|thủ tục|lịch công tác|"
    r"lịch làm việc|lịch tiếp|video|truyền hình|phát thanh|podcast|ảnh|infographic|"
    r"e-?magazine|megastory|đăng nhập|dịch vụ công|english|góp ý|thư điện tử|danh bạ|"
    r"tổ chức bộ máy|cơ cấu tổ chức|quảng cáo|tuyển dụng|đấu thầu|mua sắm|trang chủ|home)\b",
    re.I)
NOT_NEWS_PATH = re.compile(
    r"(?<![a-z])(gioi-?thieu|lien-?he|so-do|hoi-?dap|van-?ban|thu-?tuc|lich-cong-tac|video|"
    r"multimedia|media|anh|photos?|english|quang-?cao|tuyen-?dung|dich-vu-cong)(?![a-z])",
    re.I)
# /, /index.php, /Default.aspx, /vi/, /trang-chu, Liferay's /web/guest[/trang-chu]
HOME_PATH = re.compile(r"^/?(web/[^/]+/?)?((vi|vn|en|vi-vn)/?)?((index|default|home|"
                       r"trang-?chu|portal)(\.\w+)?/?)?$", re.I)


def is_home(url: str) -> bool:
    """A site's home page: ``/``, ``/index.php``, ``/Default.aspx``, ``/vi/``, ``/trang-chu``."""
    parts = urlsplit(url)
    return bool(HOME_PATH.match(parts.path)) and not parts.query


def _in_heading(anchor: Any) -> bool:
    return bool(anchor.xpath("ancestor::*[self::h1 or self::h2 or self::h3 or self::h4 or "
                             "contains(@class,'title') or contains(@class,'heading')][1]"))


def section_links(sel: Selector, base_url: str, site_url: str, limit: int = 10) -> list[str]:
    """Links from a home page to its news sections, best first, at most ``limit``.

    A section link is a same-site link that is no article, trap, asset or pagination, and
    that is a block's "Xem thêm"/"Xem tất cả" link, or points at a category address
    (``/category/…``, ``?CatID=3``), or is a menu item or block heading whose words or
    address name news (``Tin tức``, ``Kinh tế``, ``/chuyen-doi-so/``). Menu items that are
    never news (``Giới thiệu``, ``Văn bản``, ``Video`` …) are left out: each section taken
    costs a request every night.
    """
    home = canonical_url(base_url)
    scored: dict[str, tuple[int, int, str]] = {}
    for order, (a, url, text) in enumerate(_site_links(sel, base_url, site_url)):
        url = url.split("#", 1)[0]
        key = canonical_url(url)
        path = urlsplit(url).path
        if key == home or is_home(url) or ASSET_EXT.search(path) or is_trap(url):
            continue
        if article_score(url, text) >= 3 or _page_number(url) is not None:
            continue
        label = text.strip().lower()
        if NOT_NEWS.search(label) or NOT_NEWS_PATH.search(path):
            continue
        score = 0
        if label in MORE_TEXT or label.startswith(("xem thêm", "xem tất cả")):
            score += 3
        if listing_address(url):
            score += 2
        if NEWS_WORDS.search(label) or NEWS_WORDS.search(url):
            score += 2
        if _in_navigation(a) or _in_heading(a):
            score += 1
        if score >= 3 and (key not in scored or scored[key][0] < score):
            scored[key] = (score, scored.get(key, (0, order, ""))[1], url)
    best = sorted(scored.values(), key=lambda t: (-t[0], t[1]))
    return [url for _, _, url in best[:limit]]
