"""The storing rules: what becomes of an analysed article page in the archive.

Plain Python on a :class:`store.db.Store`, no Scrapy: the crawl's StorePipeline
(crawler/crawl/pipelines.py) adapts a PageItem to an :class:`AnalysedPage` and calls
:func:`store_counted` in the store's thread; ``provwatch reanalyse`` stores a new reading of
a kept page with :func:`store_reading`. The rules, in the order they are tried:

* The page's address is looked up as fetched, then as its same-site canonical link, then as
  the address that was requested (before redirects), all in canonical form.
* A known address that was judged a listing page stays one: ``listing``, nothing written.
* A known address whose text and title say the same (``versions.is_change``): ``unchanged``,
  only ``last_checked`` and the HTTP validators are written.
* A known address that now shows something else altogether (``versions.is_other_page``):
  ``other_page``, the stored article and its validators stay (the next run asks again).
* A known address with an edited text or title: ``updated``, the next version with its
  diff; a change alert when the article is tracked (relevant before or now) and is the
  story's first copy (a copy's edit is not news).
* An unknown address whose text copies a stored story (``dedup.find_original``):
  ``duplicates``, stored as a copy of the story's root; it alerts only if no copy of the
  story has (the first-seen copy was an excerpt below the relevance threshold).
* Otherwise ``new``, with its alert when relevant.

Each article write and its alert go in one transaction. The outcome names are the crawl's
figure keys (crawler/crawl/figures.py), so the pipeline counts them as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.analysis.dedup import Fingerprint, find_original, fingerprint, story_root
from crawler.analysis.relevance import Classification
from crawler.analysis.versions import is_change, is_other_page, text_diff, text_key
from crawler.archive.alerts import article_alert
from crawler.config.sources import Source
from crawler.core.provinces import detect_province
from crawler.core.text import clip
from crawler.core.urls import canonical_url
from store.db import Row, Store

logger = logging.getLogger(__name__)

NEW = "new"
DUPLICATE = "duplicates"  # the figure key counts copies in the plural
UPDATED = "updated"
UNCHANGED = "unchanged"
OTHER_PAGE = "other_page"
LISTING = "listing"
OUTCOMES = (NEW, DUPLICATE, UPDATED, UNCHANGED, OTHER_PAGE, LISTING)

# the columns an article record (crawler.analysis.analyse.article_record) gives an article:
# what a new reading may change (identity, history and validators stay)
ARTICLE_FIELDS = ("title", "author", "published", "text", "relevant", "score", "matched",
                  "topic")


@dataclass
class AnalysedPage:
    """One fetched page, extracted and classified, as the storing rules need it."""

    url: str  # the URL as fetched (after redirects)
    source: str  # source id
    record: dict[str, Any]  # article_record(page, verdict)
    verdict: Classification
    lead: str = ""  # the extracted page's lead
    requested_url: str | None = None
    canonical_hint: str | None = None  # the page's same-site <link rel=canonical>
    etag: str | None = None
    last_modified: str | None = None
    fingerprint: Fingerprint | None = None  # precomputed by a worker process, if any
    digest: str | None = None  # text_key of the text, if precomputed
    folded: tuple[str, str] | None = None  # title and text folded for search, if precomputed


@dataclass(frozen=True)
class Outcome:
    """What storing a page did."""

    kind: str  # one of OUTCOMES
    article_id: int | None = None  # the stored article the page was read as (None: not stored)
    version: int | None = None  # that article's version after the write
    duplicate_of: int | None = None  # a new copy: its story's first-seen article
    alerted: bool = False  # an alert was queued with the write


def article_columns(record: Row, lead: str, digest: str | None = None) -> Row:
    """The article columns a record sets: its fields, ``relevant`` as 0/1, the lead and the
    text's content key (``digest`` when already computed)."""
    columns = {k: record[k] for k in ARTICLE_FIELDS if k in record}
    columns.update(relevant=int(bool(record.get("relevant"))), lead=lead,
                   content_hash=digest or text_key(record.get("text") or ""))
    return columns


def store_page(store: Store, page: AnalysedPage, source: Source | None = None) -> Outcome:
    """Apply the storing rules to ``page`` (``source``: its declared source, if known)."""
    key, existing = _known(store, page)
    if existing is not None and existing.get("page_kind") == "listing":
        return Outcome(LISTING)  # a listing stored before pages were judged: never versioned
    if existing is not None:
        return _update(store, page, existing, source)
    return _insert(store, page, key, source)


def store_counted(store: Store, page: AnalysedPage, source: Source | None, *,
                  committed: Callable[[str], None], lost: Callable[[], None]) -> Outcome:
    """``store_page``, its outcome reported to ``committed`` once the write is durable, or
    ``lost`` called if its commit group is lost (disk full, I/O error): a page counts as
    stored only then. A write refused at once raises (StoreError, sqlite3.Error) and
    reports nothing: the caller counts it as a store error."""
    outcome = store_page(store, page, source)
    store.after_commit(lambda: committed(outcome.kind), lost)
    return outcome


