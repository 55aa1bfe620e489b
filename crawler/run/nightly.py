"""One night's run, outside the CLI: lock, crawl, judge the sources, send, record.

The CLI parses options and prints; this module does the run and says what happened in
plain values and exceptions (like urlwatch's worker and report handlers), so a test or
another front end drives it without click:

1. :func:`run_lock` takes the database's run lock (:class:`RunLocked` when it is held);
2. :func:`run_sources` reads the sources file once and selects ``--only`` ids, reporting
   malformed entries and unknown ids instead of stopping the night;
3. :func:`crawl` checks the database, opens a run row and crawls in a child process
   (crawler/run/runner.py), then reads the figures the crawl recorded; a crawl stopped by a
   signal raises :class:`RunStopped`, writes the database refused raise :class:`NotStored`;
4. :func:`run_night` adds source health, sends the pending alerts and records the run,
   returning a :class:`NightReport` whose ``lines()`` are the summary.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from crawler.config.sources import Source, SourcesFileError, load_sources_report
from crawler.crawl.figures import STORE_FAILED
from crawler.run.health import HealthEvent, assess_sources
from crawler.run.runlock import RunLock, RunLocked
from crawler.run.runner import (
    CrawlConfig,
    CrawlStopped,
    SettingsError,
    check_settings,
    crawl_in_child,
    effective_settings,
)
from crawler.run.summary import failed_sources, summary_lines
from notify.send import delivery_limits, send_pending
from notify.targets import Target
from store.db import Store, StoreError, utcnow

__all__ = ["EXIT_CANNOT_RUN", "EXIT_LOCKED", "EXIT_OK", "EXIT_SOURCES_FAILED", "CrawlResult",
           "NightOptions", "NightReport", "NotStored", "RunError", "RunLocked", "RunStopped",
           "SettingsError", "crawl", "recrawl", "run_lock", "run_night", "run_sources"]

logger = logging.getLogger("provwatch")

EXIT_OK = 0
EXIT_CANNOT_RUN = 1
EXIT_SOURCES_FAILED = 3  # only with --fail-on-source-errors
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run is active; cron may simply try later

Figures = dict[str, dict[str, Any]]


class RunError(Exception):
    """The run could not happen, or could not finish: one line for the operator."""


class NotStored(RunError):
    """The database refused the crawl's writes; ``lines`` is the summary of what was
    fetched (what was committed before is kept, its alerts stay queued)."""

    def __init__(self, message: str, lines: list[str]) -> None:
        super().__init__(message)
        self.lines = lines


class RunStopped(Exception):
    """SIGTERM/SIGHUP stopped the run: ``code`` is 128 + the signal, ``lines`` the summary
    of what was stored and ``message`` what became of it."""

    def __init__(self, code: int, lines: list[str], message: str) -> None:
        super().__init__(message)
        self.code = code
        self.lines = lines
        self.message = message


@contextmanager
def run_lock(db: str) -> Iterator[None]:
    """Hold the database's run lock; :class:`RunLocked` when another run holds it."""
    lock = RunLock(db)
    try:
        lock.acquire()
    except RunLocked:
        raise
    except OSError as exc:
        raise RunError(f"cannot create lock file next to {db}: {exc}") from exc
    try:
        yield
    finally:
        lock.release()


def run_sources(path: str | None, only: Sequence[str]) -> tuple[list[Source], list[str]]:
    """Sources for a nightly run: bad entries and unknown ids are reported, not fatal.

    Only a file that cannot be read or parsed at all, or an ``only`` list naming no known
    source, stops the run (:class:`RunError`).
    """
    try:
        sources, problems = load_sources_report(path)
    except SourcesFileError as exc:
        raise RunError(str(exc)) from exc
    if only:
        broken = {getattr(p, "source_id", None) for p in problems}
        if all(i in broken for i in only):
            raise RunError("; ".join(p for p in problems
                                     if getattr(p, "source_id", None) in only))
        known = {s.id for s in sources} | broken
        unknown = [i for i in only if i not in known]
        if unknown:
            problems.append(f"unknown source id(s) skipped: {', '.join(unknown)}")
        if len(unknown) == len(only):
            raise RunError(f"unknown source id(s): {', '.join(unknown)}")
        sources = [s for s in sources if s.id in only]
    return sources, problems


