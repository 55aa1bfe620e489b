"""Is a fetched page one article, or a section front / listing of articles?

A sitemap, a feed or a link on a listing can point at a section page (``/kinh-te/``,
``TinTuc.aspx?CatID=3``, ``/category/chuyen-doi-so/``, ``/tin-tuc/page/2``). Stored as an
article, such a page becomes a "story" made of headlines that changes every night. The
decision is made on the fetched page itself, before extraction, from signals that cost one
walk over the parsed tree:

* the page's same-site article links (``spiders.discovery.article_links``) and how many of
  them sit inside its main content;
* the main content: the element with the most text outside links, less the text of its
  links (an article's body; a listing's column of headlines and excerpts), its size and
  the text per article link inside it (a listing holds one short excerpt per headline);
* markup: ``og:type``, schema.org JSON-LD (``NewsArticle``/``Article`` vs
  ``CollectionPage``/``ItemList``), ``itemprop=articleBody``, ``article:published_time``,
  several ``<article>`` elements;
* whether the page paginates (``next_page``) and the shape of its address.

``page_kind`` is pure (a parsel ``Selector`` or the HTML, and the URL, in; a ``PageKind``
with a reason out). ``headline_list_text`` judges stored text, for databases written before
the page was judged (schema migration 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree
from parsel import Selector

from crawler.urls import canonical_url

Kind = Literal["article", "listing"]

# elements whose text is no reader's text
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "select", "option",
                   "button", "textarea", "iframe", "head", "title"})
# page chrome: never the main content
_CHROME = frozenset({"nav", "header", "footer", "aside", "form"})
_CHROME_MARK = re.compile(r"\b(menu|nav|footer|header|sidebar|breadcrumb|banner|widget)",
                          re.I)
_ARTICLE_TYPES = re.compile(
    r'"@type"\s*:\s*\[?\s*"(NewsArticle|Article|BlogPosting|ReportageNewsArticle|'
    r'AnalysisNewsArticle|Report|TechArticle)"')
_LISTING_TYPES = re.compile(r'"@type"\s*:\s*\[?\s*"(CollectionPage|ItemList|SearchResultsPage)"')
# section addresses: WordPress /category/…, /chuyen-muc/…, /danh-muc/…, CatID=3, ?cat=5,
# NukeViet /news/page-2, WordPress /page/2/
_LISTING_PATH = re.compile(
    r"/(category|categories|chuyen-muc|chuyenmuc|danh-muc|danhmuc|section|topic|chu-de)(/|$)|"
    r"/(page|trang)[/-]\d+/?$", re.I)
_LISTING_KEYS = frozenset({"cat", "catid", "cate", "categoryid", "cateid", "chuyenmuc",
                           "danhmuc", "menuid", "zoneid", "page", "paged", "trang"})
_ARTICLE_KEYS = frozenset({"id", "newsid", "itemid", "articleid", "postid", "p", "tinid",
                           "baiid", "nid", "news_id", "item_id", "article_id"})

# Weights of the decision, tuned on the extraction fixtures (13 article shapes, all
# articles) and on the listing shapes of tests/sites (all listings); see test_pagetype.py.
LONG_BODY = 1500       # characters outside links: an article body, whatever else the page has
BODY = 500             # ... a short article (~120 words) still has this much
EXCERPT = 400          # text per article link inside the main content below this: a listing
MIN_LINKS = 3          # fewer same-site article links than this: never a listing


@dataclass(frozen=True)
class PageKind:
    """The verdict on one page, with the evidence that made it."""

    kind: Kind
    reason: str
    links: tuple[str, ...] = ()     # same-site article links, page order (to follow a listing)
    body_chars: int = 0             # text outside links in the main content
    links_in_body: int = 0          # article links inside the main content
    signals: tuple[str, ...] = field(default=())

    @property
    def is_listing(self) -> bool:
        return self.kind == "listing"


@dataclass
class _Main:
    """Text outside and inside links of the best main-content element."""

    element: etree._Element | None = None
    score: int = -1
    own: int = 0


def _classes(el: etree._Element) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _main_content(root: etree._Element) -> _Main:
    """The element with the most text outside links, less its link text (one tree walk).

    Chrome (nav, header, footer, aside, menus, sidebars) is measured but never chosen.
    """
    best = _Main()
    # per open element: [text outside links, text inside links, in chrome]
    stack: list[list[int]] = []
    in_link = 0
    skip = 0
    chrome = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if skip or tag in _SKIP or not tag:
                skip += 1
                continue
            is_chrome = tag in _CHROME or bool(_CHROME_MARK.search(_classes(el)))
            chrome += is_chrome
            in_link += tag == "a"
            n = len((el.text or "").strip())
            stack.append([0 if in_link else n, n if in_link else 0, int(is_chrome)])
            continue
        if skip:
            skip -= 1
            if not skip:  # the end of a skipped subtree: its tail is the parent's text
                _add_tail(stack, el, in_link)
            continue
        outside, inside, is_chrome = stack.pop()
        if not chrome and tag not in ("html", "body") and outside - inside > best.score:
            best = _Main(el, outside - inside, outside)
        chrome -= is_chrome
        in_link -= tag == "a"
        if stack:
            stack[-1][0] += outside
            stack[-1][1] += inside
        _add_tail(stack, el, in_link)
    if best.element is None or best.own < 1:
        body = root.find(".//body")
        best = _Main(body if body is not None else root, 0, 0)
    return best


def _add_tail(stack: list[list[int]], el: etree._Element, in_link: int) -> None:
    tail = len((el.tail or "").strip())
    if tail and stack:
        stack[-1][1 if in_link else 0] += tail


def _markup(sel: Selector) -> tuple[list[str], list[str]]:
    """Article and listing signals of the page's metadata and markup."""
    article: list[str] = []
    listing: list[str] = []
    og = (sel.xpath("//meta[@property='og:type']/@content").get() or "").strip().lower()
    if og == "article":
        article.append("og:type article")
    elif og == "website":
        listing.append("og:type website")
    ld = " ".join(sel.xpath("//script[@type='application/ld+json']/text()").getall())
    if _ARTICLE_TYPES.search(ld):
        article.append("JSON-LD article")
    elif _LISTING_TYPES.search(ld):
        listing.append("JSON-LD collection")
    if sel.xpath("//*[@itemprop='articleBody']"):
        article.append("itemprop=articleBody")
    if sel.xpath("//meta[@property='article:published_time']"):
        article.append("article:published_time")
    items = len(sel.xpath("//article | //*[contains(@itemtype,'Article') or "
                          "contains(@itemtype,'BlogPosting')]"))
    if items >= 3:
        listing.append(f"{items} <article> items")
    return article, listing


