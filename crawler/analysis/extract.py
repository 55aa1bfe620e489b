"""Article extraction: the body and its metadata, none of the page furniture.

trafilatura finds the main text; Vietnamese public sites surround (and often fill) the main
column with furniture it does not know: visitor counters, comment forms, rating widgets,
"Tin cùng chuyên mục" blocks, share and accessibility bars, session dialogs. Four general
mechanisms remove them, so that what works for one NukeViet or Liferay site works for all:

1. Elements whose class/id tokens name furniture (``related``, ``comment``, ``counter``,
   ``share``, ``rating``, ``thongke``, ``binhluan``...) are dropped, unless they hold most of
   the page's text (a ``has-sidebar`` main column survives).
2. A heading-like element whose whole text is a furniture label ("Tin cùng chuyên mục",
   "Có thể bạn quan tâm", "Ý kiến bình luận", "Thống kê truy cập"...) is dropped with the
   block it introduces (its following siblings, up to the next long link-free paragraph).
3. Teaser blocks by shape, whatever their heading (or none): a run of sibling items (``li``,
   repeated ``div``s, links between ``<br>``s) that each link one other article of the same
   site under a headline-like anchor, with at most a teaser sentence, a date, a thumbnail;
   the list or box holding only them and the short heading before them go too; so does a
   lone "read also" card (a thumbnail and a headline linking the same other article). A
   link inside running text does not make a paragraph an item.
4. Lines of the extracted text that are furniture by shape: counters (``Hôm nay: 2,345``),
   form labels, toolbars, icon residue, image residue (``1 1631937594``), the site's own
   name (``Trang thông tin điện tử xã …``).

Decisions (kept consistent everywhere):

* Captions are not article text. ``<figcaption>`` and caption-classed elements, cells of a
  small table or figure that holds an image, the short centred/italic line right after an
  image-only block, short lines ending in a photo credit ``(Ảnh: …)`` and ``… ảnh 3``
  residues are dropped; a long paragraph that ends in a credit keeps its text, minus the
  credit. Except in a photo story: when what is kept is under half the page's running
  text, the page is extracted again with its captions as paragraphs (credits still
  removed), and that is used if it is half as long again.
* A recognised byline (``Tác giả: …``, ``Bài, ảnh: …``, ``Theo: …``, a final short name line,
  an author-classed element, meta author) becomes ``author`` with its prefix removed, and
  the byline paragraph leaves the text. A CMS account or role (``Quản trị viên``, ``admin``,
  ``Super User``, ``Biên tập viên``) is no author, and its line leaves the text too. A
  source credit (``Nguồn tin: Báo …``) is neither author nor text.
* Date lines, the title repeated at the top, licence/copyright lines are not text.
* The date is the article's: metadata first, then the printed date nearest the article
  (inside the element holding its title and body, then one enclosing element at a time); a
  header bar's or a clock box's "today" date never wins over it.
* Text is NFC with entities decoded, one paragraph per line; ``<br>``-separated bodies and
  text-only ``<div>`` paragraphs become paragraphs, also where the runs follow an image
  block, a caption or a lead ``<p>`` in the same container (NukeViet, old portals).

Cost: the page is decoded and parsed once (twice for a photo story); the cleaned lxml tree
goes to trafilatura (``fast=True``: the cleaning does the work its fallback extractors
would).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from crawler.core.dates import find_published_in_text, parse_iso, parse_vietnamese_date
from crawler.core.text import fold, normalise


@dataclass(frozen=True)
class ExtractHints:
    """Per-source fixes from the sources file; every field optional."""

    content_selector: str | None = None
    exclude_selectors: tuple[str, ...] = ()
    title_selector: str | None = None
    date_selector: str | None = None


@dataclass(frozen=True)
class ExtractedPage:
    url: str
    title: str | None
    author: str | None
    published: datetime | None
    text: str
    lead: str
    # the page's <link rel="canonical"> as written (relative or absolute), wherever it sits
    # (some CMSs print it inside <body>); the first one in document order
    canonical: str | None = None


class ExtractionError(Exception):
    """The page has no extractable article (empty, binary, not HTML, no body text)."""


# -- vocabulary ------------------------------------------------------------------------------
# class/id tokens (split on - _ space and camelCase) that name furniture
FURNITURE_TOKENS = frozenset({
    "related", "relate", "relates", "comment", "comments", "commentbox", "binhluan", "ykien",
    "share", "sharing", "social", "socials", "sharebar", "rating", "rate", "ratings", "vote",
    "danhgia", "counter", "counters", "visitor", "visitors", "thongke", "statistic",
    "statistics", "stats", "breadcrumb", "breadcrumbs", "footer", "banner", "banners", "ads",
    "advert", "advertisement", "adv", "quangcao", "sidebar", "popup", "modal", "dialog",
    "tags", "tag", "keywords", "print", "toolbar", "tools", "tool", "fontsize", "lienquan",
    "tinlienquan", "tinkhac", "othernews", "othernew", "samecategory", "cungchuyenmuc",
    "login", "newsletter", "subscribe", "weblink", "weblinks", "lienket", "navigation", "nav",
    "menu", "topbar", "hotnews", "mostview", "mostviewed", "xemnhieu", "tinmoi", "newest",
    "latest", "pagination", "paging", "widget", "captcha", "relatednews", "newsother",
})  # fmt: skip
FURNITURE_SUBSTRINGS = ("related", "comment", "binhluan", "thongke", "counter", "visitor",
                        "lienquan", "tinkhac", "quangcao", "breadcrumb", "socialshare",
                        "sharebox", "rating", "othernews", "newsother",
                        "cungchuyenmuc")  # fmt: skip
# Tokens that name a widget (a print link, a share bar, a rating form): an element so named
# that holds paragraphs of running text is the content zone the widget acts on
# (``id="print-news"``, ``class="printarea"``), not the widget.
WIDGET_TOKENS = frozenset({"share", "sharing", "social", "socials", "sharebar", "rating", "rate",
                           "ratings", "vote", "danhgia", "print", "toolbar", "tools", "tool",
                           "fontsize"})
WIDGET_SUBSTRINGS = frozenset({"socialshare", "sharebox", "rating"})
SAPO_TOKENS = frozenset({"sapo", "hometext", "lead", "chapeau", "summary", "excerpt", "intro",
                         "tomtat", "description", "desc", "short", "subtitle", "abstract",
                         "teaser"})
CAPTION_TOKENS = frozenset({"caption", "figcaption", "imgcaption", "photocaption", "chuthich",
                            "image", "photo", "img", "picture", "figure"})

# Whole-text labels (folded) that introduce a furniture block.
FURNITURE_LABELS = frozenset({
    "tin cung chuyen muc", "co the ban quan tam", "ban co the quan tam", "tin lien quan",
    "tin tuc lien quan", "bai viet lien quan", "cac tin khac", "tin khac", "tin moi",
    "tin moi nhat", "tin moi cap nhat", "nhung tin moi hon", "nhung tin cu hon", "tin da dua",
    "cac tin da dua", "tin cu hon", "tin moi hon", "y kien binh luan", "y kien ban doc",
    "binh luan", "gui binh luan", "viet binh luan", "danh gia", "danh gia bai viet",
    "lien ket huu ich", "lien ket website", "lien ket web", "thong ke truy cap",
    "luot truy cap", "thong ke", "chia se", "chia se bai viet", "xem them", "doc them",
    "tin noi bat", "tin xem nhieu", "xem nhieu nhat", "doc nhieu", "doc nhieu nhat",
    "tu khoa", "tags", "tag", "cung chuyen muc", "bai viet khac", "tin bai khac",
    "tin anh", "video", "thu vien anh", "tin tieu diem", "su kien", "chuyen muc",
    "lien ket", "van ban moi", "thong bao", "gop y", "related news", "read more",
    "so luot truy cap", "tin tuc khac", "bai viet moi", "bai moi",
    # feedback forms under the article ("GỬI PHẢN HỒI", "Gửi ý kiến của bạn")
    "gui phan hoi", "phan hoi", "y kien phan hoi", "gui y kien", "y kien cua ban",
    "gui y kien cua ban", "gui phan hoi cua ban",
})  # fmt: skip

# Lines that are furniture by themselves (folded, compared after stripping punctuation).
FURNITURE_LINES = frozenset({
    "ho va ten", "ho ten", "email", "e mail", "dia chi email", "loi binh", "noi dung",
    "xac thuc", "ma xac nhan", "ma xac thuc", "nhap ma xac nhan", "gui", "gui di", "nhap lai",
    "lam lai", "clock", "print", "in", "in bai", "in bai viet", "gui email", "email bai viet",
    "chia se", "share", "facebook", "twitter", "zalo", "fb", "yt", "zl", "tw", "fb yt zl tw",
    "return to top", "ve dau trang", "len dau trang", "top", "quay lai", "tro ve",
    "dang truy cap", "hom nay", "hom qua", "tuan nay", "thang nay", "tong luot truy cap",
    "luot nguoi truy cap", "may chu tim kiem", "khach vieng tham", "thang hien tai",
    "nam hien tai", "tong so", "dong y", "huy", "a a a", "nghe doc bai", "nghe bai viet",
    "tang tuong phan", "giam tuong phan", "co chu", "phong chu",
    "hay tro thanh nguoi dau tien danh gia cho bai viet nay",
})  # fmt: skip
FURNITURE_LINE_PATTERNS = [re.compile(p) for p in (
    r"^tong so diem cua bai viet la",
    r"^hay tro thanh nguoi dau tien",
    r"^ban da khong su dung site",
    r"bam vao day de duy tri trang thai dang nhap",
    r"^thoi gian cho\s*:?\s*\d+\s*giay",
    r"chia se bai viet len",
    r"^a\s*-?\s*a\s*a\s*\+",
    r"tang tuong phan|giam tuong phan",
    r"^(luot|so luot) (xem|doc|truy cap)",
    r"\b(luot|so luot) (xem|doc)\s*[\d.,]+$",
    r"^(dang truy cap|hom nay|hom qua|tuan nay|thang nay|thang hien tai|nam hien tai|"
    r"tong luot truy cap|luot nguoi truy cap|may chu tim kiem|khach vieng tham|"
    r"tong so|thanh vien|khach|bot)\s*[:：]?\s*[\d.,\s]*$",
    r"^(thang|nam) \d{1,4}\s*[:：]?\s*[\d.,\s]*$",
    r"^(thong ke truy cap|luot truy cap)\b",
    r"^(ban can dang nhap|dang nhap de|vui long dang nhap)",
    r"^(nguon|theo)\s*:\s*$",
    r"^(xem|doc) (them|tiep|chi tiet)\s*(>>|»|…|\.\.\.)?$",
    r"^copyright|^ban quyen( thuoc)?\b|^©",
    # audio players ("Nghe đọc bài viết 00:00 / 03:12") and follow prompts
    r"^(nghe doc bai|nghe bai viet|nghe audio|nghe noi dung|nghe ban tin)\b",
    r"^(hay )?theo doi .{0,60}\btren (google news|zalo|facebook|youtube|tiktok)\b",
    # masthead/footer legal lines: licence, publisher, editor in chief
    r"giay phep (so|xuat ban|hoat dong|thiet lap)\b|^co quan chu quan\b|^co quan cua\b|"
    r"chiu trach nhiem (xuat ban|noi dung|chinh)\b|^tong bien tap\b",
)]  # fmt: skip
# Patterns that need the punctuation (matched on the folded line as printed).
LABELLED_LINE_PATTERNS = [re.compile(p) for p in (
    r"^(dia chi|dien thoai|fax|hotline|email)\s*:",
    r"^(tu khoa|tags?|the tag)\s*[:：]",  # a tag line printed as text ("TAGS: a; b")
    # a source credit ("Nguồn tin: Báo ...") is metadata, not article text
    r"^nguon( tin| bai)?\s*:.{0,80}$",
    # the site's own name printed as a line ("Trang thông tin điện tử xã …", "Cổng TTĐT
    # tỉnh …", "Báo … điện tử"): no sentence punctuation, unlike a sentence that names it
    r"^\W*(trang|cong) (thong )?tin (dien tu|dt)\b[^.;:!?]{0,80}$",
    r"^\W*(trang|cong) ttdt\b[^.;:!?]{0,80}$",
    r"^\W*bao [^.,;:!?]{1,40} dien tu\W*$|^\W*bao dien tu\b[^.,;:!?]{0,50}$",
)]  # fmt: skip
COUNTER_LINE = re.compile(r"^[^\d]{0,40}[:：]\s*[\d.,\s]{1,15}$")
NUMERIC_RESIDUE = re.compile(r"^[\d\s.,:/|\-]+$")
CAPTION_LINE = re.compile(r"(\((ảnh|ảnh minh họa|ảnh minh hoạ|nguồn)\s*:[^)]{0,80}\)\s*$)|"
                          r"(\sảnh\s\d{1,2}$)|(^ảnh\s*(minh họa|minh hoạ)?\s*:)", re.IGNORECASE)
BYLINE = re.compile(
    r"^(tác giả|bài và ảnh|bài, ảnh|bài/ảnh|bài - ảnh|bài & ảnh|bài|tin và ảnh|tin, ảnh|"
    r"tin/ảnh|tin|nhóm pv|nhóm phóng viên|pv|phóng viên|người viết|thực hiện|"
    r"nguồn|theo)\s*[:：]\s*(?P<name>.{2,80})$", re.IGNORECASE)
NAME_LINE = re.compile(
    r"^(?:(?:ThS|TS|PGS|GS|CN|KS|Th\.S|Ths)\.?\s*)?"
    r"[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]"
    r"[\wÀ-ỹ.]*(?:[ \-–,]+[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]"
    r"[\wÀ-ỹ.]*){1,6}$")
SITE_WORDS = ("bao ", "cong thong tin", "trang thong tin", "tap chi", "dai phat thanh",
              "so ", "ubnd", "portal", ".vn", ".com", "truong ", "dien tu", "online", "tin tuc")
_TOKEN_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_PUNCT = re.compile(r"[^\w\s]+")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?\s*([a-zA-Z0-9_\-]+)", re.I)


# -- decoding --------------------------------------------------------------------------------
def decode_html(data: str | bytes) -> str:
    """Text of a page: BOM, then <meta charset>, then UTF-8, then windows-1258."""
    if isinstance(data, str):
        return data
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16", errors="replace")
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii").lower(), errors="strict")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text: str) -> bool:
    """More than 5% control characters, or a run of undecodable bytes, in the first 2 KiB."""
    sample = text[:2048]
    if not sample.strip():
        return False
    controls = len(_CONTROL_CHARS.findall(sample))
    return controls > len(sample) * 0.05 or "\ufffd" * 8 in sample


# File signatures of the binaries servers hand out as article pages (attachments, images).
_BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff",
                 b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"RIFF", b"ID3")
_FEED_ROOT = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*)*"
                        r"<(rss|feed|urlset|sitemapindex|rdf:RDF)\b", re.S)
_ANY_TAG = re.compile(r"<(html|head|body|div|p|table|article|section|span|h[1-6]|br)\b", re.I)


def _parse(data: str | bytes) -> HtmlElement:
    """Decode and parse once; refuse what is not an HTML page, with the reason."""
    if isinstance(data, bytes) and data.lstrip()[:8].startswith(_BINARY_MAGIC):
        raise ExtractionError("the page is binary, not HTML (file signature "
                              f"{data.lstrip()[:4]!r})")
    text = decode_html(data)
    if not text.strip():
        raise ExtractionError("the page is empty")
    if _looks_binary(text):
        raise ExtractionError("the page is binary, not HTML")
    head = text[:4096]
    if _FEED_ROOT.match(head):
        raise ExtractionError("not an HTML page: an XML feed or sitemap")
    if head.lstrip()[:1] in ("{", "["):
        raise ExtractionError("not an HTML page: JSON")
    if not _ANY_TAG.search(text[:65536]):
        raise ExtractionError("not an HTML page: no HTML markup")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not parseable as HTML: {exc}") from exc
    for el in _ARCHIVE_TOOLBAR(tree):  # a copy saved from the Wayback Machine
        _remove(el)
    return tree


# the Wayback Machine's toolbar over an archived copy ("Wide Crawl Number 17 …")
_ARCHIVE_TOOLBAR = etree.XPath("//*[@id='wm-ipp-base' or @id='wm-ipp' or @id='donato']")


# -- furniture removal on the tree -----------------------------------------------------------
def _tokens(el: HtmlElement) -> set[str]:
    raw = f"{el.get('class', '')} {el.get('id', '')}"
    return {t.lower() for t in _TOKEN_SPLIT.split(raw) if t}


def _is_furniture_el(el: HtmlElement) -> bool:
    tokens = _tokens(el)
    named = tokens & FURNITURE_TOKENS
    raw = f"{el.get('class', '')}{el.get('id', '')}".lower().replace("-", "").replace("_", "")
    substrings = [s for s in FURNITURE_SUBSTRINGS if s in raw]
    if not (named or substrings):
        return False
    if named <= WIDGET_TOKENS and all(s in WIDGET_SUBSTRINGS for s in substrings):
        return not _holds_paragraphs(el)
    return True


def _holds_paragraphs(el: HtmlElement) -> bool:
    """Two paragraphs of running text (100 characters or more, mostly not links): what a
    content zone holds and a widget (a print link, a share bar, a rating form) never does."""
    count = 0
    for p in el.iter("p", "h2"):
        length = _text_len(p)
        if length >= 100 and _link_text_len(p) <= length // 2:
            count += 1
            if count >= 2:
                return True
    return False


def _image_boxes(root: HtmlElement) -> set[HtmlElement]:
    """Elements inside a table or figure that holds an image (where captions live)."""
    inside: set[HtmlElement] = set()
    for box in root.iter("table", "figure"):
        if box.find(".//img") is not None and _text_len(box) < 300:
            inside.update(box.iter())
    return inside


def _is_caption(el: HtmlElement, image_boxes: set[HtmlElement]) -> bool:
    """Short text that sits with an image: a cell of a small table or figure holding one, or
    the centred or italic line right after an image-only paragraph (the CKEditor pattern)."""
    if el.tag not in ("td", "p", "div", "span", "em", "i"):
        return False
    if el in image_boxes:
        return el.find(".//img") is None and 0 < _text_len(el) < 300 \
            and not _beside_image(el)
    if el.tag != "p":
        return False
    prev = el.getprevious()
    if prev is None or not _is_image_only(prev):
        return False
    style = (el.get("style") or "").replace(" ", "").lower()
    children = [c for c in el if isinstance(c.tag, str)]
    wrapped = len(children) == 1 and children[0].tag in ("em", "i") and not (el.text or "").strip()
    return (wrapped or "text-align:center" in style) and 0 < _text_len(el) < 300


def _beside_image(el: HtmlElement) -> bool:
    """``el`` is (or is inside) a cell set in the same table row as a cell holding the
    image: text laid out beside a photo (a how-to's step next to its picture), not a caption,
    which sits in the row under or over it."""
    cell = next((up for up in (el, *el.iterancestors()) if up.tag in ("td", "th")), None)
    if cell is None or cell.find(".//img") is not None:
        return False
    row = cell.getparent()
    return row is not None and any(other is not cell and other.find(".//img") is not None
                                   for other in row if other.tag in ("td", "th"))


def _is_image_only(el: HtmlElement) -> bool:
    """An image block without text of its own (a ``<p>``, ``<div>``, ``<figure>`` or ``<a>``
    wrapping an ``<img>``); numeric residue such as ``2 1641458352`` does not count as text."""
    if not isinstance(el.tag, str) or el.tag == "img":
        return el.tag == "img"
    if el.find(".//img") is None:
        return False
    text = el.text_content().strip()
    return not text or bool(NUMERIC_RESIDUE.match(text))


def _text_len(el: HtmlElement) -> int:
    return len(el.text_content().strip())


def _remove(el: HtmlElement) -> None:
    """Remove an element but keep its tail text (it belongs to the surrounding flow)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")


def _unwrap_layout_tables(root: HtmlElement) -> None:
    """Turn layout tables (old ASP.NET/portal templates) into divs.

    A table is layout when it nests another table, a cell holds running text or text is
    set beside a photo in the same row; trafilatura would otherwise flatten it into "| cell |"
    rows. Data tables stay tables.
    """
    for table in list(root.iter("table")):
        cells = [c for c in table.iter("td", "th")]
        nested = table.find(".//table") is not None
        long_cell = any(len(" ".join(c.itertext()).strip()) > 200 for c in cells)
        if not (nested or long_cell or any(_text_len(c) and _beside_image(c) for c in cells)):
            continue
        for el in [table, *table.iter(*_TABLE_PARTS)]:
            if el.tag in _TABLE_PARTS:
                el.tag = "div"


_INLINE = frozenset({"a", "abbr", "b", "bdi", "br", "cite", "code", "em", "font", "i", "img",
                     "label", "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time",
                     "u", "wbr"})


_MIN_DIV_PARAGRAPH = 80
_LONG_HEADING = 150  # no headline or intertitle is this long; a lead in an <h2>/<h3> is


def _text_divs_to_paragraphs(root: HtmlElement) -> None:
    """Make a ``<div>`` that holds only text and inline markup a ``<p>``, and a heading as
    long as a paragraph (a lead set as ``<h3>``) a ``<p>``.

    CKEditor and old portal templates write paragraphs as ``<div>``s, often mixed with
    ``<p>``s; trafilatura drops such text blocks when their siblings are paragraphs.
    """
    for el in root.iter("h2", "h3", "h4", "h5", "h6"):
        if _text_len(el) >= _LONG_HEADING:  # a lead set as a heading: a paragraph of text
            el.tag = "p"
    for el in root.iter("div"):
        if any(not isinstance(c.tag, str) or c.tag not in _INLINE for c in el
               if not isinstance(c, etree._Comment)):
            continue
        # running text, not a short metadata/tool line ("Ngày 14/10/2021 | A+ A- | In trang")
        length = _text_len(el)
        if length >= _MIN_DIV_PARAGRAPH and _link_text_len(el) <= length // 2:
            el.tag = "p"


_RUN_CONTAINERS = ("div", "td", "th", "section", "article", "main", "center", "font", "span",
                   "blockquote", "form", "li")
# a body has several runs of prose (40+ characters); a sidebar's blurb or a footer's address
# has one at most
_TWO_RUNS = etree.XPath("//*[count(text()[string-length(normalize-space(.)) >= 40]) >= 2]")


def _wrap_text_runs(root: HtmlElement) -> None:
    """Make every run of text a ``<p>`` where a container mixes text runs with blocks.

    NukeViet and older portals write a body as text nodes separated by ``<br>``s, often after
    an image table or a caption block in the same ``<div>``; trafilatura keeps a block's own
    text but drops the text that follows a child block (a tail), so such a body lost every
    run after the image. Each run between ``<br>``s and blocks becomes a paragraph, in a
    container holding at least two runs of prose (text nodes of 40 characters or more).
    """
    for el in _TWO_RUNS(root):
        if el.tag in _RUN_CONTAINERS and any(isinstance(c.tag, str) and c.tag not in _INLINE
                                             for c in el):
            _split_runs(el)


def _split_runs(el: HtmlElement) -> None:
    """Rebuild ``el``'s children: block children stay, each run of text and inline children
    between ``<br>``s and blocks goes into a new ``<p>``."""
    children = list(el)
    text, el.text = el.text, None
    rebuilt: list[HtmlElement] = []
    run: HtmlElement | None = None

    def add_text(value: str | None) -> None:
        nonlocal run
        if not value:
            return
        if run is None:
            if not value.strip():
                return
            run = lxml.html.Element("p")
            rebuilt.append(run)
        if len(run):
            run[-1].tail = (run[-1].tail or "") + value
        else:
            run.text = (run.text or "") + value

    add_text(text)
    for child in children:
        tail, child.tail = child.tail, None
        el.remove(child)
        if not isinstance(child.tag, str):
            pass  # a comment or processing instruction: dropped
        elif child.tag == "br":
            run = None
        elif child.tag in _INLINE:
            if run is None:
                run = lxml.html.Element("p")
                rebuilt.append(run)
            run.append(child)
        else:
            run = None
            rebuilt.append(child)
        add_text(tail)
    for child in rebuilt:
        el.append(child)


_CAPTION_CLASS = re.compile(r"caption|chuthich")


def _drop_furniture_elements(root: HtmlElement, total: int, keep_captions: bool = False,
                             article: set[HtmlElement] | None = None) -> int:
    """Drop furniture elements; return how many characters of caption text went with them.

    Captions are decided on the page as printed, before anything is removed: a caption
    taken away must not make the paragraph after it "follow an image" in turn (a body whose
    every paragraph holds a photo lost one paragraph after another that way).
    """
    image_boxes = set() if keep_captions else _image_boxes(root)
    captions = () if keep_captions else ("figcaption",)
    caption_els = set() if keep_captions else {
        el for el in root.iter(etree.Element) if _is_caption(el, image_boxes)}
    caption_chars = 0
    for el in list(root.iter(etree.Element)):
        if el.getparent() is None or not isinstance(el.tag, str):
            continue
        if el.tag in ("html", "body", "main", "article"):
            continue
        if el.tag in ("nav", "footer", "aside"):
            _remove(el)
            continue
        if el.tag == "form":
            # ASP.NET pages wrap the whole page in one <form>: never drop what holds the text
            if _text_len(el) < total * 0.4:
                _remove(el)
            continue
        if el in caption_els or el.tag in captions:
            if el.getroottree().getroot() is root:  # not inside furniture already dropped
                caption_chars += _text_len(el)
            _remove(el)
            continue
        if el.tag in ("button", "select", "textarea", "input", "noscript", "iframe", "svg",
                      "template"):
            _remove(el)
            continue
        if _is_furniture_el(el) and _text_len(el) < max(total * 0.4, 200) \
                and not (article and el in article and _holds_paragraphs(el)):
            _remove(el)
        elif not keep_captions and _tokens(el) & CAPTION_TOKENS \
                and el.tag in ("p", "span", "em", "div", "td") \
                and _text_len(el) < 300 and _CAPTION_CLASS.search(" ".join(_tokens(el))):
            if el.getroottree().getroot() is root:
                caption_chars += _text_len(el)
            _remove(el)
    return caption_chars


def _folded_label(el: HtmlElement) -> str:
    return " ".join(_PUNCT.sub(" ", fold(el.text_content())).split())


def _link_text_len(el: HtmlElement) -> int:
    return sum(len(a.text_content().strip()) for a in el.iter("a"))


def _is_article_paragraph(el: HtmlElement) -> bool:
    """Long running text with (almost) no links: the article resumes after a related block.

    Teaser items (a linked title plus a summary) are never this: a ``<p>`` must carry no link
    at all, a container at most 5% of its text in links (one inline link in a long body
    ``<div>`` passes, a teaser's headline link does not).
    """
    if not isinstance(el.tag, str) or el.tag not in ("p", "div", "section", "blockquote",
                                                      "article", "table", "tbody", "tr", "td"):
        return False  # a table row holding the article (a portal's web part) counts too
    length = _text_len(el)
    if length < 200:
        return False
    if el.tag == "p":
        return el.find(".//a") is None
    return _link_text_len(el) <= 0.05 * length


_LONGEST_LABEL = max(len(label) for label in FURNITURE_LABELS) + 10


def _drop_labelled_blocks(root: HtmlElement) -> None:
    """Drop each block introduced by a furniture heading ("Tin cùng chuyên mục"...).

    The heading is climbed to the outermost element whose whole text is the label, then it
    and its following siblings are removed, up to the first article paragraph.
    """
    candidates = [el for el in root.iter("h1", "h2", "h3", "h4", "h5", "h6", "div", "span",
                                        "p", "strong", "b", "li", "header", "a", "td", "th")
                  if isinstance(el.tag, str)]
    for el in candidates:
        if el.getparent() is None or _text_len(el) > _LONGEST_LABEL:
            continue
        label = _folded_label(el)
        if label not in FURNITURE_LABELS:
            continue
        head = el
        while (parent := head.getparent()) is not None and parent.tag not in ("body", "html") \
                and _text_len(parent) <= _LONGEST_LABEL and _folded_label(parent) == label:
            head = parent
        for sibling in list(head.itersiblings()):
            if _is_article_paragraph(sibling):
                break
            _remove(sibling)
        _remove(head)


# -- teaser blocks ---------------------------------------------------------------------------
# A teaser block (related news, a category box, a sidebar list) is a run of items that each
# link one other article of the same site under a headline-like anchor, with at most a
# teaser sentence, a date and a thumbnail beside it. Found by shape, not by name, so that a
# box headed "Chuyển đổi số" (or by nothing) goes wherever the theme puts it.
_SKIP_HREF = ("#", "javascript:", "mailto:", "tel:")
_FILE_HREF = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar|7z|jpe?g|png|gif|webp|mp3|mp4)$",
                        re.I)
