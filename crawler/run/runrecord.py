"""Extension: writes what each source did into the run's row when the spider closes.

The CLI passes ``PROVWATCH_RUN_ID``; under plain ``scrapy crawl`` a run row is created.
The per-source figures come from the crawler's stats (``crawler.crawl.figures.per_source``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import UTC, datetime
from typing import Any

from scrapy import signals

from crawler.archive.storeaccess import close_store, store_for
from crawler.crawl.figures import STORE_FAILED, per_source
from crawler.run.runlock import RunLock
from store.db import Store, StoreError

logger = logging.getLogger(__name__)


class RunRecorder:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.run_id: int | None = crawler.settings.getint("PROVWATCH_RUN_ID") or None
        self.lock: RunLock | None = None
        if self.run_id is None:
            # a plain `scrapy crawl` takes the run lock as the CLI does: beside a CLI run it
            # would write alongside it (and the next CLI run would take it for a killed one)
            self.lock = RunLock(crawler.settings.get("PROVWATCH_DB"))
            self.lock.acquire()  # RunLocked: Scrapy stops before the spider opens
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunRecorder:
        return cls(crawler)

    def spider_opened(self) -> None:
        # the spider writes its sources' rows itself (it read the sources file)
        if self.run_id is None:
            self.run_id = store_for(self.crawler).call(Store.start_run, "scrapy crawl",
                                                       os.getpid())

    def spider_closed(self, reason: str) -> None:
        store = store_for(self.crawler)
        try:
            # the last group of articles is committed before the figures are read: an
            # article counts as stored only once it is (a failed commit counts errors/store)
            store.call(Store.flush)
        except (StoreError, sqlite3.Error) as exc:
            logger.error("database %s: the last articles of the crawl were not stored: %s",
                         self.crawler.settings.get("PROVWATCH_DB"), exc)
            reason = STORE_FAILED
        figures = per_source(self.crawler.stats)
        started = self.crawler.stats.get_value("start_time") if self.crawler.stats else None
        seconds = (datetime.now(UTC) - started).total_seconds() if started else None
        try:
            store.call(Store.finish_run, self.run_id or 0, status=f"crawled:{reason}",
                       exit_code=0, summary={"finish_reason": reason, "crawl_seconds": seconds},
                       sources=figures)
            close_store(self.crawler)
        finally:
            if self.lock is not None:
                self.lock.release()
