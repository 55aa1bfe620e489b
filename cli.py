"""provwatch: crawl Vietnamese provincial news, keep each article once, alert on DX news.

A thin layer of click commands: they parse options, call crawler/store/notify, and turn
the project's errors into one clear line and an exit code.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

import settings as app_settings
from crawler.config.sources import Source, SourcesFileError, load_sources, select_sources
from crawler.run.health import error_counts
from crawler.run.runlock import RunLock, RunLocked
from notify.targets import (
    RedactingFilter,
    Target,
    TargetError,
    targets_from_config,
    targets_from_urls,
)
from store.db import QueryError, Store, StoreError

EXIT_OK = 0
EXIT_CANNOT_RUN = 1
EXIT_USAGE = 2  # click's own code for bad options
EXIT_SOURCES_FAILED = 3  # only with --fail-on-source-errors
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run is active; cron may simply try later

EXIT_CODES_HELP = f"""
\b
Exit codes:
  {EXIT_OK}   the run completed (failed sources, if any, are listed in the summary)
  {EXIT_CANNOT_RUN}   the run could not happen (bad sources file, database error, ...)
  {EXIT_USAGE}   bad command-line usage
  {EXIT_SOURCES_FAILED}   the run completed but some sources failed (only with
      --fail-on-source-errors; without it such a run exits 0)
  {EXIT_LOCKED}  another provwatch run holds the lock on this database
  143 stopped by SIGTERM (129: SIGHUP): the crawl closed cleanly, what it stored is
      kept, alerts stay queued for the next run
"""

logger = logging.getLogger("provwatch")


class Context:
    def __init__(self, db: str, verbosity: int, overrides: dict[str, Any] | None = None) -> None:
        self.db = db
        self.verbosity = verbosity
        self.overrides = overrides or {}

    def open_store(self, *, create: bool = False) -> Store:
        """The database; only the commands that crawl may create it. A mistyped ``--db``
        for a read command would otherwise answer from a new, empty file."""
        if not create and not Path(self.db).exists():
            raise click.ClickException(
                f"no database at {self.db} (check --db or PROVWATCH_DB; `provwatch run` "
                f"creates it)")
        try:
            return Store(self.db)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc

    def setting(self, name: str) -> Any:
        """A settings.py value, as overridden with -s NAME=VALUE for this invocation."""
        return self.overrides.get(name, getattr(app_settings, name))

    @property
    def log_level(self) -> str:
        return {-1: "WARNING", 0: "INFO"}.get(self.verbosity, "DEBUG" if self.verbosity > 0
                                              else "ERROR")


def _setup_logging(verbosity: int, log_file: str | None) -> None:
    level = logging.DEBUG if verbosity > 0 else logging.WARNING if verbosity < 0 else logging.INFO
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        from logging.handlers import RotatingFileHandler

        handlers.append(RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5,
                                            encoding="utf-8"))
    logging.basicConfig(level=level, handlers=handlers, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class _Commands(click.Group):
    """The command group; a database that fails mid-command (disk full, I/O error, a
    damaged file) ends any command with one clear line and exit 1, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QueryError as exc:
            raise click.UsageError(str(exc)) from exc
        except (StoreError, sqlite3.DatabaseError) as exc:
            db = ctx.obj.db if isinstance(ctx.obj, Context) else "the database"
            raise click.ClickException(
                f"database {db}: {exc}. The command stopped there; what was committed "
                f"before is kept. Check free disk space and the file (sqlite3 {db} "
                f"'PRAGMA integrity_check')") from exc


@click.group(cls=_Commands, epilog=EXIT_CODES_HELP)
@click.option("--db", envvar="PROVWATCH_DB", default=app_settings.PROVWATCH_DB,
              show_default=True, type=click.Path(dir_okay=False),
              help="SQLite database file (env PROVWATCH_DB).")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less log output: warnings and errors only.")
@click.option("--log-file", type=click.Path(dir_okay=False), envvar="PROVWATCH_LOG_FILE",
              help="Also log to this file, rotated at 5 MB (env PROVWATCH_LOG_FILE).")
@click.option("-s", "--set", "overrides", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy/provwatch setting from settings.py for this run "
                   "(repeatable), e.g. -s DOWNLOAD_DELAY=2.")
@click.version_option(package_name="provwatch")
@click.pass_context
def main(ctx: click.Context, db: str, verbose: int, quiet: int, log_file: str | None,
         overrides: tuple[str, ...]) -> None:
    """Crawl Vietnamese provincial news sites, store each article once, and alert on
    digital-transformation (chuyển đổi số) news and on changes to tracked articles."""
    _setup_logging(verbose - quiet, log_file)
    ctx.obj = Context(db, verbose - quiet, _parse_overrides(overrides))


def _parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--set")
        if not hasattr(app_settings, name.strip()) and not name.strip().isupper():
            raise click.BadParameter(f"unknown setting {name!r}", param_hint="--set")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[name.strip()] = value
    return out


# -- shared helpers ----------------------------------------------------------------------
def _load_sources(path: str | None, only: Sequence[str] = ()) -> list[Source]:
    try:
        return select_sources(load_sources(path), only)
    except SourcesFileError as exc:
        raise click.ClickException(str(exc)) from exc