_LETTERS = re.compile(r"[^\W\d_]")
_TEASER_EXTRA = 350  # text of an item beside its headline: a teaser sentence, a date
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_HEADING_MARK = re.compile(r"title|heading|header|tieude|tieu-de|cate", re.I)
_KEEP_TAGS = frozenset({"html", "body", "main", "article"})


class _Site(NamedTuple):
    """The page's host (without ``www.``) and its own path: links to the page itself are
    not links to another article."""

    host: str
    page: str


def _site(url: str) -> _Site:
    try:
        parts = urlsplit(url)
        return _Site((parts.hostname or "").removeprefix("www."),
                     f"{parts.path.rstrip('/')}?{parts.query}")
    except ValueError:
        return _Site("", "")


def _article_target(a: HtmlElement, site: _Site) -> str | None:
    """Where an anchor leads when that is another page of the same site (not a file, the
    home page, the page itself, a fragment or a script); subdomains count as the same
    site."""
    host = site.host
    href = (a.get("href") or "").strip()
    if not href or href.startswith(_SKIP_HREF):
        return None
    try:
        parts = urlsplit(href)
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https"):
        return None
    other = (parts.hostname or "").removeprefix("www.")
    if other and host and other != host and not other.endswith("." + host) \
            and not host.endswith("." + other):
        return None
    path = parts.path.rstrip("/")
    if _FILE_HREF.search(path) or not (path or parts.query):
        return None
    target = f"{path}?{parts.query}"
    return None if target == site.page else target


