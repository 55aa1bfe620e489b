"""What ``provwatch export`` writes and ``provwatch search`` shows, from the archive.

Rows come from crawler/archive/exportrows.py (fields, times, filters), the Atom feed from
crawler/archive/feeds.py; this module puts them into the chosen format.
"""

from __future__ import annotations

import json
from typing import IO

from crawler.archive.exportrows import Period, SearchPage, export_row, select, write_csv
from crawler.archive.feeds import atom_feed, feed_id, feed_title, flagged_rows
from crawler.archive.readingroom import article_page_url
from store.db import Store

FORMATS = ("jsonl", "json", "csv", "atom")


def write_export(store: Store, fmt: str, output: IO[str], *, relevant_only: bool = False,
                 province: str | None = None, topic: str | None = None,
                 period: Period = Period(), base_url: str | None = None) -> None:
    """Every field of each selected article (jsonl, json, csv), or an Atom feed of flagged
    news, each story once and newest first, linking to the reading room at ``base_url``."""
    if fmt == "atom":
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


def search_lines(page: SearchPage, *, as_json: bool = False) -> list[str]:
    """One JSON line, or three readable lines (id, flag, date, source, title; URL;
    snippet), per match; copies of a story say which article they copy."""
    lines = []
    for row in page.rows:
        if as_json:
            lines.append(json.dumps(row, ensure_ascii=False))
            continue
        flag = "DX" if row["relevant"] else "  "
        copy = f" (copy of #{row['duplicate_of']})" if row["duplicate_of"] else ""
        lines.append(f"{row['id']:>6} {flag} {row['published'] or '':<25.25} "
                     f"[{row['source']}] {row['title']}{copy}\n       {row['url']}\n"
                     f"       {row['snippet']}")
    return lines


def search_footer(page: SearchPage) -> str | None:
    """How many matches --limit left out, if any."""
    if not page.cut:
        return None
    return (f"{len(page.rows)} of {page.total} matches shown; "
            f"{page.total - len(page.rows)} more (raise --limit)")