def _run_sources(path: str | None, only: Sequence[str]) -> tuple[list[Source], list[str]]:
    """Sources for a nightly run: bad entries and unknown ids are reported, not fatal.

    Only a file that cannot be read or parsed at all, or an --only list naming no known
    source, stops the run.
    """
    from crawler.config.sources import load_sources_report

    try:
        sources, problems = load_sources_report(path)
    except SourcesFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if only:
        broken = {getattr(p, "source_id", None) for p in problems}
        if all(i in broken for i in only):
            raise click.ClickException("; ".join(p for p in problems
                                                 if getattr(p, "source_id", None) in only))
        known = {s.id for s in sources} | broken
        unknown = [i for i in only if i not in known]
        if unknown:
            problems.append(f"unknown source id(s) skipped: {', '.join(unknown)}")
        if len(unknown) == len(only):
            raise click.ClickException(f"unknown source id(s): {', '.join(unknown)}")
        sources = [s for s in sources if s.id in only]
    for problem in problems:
        click.echo(f"provwatch: {problem}", err=True)
    return sources, problems


def _run_targets(urls: Sequence[str], config: str | None) -> tuple[list[Target], list[str]]:
    """Targets for a nightly run: an unusable one is reported and skipped (its alerts stay
    queued), so a notifier typo never costs the night's crawl."""
    targets: list[Target] = []
    problems: list[str] = []
    for url in urls:
        try:
            targets += _targets([url], None)
        except click.ClickException as exc:
            problems.append(f"notify: {exc.message}; skipped, alerts stay queued")
    if config:
        try:
            targets += _targets([], config)
        except click.ClickException as exc:
            problems.append(f"notify: {exc.message}; skipped, alerts stay queued")
    for problem in problems:
        click.echo(f"provwatch: {problem}", err=True)
    return targets, problems


