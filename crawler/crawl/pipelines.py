"""Item pipelines, in the order an article goes through them:

ExtractPipeline (trafilatura, in worker processes or off the reactor thread) →
ClassifyPipeline (topics) →
StorePipeline (the storing rules of crawler/archive/storing.py, run in the store's thread:
exact and near duplicates, versions, the article write and its alert in one transaction;
this module only adapts them to Scrapy: settings, commit groups, figures, the crawl
stopped when the database refuses a write).
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
from crawler.analysis.extract import ExtractedPage, ExtractionError, extract_page
from crawler.analysis.relevance import Topic, load_topics
from crawler.archive.storeaccess import close_store, store_for
from crawler.archive.storing import AnalysedPage, keep_page, store_counted
from crawler.config.sources import Source
from crawler.core.urls import same_site
from crawler.crawl.figures import STORE_FAILED
from crawler.crawl.items import PageItem
from crawler.crawl.workers import AnalysisPool, AnalysisTimeout, WorkerDied, decoded, worker_count
from store.db import Store, StoreError

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
        self.in_thread = crawler.settings.getbool("PROVWATCH_EXTRACT_IN_THREAD")
        self.pool: AnalysisPool | None = None
        workers = worker_count(crawler.settings.get("PROVWATCH_WORKERS"))
        if workers:
            self.pool = AnalysisPool(
                workers, crawler.settings.get("PROVWATCH_TOPICS"),
                timeout=crawler.settings.getfloat("PROVWATCH_ANALYSIS_TIMEOUT"))
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
        self.in_thread = crawler.settings.getbool("PROVWATCH_EXTRACT_IN_THREAD")

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
    """Writes each article once: new story, duplicate of a story, new version, or nothing
    (the rules are crawler.archive.storing's; this adapts them to the crawl)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.min_text = crawler.settings.getint("PROVWATCH_MIN_TEXT_CHARS")
        self.commit_every = crawler.settings.getint("PROVWATCH_COMMIT_EVERY")
        self.commit_seconds = crawler.settings.getfloat("PROVWATCH_COMMIT_SECONDS")
        self.flusher: task.LoopingCall | None = None
        self.failed = False
        self.keep_pages = crawler.settings.getbool("PROVWATCH_KEEP_PAGES")
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
        """In the store thread (``store`` is only used there): the storing rules applied
        to the item, its outcome counted once the write is committed (or counted as a store
        error if its commit group is lost)."""
        outcome = store_counted(
            store, analysed_page(item), _source(self.crawler, item.source),
            committed=lambda kind: _count(self.crawler, item.source, kind),
            lost=lambda: _count(self.crawler, item.source, "errors/store"))
        item.article_id = outcome.article_id
        if self.keep_pages:
            keep_page(store, outcome, item.url, item.body, item.encoding)
        return outcome.kind


def analysed_page(item: PageItem) -> AnalysedPage:
    """What the storing rules need of an analysed item."""
    return AnalysedPage(
        url=item.url, source=item.source, record=item.record, verdict=item.verdict,
        lead=item.page.lead, requested_url=item.requested_url,
        canonical_hint=item.canonical_hint, etag=item.etag, last_modified=item.last_modified,
        fingerprint=item.fingerprint, digest=item.digest, folded=item.folded)
