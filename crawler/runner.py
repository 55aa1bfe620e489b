"""Running the spider from the CLI: settings assembled, crawl in a child process.

Twisted's reactor can run once per process, and a nightly job wants each crawl isolated
(memory released, a crash contained), so every crawl runs in a fresh spawned process;
it records its figures in the run's row, which the parent reads back.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import settings as default_settings

if TYPE_CHECKING:
    from scrapy.settings import Settings


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


def command_line_settings(config: CrawlConfig) -> dict[str, Any]:
    """What the command line sets, over the project's settings.py."""
    values: dict[str, Any] = {"PROVWATCH_DB": config.db, "PROVWATCH_RUN_ID": config.run_id,
                              "LOG_LEVEL": config.log_level}
    if config.sources_file:
        values["PROVWATCH_SOURCES"] = config.sources_file
    if config.topics_file:
        values["PROVWATCH_TOPICS"] = config.topics_file
    values.update(config.overrides)
    return values


def effective_settings(config: CrawlConfig) -> dict[str, Any]:
    """The provwatch settings a crawl will see, without importing Scrapy: the CLI process
    checks them and then only waits for the crawl, and Scrapy's import alone would hold
    about 30 MB there for the whole night."""
    values = {name: getattr(default_settings, name) for name in dir(default_settings)
              if name.isupper()}
    values.update(command_line_settings(config))
    return values


def build_settings(config: CrawlConfig) -> Settings:
    from scrapy.settings import Settings

    s = Settings()
    s.setmodule(default_settings, priority="project")
    s.setdict(command_line_settings(config), priority="cmdline")
    return s


class SettingsError(ValueError):
    """A provwatch setting has a value the crawl cannot use (the setting is named)."""


def check_settings(settings: Settings | Mapping[str, Any]) -> None:
    """Refuse unusable provwatch settings before a crawl starts, naming the setting."""
    from crawler.workercount import worker_count

    try:
        worker_count(settings.get("PROVWATCH_WORKERS", "auto"))
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    for name, minimum in (("PROVWATCH_ANALYSIS_TIMEOUT", 0.0), ("PROVWATCH_COMMIT_SECONDS", 0.0),
                          ("PROVWATCH_COMMIT_EVERY", 1.0), ("PROVWATCH_MAX_PAGES", 1.0),
                          ("PROVWATCH_PAGE_BUDGET", 1.0), ("PROVWATCH_RECHECK_DAYS", 0.0)):
        raw = settings.get(name)
        try:
            if raw is None:
                raise TypeError(name)
            value = float(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{name} must be a number, not {raw!r}") from exc
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum:g}, not {raw!r}")


def crawl_here(config: CrawlConfig) -> None:
    """Run the crawl in this process (blocks until it ends).

    Raises SystemExit(1) when the crawl could not start or ended with an exception (Scrapy
    logs it and would otherwise let the process exit 0).
    """
    from scrapy.crawler import AsyncCrawlerProcess

    from spiders.source_spider import SourceSpider

    settings = build_settings(config)
    check_settings(settings)
    process = AsyncCrawlerProcess(settings)  # installs the root log handler by default
    kwargs: dict[str, Any] = {"sources_file": config.sources_file}
    if config.urls:
        kwargs["urls"] = config.urls
    elif config.only:
        kwargs["only"] = config.only
    task = process.crawl(SourceSpider, **kwargs)
    failures: list[BaseException] = []

    def record_failure(done: Any) -> None:
        error = None if done.cancelled() else done.exception()
        if error is not None:
            failures.append(error)

    task.add_done_callback(record_failure)
    process.start()
    if failures:
        logging.getLogger(__name__).error("the crawl failed: %s", failures[0])
        raise SystemExit(1)


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