def _targets(urls: Sequence[str], config: str | None) -> list[Target]:
    try:
        targets = targets_from_urls(urls) if urls else []
        if config:
            targets += targets_from_config(config)
    except TargetError as exc:
        raise click.ClickException(str(exc)) from exc
    secret_filter = RedactingFilter(t.url for t in targets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    return targets


def _env_notify_urls(given: Sequence[str]) -> list[str]:
    """--notify values, else PROVWATCH_NOTIFY; one apprise URL per item."""
    from notify.targets import split_urls

    return split_urls(given) if given else split_urls([os.environ.get("PROVWATCH_NOTIFY", "")])


@contextmanager
def _locked(db: str) -> Iterator[None]:
    lock = RunLock(db)
    try:
        lock.acquire()
    except RunLocked as exc:
        click.echo(f"provwatch: {exc}; not starting", err=True)
        sys.exit(EXIT_LOCKED)
    except OSError as exc:
        raise click.ClickException(f"cannot create lock file next to {db}: {exc}") from exc
    try:
        yield
    finally:
        lock.release()


def _crawl(ctx: Context, store: Store, command: str, *, sources_file: str | None,
           only: Sequence[str] = (), urls: Sequence[str] = (), topics: str | None = None,
           ) -> tuple[int, dict[str, Any]]:
    from crawler.run.runner import (
        CrawlConfig,
        CrawlStopped,
        SettingsError,
        check_settings,
        crawl_in_child,
        effective_settings,
    )

    overrides = dict(ctx.overrides)
    if sys.stderr.isatty() and ctx.verbosity >= 0:
        overrides.setdefault("PROVWATCH_PROGRESS", True)
    config = CrawlConfig(db=ctx.db, run_id=0, sources_file=sources_file, only=list(only),
                         urls=list(urls), topics_file=topics, log_level=ctx.log_level,
                         overrides=overrides)
    try:
        check_settings(effective_settings(config))
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    damage = store.damage()
    if damage:
        raise click.ClickException(
            f"database {ctx.db} is damaged ({damage}); nothing was crawled. Restore a backup, "
            f"or recover what can be read: sqlite3 {ctx.db} .recover | sqlite3 recovered.db")
    store.end_abandoned_runs()  # under the run lock: any run still open was killed
    run_id = config.run_id = store.start_run(command, os.getpid())
    try:
        code = crawl_in_child(config)
    except CrawlStopped as stop:
        _stopped(store, run_id, stop.signal_name, stop.crawl_exit)
    figures, crawled = _crawl_record(store, run_id)
    if code != 0:
        logger.error("the crawl process ended with exit code %s", code)
    else:
        _fail_if_not_stored(ctx, store, run_id, figures, crawled)
    return run_id, {"crawl_exit": code, "sources": figures,
                    "crawl_seconds": crawled.get("crawl_seconds")}


def _fail_if_not_stored(ctx: Context, store: Store, run_id: int,
                        figures: dict[str, Any], crawled: dict[str, Any]) -> None:
    """Exit 1 when the database refused the crawl's writes (disk full, I/O error, a damaged
    file): the run must never report success for articles it did not store. Alerts of what
    was committed stay queued."""
    from crawler.run.runner import STORE_FAILED

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
    if figures:
        _print_summary(run_id, figures, _failed_sources(figures), None)
    raise click.ClickException(
        f"{problem} ({ctx.db}): {lost} article(s) fetched but not stored; what was committed "
        f"before is kept. Check free disk space and the file (sqlite3 {ctx.db} "
        f"'PRAGMA integrity_check'), then run again")


def _crawl_record(store: Store, run_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the crawl process wrote into the run's row: per-source figures, its summary."""
    row = store.run_row(run_id)
    figures = json.loads(row["sources"]) if row.get("sources") else {}
    summary = json.loads(row["summary"]) if row.get("summary") else {}
    return figures, summary


def _stopped(store: Store, run_id: int, signal_name: str, crawl_exit: int) -> NoReturn:
    """Record a run stopped by a signal, say what it kept, and exit 128 + the signal."""
    import signal

    figures, _ = _crawl_record(store, run_id)
    code = 128 + int(signal.Signals[signal_name])
    store.finish_run(run_id, status="stopped", exit_code=code,
                     summary={"stopped_by": signal_name, "crawl_exit": crawl_exit},
                     sources=figures)
    _print_summary(run_id, figures, {}, None)
    how = "the crawl closed cleanly" if crawl_exit == 0 else \
        f"the crawl was stopped before it could close (exit {crawl_exit})"
    click.echo(f"provwatch: stopped by {signal_name}: {how}; what it stored is kept and its "
               f"alerts stay queued for the next run", err=True)
    store.close()
    sys.exit(code)


def _failed_sources(figures: dict[str, dict[str, int]]) -> dict[str, str]:
    failed: dict[str, str] = {}
    for sid, fig in figures.items():
        errors = error_counts(fig)
        if fig.get("start_failed") or (not fig.get("listing_pages") and not
                                       fig.get("articles_fetched") and errors):
            failed[sid] = ", ".join(f"{k}×{v}" for k, v in sorted(errors.items())) or "no page"
    return failed


SUMMARY_KEYS = ("requests", "listing_pages", "links_found", "articles_fetched", "new",
                "updated", "unchanged", "duplicates", "rechecked", "not_modified",
                "known_skipped", "duplicate_links", "budget_cut", "pagination_cut",
                "pagination_stopped_known", "trap_cut", "sitemap_cut", "other_page",
                "moved_host")


def _print_summary(run_id: int, figures: dict[str, dict[str, int]], failed: dict[str, str],
                   send: Any | None, seconds: float | None = None) -> None:
    from crawler.run.runreport import format_seconds

    totals: dict[str, int] = {}
    for fig in figures.values():
        for k in SUMMARY_KEYS:
            totals[k] = totals.get(k, 0) + int(fig.get(k, 0))
    elapsed = f" in {format_seconds(seconds)}" if seconds is not None else ""
    click.echo(f"provwatch run {run_id}: {len(figures)} sources, "
               f"{totals.get('new', 0)} new, {totals.get('updated', 0)} updated, "
               f"{totals.get('duplicates', 0)} duplicates, {totals.get('unchanged', 0)} unchanged, "
               f"{totals.get('articles_fetched', 0)} article pages fetched{elapsed}")
    for sid in sorted(figures):
        fig = figures[sid]
        parts = [f"{k}={fig[k]}" for k in SUMMARY_KEYS if fig.get(k)]
        errors = [f"{k}={v}" for k, v in sorted(error_counts(fig).items())]
        state = "FAILED" if sid in failed else "ok"
        click.echo(f"  {sid:<24} {state:<6} {' '.join(parts + errors)}")
    if failed:
        click.echo(f"failed sources ({len(failed)}): " +
                   "; ".join(f"{sid} ({why})" for sid, why in sorted(failed.items())))
    if send is not None:
        line = f"alerts: {send.sent} sent, {send.failed} failed"
        if send.kept:
            line += f", {send.kept} kept for the next run"
        if send.errors:
            line += " (" + "; ".join(f"{t}: {e}" for t, e in send.errors.items()) + ")"
        click.echo(line)


def _run(ctx: Context, command: str, *, sources: str | None, only: Sequence[str],
         topics: str | None, targets: list[Target] | None, digest: bool,
         strict: bool = False, problems: Sequence[str] = ()) -> None:
    from crawler.run.health import assess_sources
    from notify.send import send_pending
    from store.db import utcnow

    selected, source_problems = _run_sources(sources, only)
    problems = [*problems, *source_problems]
    asked = set(only)
    only = [s.id for s in selected] if only else []
    with _locked(ctx.db):
        store = ctx.open_store(create=True)
        started, clock = utcnow(), time.monotonic()
        run_id, result = _crawl(ctx, store, command, sources_file=sources, only=only,
                                topics=topics)
        figures = result["sources"]
        failed = _failed_sources(figures)
        for problem in source_problems:
            sid = getattr(problem, "source_id", None)
            if sid is not None and (not asked or sid in asked) and sid not in figures:
                # a malformed entry is a source that failed, so its operators hear of it
                figures[sid] = {"errors/config": 1, "start_failed": 1}
                failed[sid] = f"config: {problem}"
        events = assess_sources(
            store, run_id=run_id, started=started, figures=figures, failed=failed,
            names={s.id: s.name for s in selected},
            streak=int(ctx.setting("PROVWATCH_HEALTH_STREAK")))
        report = None
        if targets:
            from notify.send import delivery_limits

            attempts, timeout = delivery_limits(ctx.setting("PROVWATCH_MAX_ATTEMPTS"),
                                                ctx.setting("PROVWATCH_NOTIFY_TIMEOUT"),
                                                strict=False)
            # a target first seen now gets the news since the last flush, not the backlog
            report = send_pending(store, targets, digest=digest,
                                  max_age_days=ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                                  telegram_api=ctx.setting("PROVWATCH_TELEGRAM_API"),
                                  backlog=False, max_attempts=attempts, read_timeout=timeout)
        crashed = result["crawl_exit"] != 0
        code = EXIT_CANNOT_RUN if crashed else \
            EXIT_SOURCES_FAILED if (strict and (failed or problems)) else EXIT_OK
        status = "crawl_crashed" if crashed else \
            "completed_with_failures" if failed else "completed"
        summary = {"failed_sources": failed, "crawl_exit": result["crawl_exit"],
                   "crawl_seconds": result["crawl_seconds"],
                   "config_problems": list(problems),
                   "health_events": [f"{e.kind}:{e.source}:{e.problem}" for e in events],
                   "alerts_sent": report.sent if report else 0,
                   "alerts_failed": report.failed if report else 0,
                   "alerts_kept": report.kept if report else 0}
        store.finish_run(run_id, status=status, exit_code=code, summary=summary,
                         sources=figures)
        _print_summary(run_id, figures, failed, report, time.monotonic() - clock)
        for problem in problems:
            click.echo(f"problem: {problem}")
        for event in events:
            click.echo(f"health: {event.source} {event.kind} ({event.problem}): {event.detail}")
        store.close()
    if crashed:
        raise click.ClickException(
            f"the crawl process failed (exit {result['crawl_exit']}); see the log above")
    if code != EXIT_OK:
        sys.exit(code)


# -- commands ----------------------------------------------------------------------------
sources_option = click.option(
    "--sources", "sources", type=click.Path(dir_okay=False), envvar="PROVWATCH_SOURCES",
    help="Sources TOML file (default: the bundled list; env PROVWATCH_SOURCES).")
only_option = click.option("--only", multiple=True, metavar="ID",
                           help="Crawl only this source id (repeatable).")
topics_option = click.option("--topics", type=click.Path(dir_okay=False, exists=True),
                             envvar="PROVWATCH_TOPICS",
                             help="Topics TOML file (default: the bundled DX topic).")


@main.command(epilog=EXIT_CODES_HELP)
@sources_option
@only_option
@topics_option
@click.option("--notify", "notify_urls", multiple=True, metavar="URL",
              help="Apprise URL to alert (repeatable; default env PROVWATCH_NOTIFY, "
                   "URLs separated by spaces).")
@click.option("--notify-config", type=click.Path(dir_okay=False),
              envvar="PROVWATCH_NOTIFY_CONFIG",
              help="Apprise config file (YAML or TEXT) with tagged targets.")
@click.option("--no-notify", is_flag=True, help="Crawl and queue alerts, but send nothing.")
@click.option("--digest", is_flag=True, help="One message per target, grouped by province.")
@click.option("--fail-on-source-errors", "strict", is_flag=True,
              help=f"Exit {EXIT_SOURCES_FAILED} (not 0) when some sources failed.")
@click.pass_obj
def run(ctx: Context, sources: str | None, only: tuple[str, ...], topics: str | None,
        notify_urls: tuple[str, ...], notify_config: str | None, no_notify: bool,
        digest: bool, strict: bool) -> None:
    """Crawl the sources, store new articles and versions, then send pending alerts.

    This is the nightly job. Without any apprise URL configured, alerts stay queued in the
    database and are sent by a later run or by `provwatch notify send`.
    """
    targets, problems = (None, []) if no_notify else \
        _run_targets(_env_notify_urls(notify_urls), notify_config)
    _run(ctx, "run", sources=sources, only=only, topics=topics, targets=targets, digest=digest,
         strict=strict, problems=problems)


@main.command(epilog=EXIT_CODES_HELP)
@sources_option
@only_option
@topics_option
@click.option("--fail-on-source-errors", "strict", is_flag=True,
              help=f"Exit {EXIT_SOURCES_FAILED} (not 0) when some sources failed.")
@click.pass_obj
def crawl(ctx: Context, sources: str | None, only: tuple[str, ...], topics: str | None,
          strict: bool) -> None:
    """Crawl and store like `run`, but send no alerts (they stay queued)."""
    _run(ctx, "crawl", sources=sources, only=only, topics=topics, targets=None, digest=False,
         strict=strict)


@main.command()
@click.argument("urls", nargs=-1)
@click.option("--source", "source_ids", multiple=True, metavar="ID",
              help="Recrawl this whole source now (repeatable).")
@sources_option
@topics_option
@click.pass_obj
def recrawl(ctx: Context, urls: tuple[str, ...], source_ids: tuple[str, ...],
            sources: str | None, topics: str | None) -> None:
    """Fetch these article URLs (or whole sources) now and update what is stored.

    Known articles are fetched again even when unchanged on record; a changed text becomes
    a new version, with a change alert when the article is tracked.
    """
    if not urls and not source_ids:
        raise click.UsageError("give article URLs or --source ID")
    from urllib.parse import urlsplit

    from crawler.core.addresses import SCHEMES

    for given in urls:
        if urlsplit(given).scheme not in SCHEMES or not urlsplit(given).hostname:
            raise click.UsageError(f"{given!r} is not an http(s) URL; recrawl fetches only "
                                   "http:// and https:// pages")
    _load_sources(sources, source_ids)
    with _locked(ctx.db):
        store = ctx.open_store(create=True)
        figures: dict[str, Any] = {}
        run_ids = []
        if urls:
            run_id, result = _crawl(ctx, store, "recrawl", sources_file=sources, urls=urls,
                                    topics=topics)
            figures.update(result["sources"])
            run_ids.append(run_id)
        if source_ids:
            run_id, result = _crawl(ctx, store, "recrawl", sources_file=sources,
                                    only=source_ids, topics=topics)
            figures.update(result["sources"])
            run_ids.append(run_id)
        failed = _failed_sources(figures)
        for rid in run_ids:
            store.finish_run(rid, status="completed", exit_code=EXIT_OK,
                             summary={"failed_sources": failed}, sources=figures)
        _print_summary(run_ids[-1], figures, failed, None)
        store.close()


@main.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID",
              help="Only this source's articles (repeatable).")
@sources_option
@topics_option
@click.pass_obj
def reanalyse(ctx: Context, source_ids: tuple[str, ...], sources: str | None,
              topics: str | None) -> None:
    """Extract and classify the stored pages again, without fetching them.

    For a changed content_selector/exclude_selectors or topics file: articles are corrected
    in place, with no new version and no change alert.
    """
    from crawler.analysis.relevance import TopicFileError, load_topics
    from crawler.run.reanalyse import reanalyse as read_again

    try:  # every source, disabled ones too: their stored articles are read again as well
        known = {s.id: s for s in load_sources(sources, lenient=True)}
    except SourcesFileError as exc:
        raise click.ClickException(str(exc)) from exc
    unknown = [i for i in source_ids if i not in known]
    if unknown:
        raise click.ClickException(f"unknown source id(s): {', '.join(unknown)}")
    try:
        topic_list = load_topics(topics)
    except TopicFileError as exc:
        raise click.ClickException(str(exc)) from exc
    with _locked(ctx.db):
        store = ctx.open_store()
        report = read_again(store, known, topic_list, only=source_ids)
        store.close()
    for line in report.lines():
        click.echo(line)


def _fetch_limits(ctx: Context) -> tuple[float, bool]:
    """PROVWATCH_FETCH_TIMEOUT and PROVWATCH_ALLOW_PRIVATE for a single fetch."""
    try:
        deadline = float(ctx.setting("PROVWATCH_FETCH_TIMEOUT"))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter("PROVWATCH_FETCH_TIMEOUT must be a number of seconds",
                                 param_hint="--set") from exc
    return deadline, bool(ctx.setting("PROVWATCH_ALLOW_PRIVATE"))


@main.command()
@click.argument("page")
@click.option("--url", help="The page's URL (for a local file: where it came from).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@topics_option
@sources_option
@click.pass_obj
def extract(ctx: Context, page: str, url: str | None, as_json: bool, topics: str | None,
            sources: str | None) -> None:
    """Extract one page (a file or an http(s) URL) and show what would be stored.

    Prints url, title, author, published (ISO 8601, +07:00), text, relevant, score, matched.
    A URL is fetched like the crawl would (no redirect into a private network) within
    PROVWATCH_FETCH_TIMEOUT seconds.
    """
    import re
    from urllib.parse import urlsplit

    from crawler.analysis.analyse import analyse_html
    from crawler.analysis.extract import ExtractionError
    from crawler.analysis.relevance import TopicFileError, load_topics
    from crawler.core.addresses import SCHEMES
    from crawler.crawl.fetch import FetchError, fetch

    is_url = urlsplit(page).scheme in SCHEMES
    if not is_url and re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", page) and not Path(page).exists():
        raise click.UsageError(f"{page!r}: give an http(s) URL or a local file; other "
                               "schemes (file:, ftp:, data:, ...) are not fetched")
    try:
        if is_url:
            deadline, allow_private = _fetch_limits(ctx)
            fetched = fetch(page, deadline=deadline, allow_private=allow_private)
            body = fetched.body
            url = url or fetched.url  # after redirects, as the crawl stores it
        else:
            body = Path(page).read_bytes()
            url = url or Path(page).resolve().as_uri()
        source = None
        if url.startswith(("http://", "https://")):
            from crawler.core.urls import same_site

            known = load_sources(sources) if sources else []
            source = next((s for s in known if same_site(s.url, url)), None)
        record, verdict = analyse_html(body, url, source=source, topics=load_topics(topics))
    except (OSError, FetchError, ExtractionError, TopicFileError, SourcesFileError) as exc:
        raise click.ClickException(f"{page}: {exc}") from exc
    record.pop("topic", None)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    click.echo(f"{record['title']}\n{record['published'] or 'no date'} · "
               f"{record['author'] or 'no author'}\n")
    click.echo(record["text"])
    click.echo(f"\nrelevant={record['relevant']} score={record['score']} "
               f"matched={', '.join(record['matched'])}")


# -- export, search, serve (rows: crawler/archive/exportrows.py, feed:
# crawler/archive/feeds.py, reading room: crawler/archive/readingroom.py)
since_option = click.option(
    "--since", metavar="DATE", help="Only articles published (else first seen) on or after "
    "DATE: YYYY-MM-DD or DD/MM/YYYY, optionally with HH:MM; Vietnamese time.")
until_option = click.option(
    "--until", metavar="DATE", help="Only articles published (else first seen) up to DATE, "
    "that whole day included.")
base_url_option = click.option(
    "--base-url", envvar="PROVWATCH_SERVE_BASE_URL", metavar="URL",
    help="The address the reading room (provwatch serve) is reached at; feed entries and "
         "alerts link to each article's page there (env PROVWATCH_SERVE_BASE_URL).")


def _period(since: str | None, until: str | None) -> Any:
    from crawler.archive.exportrows import Period, PeriodError

    try:
        return Period.parse(since, until)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc


def _check_base_url(base_url: str | None) -> None:
    if base_url and not base_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{base_url!r} is not an http(s) URL", param_hint="--base-url")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv", "atom"]),
              default="jsonl", show_default=True,
              help="jsonl/json/csv: every field of each article; atom: a feed of flagged "
                   "news (each story once, newest first).")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