def _headline_like(text: str) -> bool:
    """Anchor text that reads as an article headline: four to forty words."""
    return 4 <= len(text.split()) <= 40 and len(text) <= 250


def _teaser_target(el: HtmlElement, site: _Site) -> str | None:
    """The one article a teaser item links (or None when ``el`` is not a teaser item)."""
    anchors = [el] if el.tag == "a" else list(el.iter("a"))
    if not anchors or len(anchors) > 6:
        return None
    targets: set[str] = set()
    link_len = 0
    for a in anchors:
        text = a.text_content().strip()
        link_len += len(text)
        target = _article_target(a, site)
        if target and _headline_like(text) and _text_before(a, el) <= _TEASER_LEAD_IN:
            targets.add(target)
    if len(targets) != 1 or _text_len(el) - link_len > _TEASER_EXTRA:
        return None
    return targets.pop()


_TEASER_LEAD_IN = 25  # a bullet or a short date may precede a teaser's headline


def _text_before(a: HtmlElement, item: HtmlElement) -> int:
    """Characters of ``item``'s text before the anchor ``a``: a headline starts its item, a
    link inside running text ("… xem tại <a>Kế hoạch …</a>") does not."""
    count = 0
    node = a
    while node is not item and (parent := node.getparent()) is not None:
        count += len((parent.text or "").strip())
        for sib in node.itersiblings(preceding=True):
            count += len(sib.text_content().strip()) + len((sib.tail or "").strip()) \
                if isinstance(sib.tag, str) else 0
        node = parent
    return count


