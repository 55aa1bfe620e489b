"""Is a fetched page one article, or a section front / listing of articles?

A sitemap, a feed or a link on a listing can point at a section page (``/kinh-te/``,
``TinTuc.aspx?CatID=3``, ``/category/chuyen-doi-so/``, ``/tin-tuc/page/2``). Stored as an
article, such a page becomes a "story" made of headlines that changes every night. The
decision is made on the fetched page itself, before extraction, from signals that cost one
walk over the parsed tree:

* the page's same-site article links (``crawler.analysis.links.article_links``) and how many of
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
from functools import lru_cache
from typing import Any, Literal

from lxml import etree
from parsel import Selector

from crawler.analysis.links import article_anchors, listing_address, next_page
from crawler.core.urls import canonical_url

Kind = Literal["article", "listing"]

# elements whose text is no reader's text
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "select", "option",
                   "button", "textarea", "iframe", "head", "title"})
# page chrome (nav, header, footer, aside, and class or id words starting with menu, nav,
# footer, header, sidebar, breadcrumb, banner, widget) counts for its ancestors but is never
# a text block itself; not <form>: ASP.NET WebForms wrap the whole page in one
_ARTICLE_TYPES = re.compile(
    r'"@type"\s*:\s*\[?\s*"(NewsArticle|Article|BlogPosting|ReportageNewsArticle|'
    r'AnalysisNewsArticle|Report|TechArticle)"')
_LISTING_TYPES = re.compile(r'"@type"\s*:\s*\[?\s*"(CollectionPage|ItemList|SearchResultsPage)"')
# section addresses: WordPress /category/…, /chuyen-muc/…, /danh-muc/…, CatID=3, ?cat=5,
# NukeViet /news/page-2, WordPress /page/2/
# Weights of the decision, tuned on the extraction fixtures (13 article shapes, all
# articles, also with a related-news block of 12-20 links with excerpts added) and on the
# listing shapes of tests/sites (all listings); see tests/test_pagetype.py.
LONG_BODY = 1500       # characters of free text in one block: an article body
BODY = 500             # ... a short article (~120 words) still has this much
SOME_TEXT = 300
NO_TEXT = 150          # less than this outside the list's items: nothing but a list
HEADLINE_WORDS = 6     # an <h1> this long is an article's headline, not a section's name
MIN_LINKS = 3          # fewer same-site article links than this: never a listing
HEADLINE_ONLY = 40     # an item with less text of its own than this is a bare headline
EXCERPT_SIBLINGS = 2   # ... and the next (at most) two blocks without a link are its excerpt
EXCERPT_MAX = 400      # ... when shorter than this


@dataclass(frozen=True)
class PageKind:
    """The verdict on one page, with the evidence that made it."""

    kind: Kind
    reason: str
    links: tuple[str, ...] = ()     # same-site article links, page order (to follow a listing)
    body_chars: int = 0             # the longest block of text outside links and list items
    signals: tuple[str, ...] = field(default=())

    @property
    def is_listing(self) -> bool:
        return self.kind == "listing"


_MULTI = ""


@lru_cache(maxsize=16384)
def _canonical(url: str) -> str:
    """``canonical_url``, cached: related and latest-news links repeat across a site."""
    return canonical_url(url)


def _items(anchors: list[tuple[Any, str]]) -> set[Any]:
    """The list items of the page: for each article link, its largest ancestor holding no
    other article (a headline with its picture, date and excerpt), when at least one of
    its siblings is such an item too (a list repeats; an article body holding one inline
    link does not). A bare headline's next short blocks without a link are its excerpt
    (``<h3><a/></h3><p>excerpt</p>`` lists).

    Walks up from each anchor, so it costs anchors x depth, not the page's size.
    """
    owner: dict[Any, str] = {}   # element -> the one article under it, or _MULTI
    for a, key in anchors:
        el = a
        while el is not None:
            held = owner.get(el)
            if held is None:
                owner[el] = key
            elif held != key:
                if held == _MULTI:
                    break  # its ancestors hold several already
                owner[el] = _MULTI
            el = el.getparent()
    candidates: dict[Any, list[Any]] = {}  # parent -> its children that hold one article
    for a, key in anchors:
        el = a
        parent = el.getparent()
        while parent is not None and owner.get(parent) == key:
            el, parent = parent, parent.getparent()
        siblings = candidates.setdefault(parent, [])
        if el not in siblings:
            siblings.append(el)
    items: set[Any] = set()
    for siblings in candidates.values():
        if len(siblings) < 2:
            continue
        for el in siblings:
            items.add(el)
            if len(_text_outside_links(el)) < HEADLINE_ONLY:
                items.update(_excerpt_of(el, owner))
    return items


def _excerpt_of(headline: Any, owner: dict[Any, str]) -> list[Any]:
    """The short blocks without an article link right after a bare headline."""
    out: list[Any] = []
    sibling = headline.getnext()
    while sibling is not None and len(out) < EXCERPT_SIBLINGS:
        if sibling in owner or not isinstance(sibling.tag, str):
            break
        if len(" ".join(sibling.itertext()).strip()) >= EXCERPT_MAX:
            break
        out.append(sibling)
        sibling = sibling.getnext()
    return out


def _text_outside_links(el: Any) -> str:
    return "".join(t for t in el.xpath(".//text()[not(ancestor::a)]")).strip()


# an <article>'s own <header>/<footer> (WordPress entry-header) is no page chrome
_CHROME_TAGS = ("//nav | //aside | //header[not(ancestor::article)] | "
                "//footer[not(ancestor::article)]")
_CHROME_MARK = re.compile(
    r"(?:^|\s)(?:menu|nav|footer|header|sidebar|breadcrumb|banner|widget)", re.I)


def _chrome(root: Any) -> set[Any]:
    """Page chrome: nav, header, footer and aside elements, and elements whose class or id
    has a word starting with menu, nav, footer, header, sidebar, breadcrumb, banner or
    widget (one XPath and a regex per classed element: ten times cheaper than XPath
    ``contains()`` per word)."""
    out = set(root.xpath(_CHROME_TAGS))
    for el in root.xpath("//*[@class or @id]"):
        if el.tag not in ("html", "body") and _CHROME_MARK.search(
                f"{el.get('class') or ''} {el.get('id') or ''}"):
            out.add(el)
    return out


def _longest_block(root: Any, left_out: set[Any]) -> int:
    """The most text outside links and list items that one element holds, less the text of
    the links in it: an article's body; on a listing, a heading or a footer line.

    ``left_out`` (chrome: nav, header, footer, aside, menus, sidebars; and list items) is
    not walked: on a portal's page that is half its elements.
    """
    best = 0
    # per open element: [free text, link text]
    stack: list[list[int]] = []
    in_link = 0
    skip = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            if skip or not isinstance(el.tag, str) or el.tag in _SKIP or el in left_out:
                skip += 1
                continue
            in_link += el.tag == "a"
            n = len((el.text or "").strip())
            stack.append([0, n] if in_link else [n, 0])
            continue
        if skip:
            skip -= 1
            if not skip:  # the end of a left-out subtree: its tail is the parent's text
                _add_tail(stack, el, in_link)
            continue
        free, linked = stack.pop()
        if el.tag not in ("html", "body"):
            best = max(best, free - linked)
        in_link -= el.tag == "a"
        if stack:
            stack[-1][0] += free
            stack[-1][1] += linked
        _add_tail(stack, el, in_link)
    return best


def _add_tail(stack: list[list[int]], el: Any, in_link: int) -> None:
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
    if _LISTING_TYPES.search(ld):  # an ItemList of NewsArticle is a listing
        listing.append("JSON-LD collection")
    elif _ARTICLE_TYPES.search(ld):
        article.append("JSON-LD article")
    if sel.xpath("//*[@itemprop='articleBody']"):
        article.append("itemprop=articleBody")
    if sel.xpath("//meta[@property='article:published_time']"):
        article.append("article:published_time")
    items = len(sel.xpath("//article | //*[contains(@itemtype,'Article') or "
                          "contains(@itemtype,'BlogPosting')]"))
    if items >= 3:
        listing.append(f"{items} <article> items")
    return article, listing


_STRONG = ("JSON-LD", "itemprop", "<article>")  # signals that count twice


def _weight(signs: list[str]) -> int:
    return sum(2 if any(w in s for w in _STRONG) else 1 for s in signs)


def page_kind(page: Selector | str | bytes, url: str, site_url: str | None = None,
              pattern: re.Pattern[str] | None = None) -> PageKind:
    """Whether the fetched page at ``url`` is an article or a listing, and why.

    ``site_url`` is the site whose links count (default: the page's own); ``pattern`` a
    source's ``article_pattern``, as for ``article_links``.
    """
    sel = page if isinstance(page, Selector) else Selector(
        text=page.decode("utf-8", "replace") if isinstance(page, bytes) else page)
    site = site_url or url
    me = _canonical(url)
    anchors: list[tuple[Any, str]] = []
    links: dict[str, str] = {}  # canonical URL -> the first link to it
    for a, link in article_anchors(sel, url, site, pattern):
        key = _canonical(link)
        if key != me:
            anchors.append((a, key))
            links.setdefault(key, link)
    found = tuple(links.values())
    n = len(found)
    if n < MIN_LINKS:
        return PageKind("article", f"article: {n} article links", found)
    chrome = _chrome(sel.root)
    # a listing's headlines are its main content, not a sidebar's or a menu's
    main = len({key for a, key in anchors if not _inside(a, chrome)})
    if main < MIN_LINKS:
        return PageKind("article", f"article: {main} article links outside menus and "
                        f"sidebars ({n} in all)", found)
    body = _longest_block(sel.root, _items(anchors) | chrome)
    article_signs, listing_signs = _markup(sel)
    a_score, l_score = _weight(article_signs), _weight(listing_signs)
    if body >= SOME_TEXT:
        a_score += 4 if body >= LONG_BODY else 3 if body >= BODY else 1
        article_signs.append(f"a text block of {body} characters")
    elif body < NO_TEXT:
        l_score += 2
        listing_signs.append(f"no text outside the list (longest block {body} characters)")
    words = _headline_words(sel.root, chrome)
    if words >= HEADLINE_WORDS:
        a_score += 1
        article_signs.append(f"a headline of {words} words")
    l_score += 2 if main >= 12 else 1 if main >= 6 else 0
    if listing_address(url):
        l_score += 1
        listing_signs.append("section address")
    if l_score + 1 > a_score >= l_score and next_page(sel, url, site):
        # the costliest signal, read only when it decides
        listing_signs.append("next page")
        l_score += 1
    kind: Kind = "listing" if l_score > a_score else "article"
    signs = listing_signs if kind == "listing" else article_signs
    reason = (f"{kind}: {n} article links ({main} outside menus and sidebars), longest text "
              f"block {body} characters" + (f"; {', '.join(signs)}" if signs else "")
              + f" (score {l_score}:{a_score})")
    return PageKind(kind, reason, found, body, tuple(article_signs + listing_signs))


def _inside(el: Any, elements: set[Any]) -> bool:
    return any(up in elements for up in el.iterancestors())


def _headline_words(root: Any, chrome: set[Any]) -> int:
    """Words of the page's first <h1> outside chrome, not counting link text (a listing's
    <h1> names its section in a word or three; an article's is its headline)."""
    for h1 in root.iter("h1"):
        if h1 not in chrome and not _inside(h1, chrome):
            return len(" ".join(h1.xpath(".//text()[not(ancestor::a)]")).split())
    return 0


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