@click.option("--relevant-only", is_flag=True, help="Only articles flagged relevant.")
@click.option("--province", help="Only articles of this province (current or former name).")
@click.option("--topic", metavar="ID", help="Only articles flagged under this topic "
                                            "(its id in topics.toml: dx, an-toan-thong-tin).")
@since_option
@until_option
@base_url_option
@click.pass_obj
def export(ctx: Context, fmt: str, output: Any, relevant_only: bool, province: str | None,
           topic: str | None, since: str | None, until: str | None,
           base_url: str | None) -> None:
    """Export stored articles as JSON lines, JSON or CSV, or flagged news as an Atom feed.

    Times are Vietnamese local time (+07:00): published, first_seen, last_changed,
    last_checked.
    """
    from crawler.archive.exportrows import export_row, select, write_csv

    period = _period(since, until)
    _check_base_url(base_url)
    store = ctx.open_store()
    if fmt == "atom":
        from crawler.archive.feeds import atom_feed, feed_id, feed_title, flagged_rows
        from crawler.archive.readingroom import article_page_url

        rows = flagged_rows(store.db.conn, topic=topic, province=province, period=period)
        output.write(atom_feed(
            rows, title=feed_title(topic, province), feed_id=feed_id(topic, province),
            page_url=(lambda i: article_page_url(base_url, i)) if base_url else None,
        ).decode("utf-8"))
        return
    items = select((export_row(r) for r in store.iter_articles()),
                   relevant_only=relevant_only, province=province, topic=topic, period=period)
    if fmt == "csv":
        write_csv(items, output)
    elif fmt == "jsonl":
        for item in items:
            output.write(json.dumps(item, ensure_ascii=False) + "\n")
    else:
        output.write(json.dumps(list(items), ensure_ascii=False, indent=2) + "\n")


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", default=20, show_default=True, help="Maximum results.")
@click.option("--json", "as_json", is_flag=True, help="Print results as JSON lines.")
@since_option
@until_option
@click.pass_obj
def search(ctx: Context, query: tuple[str, ...], limit: int, as_json: bool,
           since: str | None, until: str | None) -> None:
    """Full-text search of stored titles and texts (diacritics optional: `chuyen doi so`).

    Copies of a story stored from other sources are marked `copy of #ID`; when more
    articles match than --limit, the count of those not shown is printed.
    """
    from crawler.archive.exportrows import search as search_rows

    period = _period(since, until)
    store = ctx.open_store()
    page = search_rows(store, " ".join(query), limit=limit, period=period)
    if not page.total:
        click.echo("no match", err=True)
        return
    for row in page.rows:
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        flag = "DX" if row["relevant"] else "  "
        copy = f" (copy of #{row['duplicate_of']})" if row["duplicate_of"] else ""
        click.echo(f"{row['id']:>6} {flag} {row['published'] or '':<25.25} "
                   f"[{row['source']}] {row['title']}{copy}\n       {row['url']}\n"
                   f"       {row['snippet']}")
    if page.cut:
        click.echo(f"{len(page.rows)} of {page.total} matches shown; "
                   f"{page.total - len(page.rows)} more (raise --limit)", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default serves this machine only.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@base_url_option
@click.pass_obj
def serve(ctx: Context, host: str, port: int, base_url: str | None) -> None:
    """Serve the reading room: Datasette over the database, read-only, in Vietnamese.

    Canned queries: flagged news today and this week by province and topic, changed
    articles with their diff, copies grouped by story, source health, search without
    diacritics; an Atom feed of flagged news at /-/atom. Ctrl-C (SIGTERM) stops it.
    """
    from crawler.archive.readingroom import serve as serve_reading_room

    _check_base_url(base_url)
    if not Path(ctx.db).is_file():
        raise click.ClickException(f"{ctx.db}: no database yet; run provwatch crawl first")
    ctx.open_store().close()  # an older schema is brought up to date, as by every command
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"provwatch: listening on {host}: anyone who reaches this machine can "
                   f"read the database", err=True)
    click.echo(f"provwatch: reading room at http://{host}:{port}/ (read-only {ctx.db})",
               err=True)
    serve_reading_room(ctx.db, host=host, port=port, base_url=base_url,
                       log_level=ctx.log_level.lower())