def keep_page(store: Store, outcome: Outcome, url: str, body: bytes,
              encoding: str | None) -> None:
    """Keep the page an article was read from, for ``provwatch reanalyse``.

    An unchanged page is kept only if none is yet (articles stored before pages were kept):
    rewriting the same bytes every night would only grow the WAL.
    """
    if outcome.article_id is not None:
        store.save_page(outcome.article_id, url, body, encoding,
                        replace=outcome.kind != UNCHANGED)


def store_reading(store: Store, article_id: int, record: Row, lead: str, *,
                  text_changed: bool) -> None:
    """Store a new reading of an article's kept page in place: no version, no alert (the
    page did not change, only how it is read); its near-duplicate index follows a text
    that changed."""
    fp = fingerprint(record.get("text") or "") if text_changed else None
    store.reanalysed(article_id, article_columns(record, lead),
                     signature=fp.signature if fp else None,
                     buckets=fp.buckets if fp else ())


def _known(store: Store, page: AnalysedPage) -> tuple[str, Row | None]:
    """The address to store the page under, and the stored article already at it, if any."""
    key = canonical_url(page.url)
    existing = store.article_by_url(key)
    if existing is None and page.canonical_hint:
        hinted = canonical_url(page.canonical_hint)
        existing = store.article_by_url(hinted)
        key = hinted if existing is None else key
    if existing is None and page.requested_url:
        existing = store.article_by_url(canonical_url(page.requested_url))
    return key, existing


def _source_name(page: AnalysedPage, source: Source | None) -> str:
    return source.name if source is not None else page.source


def _place(page: AnalysedPage, source: Source | None) -> tuple[str | None, list[str]]:
    """The article's province: its source's, else the one its title and lead (else its
    text) name."""
    if source is not None and source.province:
        return source.province, list(source.former_provinces)
    record = page.record
    province, former = detect_province(f"{record.get('title') or ''}\n{page.lead}")
    if province is None:
        province, former = detect_province(record.get("text") or "")
    return province, former


def _insert(store: Store, page: AnalysedPage, key: str, source: Source | None) -> Outcome:
    record = page.record
    province, former = _place(page, source)
    match = find_original(store, record["text"], fp=page.fingerprint, digest=page.digest)
    original, digest, fp = match.original, match.digest, match.fingerprint
    duplicate_of = story_root(original) if original is not None else None
    row: Row = {
        **article_columns(record, page.lead, digest),
        "url": key, "link": page.url, "source": page.source, "province": province,
        "former_provinces": former, "duplicate_of": duplicate_of, "etag": page.etag,
        "last_modified": page.last_modified,
    }
    if page.folded is not None:
        row["title_folded"], row["text_folded"] = page.folded
    alert = None
    if record["relevant"] and (duplicate_of is None or not story_alerted(store, duplicate_of)):
        # a story alerts once: through its first copy, or through the first relevant copy
        # when the first-seen one was not relevant (an excerpt below the threshold)
        alert = article_alert("new", row, page.verdict, _source_name(page, source))
    article_id = store.insert_article(row, signature=fp.signature, buckets=fp.buckets,
                                      alert=alert)
    return Outcome(DUPLICATE if duplicate_of else NEW, article_id, 1, duplicate_of,
                   alert is not None)


def _update(store: Store, page: AnalysedPage, existing: Row, source: Source | None) -> Outcome:
    record = page.record
    digest = text_key(record["text"])
    # the stored text's key is recomputed: a change of the change rules is no new version
    old_key = text_key(existing["text"] or "")
    if not is_change(existing["title"], old_key, record["title"], digest):
        store.touch_article(existing["id"], etag=page.etag, last_modified=page.last_modified)
        return Outcome(UNCHANGED, existing["id"], existing["version"])
    if is_other_page(existing["title"], existing["text"] or "", record["title"],
                     record["text"]):
        # the stored version stays, and so do its validators: the next run asks again
        logger.warning("source %s: %s now shows another page (%r, not %r): the stored "
                       "article is kept, no new version", page.source, page.url,
                       clip(record["title"] or "", 80), clip(existing["title"] or "", 80))
        return Outcome(OTHER_PAGE)
    diff = text_diff(existing["title"], existing["text"] or "", record["title"],
                     record["text"])
    changes = article_columns(record, page.lead, digest)
    changes.update(etag=page.etag, last_modified=page.last_modified, link=page.url)
    alert = None
    tracked = bool(existing["relevant"]) or bool(record["relevant"])
    if tracked and existing["duplicate_of"] is None:
        alert = article_alert("changed", {**existing, **changes}, page.verdict,
                              _source_name(page, source), diff=diff)
    version = store.add_version(existing["id"], changes, diff=diff, alert=alert)
    return Outcome(UPDATED, existing["id"], version, existing["duplicate_of"],
                   alert is not None)


def story_alerted(store: Store, root: int) -> bool:
    """Whether any copy of the story ``root`` is relevant (and so has alerted)."""
    first = store.article_by_id(root)
    if first is not None and first["relevant"]:
        return True  # the usual case: one primary-key lookup
    return store.count("articles", "duplicate_of = ? AND relevant = 1", [root]) > 0
