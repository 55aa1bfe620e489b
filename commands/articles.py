"""Commands that read or look at articles: extract, explain, history, diff, export,
search and serve (the reading room)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from commands.context import (
    Context,
    base_url_option,
    check_base_url,
    echo_lines,
    fetch_limits,
    inspecting,
    period_or_fail,
    since_option,
    sources_option,
    topics_option,
    until_option,
)
from crawler.archive.exportrows import search as search_rows
from crawler.archive.exports import FORMATS, search_footer, search_lines, write_export
from crawler.archive.readingroom import serve as serve_reading_room
from crawler.run import ondemand


@click.command()
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
                                        limits=fetch_limits(ctx))
    except ondemand.NotAPage as exc:
        raise click.UsageError(str(exc)) from exc
    except ondemand.InspectError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        return
    echo_lines(ondemand.record_lines(record))


@click.command()
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
    period = period_or_fail(since, until)
    check_base_url(base_url)
    write_export(ctx.open_store(), fmt, output, relevant_only=relevant_only,
                 province=province, topic=topic, period=period, base_url=base_url)


@click.command()
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
    period = period_or_fail(since, until)
    page = search_rows(ctx.open_store(), " ".join(query), limit=limit, period=period)
    if not page.total:
        click.echo("no match", err=True)
        return
    echo_lines(search_lines(page, as_json=as_json))
    footer = search_footer(page)
    if footer:
        click.echo(footer, err=True)


@click.command()
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
    check_base_url(base_url)
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


@click.command()
@click.argument("ref", metavar="URL_OR_ID")
@topics_option
@click.pass_obj
def explain(ctx: Context, ref: str, topics: str | None) -> None:
    """Explain why an article was (or was not) flagged: score, threshold, terms and where.

    A stored article (by id or URL) is explained from its stored text; an unknown URL is
    fetched and extracted first.
    """
    with inspecting():
        topic_list = ondemand.topics_or_error(topics)
        echo_lines(ondemand.explain_lines(ctx.open_store(), ref, topic_list,
                                          fetch_limits(ctx)))


@click.command()
@click.argument("article_id", type=int)
@click.pass_obj
def history(ctx: Context, article_id: int) -> None:
    """List the stored versions of an article, with what changed in each."""
    with inspecting():
        echo_lines(ondemand.history_lines(ctx.open_store(), article_id))


@click.command()
@click.argument("article_id", type=int)
@click.argument("versions", nargs=-1, type=int)
@click.pass_obj
def diff(ctx: Context, article_id: int, versions: tuple[int, ...]) -> None:
    """Show the difference between two versions of an article (default: the last two)."""
    if len(versions) not in (0, 2):
        raise click.UsageError("give two version numbers, or none for the last two")
    with inspecting():
        click.echo(ondemand.version_diff(ctx.open_store(), article_id, versions))