def _find_article(store: Store, ref: str) -> dict[str, Any] | None:
    from crawler.core.urls import canonical_url

    if ref.isdigit():
        return store.article_by_id(int(ref))
    return store.article_by_url(canonical_url(ref))


@main.command()
@click.argument("ref", metavar="URL_OR_ID")
@topics_option
@click.pass_obj
def explain(ctx: Context, ref: str, topics: str | None) -> None:
    """Explain why an article was (or was not) flagged: score, threshold, terms and where.

    A stored article (by id or URL) is explained from its stored text; an unknown URL is
    fetched and extracted first.
    """
    from crawler.analysis.analyse import classify_page
    from crawler.analysis.extract import ExtractedPage, ExtractionError, extract_page
    from crawler.analysis.relevance import TopicFileError, load_topics
    from crawler.crawl.fetch import FetchError, fetch_page

    try:
        topic_list = load_topics(topics)
    except TopicFileError as exc:
        raise click.ClickException(str(exc)) from exc
    store = ctx.open_store()
    row = _find_article(store, ref)
    if row is not None:
        page = ExtractedPage(url=row["link"] or row["url"], title=row["title"],
                             author=row["author"], published=None, text=row["text"] or "",
                             lead=row["lead"] or "")
        click.echo(f"article {row['id']} [{row['source']}] version {row['version']}")
        if row["duplicate_of"]:
            click.echo(f"duplicate of article {row['duplicate_of']}: copies never alert")
    elif ref.startswith(("http://", "https://")):
        try:
            page = extract_page(fetch_page(ref), ref)
        except (FetchError, ExtractionError) as exc:
            raise click.ClickException(f"{ref}: {exc}") from exc
        click.echo(f"not stored; fetched {ref} now")
    else:
        raise click.ClickException(f"no stored article with id or URL {ref!r}")
    click.echo(f"title: {page.title}")
    click.echo(classify_page(page, topic_list).explain())