def _is_filler(el: HtmlElement) -> bool:
    """Separators and thumbnails between teaser items: <br>, <hr>, an empty or image-only
    element."""
    if not isinstance(el.tag, str):
        return True
    return el.tag in ("br", "hr", "img") or (not el.text_content().strip())


def _is_aside_bit(el: HtmlElement) -> bool:
    """A date, a view count or a category name printed between teaser items."""
    return _text_len(el) <= 30 and el.find(".//a") is None and el.tag != "a"


def _headline_counts(root: HtmlElement, site: _Site) -> dict[HtmlElement, int]:
    """How many headline-like links to other articles of the site each element holds: only
    an element holding two or more can hold a teaser run, only one holding some can be an
    item (so the body's paragraphs are never examined)."""
    counts: dict[HtmlElement, int] = {}
    for a in root.iter("a"):
        if _headline_like(a.text_content().strip()) and _article_target(a, site) is not None:
            for up in (a, *a.iterancestors()):
                counts[up] = counts.get(up, 0) + 1
    return counts


def _teaser_runs(parent: HtmlElement, site: _Site,
                 counts: dict[HtmlElement, int]) -> list[tuple[list[HtmlElement], int]]:
    """Runs of consecutive teaser items among ``parent``'s children, with the number of
    distinct articles each run links (a thumbnail item and a title item linking the same
    article count once). Separators, thumbnails and short bits (dates) between items belong
    to the run; after its last item they do not (a byline may follow)."""
    runs: list[tuple[list[HtmlElement], int]] = []
    items: list[HtmlElement] = []
    pending: list[HtmlElement] = []
    seen: set[str] = set()
    last: str | None = None

    def close() -> None:
        nonlocal items, pending, seen, last
        if seen:  # a trailing date or count goes with the run, a trailing name does not
            runs.append((items + [p for p in pending if not isinstance(p.tag, str)
                                  or not _LETTERS.search(p.text_content())], len(seen)))
        items, pending, seen, last = [], [], set(), None

    for child in parent:
        if _is_filler(child) or (seen and _is_aside_bit(child)):
            if seen:
                pending.append(child)
            continue
        target = _teaser_target(child, site) if child in counts else None
        if target is None:
            close()
            continue
        if target != last and target in seen:
            close()
        items += [*pending, child]
        pending = []
        seen.add(target)
        last = target
        if len((child.tail or "").strip()) > 40:  # running text after an item ends a run
            close()
    close()
    return runs


def _heading_like(el: HtmlElement | None) -> bool:
    """A short label over a block ("Chuyển đổi số", "Xem thêm"): a heading tag, a
    title-classed element or a bold line; never a byline."""
    if el is None or not isinstance(el.tag, str):
        return False
    text = normalise(el.text_content())
    if not 2 <= len(text) <= 80 or text.endswith((".", "?", "!")) or BYLINE.match(text):
        return False
    marks = f"{el.get('class', '')} {el.get('id', '')}"
    if el.tag in _HEADINGS or _HEADING_MARK.search(marks):
        return True
    kids = [c for c in el if isinstance(c.tag, str)]
    bold = el.tag in ("b", "strong") or (len(kids) == 1 and not (el.text or "").strip()
                                         and kids[0].tag in ("b", "strong", *_HEADINGS))
    return bold and not _name_like(text)


def _previous_block(el: HtmlElement) -> HtmlElement | None:
    prev = el.getprevious()
    while prev is not None and _is_filler(prev):
        prev = prev.getprevious()
    return prev


def _teaser_blocks(root: HtmlElement, site: _Site) -> list[HtmlElement]:
    """The elements to drop: each teaser run (or the list/box that holds only it) and the
    heading right before it."""
    found: list[HtmlElement] = []
    counts = _headline_counts(root, site)
    for parent in root.iter():
        if counts.get(parent, 0) < 2 or len(parent) < 2 or parent.tag in ("p", "a", "head"):
            continue
        for items, count in _teaser_runs(parent, site, counts):
            listed = parent.tag in ("ul", "ol") and count >= 2
            before = _previous_block(items[0])
            if count < 2 or (count < 3 and not listed and not _heading_like(before)):
                continue
            block = items
            whole = all(c in items or _is_filler(c) for c in parent)
            if whole and parent.tag not in _KEEP_TAGS and not (parent.text or "").strip():
                outer = parent  # the list or box holds nothing else: drop it whole
                while (up := outer.getparent()) is not None and up.tag not in _KEEP_TAGS \
                        and _text_len(up) == _text_len(outer):
                    outer = up
                block = [outer]
                before = _previous_block(outer)
            found += block
            if _heading_like(before) and before is not None:
                found.append(before)
    return found


_CARD_MAX = 600  # text of an embedded teaser card: a headline and a teaser sentence


def _teaser_cards(root: HtmlElement, site: _Site) -> list[HtmlElement]:
    """Teaser cards set alone between paragraphs ("read also" boxes): a block holding a
    thumbnail that links another article of the site, that article's headline link and at
    most a teaser sentence. The thumbnail is what tells a card from a paragraph that starts
    with a link."""
    cards: list[HtmlElement] = []
    for a in root.iter("a"):
        if a.find(".//img") is None or (target := _article_target(a, site)) is None:
            continue
        card = None
        for up in a.iterancestors():
            if up.tag in _KEEP_TAGS and up.tag != "article" or _text_len(up) > _CARD_MAX:
                break
            if _teaser_target(up, site) == target:
                card = up
        if card is not None:
            cards.append(card)
    return cards


def _drop_teaser_blocks(root: HtmlElement, site: _Site) -> None:
    for el in [*_teaser_blocks(root, site), *_teaser_cards(root, site)]:
        _remove(el)


# -- metadata --------------------------------------------------------------------------------
_META_XPATH = etree.XPath("//meta[@content]")


def _meta(tree: HtmlElement, *names: str) -> str | None:
    """The first non-empty meta content among ``names`` (property, name or itemprop)."""
    found: dict[str, str] = {}
    for el in _META_XPATH(tree):
        value = (el.get("content") or "").strip()
        if not value:
            continue
        for attr in ("property", "name", "itemprop"):
            key = el.get(attr)
            if key and key not in found:
                found[key] = value
    for name in names:
        if name in found:
            return normalise(found[name])
    return None


def _json_ld(tree: HtmlElement) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(str(script))
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                graph = item.get("@graph")
                out += [g for g in graph if isinstance(g, dict)] if isinstance(graph, list) \
                    else [item]
    return out


