"""``provwatch sources``: list the configured sources, check what a start page offers."""

from __future__ import annotations

import click

from commands.context import (
    Context,
    fetch_limits,
    load_sources_or_fail,
    sources_option,
)
from crawler.core.provinces import province_matches


@click.group("sources")
def sources_group() -> None:
    """List the configured sources, or check what a source's start page offers."""


@sources_group.command("list")
@sources_option
@click.option("--province", help="Only sources of this province (current or former name).")
def sources_list(sources: str | None, province: str | None) -> None:
    """List sources with their province (and former province) and start URL."""
    shown = 0
    for src in load_sources_or_fail(sources):
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
    from crawler.run.sourcecheck import check_source  # fetching: loaded when used

    limits = fetch_limits(ctx)
    failures = 0
    for src in load_sources_or_fail(sources, source_ids):
        report = check_source(src, deadline=limits.deadline, allow_private=limits.allow_private)
        click.echo(report.render())
        failures += not report.ok
    if failures:
        raise click.ClickException(f"{failures} source(s) could not be checked")