@main.command()
@click.argument("article_id", type=int)
@click.pass_obj
def history(ctx: Context, article_id: int) -> None:
    """List the stored versions of an article, with what changed in each."""
    store = ctx.open_store()
    if store.article_by_id(article_id) is None:
        raise click.ClickException(f"no article with id {article_id}")
    for v in store.versions(article_id):
        diff = v["diff"] or ""
        added = sum(1 for line in diff.split("\n") if line.startswith("+") and
                    not line.startswith("+++"))
        removed = sum(1 for line in diff.split("\n") if line.startswith("-") and
                      not line.startswith("---"))
        change = "first seen" if v["version"] == 1 else f"+{added} -{removed} lines"
        click.echo(f"v{v['version']:<3} {v['seen_at']}  {change:<16} {v['title']}")


@main.command()
@click.argument("article_id", type=int)
@click.argument("versions", nargs=-1, type=int)
@click.pass_obj
def diff(ctx: Context, article_id: int, versions: tuple[int, ...]) -> None:
    """Show the difference between two versions of an article (default: the last two)."""
    from crawler.analysis.versions import text_diff

    store = ctx.open_store()
    stored = {v["version"]: v for v in store.versions(article_id)}
    if not stored:
        raise click.ClickException(f"no article with id {article_id}")
    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers, or none for the last two")
    last = max(stored)
    v1, v2 = versions if versions else (max(last - 1, 1), last)
    for v in (v1, v2):
        if v not in stored:
            raise click.ClickException(f"article {article_id} has no version {v} "
                                       f"(versions 1..{last})")
    a, b = stored[v1], stored[v2]
    out = text_diff(a["title"], a["text"] or "", b["title"], b["text"] or "",
                    max_lines=10_000)
    click.echo(out or f"versions {v1} and {v2} are identical")