def _strip_site_suffix(title: str) -> str:
    parts = re.split(r"\s+[|\-–—:»]+\s+", title)
    while len(parts) > 1:
        last = fold(parts[-1])
        if any(w in last + " " for w in SITE_WORDS) or len(parts[-1]) < 0.4 * len(title):
            parts = parts[:-1]
        else:
            break
    return " - ".join(parts).strip()


def _key(text: str) -> str:
    return " ".join(_PUNCT.sub(" ", fold(text)).split())


def _same(a: str, b: str) -> bool:
    """Equal after folding, or one contains the other and covers most of it."""
    fa, fb = _key(a), _key(b)
    if not fa or not fb:
        return False
    if fa == fb:
        return True
    short, long_ = sorted((fa, fb), key=len)
    return len(short) > 15 and short in long_ and len(short) >= 0.7 * len(long_)


_TITLE_CLASS = re.compile(r"title|tieude|tieu-de|headline|heading", re.I)
_NOT_TITLE_CLASS = re.compile(r"site|logo|box|widget|menu|sub|cat|related|other|sidebar|footer|"
                              r"comment|reply|respond",
                              re.I)


_CHROME = re.compile(r"header|logo|banner|menu|top-?bar|top-?line|toolbar", re.I)
_ARTICLE_MARK = re.compile(r"entry|article|post|news|detail|content|story", re.I)


def _under_headline(el: HtmlElement) -> bool:
    """``el`` comes right after an ``<h1>``: a "subheader" there is the headline's own line
    (category, date, share buttons), not the page's header."""
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    return prev is not None and prev.tag == "h1"


def _chrome_elements(tree: HtmlElement) -> set[HtmlElement]:
    """Everything inside the page header, navigation or logo (site names, not titles).

    A ``<header>`` inside ``<article>``/``<main>``, or one classed as the article's own
    (``entry-header``, ``article-header``), holds the title and is not chrome.
    """
    own: set[HtmlElement] = set()
    for container in tree.iter("article", "main"):
        own.update(container.iter())
    chrome: set[HtmlElement] = set()
    for el in tree.iter():
        if not isinstance(el.tag, str) or el in chrome or el in own:
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if _ARTICLE_MARK.search(marks) or _under_headline(el):
            continue
        if el.tag in ("header", "nav") or (el.tag in ("div", "section", "ul", "table", "td")
                                           and _CHROME.search(marks)):
            chrome.update(el.iter())
    return chrome


def _title(tree: HtmlElement, hints: ExtractHints | None, chrome: set[HtmlElement]) -> str | None:
    """The article title.

    In order: a heading or title-classed element agreeing with og:title/<title>; a
    title-classed element; og:title; the first content h1/h2; <title>. Site-name suffixes
    are removed and page-chrome headings (logo, header, navigation) never count.
    """
    if hints and hints.title_selector:
        found = tree.cssselect(hints.title_selector)
        if found:
            return normalise(" ".join(found[0].itertext())) or None
    og = _meta(tree, "og:title", "twitter:title")
    head = normalise(" ".join(tree.xpath("//title//text()")))
    refs = [_strip_site_suffix(r) for r in (og, head) if r]
    if not og and _HOME_TITLE.match(fold(head)):
        # the CMS shows the article on its home page ("Trang chủ - Sở …", SharePoint
        # portals): the <title> names the site; the headline sits over the body
        found = _headline_over_body(tree, chrome)
        if found:
            return found
    candidates: list[tuple[str, bool]] = []  # (text, title-classed)
    for el in tree.iter("h1", "h2", "h3", "div", "span", "p", "td"):
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        classed = bool(_TITLE_CLASS.search(marks)) and not _NOT_TITLE_CLASS.search(marks)
        if not (el.tag in ("h1", "h2") or classed) or el in chrome:
            continue
        if 10 <= _text_len(el) <= 300:
            candidates.append((normalise(" ".join(el.itertext())), classed))
    for ref in refs:
        for text, _ in candidates:
            if _same(text, ref):
                return text
    for text, classed in candidates:
        if classed and len(text) >= 20:
            return text
    if og:
        return _strip_site_suffix(og)
    if candidates:
        return candidates[0][0]
    if not refs or len(refs[-1].split()) <= GENERIC_TITLE_WORDS:
        return _visual_headline(tree, chrome) or (refs[-1] if refs else None)
    return refs[-1]


GENERIC_TITLE_WORDS = 3  # a <title> this short ("Tin tức", "Cổng TTĐT") names the site
_PROSE_TEXT = etree.XPath(".//text()[string-length(normalize-space(.)) >= 20]"
                         "[not(ancestor::script) and not(ancestor::style)]")
_HOME_TITLE = re.compile(r"^\W*(trang chu|home|home page|trang nhat)\b")


def _headline_over_body(tree: HtmlElement, chrome: set[HtmlElement]) -> str | None:
    """The first headline-shaped line followed by prose: a heading, a title-classed or bold
    block of 5 to 40 words that is not a sentence and not a link, with a paragraph of 100
    characters or more after it (under 300 characters of other text between them)."""
    body = tree.find("body")
    if body is None:
        return None
    pending: str | None = None
    gap = 0
    skip: set[HtmlElement] = set()
    for el in body.iter():
        if not isinstance(el.tag, str) or el in skip:
            continue
        if el in chrome or el.tag in ("script", "style", "a", "nav", "select", "option"):
            skip.update(el.iter())
            continue
        marks = f"{el.get('class', '')} {el.get('id', '')}"
        if el.tag in ("h1", "h2", "h3", "b", "strong") or _TITLE_CLASS.search(marks):
            text = normalise(" ".join(el.itertext()))
            if 5 <= len(text.split()) <= 40 and len(text) <= 250 and not text.endswith(".") \
                    and el.find(".//a") is None:
                pending, gap = text, 0
                skip.update(el.iter())
                continue
        for own in (el.text, el.tail):
            length = len((own or "").strip())
            if pending and length >= 100:
                return pending
            gap += length
        if gap > 300:
            pending = None
    return None


def _visual_headline(tree: HtmlElement, chrome: set[HtmlElement]) -> str | None:
    """The headline of a page that marks it up only visually (``<font size=4><b>``,
    ``<p><strong>``): the first bold or enlarged line of 6 to 40 words, not a sentence,
    before the first long paragraph. Used only when nothing names the title."""
    for el in tree.iter("b", "strong", "font", "center", "p"):
        if el in chrome:  # the chrome set holds every element inside header/nav/menu
            continue
        text = normalise(" ".join(el.itertext()))
        if el.tag == "p" and len(text) >= 150:
            return None  # the article has begun
        if el.tag != "p" and 6 <= len(text.split()) <= 40 and not text.endswith("."):
            return text
    return None


_DATE_TOKENS = ("date", "time", "ngay", "publish", "posted", "created", "capnhat", "datetime",
                "meta", "info", "ngaydang", "pubdate", "timeago", "post")


def _published(tree: HtmlElement, hints: ExtractHints | None, chrome: set[HtmlElement],
               title: str | None) -> datetime | None:
    """Publication date: hinted element, JSON-LD, meta, then the page's printed dates.

    Printed dates (``<time datetime>``, a date-classed element, a date line near the title)
    are taken nearest the article first: inside the article's region (the smallest element
    holding its title and its body), then one enclosing element at a time. Page chrome
    never counts, and a bare "today" date (a weekday and a day, no time: ``Thứ Ba, ngày
    17/12/2024``) loses to any other date at the same distance: a top bar's date is the day
    of the crawl, not of the article.
    """
    if hints and hints.date_selector:
        for el in tree.cssselect(hints.date_selector):
            value = parse_vietnamese_date(normalise(" ".join(el.itertext())))
            if value:
                return value
    declared = _declared_date(tree)
    if declared is not None and not _prints_day(tree, declared + _PUBLISH_DELAY):
        return declared  # the page prints no date on the next day: nothing can move it
    region = _article_region(tree, title, chrome)
    inside = _printed_dates(region, chrome)  # the article's region first: the common case
    if declared is not None:
        printed = min((f for f in inside if not f[0]), key=lambda f: f[:3], default=None)
        if printed is not None and _published_later(declared, printed[3]):
            return printed[3]
        return declared
    if any(not today for today, *_ in inside):
        return min(inside, key=lambda f: f[:3])[3]
    if (value := _visible_date_near_title(region, title, chrome)) is not None:
        return value
    if inside:  # only a bare "today"-shaped date, and no date line under the title
        return min(inside, key=lambda f: f[:3])[3]
    if region is tree:
        return None
    levels = {el: depth for depth, el in enumerate(region.iterancestors(), 1)}

    def distance(el: HtmlElement) -> int:
        return next((levels[up] for up in el.iterancestors() if up in levels), len(levels) + 1)

    around = [(distance(el), *rest) for el, *rest in _printed_dates(tree, chrome, region)]
    if not around or all(today for _, today, *_ in around):
        # only a "today" date outside: a labelled date line closing the article comes first
        closing = _closing_date_line(region, chrome)
        if closing is not None:
            return closing
    if around:
        return min(around, key=lambda f: f[:4])[4]
    return _visible_date_near_title(tree, title, chrome)


def _declared_date(tree: HtmlElement) -> datetime | None:
    """The date the page declares in JSON-LD or meta tags."""
    for item in _json_ld(tree):
        raw = item.get("datePublished") or item.get("dateCreated")
        if isinstance(raw, str) and (value := parse_iso(raw)):
            return value
    raw_meta = _meta(tree, "article:published_time", "datePublished", "pubdate", "publishdate",
                     "date", "dc.date.issued", "DC.date.issued", "og:published_time")
    if raw_meta:
        return parse_iso(raw_meta) or parse_vietnamese_date(raw_meta)
    return None


