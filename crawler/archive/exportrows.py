"""Rows for `provwatch export` and `provwatch search`: fields, local times, periods, CSV.

Every time an operator reads is Vietnamese local time (+07:00), like ``published``; the
database keeps ``first_seen``/``last_changed``/``last_checked`` in UTC and they are
converted here, on the way out only.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from crawler.archive.snippets import snippet
from crawler.core.dates import VN_TZ
from crawler.core.text import fold
from store.db import Store, fts_query

Row = dict[str, Any]

EXPORT_FIELDS = ("id", "url", "canonical_url", "source", "province", "former_provinces",
                 "title", "author", "published", "text", "relevant", "score", "matched", "topic",
                 "duplicate_of", "version", "first_seen", "last_changed", "last_checked")
LOCAL_TIME_FIELDS = ("first_seen", "last_changed", "last_checked")


def local_time(value: str | None) -> str | None:
    """An ISO 8601 time with offset as Vietnamese local time (``…+07:00``); None stays."""
    if not value:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # not ours to repair: shown as stored
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment.astimezone(VN_TZ).isoformat()


def export_row(row: Row) -> Row:
    """One stored article as exported: the contract fields, lists decoded, times local."""
    out = {k: row.get(k) for k in EXPORT_FIELDS}
    out["url"] = row.get("link") or row.get("url")
    out["canonical_url"] = row.get("url")
    out["relevant"] = bool(row.get("relevant"))
    for key in ("matched", "former_provinces"):
        out[key] = json.loads(row[key]) if isinstance(row.get(key), str) else (row.get(key) or [])
    for key in LOCAL_TIME_FIELDS:
        out[key] = local_time(out[key])
    return out


# -- periods ------------------------------------------------------------------------------
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


class PeriodError(ValueError):
    """A --since/--until value that is not a date."""


def parse_bound(text: str, *, end: bool = False) -> datetime:
    """A ``--since``/``--until`` value as an aware time (a bare date is Vietnamese local).

    Accepts ISO 8601 (``2026-12-01``, ``2026-12-01T08:00``, with or without offset) and
    day-first ``01/12/2026`` (``01/12/2026 08:00``). A bare date given as an ``end`` bound
    means the end of that day: the returned time is the start of the next day (exclusive).
    """
    value = text.strip()
    try:
        if m := _DAY_FIRST.fullmatch(value):
            d, mo, y, hh, mi, ss = m.groups()
            moment = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0),
                              int(ss or 0), tzinfo=VN_TZ)
            has_time = hh is not None
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            has_time = "T" in value or " " in value
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=VN_TZ)
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY "
                          f"(optionally with a time, HH:MM)") from exc
    return moment + timedelta(days=1) if end and not has_time else moment


@dataclass(frozen=True)
class Period:
    """[since, until): an article counts by its publication time, else when first seen."""

    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> Period:
        period = cls(parse_bound(since) if since else None,
                     parse_bound(until, end=True) if until else None)
        if period.since and period.until and period.until <= period.since:
            raise PeriodError(f"--until {until} is not after --since {since}")
        return period

    def __bool__(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, row: Row) -> bool:
        """Whether the article ``row`` (stored or exported) falls in the period."""
        if not self:
            return True
        moment = article_time(row)
        if moment is None:
            return False
        return ((self.since is None or moment >= self.since)
                and (self.until is None or moment < self.until))

    def sql(self, alias: str = "") -> tuple[str, list[str]]:
        """The same test as a WHERE fragment (``AND …``) and its arguments.

        SQLite's julianday() reads the offsets, so +07:00 and UTC times compare rightly.
        """
        moment = f"julianday(coalesce({alias}published, {alias}first_seen))"
        parts: list[str] = []
        args: list[str] = []
        if self.since is not None:
            parts.append(f" AND {moment} >= julianday(?)")
            args.append(self.since.isoformat())
        if self.until is not None:
            parts.append(f" AND {moment} < julianday(?)")
            args.append(self.until.isoformat())
        return "".join(parts), args


def article_time(row: Row) -> datetime | None:
    """When the article appeared: its publication time, else when provwatch first saw it."""
    for key in ("published", "first_seen"):
        value = row.get(key)
        if value:
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
    return None


# -- CSV ----------------------------------------------------------------------------------
def write_csv(items: Iterable[Row], out: IO[str]) -> int:
    """Write exported rows as CSV (UTF-8, a header line, lists joined by ``; ``)."""
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for item in items:
        writer.writerow({k: _csv_value(item.get(k)) for k in EXPORT_FIELDS})
        count += 1
    return count


def _csv_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


# -- search -------------------------------------------------------------------------------
@dataclass
class SearchPage:
    rows: list[Row]
    total: int  # matches in the period, before the limit

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def search(store: Store, query: str, *, limit: int, period: Period = Period()) -> SearchPage:
    """Full-text search as ``Store.search`` (same folded query), restricted to ``period``.

    Each row carries a snippet of the original text (with diacritics) and ``duplicate_of``.
    """
    fts = fts_query(query, fold)
    if not fts:
        return SearchPage([], 0)
    where, args = period.sql("a.")
    base = ("FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? AND a.page_kind = 'article'" + where)
    total = store.db.execute(f"SELECT COUNT(*) {base}", [fts, *args]).fetchone()[0]
    cur = store.db.execute(
        "SELECT a.id, a.url, a.source, a.province, a.title, a.published, a.relevant, "
        f"a.score, a.duplicate_of, a.text {base} "
        "ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT ?", [fts, *args, limit])
    rows = _dicts(cur)
    for row in rows:
        row["snippet"] = snippet(row.pop("text"), query)
    return SearchPage(rows, int(total))


def _dicts(cur: sqlite3.Cursor) -> list[Row]:
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def select(items: Iterable[Row], *, relevant_only: bool = False, province: str | None = None,
           topic: str | None = None, period: Period = Period(),
           exclude_duplicates: bool = False) -> Iterator[Row]:
    """Exported rows that pass the filters, in the order given (streamed)."""
    from crawler.core.provinces import province_matches

    for item in items:
        if relevant_only and not item["relevant"]:
            continue
        if exclude_duplicates and item.get("duplicate_of"):
            continue
        if topic and item.get("topic") != topic:
            continue
        if province and not province_matches(province, item["province"],
                                             item["former_provinces"]):
            continue
        if not period.contains(item):
            continue
        yield item


def newest_first(items: Sequence[Row]) -> list[Row]:
    """Rows ordered by publication (else first-seen) time, newest first; undated last."""
    floor = datetime.min.replace(tzinfo=VN_TZ)
    return sorted(items, key=lambda r: article_time(r) or floor, reverse=True)