notify_urls_option = click.option(
    "--notify", "notify_urls", multiple=True, metavar="URL",
    help="Apprise URL (repeatable; default env PROVWATCH_NOTIFY).")
notify_config_option = click.option(
    "--notify-config", type=click.Path(dir_okay=False), envvar="PROVWATCH_NOTIFY_CONFIG",
    help="Apprise config file (YAML or TEXT) with tagged targets.")


EXIT_DELIVERY_FAILED = 3  # notify send: the command ran, some messages were not delivered

NOTIFY_SEND_EXIT_HELP = f"""
\b
Exit codes:
  {EXIT_OK}   every message was delivered (or nothing was pending)
  {EXIT_CANNOT_RUN}   nothing could be sent (bad target URL or config, database error)
  {EXIT_USAGE}   bad command-line usage
  {EXIT_DELIVERY_FAILED}   some messages failed; they stay queued (up to
      PROVWATCH_MAX_ATTEMPTS tries) and the errors are listed
  {EXIT_LOCKED}  another provwatch run holds the lock on this database
"""


def _delivery_limits(ctx: Context) -> tuple[int | None, float | None]:
    from notify.send import delivery_limits

    try:
        return delivery_limits(ctx.setting("PROVWATCH_MAX_ATTEMPTS"),
                               ctx.setting("PROVWATCH_NOTIFY_TIMEOUT"))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc


@main.group()
def notify() -> None:
    """Inspect and flush the alert outbox, or send a test message."""


@notify.command("test")
@click.argument("url", required=False)
@notify_config_option
@click.pass_obj
def notify_test(ctx: Context, url: str | None, notify_config: str | None) -> None:
    """Send a sample alert to URL (or to the configured targets) and say if it arrived."""
    from notify.messages import article_message
    from notify.send import deliver_with_apprise
    from notify.targets import merge_targets

    targets = merge_targets(_targets(_env_notify_urls([url] if url else []), notify_config))
    if not targets:
        raise click.UsageError("give an apprise URL, --notify-config or PROVWATCH_NOTIFY")
    _, timeout = _delivery_limits(ctx)
    message = article_message({
        "kind": "test", "title": "Thử nghiệm provwatch: tỉnh đẩy mạnh chuyển đổi số",
        "province": "Tuyên Quang", "former_provinces": ["Hà Giang"],
        "source": "provwatch", "topic_name": "Chuyển đổi số",
        "matched": ["chuyển đổi số", "chính quyền số"],
        "lead": "Đây là tin nhắn thử của provwatch. Nếu bạn đọc được dòng này, kênh cảnh báo "
                "đã hoạt động.", "url": "https://example.com/provwatch-test"})
    failures = 0
    for target in targets:
        outcome = deliver_with_apprise(target, message, read_timeout=timeout,
                                       telegram_api=ctx.setting("PROVWATCH_TELEGRAM_API"))
        status = "sent" if outcome.ok else f"FAILED: {outcome.error or ''}"
        click.echo(f"{target.label}: {status}")
        failures += not outcome.ok
    if failures:
        raise click.ClickException(f"{failures} of {len(targets)} targets failed")


@notify.command("pending")
@notify_urls_option
@notify_config_option
@click.pass_obj
def notify_pending(ctx: Context, notify_urls: tuple[str, ...],
                   notify_config: str | None) -> None:
    """List alerts still to be sent (per target when targets are configured).

    Alerts sent, skipped (a new target's backlog) or given up everywhere, and alerts older
    than PROVWATCH_ALERT_MAX_AGE_DAYS, are not listed.
    """
    from notify.send import backlog_cutoff, pending_for, since_for_age
    from notify.targets import merge_targets

    store = ctx.open_store()
    targets = merge_targets(_targets(_env_notify_urls(notify_urls), notify_config))
    max_age = ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS")
    attempts, _ = _delivery_limits(ctx)
    if targets:
        cutoff = backlog_cutoff(store)
        for target in targets:
            alerts = pending_for(store, target, max_age, max_attempts=attempts)
            new = store.is_new_target(target.id)
            fresh = [a for a in alerts if str(a["created"]) >= cutoff] if new else alerts
            click.echo(f"{target.label}: {len(fresh)} pending")
            if new and len(fresh) < len(alerts):
                click.echo(f"  new target: {len(alerts) - len(fresh)} older alert(s) will be "
                           "skipped as backlog (notify send --backlog sends them)")
            for a in fresh:
                tries = f"  ({a['tries']} failed tries)" if a.get("tries") else ""
                click.echo(f"  #{a['id']} {a['kind']:<8} {a['created']} "
                           f"{a['payload'].get('title', '')}{tries}")
        return
    rows = store.all_unsent_alerts(since=since_for_age(max_age))
    if not rows:
        click.echo("the outbox is empty: nothing left to send")
    for a in rows:
        errors = f"  last errors: {a['errors']}" if a.get("errors") else ""
        click.echo(f"#{a['id']} {a['kind']:<8} {a['created']} sent to {a['sent_to']} "
                   f"target(s)  {a['payload'].get('title', '')}{errors}")