_PUBLISH_DELAY = timedelta(days=1)


def _prints_day(tree: HtmlElement, day: datetime) -> bool:
    """The page's text holds ``day`` written day first ("24/12/2012", "24-12-2012")."""
    shape = re.compile(rf"(?<!\d)0?{day.day}\s*[/.\-]\s*0?{day.month}\s*[/.\-]\s*{day.year}")
    return bool(shape.search(tree.text_content()))


def _published_later(declared: datetime, printed: datetime) -> bool:
    """The article's printed date-time falls on a later day, within a day of the declared one:
    the metadata carries when the story was written (``dateCreated`` copied into
    ``datePublished``), the page prints when it went out, which readers see."""
    has_time = (printed.hour, printed.minute) != (0, 0)
    return has_time and printed.date() > declared.date() \
        and timedelta(0) < printed - declared <= _PUBLISH_DELAY


_CLOSING_DATE = re.compile(r"^\W*(ngay dang|dang ngay|ngay dang tai|dang luc|ngay cap nhat|"
                           r"cap nhat|ngay xuat ban|ngay phat hanh|posted|published|updated)\b")


def _closing_date_line(region: HtmlElement, chrome: set[HtmlElement]) -> datetime | None:
    """A labelled date line ("Ngày đăng: 05/03/2024 09:00") among the last lines of the
    article's region, where some themes print the date below the body."""
    texts = [t for t in region.xpath(".//text()") if t.strip() and t.getparent() not in chrome]
    for raw in reversed(texts[-12:]):
        line = " ".join(raw.split())
        if len(line) <= 80 and _CLOSING_DATE.match(fold(line)):
            value = parse_vietnamese_date(line)
            if value is not None:
                return value
    return None


def _printed_dates(root: HtmlElement, chrome: set[HtmlElement],
                   skip: HtmlElement | None = None) -> list[tuple[Any, ...]]:
    """(element, today-like, kind, order, date) of each ``<time datetime>`` (kind 0) and
    date-classed element (kind 1) under ``root``, outside the chrome and outside ``skip``.
    Inside the article's region, the element is left out of the tuple."""
    found: list[tuple[Any, ...]] = []
    skipped = set(skip.iter()) if skip is not None else set()
    for order, el in enumerate(root.iter()):
        if el in skipped:
            continue
        value: datetime | None = None
        if el.tag == "time" and (raw := el.get("datetime")) and el not in chrome:
            value = parse_iso(raw) or parse_vietnamese_date(raw)
            today, kind = False, 0
        if value is None:
            marks = f"{el.get('class', '')} {el.get('id', '')}"
            if len(marks) < 2 or not _DATE_MARK.search(marks) or el in chrome \
                    or el.tag in ("html", "body", "head", "script", "style") \
                    or _text_len(el) > 120:
                continue
            printed = normalise(" ".join(el.itertext()))
            value = parse_vietnamese_date(printed)
            today, kind = _today_like(printed), 1
        if value is not None:
            found.append((el, today, kind, order, value) if skip is not None
                         else (today, kind, order, value))
    return found


_DATE_MARK = re.compile("|".join(_DATE_TOKENS).replace("capnhat", "cap-?nhat"), re.I)



# "Thứ Ba, ngày 17/12/2024", "Hôm nay: 17/12/2024": the date a header bar prints every day
_TODAY = re.compile(r"^\W*(hom nay\W*)?((thu (hai|ba|tu|nam|sau|bay|[2-7])|chu nhat)\W*)?"
                    r"(ngay\s*)?\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}\W*$")


def _today_like(printed: str) -> bool:
    folded = fold(printed)
    return bool(_TODAY.match(folded)) and ("hom nay" in folded or "thu" in folded
                                           or "chu nhat" in folded)


_SOME_TEXT = etree.XPath("//body//text()[string-length(normalize-space(.)) >= 20]")


def _article_region(tree: HtmlElement, title: str | None,
                    chrome: set[HtmlElement]) -> HtmlElement:
    """The smallest element holding both the title element and the longest run of text (the
    body); the whole page when the title element is not found."""
    heading = _title_element(tree, title, chrome) if title else None
    if heading is None:
        return tree
    own: dict[HtmlElement, int] = {}
    for node in _SOME_TEXT(tree):
        owner = node.getparent()
        if node.is_tail:
            owner = owner.getparent()
        if owner is not None:
            own[owner] = own.get(owner, 0) + len(node.strip())
    if not own:
        return tree
    body = max(own, key=own.__getitem__)
    ancestors = {heading, *heading.iterancestors()}
    for el in (body, *body.iterancestors()):
        if el in ancestors:
            return el
    return tree


def _title_element(tree: HtmlElement, title: str,
                   chrome: set[HtmlElement]) -> HtmlElement | None:
    """The first element outside the chrome (and outside any link) that prints the title."""
    size = len(title)
    for tags in (("h1", "h2", "h3", "h4"), ("div", "span", "p", "td", "b", "strong", "font")):
        for el in tree.iter(*tags):  # headings first: they are few
            length = _text_len(el)
            if 0.6 * size <= length <= min(1.5 * size, 300) and el not in chrome \
                    and _same(el.text_content(), title) \
                    and next(el.iterancestors("a"), None) is None:
                return el
    return None


def _visible_date_near_title(root: HtmlElement, title: str | None,
                             chrome: set[HtmlElement]) -> datetime | None:
    """The first date line among the dozen lines from the title on (from the top when the
    title is not printed), page chrome excluded."""
    head: list[str] = []
    after: list[str] | None = None
    size = len(title or "")
    for node in root.xpath(".//text()"):
        length = len(node.strip())
        if not length or (after is None and len(head) >= 12
                          and not 0.5 * size <= length <= 2 * size):
            continue  # only the title is looked for now
        parent = node.getparent()
        if parent in chrome or parent.tag in ("script", "style", "title"):
            continue
        for line in normalise(node).split("\n"):
            if after is not None:
                after.append(line)
                if len(after) >= 12:
                    return find_published_in_text("\n".join(after))
            elif title and 0.6 * size <= len(line) <= 1.5 * size and _same(line, title):
                after = [line]
            elif len(head) < 12:
                head.append(line)
            elif not title:
                return find_published_in_text("\n".join(head))
    return find_published_in_text("\n".join(after if after is not None else head))


# -- text post-filter ------------------------------------------------------------------------
_DATE_LINE_WORDS = frozenset({"thu", "hai", "ba", "tu", "nam", "sau", "bay", "chu", "nhat", "cap",
                              "ngay", "dang", "luc", "sang", "chieu", "toi", "gio", "h", "g",
                              "published", "updated", "posted", "am", "pm", "gmt", "clock"})


def _is_date_line(line: str, folded: str) -> bool:
    """A short line that only states when the page was published or updated."""
    if len(line) > 60 or parse_vietnamese_date(line) is None:
        return False
    words = re.sub(r"[\d\W_]+", " ", folded).split()
    return all(w in _DATE_LINE_WORDS for w in words)


_MAX_FURNITURE_LINE = 250  # every furniture shape below is shorter; body paragraphs are not


def _is_furniture_line(line: str) -> bool:
    if len(line) > _MAX_FURNITURE_LINE:
        return False
    printed = fold(line)
    folded = " ".join(_PUNCT.sub(" ", printed).split())
    if not folded or _is_date_line(line, printed):
        return True
    if folded in FURNITURE_LINES or folded in FURNITURE_LABELS:
        return True
    if len(line) <= 200 and (any(p.search(folded) for p in FURNITURE_LINE_PATTERNS) or
                             any(p.search(printed) for p in LABELLED_LINE_PATTERNS)):
        return True
    if len(line) <= 60 and (COUNTER_LINE.match(line) or NUMERIC_RESIDUE.match(line)):
        return True
    return bool(CAPTION_LINE.search(line))


def _sapo(tree: HtmlElement) -> str | None:
    """The lead paragraph when the CMS prints it apart from the body (NukeViet hometext)."""
    for el in tree.iter("div", "p", "h2", "h3", "span", "section"):
        length = _text_len(el)  # a teaser's summary box holding its headline link is no lead
        if _tokens(el) & SAPO_TOKENS and not _is_furniture_el(el) and \
                40 <= length <= 1200 and not el.xpath(".//p[string-length() > 400]") \
                and _link_text_len(el) <= length // 2:
            return " ".join(normalise(" ".join(el.itertext())).split())
    return None


_PHOTO_CREDIT = re.compile(r"\s*\((ảnh|ảnh minh họa|ảnh minh hoạ|nguồn ảnh)\s*:[^)]{0,80}\)\s*$",
                           re.IGNORECASE)


def _clean_lines(text: str, title: str | None, keep_captions: bool = False) -> list[str]:
    """Drop furniture lines (a short line ending in a photo credit is a caption); strip the
    credit from a long paragraph that ends in one (from every line when captions are kept)."""
    lines = [_PHOTO_CREDIT.sub("", line) if keep_captions or len(line) > _MAX_FURNITURE_LINE
             else line for line in normalise(text).split("\n")]
    lines = [line for line in lines if not _is_furniture_line(line)]
    if lines and title and _same(lines[0], title):
        lines = lines[1:]
    return lines


_WEAK_BYLINE_LABELS = frozenset({"pv", "phong vien", "tin", "bai", "theo", "nguon"})
_SENTENCE_END = re.compile(r"[.?!/]\s*$|\./")
_ACRONYM = re.compile(r"^[A-ZĐ&]{2,12}$")


def _name_like(text: str) -> bool:
    """A person's or outlet's name: capitalised words (``Liên Minh``, ``Báo Lào Cai``) or an
    acronym (``TTXVN``)."""
    return bool(NAME_LINE.match(text) or _ACRONYM.match(text))


