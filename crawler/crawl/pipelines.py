"""Item pipelines, in the order an article goes through them:

ExtractPipeline (trafilatura, in worker processes or off the reactor thread) →
ClassifyPipeline (topics) →
StorePipeline (exact and near duplicates, versions, the article write and its alert in one
transaction).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro, deferred_to_future
from twisted.internet import task, threads

from crawler.analysis.analyse import article_record, classify_page, hints_for
from crawler.analysis.dedup import find_original, story_root
from crawler.analysis.extract import ExtractedPage, ExtractionError, extract_page
from crawler.analysis.relevance import Topic, load_topics
from crawler.analysis.versions import is_change, is_other_page, text_diff, text_key
from crawler.archive.alerts import article_alert
from crawler.archive.storeaccess import close_store, store_for
from crawler.config.sources import Source
from crawler.core.provinces import detect_province
from crawler.core.text import clip
from crawler.core.urls import canonical_url, same_site
from crawler.crawl.items import PageItem
from crawler.crawl.workers import AnalysisPool, AnalysisTimeout, WorkerDied, decoded, worker_count
from crawler.run.runner import STORE_FAILED
from store.db import Row, Store, StoreError

logger = logging.getLogger(__name__)


def _count(crawler: Any, source: str, key: str) -> None:
    spider = crawler.spider
    if hasattr(spider, "count"):
        spider.count(source, key)


def _source(crawler: Any, source_id: str) -> Source | None:
    return getattr(crawler.spider, "by_id", {}).get(source_id)


def _extract(item: PageItem, source: Source | None) -> ExtractedPage:
    return extract_page(decoded(item.body, item.encoding), item.url, hints_for(source))


class ExtractPipeline:
    """Title, text, date and author of the page, or the item dropped with the reason.

    With PROVWATCH_WORKERS > 0 (the default: cores - 1, at least 1) a worker also classifies
    and fingerprints the page, so the reactor process only downloads and stores.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.in_thread = crawler.settings.getbool("PROVWATCH_EXTRACT_IN_THREAD", True)
        self.pool: AnalysisPool | None = None
        workers = worker_count(crawler.settings.get("PROVWATCH_WORKERS", "auto"))
        if workers:
            self.pool = AnalysisPool(
                workers, crawler.settings.get("PROVWATCH_TOPICS"),
                timeout=crawler.settings.getfloat("PROVWATCH_ANALYSIS_TIMEOUT", 60.0))
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
            crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler)

    def spider_opened(self) -> None:
        if self.pool is not None:
            self.pool.warm_up()

    def spider_closed(self) -> None:
        if self.pool is not None:
            self.pool.close()

    async def process_item(self, item: PageItem) -> PageItem:
        source = _source(self.crawler, item.source)
        try:
            if self.pool is not None:
                result = await self.pool.analyse(item.body, item.encoding, item.url,
                                                 hints_for(source))
                item.page, item.verdict, item.record = result.page, result.verdict, result.record
                item.fingerprint, item.digest = result.fingerprint, result.digest
                item.folded = result.folded
            elif self.in_thread:
                item.page = await deferred_to_future(
                    threads.deferToThread(_extract, item, source))
            else:
                item.page = _extract(item, source)
        except (ExtractionError, WorkerDied, AnalysisTimeout) as exc:
            _count(self.crawler, item.source, "errors/extraction")
            raise DropItem(f"source {item.source}: cannot extract {item.url}: {exc}") from exc
        if item.page.canonical:
            hint = urljoin(item.url, item.page.canonical)
            if same_site(hint, item.url):  # another site's claim is not taken on trust
                item.canonical_hint = hint
        return item


