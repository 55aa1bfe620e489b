"""What every provwatch command shares: the invocation context (database, verbosity,
-s overrides), the common options, and the helpers that turn the project's errors into
one clear line for the operator."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

import settings as app_settings
from crawler.archive.database import open_store
from crawler.archive.exportrows import Period, PeriodError
from crawler.config.sources import Source, SourcesFileError, load_sources, select_sources
from crawler.run import nightly, ondemand
from crawler.run.nightly import EXIT_LOCKED
from notify.send import delivery_limits
from notify.targets import (
    Target,
    TargetError,
    configured_targets,
    split_urls,
)
from store.db import Store, StoreError

EXIT_USAGE = 2  # click's own code for bad options


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
            return open_store(self.db)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc

    def setting(self, name: str) -> Any:
        """A settings.py value, as overridden with -s NAME=VALUE for this invocation."""
        return self.overrides.get(name, getattr(app_settings, name))

    @property
    def log_level(self) -> str:
        return {-1: "WARNING", 0: "INFO"}.get(self.verbosity, "DEBUG" if self.verbosity > 0
                                              else "ERROR")


def load_sources_or_fail(path: str | None, only: Sequence[str] = ()) -> list[Source]:
    try:
        return select_sources(load_sources(path), only)
    except SourcesFileError as exc:
        raise click.ClickException(str(exc)) from exc


def targets_or_fail(urls: Sequence[str], config: str | None) -> list[Target]:
    try:
        return configured_targets(urls, config)
    except TargetError as exc:
        raise click.ClickException(str(exc)) from exc


def env_notify_urls(given: Sequence[str]) -> list[str]:
    """--notify values, else PROVWATCH_NOTIFY; one apprise URL per item."""
    return split_urls(given) if given else split_urls([os.environ.get("PROVWATCH_NOTIFY", "")])


@contextmanager
def locked(db: str) -> Iterator[None]:
    try:
        with nightly.run_lock(db):
            yield
    except nightly.RunLocked as exc:
        click.echo(f"provwatch: {exc}; not starting", err=True)
        sys.exit(EXIT_LOCKED)


def echo_lines(lines: Sequence[str], *, err: bool = False) -> None:
    for line in lines:
        click.echo(line, err=err)


sources_option = click.option(
    "--sources", "sources", type=click.Path(dir_okay=False), envvar="PROVWATCH_SOURCES",
    help="Sources TOML file (default: the bundled list; env PROVWATCH_SOURCES).")
only_option = click.option("--only", multiple=True, metavar="ID",
                           help="Crawl only this source id (repeatable).")
topics_option = click.option("--topics", type=click.Path(dir_okay=False, exists=True),
                             envvar="PROVWATCH_TOPICS",
                             help="Topics TOML file (default: the bundled DX topic).")


def fetch_limits(ctx: Context) -> ondemand.FetchLimits:
    """PROVWATCH_FETCH_TIMEOUT and PROVWATCH_ALLOW_PRIVATE for a single fetch."""
    try:
        deadline = float(ctx.setting("PROVWATCH_FETCH_TIMEOUT"))
    except (TypeError, ValueError) as exc:
        raise click.BadParameter("PROVWATCH_FETCH_TIMEOUT must be a number of seconds",
                                 param_hint="--set") from exc
    return ondemand.FetchLimits(deadline, bool(ctx.setting("PROVWATCH_ALLOW_PRIVATE")))


@contextmanager
def inspecting() -> Iterator[None]:
    try:
        yield
    except ondemand.InspectError as exc:
        raise click.ClickException(str(exc)) from exc


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


def period_or_fail(since: str | None, until: str | None) -> Period:
    try:
        return Period.parse(since, until)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc


def check_base_url(base_url: str | None) -> None:
    if base_url and not base_url.startswith(("http://", "https://")):
        raise click.BadParameter(f"{base_url!r} is not an http(s) URL", param_hint="--base-url")


notify_urls_option = click.option(
    "--notify", "notify_urls", multiple=True, metavar="URL",
    help="Apprise URL (repeatable; default env PROVWATCH_NOTIFY).")
notify_config_option = click.option(
    "--notify-config", type=click.Path(dir_okay=False), envvar="PROVWATCH_NOTIFY_CONFIG",
    help="Apprise config file (YAML or TEXT) with tagged targets.")


def delivery_limits_or_fail(ctx: Context) -> tuple[int | None, float | None]:
    try:
        return delivery_limits(ctx.setting("PROVWATCH_MAX_ATTEMPTS"),
                               ctx.setting("PROVWATCH_NOTIFY_TIMEOUT"))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from exc
