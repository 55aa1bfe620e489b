"""Running the spider from the CLI: settings assembled, crawl in a child process.

Twisted's reactor can run once per process, and a nightly job wants each crawl isolated
(memory released, a crash contained), so every crawl runs in a fresh spawned process;
it records its figures in the run's row, which the parent reads back.
"""

from __future__ import annotations

import logging
import multiprocessing
from dataclasses import dataclass, field
from typing import Any

from scrapy.settings import Settings

import settings as default_settings


@dataclass
class CrawlConfig:
    db: str
    run_id: int
    sources_file: str | None = None
    only: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    topics_file: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    log_level: str = "INFO"


def build_settings(config: CrawlConfig) -> Settings:
    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.set("PROVWATCH_DB", config.db, priority="cmdline")
    s.set("PROVWATCH_RUN_ID", config.run_id, priority="cmdline")
    if config.sources_file:
        s.set("PROVWATCH_SOURCES", config.sources_file, priority="cmdline")
    if config.topics_file:
        s.set("PROVWATCH_TOPICS", config.topics_file, priority="cmdline")
    s.set("LOG_LEVEL", config.log_level, priority="cmdline")
    for key, value in config.overrides.items():
        s.set(key, value, priority="cmdline")
    return s


def crawl_here(config: CrawlConfig) -> None:
    """Run the crawl in this process (blocks until it ends)."""
    from scrapy.crawler import AsyncCrawlerProcess

    from spiders.source_spider import SourceSpider

    process = AsyncCrawlerProcess(build_settings(config), install_root_handler=True)
    kwargs: dict[str, Any] = {"sources_file": config.sources_file}
    if config.urls:
        kwargs["urls"] = config.urls
    elif config.only:
        kwargs["only"] = config.only
    process.crawl(SourceSpider, **kwargs)
    process.start()


def _child(config: CrawlConfig) -> None:
    logging.getLogger().handlers.clear()
    crawl_here(config)


def crawl_in_child(config: CrawlConfig, timeout: float | None = None) -> int:
    """Run the crawl in a spawned process; returns its exit code (0 = crawl finished)."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_child, args=(config,), name="provwatch-crawl")
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join(10)
        return -1
    return proc.exitcode if proc.exitcode is not None else -1
