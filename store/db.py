"""The only code that talks SQL: articles, versions, runs, the alert outbox, dedup bands.

Writes that belong together (a new article, its first version, its LSH bands and its alert)
happen in one transaction, so a run killed at any moment leaves either all of them or none.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from crawler.text import fold
from store.schema import MIGRATIONS, SCHEMA_VERSION

Row = dict[str, Any]


class StoreError(RuntimeError):
    """The database cannot be opened, migrated or written."""


def utcnow() -> str:
    """Current time as ISO 8601 UTC with offset, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _fts_query(query: str) -> str:
    """Turn user words into an FTS5 query over folded text (each word quoted, AND-ed)."""
    tokens = [t for t in fold(query).replace('"', " ").split() if t]
    return " ".join(f'"{t}"' for t in tokens)


class Store:
    """A provwatch SQLite database opened, migrated and ready."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        try:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # index pages (LSH bands, URL and hash lookups) stay in memory as the archive grows
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA mmap_size=268435456")
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise StoreError(f"{self.path}: not a provwatch database: {exc}") from exc
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self.db = sqlite_utils.Database(conn)
        self._migrate()

    # -- lifecycle ---------------------------------------------------------------------
    def _migrate(self) -> None:
        try:
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a provwatch database: {exc}") from exc
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this provwatch "
                f"({SCHEMA_VERSION}); upgrade provwatch")
        try:
            for number in range(version, SCHEMA_VERSION):
                with self.transaction():
                    MIGRATIONS[number](self.db)
                    self.db.execute(f"PRAGMA user_version = {number + 1}")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot migrate database: {exc}") from exc

    def transaction(self) -> sqlite3.Connection:
        """Context manager: ``with store.transaction(): ...`` commits or rolls back."""
        conn = self.db.conn
        return _Transaction(conn)  # type: ignore[return-value]

    def close(self) -> None:
        self.db.conn.close()

    # -- sources -----------------------------------------------------------------------
    def upsert_sources(self, sources: Iterable[Row]) -> None:
        rows = [dict(r, updated=utcnow()) for r in sources]
        with self.transaction():
            self.db.table("sources").upsert_all(rows, pk="id")

    def source_row(self, source_id: str) -> Row | None:
        rows = list(self.db.table("sources").rows_where("id = ?", [source_id]))
        return rows[0] if rows else None

    # -- articles ----------------------------------------------------------------------
    def article_by_url(self, url: str) -> Row | None:
        rows = list(self.db.table("articles").rows_where("url = ?", [url], limit=1))
        return rows[0] if rows else None

    def article_by_id(self, article_id: int) -> Row | None:
        rows = list(self.db.table("articles").rows_where("id = ?", [article_id], limit=1))
        return rows[0] if rows else None

    def article_by_hash(self, digest: str) -> Row | None:
        """The first-seen article whose current text has this hash."""
        rows = list(self.db.table("articles").rows_where(
            "content_hash = ?", [digest], order_by="id", limit=1))
        return rows[0] if rows else None

    def known_urls(self, source: str | None = None) -> set[str]:
        if source is None:
            return {r[0] for r in self.db.execute("SELECT url FROM articles")}
        return {r[0] for r in self.db.execute("SELECT url FROM articles WHERE source = ?",
                                               [source])}

    def validators(self, source: str, since: str) -> dict[str, tuple[str | None, str | None]]:
        """URL → (ETag, Last-Modified) of this source's articles first seen after ``since``."""
        cur = self.db.execute(
            "SELECT url, etag, last_modified FROM articles WHERE source = ? AND "
            "(first_seen >= ? OR published >= ?)", [source, since, since])
        return {url: (etag, lm) for url, etag, lm in cur}

    def insert_article(self, article: Row, *, signature: bytes | None = None,
                       buckets: Sequence[str] = (), alert: Row | None = None) -> int:
        """Insert a new article with version 1, its LSH bands and, optionally, its alert."""
        now = utcnow()
        row = dict(article)
        row.setdefault("first_seen", now)
        row.setdefault("last_changed", now)
        row.setdefault("last_checked", now)
        row["version"] = 1
        row["title_folded"] = fold(row.get("title") or "")
        row["text_folded"] = fold(row.get("text") or "")
        for key in ("matched", "former_provinces"):
            if isinstance(row.get(key), list | tuple):
                row[key] = json.dumps(list(row[key]), ensure_ascii=False)
        with self.transaction():
            article_id = int(self.db.table("articles").insert(row).last_pk or 0)
            self.db.table("versions").insert({
                "article_id": article_id, "version": 1, "title": row.get("title"),
                "text": row.get("text"), "content_hash": row.get("content_hash"),
                "diff": None, "seen_at": now})
            if signature is not None:
                self.db.table("signatures").insert({"article_id": article_id, "minhash": signature})
                self.db.table("lsh_bands").insert_all(
                    [{"bucket": b, "article_id": article_id} for b in buckets], ignore=True)
            if alert is not None:
                self._queue_alert(dict(alert, article_id=article_id, version=1))
        return article_id

    def add_version(self, article_id: int, changes: Row, *, diff: str,
                    alert: Row | None = None) -> int:
        """Record a changed text/title as the next version; returns the version number."""
        current = self.article_by_id(article_id)
        if current is None:
            raise StoreError(f"article {article_id} does not exist")
        now = utcnow()
        version = int(current["version"] or 1) + 1
        update = dict(changes)
        for key in ("matched", "former_provinces"):
            if isinstance(update.get(key), list | tuple):
                update[key] = json.dumps(list(update[key]), ensure_ascii=False)
        update.update(version=version, last_changed=now, last_checked=now,
                      title_folded=fold(update.get("title", current["title"]) or ""),
                      text_folded=fold(update.get("text", current["text"]) or ""))
        with self.transaction():
            self.db.table("articles").update(article_id, update)
            self.db.table("versions").insert({
                "article_id": article_id, "version": version,
                "title": update.get("title", current["title"]),
                "text": update.get("text", current["text"]),
                "content_hash": update.get("content_hash"), "diff": diff, "seen_at": now})
            if alert is not None:
                self._queue_alert(dict(alert, article_id=article_id, version=version))
        return version

    def touch_article(self, article_id: int, **fields: Any) -> None:
        """Record a check that found no change (validators, metadata refresh)."""
        with self.transaction():
            self.db.table("articles").update(article_id, dict(fields, last_checked=utcnow()))

    def mean_text_length(self, source: str, *, since: str) -> float | None:
        """Mean length of this source's article texts checked since ``since`` (None: none)."""
        row = self.db.execute(
            "SELECT AVG(LENGTH(text)), COUNT(*) FROM articles WHERE source = ? AND "
            "last_checked >= ?", [source, since]).fetchone()
        return float(row[0]) if row and row[1] else None

    def versions(self, article_id: int) -> list[Row]:
        return list(self.db.table("versions").rows_where(
            "article_id = ?", [article_id], order_by="version"))

    def lsh_candidates(self, buckets: Sequence[str], limit: int = 50) -> list[int]:
        """Articles sharing at least one LSH bucket, most shared buckets first."""
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        cur = self.db.execute(
            f"SELECT article_id, COUNT(*) AS n FROM lsh_bands WHERE bucket IN ({marks}) "
            f"GROUP BY article_id ORDER BY n DESC, article_id LIMIT ?", [*buckets, limit])
        return [r[0] for r in cur]

    def signature(self, article_id: int) -> bytes | None:
        row = self.db.execute("SELECT minhash FROM signatures WHERE article_id = ?",
                              [article_id]).fetchone()
        return bytes(row[0]) if row else None

    def search(self, query: str, limit: int = 20) -> list[Row]:
        """Full-text search over folded title and text: diacritics and đ are optional."""
        fts = _fts_query(query)
        if not fts:
            return []
        sql = (
            "SELECT a.id, a.url, a.source, a.province, a.title, a.published, a.relevant, "
            "a.score, a.duplicate_of, snippet(articles_fts, 1, '[', ']', '…', 12) AS snippet "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT ?")
        cur = self.db.execute(sql, [fts, limit])
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

    def iter_articles(self) -> Iterator[Row]:
        yield from self.db.table("articles").rows_where(order_by="id")

    def count(self, table: str, where: str | None = None, args: Sequence[Any] = ()) -> int:
        return int(self.db[table].count_where(where or "1", list(args)))

    # -- runs --------------------------------------------------------------------------
    def start_run(self, command: str, pid: int) -> int:
        with self.transaction():
            return int(self.db.table("runs").insert(
                {"command": command, "started": utcnow(), "status": "running",
                 "pid": pid}).last_pk or 0)

    def finish_run(self, run_id: int, *, status: str, exit_code: int, summary: Row,
                   sources: Row) -> None:
        with self.transaction():
            self.db.table("runs").update(run_id, {
                "finished": utcnow(), "status": status, "exit_code": exit_code,
                "summary": json.dumps(summary, ensure_ascii=False),
                "sources": json.dumps(sources, ensure_ascii=False)})

    def run_row(self, run_id: int) -> Row:
        return dict(self.db.table("runs").get(run_id))

    def runs(self, limit: int = 10) -> list[Row]:
        return list(self.db.table("runs").rows_where(order_by="id desc", limit=limit))

    # -- outbox ------------------------------------------------------------------------
    def _queue_alert(self, alert: Row) -> None:
        row = dict(alert)
        row.setdefault("created", utcnow())
        for key in ("payload", "tags"):
            if not isinstance(row.get(key), str | type(None)):
                row[key] = json.dumps(row[key], ensure_ascii=False)
        self.db.table("alerts").insert(row, ignore=True)

    def queue_alert(self, alert: Row) -> None:
        """Queue an alert that belongs to no article write (health alerts)."""
        with self.transaction():
            self._queue_alert(alert)

    def pending_alerts(self, target: str, *, since: str | None = None) -> list[Row]:
        """Alerts not yet delivered to ``target`` (a target's stable id, never its URL)."""
        sql = ("SELECT * FROM alerts WHERE id NOT IN (SELECT alert_id FROM deliveries WHERE "
               "target = ? AND status = 'sent')")
        args: list[Any] = [target]
        if since is not None:
            sql += " AND created >= ?"
            args.append(since)
        cur = self.db.execute(sql + " ORDER BY id", args)
        cols = [c[0] for c in cur.description]
        return [_decode_alert(dict(zip(cols, r, strict=True))) for r in cur]

    def all_unsent_alerts(self) -> list[Row]:
        cur = self.db.execute(
            "SELECT a.*, (SELECT COUNT(*) FROM deliveries d WHERE d.alert_id = a.id AND "
            "d.status = 'sent') AS sent_to, (SELECT group_concat(d.target_label || ': ' || "
            "d.last_error, '; ') FROM deliveries d WHERE d.alert_id = a.id AND "
            "d.status = 'failed') AS errors FROM alerts a ORDER BY a.id")
        cols = [c[0] for c in cur.description]
        return [_decode_alert(dict(zip(cols, r, strict=True))) for r in cur]

    def record_delivery(self, alert_id: int, target: str, label: str, *, ok: bool,
                        error: str | None = None) -> None:
        """Mark one alert sent to (or failed for) one target; committed at once."""
        now = utcnow()
        with self.transaction():
            existing = self.db.execute(
                "SELECT attempts, first_try FROM deliveries WHERE alert_id = ? AND target = ?",
                [alert_id, target]).fetchone()
            attempts = (existing[0] if existing else 0) + 1
            self.db.table("deliveries").upsert({
                "alert_id": alert_id, "target": target, "target_label": label,
                "status": "sent" if ok else "failed", "attempts": attempts,
                "last_error": None if ok else error,
                "first_try": existing[1] if existing else now,
                "sent_at": now if ok else None}, pk=("alert_id", "target"))

    # -- health ------------------------------------------------------------------------
    def health(self, source: str) -> Row | None:
        rows = list(self.db.table("source_health").rows_where("source = ?", [source]))
        return rows[0] if rows else None

    def save_health(self, row: Row) -> None:
        with self.transaction():
            self.db.table("source_health").upsert(row, pk="source")

    def all_health(self) -> list[Row]:
        return list(self.db.table("source_health").rows_where(order_by="source"))


def _decode_alert(row: Row) -> Row:
    for key in ("payload", "tags"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK around a block; re-entrant via SAVEPOINTs."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.nested = False

    def __enter__(self) -> sqlite3.Connection:
        self.nested = self.conn.in_transaction
        if self.nested:
            self.conn.execute("SAVEPOINT pw")
        else:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"database is locked or read-only: {exc}") from exc
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.nested:
            if exc_type is None:
                self.conn.execute("RELEASE pw")
            else:
                self.conn.execute("ROLLBACK TO pw")
                self.conn.execute("RELEASE pw")
            return
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self.conn.execute("ROLLBACK")
                raise StoreError(f"cannot commit: {exc}") from exc
        else:
            self.conn.execute("ROLLBACK")
