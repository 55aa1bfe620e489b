"""Extension: per-source progress lines on an interactive terminal.

The CLI turns it on (``PROVWATCH_PROGRESS``) only when stderr is a terminal, so cron
runs stay silent apart from the final summary. The figures are read from the crawler's
stats (``crawler.crawl.figures.per_source``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler.crawl.figures import ERRORS, per_source

KEYS = (("listing_pages", "listing"), ("articles_fetched", "articles"), ("new", "new"),
        ("updated", "updated"))


def progress_line(figures: Mapping[str, Mapping[str, int]]) -> str:
    parts = []
    for source in sorted(figures):
        fig = figures[source]
        errors = sum(v for k, v in fig.items() if k.startswith(ERRORS))
        bits = [f"{fig.get(key, 0)} {label}" for key, label in KEYS if fig.get(key)]
        if errors:
            bits.append(f"{errors} errors")
        parts.append(f"{source}: {', '.join(bits) or 'waiting'}")
    return "progress | " + " · ".join(parts)


class Progress:
    def __init__(self, crawler: Any, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Progress:
        if not crawler.settings.getbool("PROVWATCH_PROGRESS"):
            raise NotConfigured  # no message: Scrapy would log it as a warning on every cron run
        return cls(crawler, crawler.settings.getfloat("PROVWATCH_PROGRESS_INTERVAL"))

    def spider_opened(self) -> None:
        self.loop = task.LoopingCall(self.report)
        self.loop.start(self.interval, now=False)

    def report(self) -> None:
        figures = per_source(self.crawler.stats)
        if figures:
            print(progress_line(figures), file=sys.stderr, flush=True)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.report()