_THEO = re.compile(r"^\(?\s*theo\s+(?P<name>[^,;:()]{2,55}?)\s*\)?$", re.IGNORECASE)


# A CMS account or an editorial role is not an author ("Đăng bởi: Quản trị viên", "admin")
_CMS_ACCOUNT = re.compile(
    r"^(quan tri( vien| he thong| website| web| trang)?|nguoi quan tri|quantri|admin|"
    r"administrator|site admin|super ?user|webmaster|web master|bien tap vien|btv|ban bien tap|"
    r"editor|root|ctv|cong tac vien)( \d+)?$")
_ACCOUNT_PREFIX = re.compile(r"^(?:đăng bởi|viết bởi|người đăng|người viết|posted by|"
                             r"written by|tác giả|bởi|by)\s*[:：]?\s*", re.IGNORECASE)


def _is_account(name: str) -> bool:
    """``name`` is a CMS account or role, possibly after a "posted by" word."""
    return len(name) <= 40 and bool(
        _CMS_ACCOUNT.match(_key(_ACCOUNT_PREFIX.sub("", name.strip()))))


class _Printed(NamedTuple):
    """An emphasised name line of the page (a right-aligned or bold "Minh Anh", "H.V."): the
    page's text just before it, its own text and the name ("" for a source credit)."""

    before: str
    text: str
    name: str


_RIGHT = re.compile(r"text-align\s*:\s*right", re.I)
_INITIALS = re.compile(r"^(?:[A-ZĐ]\.\s?){1,4}$")
_ONE_NAME = re.compile(r"^[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ][a-zà-ỹđ]{2,15}$")


def _page_text_before(el: HtmlElement, limit: int) -> str:
    """About ``limit`` characters of the page's text just before ``el``, in page order."""
    pieces: list[str] = []
    count = 0
    node = el
    while count < limit and (parent := node.getparent()) is not None:
        for sib in node.itersiblings(preceding=True):
            for piece in (sib.tail, None if sib.tag in ("script", "style") or not isinstance(
                    sib.tag, str) else sib.text_content()):
                if piece and piece.strip():
                    pieces.append(piece)
                    count += len(piece)
            if count >= limit:
                break
        else:
            if parent.text and parent.text.strip():
                pieces.append(parent.text)
                count += len(parent.text)
        node = parent
    return " ".join(" ".join(reversed(pieces)).split())[-limit:]
_BYLINE_TAGS = frozenset({"p", "div", "span", "strong", "b", "em", "i", "font", "td"})
# bold runs and right-aligned elements (the style test is redone exactly in Python)
_EMPHASIS = etree.XPath(
    "//body//strong | //body//b | //body//*[translate(@align, 'RIGHT', 'right') = 'right'"
    " or contains(translate(@style, 'RIGHT', 'right'), 'right')]")


def _emphasised_lines(tree: HtmlElement) -> set[HtmlElement]:
    """Elements that print a whole line in emphasis: a bold run that is its block's whole
    text, a right-aligned block and the elements inside it."""
    found: set[HtmlElement] = set()
    for el in _EMPHASIS(tree):
        if el.tag in ("strong", "b"):
            block = next((up for up in el.iterancestors() if up.tag in ("p", "div", "td")),
                         None)
            if block is None or len(block.text_content().strip()) == _text_len(el):
                found.add(el)
        elif (el.get("align") or "").lower() == "right" or _RIGHT.search(el.get("style") or ""):
            found.update(d for d in el.iter(*_BYLINE_TAGS) if d is el or d.getparent() is el
                         or d.getparent().getparent() is el)
    return found


_CREDIT = re.compile(r"^\W*(theo|nguồn)\b", re.I)


def _credit_line(el: HtmlElement) -> bool:
    """``el`` is or sits in a source credit ("Theo <strong>Forbes, Newsweek</strong>")."""
    block = next((up for up in (el, *el.iterancestors()) if up.tag in ("p", "div", "td")), el)
    return bool(_CREDIT.match(" ".join(block.text_content().split())[:80]))


def _byline_name(text: str) -> str | None:
    """The person an emphasised short line names, or None when it is not a name. A credit
    ("Theo Forbes") names a source, not a writer."""
    name = text.strip(" .")
    if _INITIALS.match(text):
        return text
    if not 2 <= len(name) <= 40 or re.search(r"\d", name) or _is_account(name):
        return None
    folded = _key(name)
    if folded in FURNITURE_LABELS or folded in FURNITURE_LINES:
        return None
    return name if _name_like(name) or _ONE_NAME.match(name) else None


def _printed_bylines(tree: HtmlElement) -> list[_Printed]:
    """Emphasised name lines on the page, each with the page's text before it."""
    found: list[_Printed] = []
    for el in _emphasised_lines(tree):
        raw = el.text_content()
        if len(raw) > 400 or not 2 <= len(text := " ".join(raw.split())) <= 45:
            continue
        credit = _credit_line(el)  # a source credit ends the byline zone: no name after it
        name = "" if credit else _byline_name(normalise(text))
        if credit or name:
            before = _page_text_before(el, _BYLINE_GAP + 60)
            found.append(_Printed(before, normalise(text), name or ""))
    return found


_BYLINE_GAP = 300  # characters of page text between the body's end and its byline


def _printed_author(lines: list[str], printed: list[_Printed]) -> tuple[list[str], str] | None:
    """An emphasised name line among the last lines of the text, or right after the body's
    last line on the page (a theme that prints the byline below the content block)."""
    for idx in range(len(lines) - 1, max(len(lines) - 5, -1), -1):
        line = " ".join(lines[idx].split())
        for found in printed:
            if line == found.text and found.name:
                return lines[:idx] + lines[idx + 1:], found.name
    end_of_body = " ".join(lines[-1].split())[-40:] if lines else ""
    if len(end_of_body) < 20:
        return None
    after_body = [(len(f.before) - f.before.rfind(end_of_body), f) for f in printed
                  if end_of_body in f.before[-_BYLINE_GAP - 40:]]
    if not after_body:
        return None
    first = min(after_body, key=lambda pair: pair[0])[1]  # a credit first ends the search
    return (lines, first.name) if first.name else None


def _split_byline(lines: list[str], tree_author: _Author | None,
                  printed: list[_Printed] | None = None) -> tuple[list[str], str | None]:
    """Find the byline among the last lines; return the text without it and the author.

    In order: a labelled byline among the last lines ("Tác giả: …"); an emphasised name
    line (right-aligned or bold) among them or right after the body on the page; a final
    name line or credit ("Nhóm PV" above "Theo Infonet": the writer, then the source); the
    author element, then the meta author.
    """
    tail = max(len(lines) - 3, 0)  # a CMS account line among the last ones is neither
    lines = lines[:tail] + [line for line in lines[tail:] if not _is_account(line)]
    if tree_author and _is_account(tree_author.name):
        tree_author = None
    labelled = _labelled_byline(lines)
    if labelled is not None:
        return labelled
    if printed and (found := _printed_author(lines, printed)) is not None:
        return found
    if lines and len(lines[-1]) <= 60 and not lines[-1].endswith((".", ":", "?", "!", ",", ";")):
        line = lines[-1].strip()
        credited = _THEO.match(line)  # "Theo Báo Lào Cai", "(Theo TTXVN)"
        if credited and len(lines) > 1 and len(lines[-2]) <= 40 and NAME_LINE.match(lines[-2]):
            return lines[:-2], lines[-2].strip()  # the writer, then the source credit
        if credited and _name_like(credited.group("name")):
            return lines[:-1], credited.group("name")
        if NAME_LINE.match(line):
            return lines[:-1], line
    if tree_author:
        for idx in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
            if _same(lines[idx], tree_author.name):
                return lines[:idx] + lines[idx + 1:], tree_author.name
    return lines, tree_author.name if tree_author else None


def _labelled_byline(lines: list[str]) -> tuple[list[str], str] | None:
    """A labelled byline ("Tác giả: …", "Bài, ảnh: …") among the last lines."""
    for idx in range(len(lines) - 1, max(len(lines) - 4, -1), -1):
        line = lines[idx].strip()
        match = BYLINE.match(line)
        if match and len(line) <= 100:
            name = match.group("name").strip(" .")
            # "PV: Xin cảm ơn đồng chí./." is an interview turn, not a byline
            weak = fold(match.group(1)) in _WEAK_BYLINE_LABELS
            if _name_like(name) or (not weak and len(name.split()) <= 12
                                    and not _SENTENCE_END.search(name)):
                return lines[:idx] + lines[idx + 1:], name
    return None


# WordPress and most blog themes print the author element as "bởi Tên" / "by Name" /
# "Đăng bởi: Tên"; the word is the theme's, not the author's
_BY_PREFIX = re.compile(r"^(?:đăng bởi|viết bởi|người đăng|posted by|written by|bởi|by)"
                        r"\s*[:：]?\s+", re.IGNORECASE)


def _brand_keys(tree: HtmlElement, url: str) -> set[str]:
    """The site's own names, folded without spaces: og:site_name, application-name, the
    title's suffix after its last " - " or " | ", and the host's main label (dantri in
    dantri.com.vn). A meta author equal to one of them is the publisher, not a writer."""
    parts = re.split(r"\s[-|–]\s", tree.findtext(".//title") or "")
    suffix = parts[-1] if len(parts) > 1 else None
    keys = set()
    for name in (_meta(tree, "og:site_name", "application-name", "twitter:site"), suffix):
        if name:
            keys.add(re.sub(r"\W+", "", fold(name)))
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if host:
        keys.add(host.split(".")[0])
    keys.discard("")
    return keys


