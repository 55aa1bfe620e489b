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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

import settings as app_settings
from crawler.analysis.relevance import TopicFileError, load_topics
from crawler.archive.exportrows import Period, PeriodError
from crawler.archive.exportrows import search as search_rows
from crawler.archive.exports import FORMATS, search_footer, search_lines, write_export
from crawler.archive.readingroom import serve as serve_reading_room
from crawler.config.sources import Source, SourcesFileError, load_sources, select_sources
from crawler.core.addresses import SCHEMES
from crawler.core.provinces import province_matches
from crawler.run import nightly, ondemand
from crawler.run.nightly import EXIT_CANNOT_RUN, EXIT_LOCKED, EXIT_OK, EXIT_SOURCES_FAILED
from crawler.run.reanalyse import reanalyse as read_again
from crawler.run.runner import CrawlConfig
from crawler.run.runreport import health_report, run_report, status_lines
from crawler.run.sourcecheck import check_source
from notify.messages import article_message
from notify.outbox import SAMPLE_ALERT, pending_lines, send_line
from notify.send import deliver_with_apprise, delivery_limits, send_pending
from notify.targets import (
    Target,
    TargetError,
    configured_targets,
    merge_targets,
    split_urls,
    usable_targets,
)
from store.db import QueryError, Store, StoreError

EXIT_USAGE = 2  # click's own code for bad options

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


def _targets(urls: Sequence[str], config: str | None) -> list[Target]:
    try:
        return configured_targets(urls, config)
    except TargetError as exc:
        raise click.ClickException(str(exc)) from exc


def _env_notify_urls(given: Sequence[str]) -> list[str]:
    """--notify values, else PROVWATCH_NOTIFY; one apprise URL per item."""
    return split_urls(given) if given else split_urls([os.environ.get("PROVWATCH_NOTIFY", "")])


@contextmanager
def _locked(db: str) -> Iterator[None]:
    try:
        with nightly.run_lock(db):
            yield
    except nightly.RunLocked as exc:
        click.echo(f"provwatch: {exc}; not starting", err=True)
        sys.exit(EXIT_LOCKED)


