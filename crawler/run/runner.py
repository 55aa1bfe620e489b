"""Running the spider from the CLI: settings assembled, crawl in a child process.

Twisted's reactor can run once per process, and a nightly job wants each crawl isolated
(memory released, a crash contained), so every crawl runs in a fresh spawned process;
it records its figures in the run's row, which the parent reads back.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import settings as default_settings

# declared with the crawl's figures; re-exported for callers that still import it from here
from crawler.config.sources import adopt_parsed_sources, parsed_sources
from crawler.crawl.figures import STORE_FAILED as STORE_FAILED

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
    # the CLI's parse of the sources file, adopted by the crawl process (read once a run)
    parsed_sources: dict[Any, Any] = field(default_factory=dict, repr=False)


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
    from crawler.core.workercount import worker_count

    try:
        worker_count(settings.get("PROVWATCH_WORKERS"))
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    stats_class = str(settings.get("STATS_CLASS") or "")
    if stats_class.endswith("DummyStatsCollector"):
        raise SettingsError("STATS_CLASS: provwatch keeps each source's figures and page "
                            "budget in Scrapy's stats collector; DummyStatsCollector keeps "
                            "nothing")
    for name, minimum in (("PROVWATCH_ANALYSIS_TIMEOUT", 0.0), ("PROVWATCH_COMMIT_SECONDS", 0.0),
                          ("PROVWATCH_COMMIT_EVERY", 1.0), ("PROVWATCH_MAX_PAGES", 1.0),
                          ("PROVWATCH_MAX_SECTIONS", 0.0),
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


class CrawlStopped(RuntimeError):
    """The run was asked to stop (SIGTERM, SIGHUP) and its crawl has closed cleanly."""

    def __init__(self, signal_name: str, crawl_exit: int) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.crawl_exit = crawl_exit


ORPHAN_POLL = 0.5  # seconds between checks that the process that started the crawl lives
ORPHAN_FORCE_AFTER = 30.0  # a graceful stop that takes longer is forced (second SIGTERM)


def _stop_when_orphaned(parent: int) -> None:
    """Stop this crawl, as SIGTERM does, once the process that started it has gone.

    A CLI killed outright (SIGKILL, the OOM killer) would leave its crawl running, writing
    to the database after the run lock died with the CLI, beside the next run. Scrapy closes
    the spider on SIGTERM (pipelines finish, figures recorded) and forces the stop on a
    second one. Polling getppid works on every POSIX system; prctl(PR_SET_PDEATHSIG) would
    be Linux only and kills without the clean close.
    """
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL)
        logging.getLogger(__name__).error(
            "the provwatch process that started this crawl (pid %d) has gone: stopping the "
            "crawl", parent)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(ORPHAN_FORCE_AFTER)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="provwatch-orphan-watch", daemon=True).start()


def _child(config: CrawlConfig, parent: int) -> None:
    logging.getLogger().handlers.clear()
    adopt_parsed_sources(config.parsed_sources)
    _stop_when_orphaned(parent)
    crawl_here(config)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def crawl_in_child(config: CrawlConfig, timeout: float | None = None) -> int:
    """Run the crawl in a spawned process; returns its exit code (0 = crawl finished).

    SIGTERM or SIGHUP to this process (``timeout`` from cron, ``kill``, a closed terminal)
    is passed on to the crawl, which stops cleanly; then CrawlStopped is raised.
    """
    ctx = multiprocessing.get_context("spawn")
    if not config.parsed_sources:
        config = replace(config, parsed_sources=parsed_sources())
    proc = ctx.Process(target=_child, args=(config, os.getpid()), name="provwatch-crawl")
    received: list[str] = []

    def pass_on(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        if proc.pid is not None and proc.is_alive():
            os.kill(proc.pid, signal.SIGTERM)  # a second one forces Scrapy to stop

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, pass_on) for sig in _STOP_SIGNALS}
    try:
        proc.start()
        if received and proc.pid is not None:  # arrived while the process was starting
            os.kill(proc.pid, signal.SIGTERM)
        proc.join(timeout)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
            code = -1
        else:
            code = proc.exitcode if proc.exitcode is not None else -1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise CrawlStopped(received[0], code)
    return code