class _Author(NamedTuple):
    name: str
    declared: bool  # from meta tags, not printed on the page


# an author-classed element holding only its label ("Tác giả", "Tác giả:") names nobody
_AUTHOR_LABEL = re.compile(r"^(tác giả|tac gia|author|người viết|bởi|by)\s*[:：]?$", re.I)


# an author box's note: "Tác giả Nguyễn Văn Tuấn là giám đốc …"
_BIO_TEXT = etree.XPath("//body//text()[contains(., 'Tác giả ')]")
_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
_BIO = re.compile(rf"^Tác giả (?P<name>[{_UPPER}][\wÀ-ỹ]*(?: [{_UPPER}][\wÀ-ỹ]*){{1,4}})"
                  r",? (là|hiện là|sinh năm|nguyên là)\b")


def _tree_author(tree: HtmlElement, url: str = "") -> _Author | None:
    """The author an author-classed element prints (a name: not a date, a bare label, a
    sentence or a CMS account), else the one an author box's note presents ("Tác giả X
    là …"), else the meta author when it is not the site's own name."""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        raw = f"{el.get('class', '')} {el.get('id', '')}".lower()
        if any(t in raw for t in ("author", "tacgia", "tac-gia", "byline", "writer")) \
                and 2 <= _text_len(el) <= 80 and el.tag != "time":
            text = _BY_PREFIX.sub("", normalise(" ".join(el.itertext())))
            match = BYLINE.match(text)
            name = match.group("name").strip(" .") if match else text
            if not _is_account(name) and not _AUTHOR_LABEL.match(name) \
                    and len(name.split()) <= 8 and parse_vietnamese_date(name) is None:
                return _Author(name, False)
    for node in _BIO_TEXT(tree):
        if match := _BIO.match(" ".join(str(node).split())):
            return _Author(match.group("name"), False)
    meta = _meta(tree, "author", "article:author", "dc.creator")
    if meta and not any(w in fold(meta) + " " for w in SITE_WORDS) and len(meta) <= 60 \
            and not _is_account(meta) and not _is_brand(meta, _brand_keys(tree, url)):
        return _Author(meta, True)
    return None


def _is_brand(name: str, brands: set[str]) -> bool:
    """``name`` is the site's own name, maybe with a word after it ("VietNamNet News")."""
    key = re.sub(r"\W+", "", fold(name))
    return key in brands or any(len(b) >= 4 and key.startswith(b) and len(key) - len(b) <= 6
                                for b in brands)


# -- main ------------------------------------------------------------------------------------
def _restrict(tree: HtmlElement, hints: ExtractHints) -> HtmlElement:
    for selector in hints.exclude_selectors:
        for el in tree.cssselect(selector):
            _remove(el)
    if hints.content_selector:
        found = tree.cssselect(hints.content_selector)
        if found:
            body = tree.find("body")
            if body is not None:
                for child in list(body):
                    body.remove(child)
                body.text = None
                for el in found:
                    body.append(el)
    return tree


_CANONICAL = etree.XPath(
    "//link[contains(concat(' ', normalize-space(translate(@rel, 'CANONIL', 'canonil')), ' '),"
    " ' canonical ')]/@href")


_RUNNING_SKIP = frozenset({"a", "nav", "footer", "aside", "header", "script", "style",
                           "noscript", "button", "select", "option", "textarea", "title"})
_LONG_TEXT = etree.XPath("//body//text()[string-length(normalize-space(.)) >= 100]")
_CAPTION_STORY = 0.5  # kept less than this share of the running text: look at the captions
# captions removed this many times longer than the text kept: a story told in captions (a
# report with many photos but paragraphs of its own stays below it)
_CAPTIONS_OVER_TEXT = 2


def _running_text(tree: HtmlElement) -> int:
    """Characters of running text on the page: long text nodes outside links, navigation,
    headers and footers (the article, long captions and teaser sentences)."""
    total = 0
    for node in _LONG_TEXT(tree):
        length = len(node.strip())
        owner = node.getparent()
        if node.is_tail and owner is not None:
            owner = owner.getparent()
        if owner is not None and owner.tag not in _RUNNING_SKIP and not any(
                up.tag in _RUNNING_SKIP for up in owner.iterancestors()):
            total += length
    return total


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _drop_hidden_copies(tree: HtmlElement) -> None:
    """A hidden block (``display: none``, ``hidden``) whose text the page also shows is a
    copy (a slide show's caption kept twice, a mobile duplicate): dropped. A hidden block
    with text of its own stays: some themes hide the rest of the body behind "Xem tiếp"."""
    hidden = [el for el in tree.iter() if isinstance(el.tag, str) and (
        el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""))]
    if not hidden:
        return
    inside = {d for el in hidden for d in el.iter()}
    parts: list[str] = []
    for el in tree.iter():
        if el not in inside and isinstance(el.tag, str) and el.text:
            parts.append(el.text)
        if el.tail and el.getparent() not in inside:
            parts.append(el.tail)
    visible = " ".join(normalise(" ".join(parts)).split())
    for el in hidden:
        text = " ".join(normalise(" ".join(el.itertext())).split())
        if len(text) >= 20 and text in visible:
            _remove(el)


class _Body(NamedTuple):
    lines: list[str]
    captions: int  # characters of caption text removed with the furniture


_STRAY_HEADLINE_WORDS = 6


def _drop_stray_headlines(tree: HtmlElement, title: str | None) -> None:
    """Drop a headline-sized ``<h1>`` that is not the page's title, on a page that prints its
    title: the page has one headline of that rank, and another one set among the body's
    paragraphs is another article's (a related story pasted in), not an intertitle, which
    themes set as ``<h2>``-``<h4>`` or bold text."""
    if not title:
        return
    h1s = list(tree.iter("h1"))
    if not any(_same(h.text_content(), title) for h in h1s):
        return
    for h in h1s:
        text = normalise(h.text_content())
        if len(text.split()) >= _STRAY_HEADLINE_WORDS and not _same(text, title) \
                and h.getparent() is not None:
            _remove(h)


def _body_lines(tree: HtmlElement, url: str, hints: ExtractHints | None, title: str | None,
                keep_captions: bool = False) -> _Body:
    """The article's text lines: furniture removed from the tree, trafilatura on what is
    left, furniture lines dropped, the lead put back when the CMS prints it apart."""
    for el in tree.xpath("//script|//style|//noscript"):
        _remove(el)
    _drop_hidden_copies(tree)
    if hints:
        tree = _restrict(tree, hints)
    body = tree.find("body")
    total = _text_len(body) if body is not None else 0
    _drop_labelled_blocks(tree)
    _drop_stray_headlines(tree, title)
    # the elements holding the title's heading: one of them that holds paragraphs is the
    # article's zone, whatever its class says ("columns-widget", a theme's layout box)
    heading = _title_element(tree, title, set()) if title else None
    article = set(heading.iterancestors()) if heading is not None else None
    captions = _drop_furniture_elements(tree, total, keep_captions, article)
    _drop_teaser_blocks(tree, _site(url))
    if keep_captions:  # a caption is a paragraph: not a table row, not glued to the next
        for el in tree.iter("figcaption", "figure"):
            el.tag = "p" if el.tag == "figcaption" else "div"
        for table in [t for t in tree.iter("table") if t.find(".//img") is not None]:
            for el in [table, *table.iter(*_TABLE_PARTS)]:
                el.tag = "div"
    _unwrap_layout_tables(tree)
    _wrap_text_runs(tree)
    _text_divs_to_paragraphs(tree)
    sapo = _sapo(tree)  # after cleaning: a teaser's summary is gone by now
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False, fast=True)
    raw_text = getattr(doc, "text", None) if doc is not None else None
    if not raw_text:
        raise ExtractionError("no article text found on the page")
    lines = _clean_lines(raw_text, title, keep_captions)
    if sapo and not _is_furniture_line(sapo) and not any(
            _same(sapo, line) or fold(sapo)[:60] in fold(line) for line in lines[:3]):
        lines.insert(0, sapo)
    return _Body(lines, captions)


def extract_page(html: str | bytes, url: str, hints: ExtractHints | None = None) -> ExtractedPage:
    """Extract one article page. Raises ExtractionError when there is no article.

    Safety net: when the text kept is less than half the page's running text, or less than
    half the caption text removed, the page may tell its story in image captions (a photo story:
    each photo with a line or a paragraph under it), so it is extracted again keeping
    captions, and that text is used when it is half as long again. The second pass runs on
    such pages only.
    """
    tree = _parse(html)
    canonical = next((href.strip() for href in _CANONICAL(tree) if href.strip()), None)
    chrome = _chrome_elements(tree)
    title = _title(tree, hints, chrome)
    published = _published(tree, hints, chrome, title)
    tree_author = _tree_author(tree, url)
    printed = _printed_bylines(tree)
    running = _running_text(tree)
    failure: ExtractionError | None = None
    try:
        lines, captions = _body_lines(tree, url, hints, title)
    except ExtractionError as exc:
        lines, captions, failure = [], 0, exc
    kept = sum(len(line) for line in lines)
    if kept < _CAPTION_STORY * running or captions > _CAPTIONS_OVER_TEXT * kept:
        try:
            fuller = _body_lines(_parse(html), url, hints, title, keep_captions=True).lines
        except ExtractionError:
            fuller = []
        if sum(len(line) for line in fuller) > 1.5 * kept:
            lines = fuller
    if failure is not None and not lines:
        raise failure
    lines, author = _split_byline(lines, tree_author, printed)
    if not lines:
        raise ExtractionError("no article text left after removing page furniture")
    return ExtractedPage(url=url, title=title, author=author, published=published,
                         text="\n".join(lines), lead=lines[0], canonical=canonical)