@dataclass
class CrawlResult:
    run_id: int
    exit_code: int  # the crawl process's
    figures: Figures
    seconds: float | None


def crawl(store: Store, config: CrawlConfig, command: str) -> CrawlResult:
    """Crawl in a child process under a new run row (the caller holds the run lock).

    Raises :class:`SettingsError` for an unusable setting, :class:`RunError` for a damaged
    database (nothing crawled), :class:`RunStopped` and :class:`NotStored`.
    """
    check_settings(effective_settings(config))
    damage = store.damage()
    if damage:
        raise RunError(
            f"database {config.db} is damaged ({damage}); nothing was crawled. Restore a "
            f"backup, or recover what can be read: sqlite3 {config.db} .recover | sqlite3 "
            f"recovered.db")
    store.end_abandoned_runs()  # under the run lock: any run still open was killed
    run_id = config.run_id = store.start_run(command, os.getpid())
    try:
        code = crawl_in_child(config)
    except CrawlStopped as stop:
        raise _stopped(store, run_id, stop.signal_name, stop.crawl_exit) from None
    figures, crawled = _crawl_record(store, run_id)
    if code != 0:
        logger.error("the crawl process ended with exit code %s", code)
    else:
        _fail_if_not_stored(config.db, store, run_id, figures, crawled)
    return CrawlResult(run_id, code, figures, crawled.get("crawl_seconds"))


def _crawl_record(store: Store, run_id: int) -> tuple[Figures, dict[str, Any]]:
    """What the crawl process wrote into the run's row: per-source figures, its summary."""
    row = store.run_row(run_id)
    figures = json.loads(row["sources"]) if row.get("sources") else {}
    summary = json.loads(row["summary"]) if row.get("summary") else {}
    return figures, summary


def _fail_if_not_stored(db: str, store: Store, run_id: int, figures: Figures,
                        crawled: dict[str, Any]) -> None:
    """:class:`NotStored` when the database refused the crawl's writes (disk full, I/O
    error, a damaged file): a run never reports success for articles it did not store."""
    if crawled.get("finish_reason") == STORE_FAILED:
        problem = "the database refused writes during the crawl"
    elif store.run_row(run_id).get("status") == "running":
        problem = "the crawl could not record its figures in the database"
    else:
        return
    lost = sum(int(fig.get("errors/store", 0)) for fig in figures.values())
    try:
        store.finish_run(run_id, status=STORE_FAILED, exit_code=EXIT_CANNOT_RUN,
                         summary={"store_failed": problem, "not_stored": lost},
                         sources=figures)
    except (StoreError, sqlite3.Error) as exc:
        logger.error("the run could not be recorded either: %s", exc)
    lines = summary_lines(run_id, figures, failed_sources(figures)) if figures else []
    raise NotStored(
        f"{problem} ({db}): {lost} article(s) fetched but not stored; what was committed "
        f"before is kept. Check free disk space and the file (sqlite3 {db} "
        f"'PRAGMA integrity_check'), then run again", lines)


def _stopped(store: Store, run_id: int, signal_name: str, crawl_exit: int) -> RunStopped:
    """Record a run stopped by a signal; the exception says what it kept."""
    figures, _ = _crawl_record(store, run_id)
    code = 128 + int(signal.Signals[signal_name])
    store.finish_run(run_id, status="stopped", exit_code=code,
                     summary={"stopped_by": signal_name, "crawl_exit": crawl_exit},
                     sources=figures)
    how = "the crawl closed cleanly" if crawl_exit == 0 else \
        f"the crawl was stopped before it could close (exit {crawl_exit})"
    store.close()
    return RunStopped(code, summary_lines(run_id, figures, {}),
                      f"stopped by {signal_name}: {how}; what it stored is kept and its "
                      f"alerts stay queued for the next run")