def listing_address(url: str) -> bool:
    """A section address: ``/category/…``, ``/page/2``, ``?CatID=3`` without an item id."""
    parts = urlsplit(url)
    keys = {k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
    if keys & _ARTICLE_KEYS:
        return False
    return bool(_LISTING_PATH.search(parts.path) or keys & _LISTING_KEYS)


def page_kind(page: Selector | str | bytes, url: str, site_url: str | None = None,
              pattern: re.Pattern[str] | None = None) -> PageKind:
    """Whether the fetched page at ``url`` is an article or a listing, and why.

    ``site_url`` is the site whose links count (default: the page's own); ``pattern`` a
    source's ``article_pattern``, as for ``article_links``.
    """
    from spiders.discovery import article_links, next_page  # discovery is the spider's side

    sel = page if isinstance(page, Selector) else Selector(
        text=page.decode("utf-8", "replace") if isinstance(page, bytes) else page)
    site = site_url or url
    me = canonical_url(url)
    links = tuple(u for u in article_links(sel, url, site, pattern) if canonical_url(u) != me)
    if len(links) < MIN_LINKS:
        return PageKind("article", f"{len(links)} article links", links)
    main = _main_content(sel.root)
    wanted = {canonical_url(u) for u in links}
    inside = 0
    if main.element is not None:
        for href in main.element.iterfind(".//a[@href]"):
            if canonical_url(urljoin(url, href.get("href", "").strip())) in wanted:
                inside += 1
    body = main.own
    per_link = body // inside if inside else body
    article_signs, listing_signs = _markup(sel)
    a_score = 2 * len([s for s in article_signs if s.startswith(("JSON", "itemprop"))]) + len(
        [s for s in article_signs if not s.startswith(("JSON", "itemprop"))])
    l_score = len(listing_signs) + ("<article>" in " ".join(listing_signs))
    # the main content: a body, or one excerpt per headline
    if body >= LONG_BODY and inside <= 2:
        a_score += 4
    elif body >= BODY and inside <= 2:
        a_score += 3
    elif per_link >= 2 * EXCERPT:
        a_score += 2
    if inside >= MIN_LINKS and per_link < EXCERPT:
        l_score += 2
        listing_signs.append(f"{inside} article links in the main content, "
                             f"{per_link} characters of text each")
    elif body < 200:
        l_score += 1
        listing_signs.append(f"no text block (longest {body} characters)")
    n = len(links)
    l_score += 3 if n >= 12 else 2 if n >= 6 else 1
    if next_page(sel, url, site):
        l_score += 1
        listing_signs.append("next page")
    if listing_address(url):
        l_score += 1
        listing_signs.append("section address")
    kind: Kind = "listing" if l_score > a_score else "article"
    signs = listing_signs if kind == "listing" else article_signs
    reason = (f"{kind}: {n} article links, main text {body} characters with {inside} of them"
              + (f"; {', '.join(signs)}" if signs else "")
              + f" (score {l_score} vs {a_score})")
    return PageKind(kind, reason, links, body, inside,
                    tuple(article_signs + listing_signs))


_DATE_LINE = re.compile(r"^[\W\d_]*(\d{1,2}[/-]\d{1,2}([/-]\d{2,4})?|\d{1,2}:\d\d)[\W\d_]*$")
_SENTENCE_END = re.compile(r"[.!?…:;»”\"')]\s*$")


def headline_list_text(text: str) -> bool:
    """Whether stored article text is mostly a list of headlines (a listing stored as an
    article): many lines, none of them a paragraph, most of them short and without the
    full stop a sentence of an article ends with.

    An article's text has paragraphs (a line over 300 characters, or sentences); a listing's
    extracted text is headlines, dates and the odd short excerpt.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 5:
        return False
    if max(len(ln) for ln in lines) > 300:
        return False
    headlines = [ln for ln in lines if _DATE_LINE.match(ln) or (
        len(ln) <= 160 and len(ln.split()) >= 3 and not _SENTENCE_END.search(ln))]
    sentences = [ln for ln in lines if len(ln) > 160 or (_SENTENCE_END.search(ln)
                                                         and len(ln.split()) >= 12)]
    return len(headlines) >= 0.6 * len(lines) and len(sentences) <= 0.25 * len(lines)
