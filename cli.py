"""provwatch: crawl Vietnamese provincial news, keep each article once, alert on DX news.

A thin layer of click commands: they parse options, call crawler/store/notify, and turn
the project's errors into one clear line and an exit code.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

import settings as app_settings
from commands.articles import diff, explain, export, extract, history, search, serve
from commands.context import (
    EXIT_USAGE,
    Context,
    echo_lines,
    env_notify_urls,
    load_sources_or_fail,
    locked,
    only_option,
    sources_option,
    topics_option,
)
from commands.notify import notify
from commands.sources import sources_group
from crawler.analysis.relevance import TopicFileError, load_topics
from crawler.config.sources import SourcesFileError, load_sources
from crawler.core.addresses import SCHEMES
from crawler.run import nightly
from crawler.run.nightly import EXIT_CANNOT_RUN, EXIT_LOCKED, EXIT_OK, EXIT_SOURCES_FAILED
from crawler.run.runner import CrawlConfig
from crawler.run.runreport import health_report, run_report, status_lines
from notify.targets import (
    Target,
    usable_targets,
)
from store.db import QueryError, StoreError

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


@contextmanager
def _run_outcome() -> Iterator[None]:
    """Turn the run's exceptions into what the operator reads, and the exit code."""
    try:
        yield
    except nightly.SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
    except nightly.NotStored as exc:
        echo_lines(exc.lines)
        raise click.ClickException(str(exc)) from exc
    except nightly.RunStopped as stop:
        echo_lines(stop.lines)
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
    with locked(ctx.db):
        store = ctx.open_store(create=True)
        with _run_outcome():
            report = nightly.run_night(store, options)
        echo_lines(report.lines())
        store.close()
    if report.crashed:
        raise click.ClickException(
            f"the crawl process failed (exit {report.crawl_exit}); see the log above")
    if report.code != EXIT_OK:
        sys.exit(report.code)


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
        usable_targets(env_notify_urls(notify_urls), notify_config)
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
    load_sources_or_fail(sources, source_ids)
    configs = []
    if urls:
        configs.append(_crawl_config(ctx, sources_file=sources, urls=urls, topics=topics))
    if source_ids:
        configs.append(_crawl_config(ctx, sources_file=sources, only=source_ids,
                                     topics=topics))
    with locked(ctx.db):
        store = ctx.open_store(create=True)
        with _run_outcome():
            lines = nightly.recrawl(store, configs)
        echo_lines(lines)
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
    from crawler.run.reanalyse import reanalyse as read_again  # extraction: loaded when used

    with locked(ctx.db):
        store = ctx.open_store()
        report = read_again(store, known, topic_list, only=source_ids)
        store.close()
    for line in report.lines():
        click.echo(line)


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
    echo_lines(status_lines(runs, health))


for command in (extract, explain, history, diff, export, search, serve, notify, sources_group):
    main.add_command(command)


if __name__ == "__main__":
    main()
