"""An Atom feed of flagged news, per topic and province.

The same rows and the same XML for `provwatch export --format atom` and the reading room's
``/-/atom`` (``provwatch serve``): relevant articles, each story once (copies found by the
dedup stage are left out), newest first.
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from crawler.archive.exportrows import Period, Row, export_row, select
from crawler.core.dates import VN_TZ
from crawler.core.text import clip

ATOM_NS = "http://www.w3.org/2005/Atom"
PROVINCE_SCHEME = "urn:provwatch:province"
TOPIC_SCHEME = "urn:provwatch:topic"
SUMMARY_CHARS = 500


def flagged_rows(conn: sqlite3.Connection, *, topic: str | None = None,
                 province: str | None = None, period: Period = Period(),
                 limit: int | None = None) -> list[Row]:
    """Relevant stories (no copies) as exported rows, newest first, filtered.

    ``conn`` may be the store's connection or the reading room's read-only one.
    """
    where, args = period.sql()
    sql = ("SELECT * FROM articles WHERE relevant = 1 AND duplicate_of IS NULL "
           "AND page_kind = 'article'" + where)
    if topic:
        sql += " AND topic = ?"
        args.append(topic)
    sql += " ORDER BY julianday(coalesce(published, first_seen)) DESC, id DESC"
    rows = select(_exported(conn.execute(sql, args)), province=province)
    out: list[Row] = []
    for row in rows:
        if limit is not None and len(out) >= limit:
            break
        out.append(row)
    return out


def _exported(cur: sqlite3.Cursor) -> Iterator[Row]:
    cols = [c[0] for c in cur.description]
    for values in cur:
        yield export_row(dict(zip(cols, tuple(values), strict=True)))


def feed_title(topic: str | None, province: str | None) -> str:
    """The feed's title in Vietnamese, naming its filters."""
    parts = ["provwatch: tin được gắn cờ"]
    if topic:
        parts.append(f"chủ đề {topic}")
    if province:
        parts.append(f"tỉnh {province}")
    return " · ".join(parts)


def feed_id(topic: str | None, province: str | None) -> str:
    """A stable Atom id for the feed of these filters (whatever address serves it)."""
    from crawler.core.provinces import province_key

    return (f"urn:provwatch:feed:{topic or 'all'}:"
            f"{province_key(province).replace(' ', '-') if province else 'all'}")


def atom_feed(items: Sequence[Row], *, title: str, feed_id: str, self_url: str | None = None,
              page_url: Callable[[int], str] | None = None,
              now: datetime | None = None) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes) of exported rows.

    ``page_url(article_id)`` gives the article's page in the reading room, linked as
    ``related`` beside the original article (``alternate``).
    """
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_q("feed"), {"xml:lang": "vi"})
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    stamps = [i.get("last_changed") or i.get("first_seen") for i in items]
    _text(feed, "updated", max((s for s in stamps if s), default=None)
          or (now or datetime.now(VN_TZ)).replace(microsecond=0).isoformat())
    author = ET.SubElement(feed, _q("author"))
    _text(author, "name", "provwatch")
    _text(feed, "generator", "provwatch")
    if self_url:
        ET.SubElement(feed, _q("link"), {"rel": "self", "href": self_url,
                                         "type": "application/atom+xml"})
    for item in items:
        _entry(feed, item, page_url)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(feed: ET.Element, item: Row, page_url: Callable[[int], str] | None) -> None:
    entry = ET.SubElement(feed, _q("entry"))
    _text(entry, "id", item.get("canonical_url") or item.get("url") or f"urn:provwatch:"
                                                                        f"{item['id']}")
    _text(entry, "title", item.get("title") or item.get("url") or "")
    if item.get("url"):
        ET.SubElement(entry, _q("link"), {"rel": "alternate", "href": item["url"],
                                          "type": "text/html"})
    if page_url is not None:
        ET.SubElement(entry, _q("link"), {"rel": "related", "href": page_url(int(item["id"])),
                                          "title": "Phòng đọc provwatch"})
    updated = item.get("last_changed") or item.get("first_seen") or item.get("published")
    _text(entry, "updated", updated or "")
    if item.get("published"):
        _text(entry, "published", item["published"])
    author = ET.SubElement(entry, _q("author"))
    _text(author, "name", item.get("author") or item.get("source") or "provwatch")
    if item.get("topic"):
        ET.SubElement(entry, _q("category"), {"term": item["topic"], "scheme": TOPIC_SCHEME})
    for name in [item.get("province"), *(item.get("former_provinces") or [])]:
        if name:
            ET.SubElement(entry, _q("category"), {"term": name, "scheme": PROVINCE_SCHEME})
    where = " · ".join(p for p in (item.get("province"), item.get("source")) if p)
    summary = clip((item.get("text") or "").replace("\n", " "), SUMMARY_CHARS)
    _text(entry, "summary", f"[{where}] {summary}" if where else summary)


def _q(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag))
    element.text = value
    return element