def _echo_lines(lines: Sequence[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


@contextmanager
def _run_outcome() -> Iterator[None]:
    """Turn the run's exceptions into what the operator reads, and the exit code."""
    try:
        yield
    except nightly.SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    except nightly.NotStored as exc:
        _echo_lines(exc.lines)
        raise click.ClickException(str(exc)) from exc
    except nightly.RunStopped as stop:
        _echo_lines(stop.lines)
        click.echo(f"provwatch: {stop.message}", err=True)
        sys.exit(stop.code)
    except nightly.RunError as exc:
        raise click.ClickException(str(exc)) from exc


def _crawl_config(ctx: Context, *, sources_file: str | None, only: Sequence[str] = (),
                  urls: Sequence[str] = (), topics: str | None = None) -> CrawlConfig:
    overrides = dict(ctx.overrides)
    if sys.stderr.isatty() and ctx.verbosity >= 0:
        overrides.setdefault("PROVWATCH_PROGRESS", True)
    return CrawlConfig(db=ctx.db, run_id=0, sources_file=sources_file, only=list(only),
                       urls=list(urls), topics_file=topics, log_level=ctx.log_level,
                       overrides=overrides)


def _run(ctx: Context, command: str, *, sources: str | None, only: Sequence[str],
         topics: str | None, targets: list[Target] | None, digest: bool,
         strict: bool = False, problems: Sequence[str] = ()) -> None:
    try:
        selected, source_problems = nightly.run_sources(sources, only)
    except nightly.RunError as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in source_problems:
        click.echo(f"provwatch: {problem}", err=True)
    config = _crawl_config(ctx, sources_file=sources,
                           only=[s.id for s in selected] if only else [], topics=topics)
    options = nightly.NightOptions(
        config=config, command=command, setting=ctx.setting, selected=selected,
        source_problems=source_problems, asked=only, targets=targets, digest=digest,
        strict=strict, problems=list(problems))
    with _locked(ctx.db):
        store = ctx.open_store(create=True)
        with _run_outcome():
            report = nightly.run_night(store, options)
        _echo_lines(report.lines())
        store.close()
    if report.crashed:
        raise click.ClickException(
            f"the crawl process failed (exit {report.crawl_exit}); see the log above")
    if report.code != EXIT_OK:
        sys.exit(report.code)


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
        usable_targets(_env_notify_urls(notify_urls), notify_config)
    for problem in problems:
        click.echo(f"provwatch: {problem}", err=True)
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


    for given in urls:
        if urlsplit(given).scheme not in SCHEMES or not urlsplit(given).hostname:
            raise click.UsageError(f"{given!r} is not an http(s) URL; recrawl fetches only "
                                   "http:// and https:// pages")
    _load_sources(sources, source_ids)
    configs = []
    if urls:
        configs.append(_crawl_config(ctx, sources_file=sources, urls=urls, topics=topics))
    if source_ids:
        configs.append(_crawl_config(ctx, sources_file=sources, only=source_ids,
                                     topics=topics))
    with _locked(ctx.db):
        store = ctx.open_store(create=True)
        with _run_outcome():
            lines = nightly.recrawl(store, configs)
        _echo_lines(lines)
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


def _fetch_limits(ctx: Context) -> ondemand.FetchLimits:
    """PROVWATCH_FETCH_TIMEOUT and PROVWATCH_ALLOW_PRIVATE for a single fetch."""
    try:
        deadline = float(ctx.setting("PROVWATCH_FETCH_TIMEOUT"))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter("PROVWATCH_FETCH_TIMEOUT must be a number of seconds",
                                 param_hint="--set") from exc
    return ondemand.FetchLimits(deadline, bool(ctx.setting("PROVWATCH_ALLOW_PRIVATE")))


@contextmanager
def _inspecting() -> Iterator[None]:
    try:
        yield
    except ondemand.InspectError as exc:
        raise click.ClickException(str(exc)) from exc


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
    try:
        record = ondemand.extract_record(page, url, topics=topics, sources=sources,
                                        limits=_fetch_limits(ctx))
    except ondemand.NotAPage as exc:
        raise click.UsageError(str(exc)) from exc
    except ondemand.InspectError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    _echo_lines(ondemand.record_lines(record))


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

    try:
        return Period.parse(since, until)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc


def _check_base_url(base_url: str | None) -> None:
    if base_url and not base_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{base_url!r} is not an http(s) URL", param_hint="--base-url")


@main.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS),
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
    period = _period(since, until)
    _check_base_url(base_url)
    write_export(ctx.open_store(), fmt, output, relevant_only=relevant_only,
                 province=province, topic=topic, period=period, base_url=base_url)


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
    period = _period(since, until)
    page = search_rows(ctx.open_store(), " ".join(query), limit=limit, period=period)
    if not page.total:
        click.echo("no match", err=True)
        return
    _echo_lines(search_lines(page, as_json=as_json))
    footer = search_footer(page)
    if footer:
        click.echo(footer, err=True)


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


@main.command()
@click.argument("ref", metavar="URL_OR_ID")
@topics_option
@click.pass_obj
def explain(ctx: Context, ref: str, topics: str | None) -> None:
    """Explain why an article was (or was not) flagged: score, threshold, terms and where.

    A stored article (by id or URL) is explained from its stored text; an unknown URL is
    fetched and extracted first.
    """
    with _inspecting():
        topic_list = ondemand.topics_or_error(topics)
        _echo_lines(ondemand.explain_lines(ctx.open_store(), ref, topic_list,
                                          _fetch_limits(ctx)))


@main.command()
@click.argument("article_id", type=int)
@click.pass_obj
def history(ctx: Context, article_id: int) -> None:
    """List the stored versions of an article, with what changed in each."""
    with _inspecting():
        _echo_lines(ondemand.history_lines(ctx.open_store(), article_id))


@main.command()
@click.argument("article_id", type=int)
@click.argument("versions", nargs=-1, type=int)
@click.pass_obj
def diff(ctx: Context, article_id: int, versions: tuple[int, ...]) -> None:
    """Show the difference between two versions of an article (default: the last two)."""
    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers, or none for the last two")
    with _inspecting():
        click.echo(ondemand.version_diff(ctx.open_store(), article_id, versions))


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
    targets = merge_targets(_targets(_env_notify_urls([url] if url else []), notify_config))
    if not targets:
        raise click.UsageError("give an apprise URL, --notify-config or PROVWATCH_NOTIFY")
    _, timeout = _delivery_limits(ctx)
    message = article_message(SAMPLE_ALERT)
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
    store = ctx.open_store()
    targets = merge_targets(_targets(_env_notify_urls(notify_urls), notify_config))
    attempts, _ = _delivery_limits(ctx)
    _echo_lines(pending_lines(store, targets, ctx.setting("PROVWATCH_ALERT_MAX_AGE_DAYS"),
                              attempts))


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
    click.echo(send_line(report))
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
    limits = _fetch_limits(ctx)
    failures = 0
    for src in _load_sources(sources, source_ids):
        report = check_source(src, deadline=limits.deadline, allow_private=limits.allow_private)
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
    store = ctx.open_store()
    runs = [run_report(store, r) for r in store.runs(limit=limit)]
    health = health_report(store)
    store.close()
    if as_json:
        click.echo(json.dumps({"runs": runs, "sources": health}, ensure_ascii=False, indent=1))
        return
    _echo_lines(status_lines(runs, health))


if __name__ == "__main__":
    main()