class ClassifyPipeline:
    """Relevance of the extracted article for each topic; builds the stored record.

    Items a worker process already classified (same function, same topics file) pass.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        path = crawler.settings.get("PROVWATCH_TOPICS")
        self.topics: Sequence[Topic] = load_topics(path)
        self.in_thread = crawler.settings.getbool("PROVWATCH_EXTRACT_IN_THREAD", True)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ClassifyPipeline:
        return cls(crawler)

    async def process_item(self, item: PageItem) -> PageItem:
        if item.verdict is not None:
            return item
        # a few ms of regex work per article: off the reactor thread, like extraction
        if self.in_thread:
            item.verdict = await deferred_to_future(
                threads.deferToThread(classify_page, item.page, self.topics))
        else:
            item.verdict = classify_page(item.page, self.topics)
        item.record = article_record(item.page, item.verdict)
        return item


class StorePipeline:
    """Writes each article once: new story, duplicate of a story, new version, or nothing."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.min_text = crawler.settings.getint("PROVWATCH_MIN_TEXT_CHARS", 80)
        self.commit_every = crawler.settings.getint("PROVWATCH_COMMIT_EVERY", 200)
        self.commit_seconds = crawler.settings.getfloat("PROVWATCH_COMMIT_SECONDS", 2.0)
        self.flusher: task.LoopingCall | None = None
        self.failed = False
        self.keep_pages = crawler.settings.getbool("PROVWATCH_KEEP_PAGES", True)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def spider_opened(self) -> None:
        thread = store_for(self.crawler)
        thread.call(Store.group_commits, self.commit_every, self.commit_seconds)
        if self.commit_every > 1:
            # a quiet spell (slow sites) must not keep finished articles uncommitted
            self.flusher = task.LoopingCall(lambda: deferred_from_coro(self._flush()))
            self.flusher.start(self.commit_seconds, now=False)

    def spider_closed(self) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        try:
            close_store(self.crawler)  # commits the last group
        except (StoreError, sqlite3.Error) as exc:
            logger.error("database %s: the last articles of the crawl were not stored: %s",
                         self.crawler.settings.get("PROVWATCH_DB"), exc)

    async def process_item(self, item: PageItem) -> PageItem:
        text = item.record.get("text") or ""
        if len(text) < self.min_text:
            _count(self.crawler, item.source, "errors/empty_text")
            raise DropItem(f"source {item.source}: no article text at {item.url} "
                           f"({len(text)} characters)")
        try:
            item.outcome = await store_for(self.crawler).run(self._write_counted, item)
        except (StoreError, sqlite3.Error) as exc:
            self._store_failed(item, exc)
            raise DropItem(f"source {item.source}: {item.url} not stored: {exc}") from exc
        return item

    async def _flush(self) -> None:
        try:
            await store_for(self.crawler).run(Store.flush)
        except (StoreError, sqlite3.Error) as exc:
            self._stop(exc)  # the group's articles were counted as store errors

    def _store_failed(self, item: PageItem, exc: Exception) -> None:
        _count(self.crawler, item.source, "errors/store")
        self._stop(exc)

    def _stop(self, exc: Exception) -> None:
        """A write the database refused (disk full, I/O error, a damaged file): nothing more
        can be stored, so the crawl stops and the run fails instead of reporting success."""
        if not self.failed:
            self.failed = True
            logger.error("database %s cannot be written (%s): stopping the crawl; what was "
                         "committed before is kept", self.crawler.settings.get("PROVWATCH_DB"),
                         exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=STORE_FAILED))

    def _write_counted(self, store: Store, item: PageItem) -> str:
        """``_write``, its outcome counted once the write is committed (or counted as a
        store error if its commit group is lost)."""
        outcome = self._write(store, item)
        store.after_commit(lambda: _count(self.crawler, item.source, outcome),
                           lambda: _count(self.crawler, item.source, "errors/store"))
        if self.keep_pages and item.article_id is not None:
            # an unchanged page is kept only if none is yet (articles stored before pages
            # were kept): rewriting the same bytes every night would only grow the WAL
            store.save_page(item.article_id, item.url, item.body, item.encoding,
                            replace=outcome != "unchanged")
        return outcome

    def _write(self, store: Store, item: PageItem) -> str:
        """In the store thread (``store`` is only used there): the article's outcome,
        written (new, duplicates, updated, unchanged)."""
        key = canonical_url(item.url)
        existing = store.article_by_url(key)
        if existing is None and item.canonical_hint:
            hinted = canonical_url(item.canonical_hint)
            existing = store.article_by_url(hinted)
            key = hinted if existing is None else key
        if existing is None and item.requested_url:
            existing = store.article_by_url(canonical_url(item.requested_url))
        if existing is not None and existing.get("page_kind") == "listing":
            return "listing"  # a listing stored before pages were judged: never versioned
        if existing is not None:
            outcome = self._update(store, item, existing)
            if outcome != "other_page":
                item.article_id = existing["id"]
            return outcome
        return self._insert(store, item, key)

    def _place(self, item: PageItem) -> tuple[str | None, list[str], str]:
        source = _source(self.crawler, item.source)
        if source is not None and source.province:
            return source.province, list(source.former_provinces), source.name
        record = item.record
        province, former = detect_province(f"{record.get('title') or ''}\n{item.page.lead}")
        if province is None:
            province, former = detect_province(record.get("text") or "")
        return province, former, source.name if source else item.source

    def _insert(self, store: Store, item: PageItem, key: str) -> str:
        record = item.record
        province, former, source_name = self._place(item)
        match = find_original(store, record["text"], fp=item.fingerprint,
                              digest=item.digest)
        original, digest, fp = match.original, match.digest, match.fingerprint
        duplicate_of = story_root(original) if original is not None else None
        row: Row = {
            **{k: v for k, v in record.items() if k != "url"},
            "url": key, "link": item.url, "source": item.source, "province": province,
            "former_provinces": former, "lead": item.page.lead,
            "relevant": int(bool(record["relevant"])), "content_hash": digest,
            "duplicate_of": duplicate_of, "etag": item.etag,
            "last_modified": item.last_modified,
        }
        if item.folded is not None:
            row["title_folded"], row["text_folded"] = item.folded
        alert = None
        if record["relevant"] and (duplicate_of is None
                                   or not self._story_alerted(store, duplicate_of)):
            # a story alerts once: through its first copy, or through the first relevant
            # copy when the first-seen one was not relevant (an excerpt below the threshold)
            alert = article_alert("new", row, item.verdict, source_name)
        item.article_id = store.insert_article(row, signature=fp.signature, buckets=fp.buckets,
                                               alert=alert)
        return "duplicates" if duplicate_of else "new"

    def _update(self, store: Store, item: PageItem, existing: Row) -> str:
        record = item.record
        digest = text_key(record["text"])
        # the stored text's key is recomputed: a change of the change rules is no new version
        old_key = text_key(existing["text"] or "")
        if not is_change(existing["title"], old_key, record["title"], digest):
            store.touch_article(existing["id"], etag=item.etag,
                                     last_modified=item.last_modified)
            return "unchanged"
        if is_other_page(existing["title"], existing["text"] or "", record["title"],
                         record["text"]):
            # the stored version stays, and so do its validators: the next run asks again
            logger.warning("source %s: %s now shows another page (%r, not %r): the stored "
                           "article is kept, no new version", item.source, item.url,
                           clip(record["title"] or "", 80), clip(existing["title"] or "", 80))
            return "other_page"
        diff = text_diff(existing["title"], existing["text"] or "", record["title"],
                         record["text"])
        changes: Row = {k: v for k, v in record.items() if k not in ("url",)}
        changes.update(relevant=int(bool(record["relevant"])), content_hash=digest,
                       lead=item.page.lead, etag=item.etag, last_modified=item.last_modified,
                       link=item.url)
        alert = None
        tracked = bool(existing["relevant"]) or bool(record["relevant"])
        if tracked and existing["duplicate_of"] is None:
            source = _source(self.crawler, item.source)
            merged = {**existing, **changes}
            alert = article_alert("changed", merged, item.verdict,
                                  source.name if source else item.source, diff=diff)
        store.add_version(existing["id"], changes, diff=diff, alert=alert)
        return "updated"

    def _story_alerted(self, store: Store, root: int) -> bool:
        """Whether any copy of the story ``root`` is relevant (and so has alerted)."""
        first = store.article_by_id(root)
        if first is not None and first["relevant"]:
            return True  # the usual case: one primary-key lookup
        return store.count("articles", "duplicate_of = ? AND relevant = 1", [root]) > 0