@dataclass
class NightOptions:
    """What the operator asked for; ``setting`` reads a settings.py value as overridden."""

    config: CrawlConfig
    command: str
    setting: Callable[[str], Any]
    selected: list[Source]
    source_problems: list[str] = field(default_factory=list)
    asked: Sequence[str] = ()  # the --only ids as given
    targets: list[Target] | None = None  # None: send nothing (alerts stay queued)
    digest: bool = False
    strict: bool = False
    problems: list[str] = field(default_factory=list)  # notifier problems, already told


@dataclass
class NightReport:
    run_id: int
    figures: Figures
    failed: dict[str, str]
    problems: list[str]
    events: list[HealthEvent]
    send: Any | None
    seconds: float
    crawl_exit: int
    code: int

    @property
    def crashed(self) -> bool:
        return self.crawl_exit != 0

    def lines(self) -> list[str]:
        out = summary_lines(self.run_id, self.figures, self.failed, self.send, self.seconds)
        out += [f"problem: {problem}" for problem in self.problems]
        out += [f"health: {e.source} {e.kind} ({e.problem}): {e.detail}" for e in self.events]
        return out


def run_night(store: Store, options: NightOptions) -> NightReport:
    """The nightly job on an open store (the caller holds the run lock)."""
    setting = options.setting
    started, clock = utcnow(), time.monotonic()
    result = crawl(store, options.config, options.command)
    figures = result.figures
    failed = failed_sources(figures)
    for problem in options.source_problems:
        sid = getattr(problem, "source_id", None)
        if sid is not None and (not options.asked or sid in options.asked) \
                and sid not in figures:
            # a malformed entry is a source that failed, so its operators hear of it
            figures[sid] = {"errors/config": 1, "start_failed": 1}
            failed[sid] = f"config: {problem}"
    events = assess_sources(
        store, run_id=result.run_id, started=started, figures=figures, failed=failed,
        names={s.id: s.name for s in options.selected},
        streak=int(setting("PROVWATCH_HEALTH_STREAK")))
    report = None
    if options.targets:
        attempts, timeout = delivery_limits(setting("PROVWATCH_MAX_ATTEMPTS"),
                                            setting("PROVWATCH_NOTIFY_TIMEOUT"), strict=False)
        # a target first seen now gets the news since the last flush, not the backlog
        report = send_pending(store, options.targets, digest=options.digest,
                              max_age_days=setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                              telegram_api=setting("PROVWATCH_TELEGRAM_API"),
                              backlog=False, max_attempts=attempts, read_timeout=timeout)
    problems = [*options.problems, *options.source_problems]
    crashed = result.exit_code != 0
    code = EXIT_CANNOT_RUN if crashed else \
        EXIT_SOURCES_FAILED if (options.strict and (failed or problems)) else EXIT_OK
    status = "crawl_crashed" if crashed else \
        "completed_with_failures" if failed else "completed"
    summary = {"failed_sources": failed, "crawl_exit": result.exit_code,
               "crawl_seconds": result.seconds, "config_problems": list(problems),
               "health_events": [f"{e.kind}:{e.source}:{e.problem}" for e in events],
               "alerts_sent": report.sent if report else 0,
               "alerts_failed": report.failed if report else 0,
               "alerts_kept": report.kept if report else 0}
    store.finish_run(result.run_id, status=status, exit_code=code, summary=summary,
                     sources=figures)
    return NightReport(result.run_id, figures, failed, problems, events, report,
                       time.monotonic() - clock, result.exit_code, code)


def recrawl(store: Store, configs: Sequence[CrawlConfig]) -> list[str]:
    """Crawl each config (URLs, then whole sources) and record the runs as completed;
    returns the summary lines of all of them together."""
    figures: Figures = {}
    run_ids = []
    for config in configs:
        result = crawl(store, config, "recrawl")
        figures.update(result.figures)
        run_ids.append(result.run_id)
    failed = failed_sources(figures)
    for rid in run_ids:
        store.finish_run(rid, status="completed", exit_code=EXIT_OK,
                         summary={"failed_sources": failed}, sources=figures)
    return summary_lines(run_ids[-1], figures, failed)