@notify.command("send", epilog=NOTIFY_SEND_EXIT_HELP)
@notify_urls_option
@notify_config_option
@click.option("--digest", is_flag=True, help="One message per target, grouped by province.")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
@click.option("--backlog", is_flag=True,
              help="Send a new target (one never sent to) the older backlog too: alerts "
                   "queued before the last send to the other targets. Without it they are "
                   "skipped for that target; newer ones are sent either way.")
@click.pass_obj
def notify_send(ctx: Context, notify_urls: tuple[str, ...], notify_config: str | None,
                digest: bool, dry_run: bool, backlog: bool) -> None:
    """Send pending alerts now, without crawling."""
    from notify.send import send_pending

    targets = _targets(_env_notify_urls(notify_urls), notify_config)
    if not targets:
        raise click.UsageError("no targets: give --notify, --notify-config or PROVWATCH_NOTIFY")
    attempts, timeout = _delivery_limits(ctx)
    with _locked(ctx.db):
        store = ctx.open_store()
        report = send_pending(store, targets, digest=digest, dry_run=dry_run,
                              max_age_days=ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                              telegram_api=ctx.setting("PROVWATCH_TELEGRAM_API"),
                              echo=click.echo, backlog=backlog, max_attempts=attempts,
                              read_timeout=timeout)
    if dry_run:
        return
    click.echo(f"alerts: {report.sent} sent, {report.failed} failed"
               + (f", {report.kept} kept for the next run" if report.kept else "")
               + (f", {report.given_up} given up" if report.given_up else "")
               + (f", {report.skipped} skipped as backlog of new targets"
                  if report.skipped else ""))
    for label, error in report.errors.items():
        click.echo(f"  {label}: {error}", err=True)
    if report.failed:
        sys.exit(EXIT_DELIVERY_FAILED)


@main.group("sources")
def sources_group() -> None:
    """List the configured sources, or check what a source's start page offers."""


@sources_group.command("list")
@sources_option
@click.option("--province", help="Only sources of this province (current or former name).")
def sources_list(sources: str | None, province: str | None) -> None:
    """List sources with their province (and former province) and start URL."""
    from crawler.core.provinces import province_matches

    shown = 0
    for src in _load_sources(sources):
        if province and not province_matches(province, src.province, list(src.former_provinces)):
            continue
        former = f" (trước 2025: {', '.join(src.former_provinces)})" \
            if src.former_provinces else ""
        click.echo(f"{src.id:<28} {src.kind:<10} {(src.province or 'toàn quốc') + former:<40} "
                   f"{src.url}")
        shown += 1
    click.echo(f"{shown} sources", err=True)


@sources_group.command("check")
@click.argument("source_ids", nargs=-1, metavar="[ID]...")
@sources_option
@click.pass_obj
def sources_check(ctx: Context, source_ids: tuple[str, ...], sources: str | None) -> None:
    """Fetch each source's start page and report the discovery routes found there.

    Each fetch ends within PROVWATCH_FETCH_TIMEOUT seconds.
    """
    from crawler.run.sourcecheck import check_source

    deadline, allow_private = _fetch_limits(ctx)
    failures = 0
    for src in _load_sources(sources, source_ids):
        report = check_source(src, deadline=deadline, allow_private=allow_private)
        click.echo(report.render())
        failures += not report.ok
    if failures:
        raise click.ClickException(f"{failures} source(s) could not be checked")


@main.command()
@click.option("--runs", "limit", default=5, show_default=True, help="How many recent runs.")
@click.option("--json", "as_json", is_flag=True,
              help="Print runs and source health as one JSON object.")
@click.pass_obj
def status(ctx: Context, limit: int, as_json: bool) -> None:
    """Show recent runs (new, changed, duplicates, alerts, errors, duration; times +07:00)
    and each source's last success, streaks and article count."""
    from crawler.run.runreport import health_report, render_run, run_report

    store = ctx.open_store()
    runs = [run_report(store, r) for r in store.runs(limit=limit)]
    health = health_report(store)
    store.close()
    if as_json:
        click.echo(json.dumps({"runs": runs, "sources": health}, ensure_ascii=False, indent=1))
        return
    if not runs:
        click.echo("no runs yet")
    for report in runs:
        for line in render_run(report):
            click.echo(line)
    if health:
        click.echo("")
        click.echo(f"{'source':<28} {'last success (+07:00)':<26} fail empty short  articles")
    for h in health:
        click.echo(f"{h['source']:<28} {h['last_success'] or 'never':<26} "
                   f"{h['fail_streak']:>4} {h['empty_streak']:>5} {h['short_streak']:>5} "
                   f"{h['articles']:>9}")


if __name__ == "__main__":
    main()
