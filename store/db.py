"""The only code that talks SQL: articles, versions, runs, the alert outbox, dedup bands.

Writes that belong together (a new article, its first version, its LSH bands and its alert)
happen in one transaction, so a run killed at any moment leaves either all of them or none.

The store imports nothing of the project: what it needs to know about text (folding for the
search index, fingerprints and the listing test for old migrations) comes in as
``StoreAnalysers`` (store/analysers.py), which ``crawler.archive.database.open_store`` fills.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from store.analysers import StoreAnalysers, require
from store.errors import MissingAnalysers, StoreError
from store.schema import MIGRATIONS, SCHEMA_VERSION

Row = dict[str, Any]
# alerts of a listing row (stored as an article before migration 6) are never sent
_NOT_LISTING = ("(article_id IS NULL OR article_id NOT IN "
                "(SELECT id FROM articles WHERE page_kind = 'listing'))")


def utcnow() -> str:
    """Current time as ISO 8601 UTC with offset, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class QueryError(ValueError):
    """A search query the index should not be asked (too long)."""


MAX_QUERY_WORDS = 32  # an FTS5 AND of 16,000 words ran for minutes; no real query is longer
MAX_QUERY_CHARS = 1000


def fts_query(query: str, fold: Callable[[str], str]) -> str:
    """Turn user words into an FTS5 query over text folded by ``fold`` (the function the
    stored ``*_folded`` columns were folded with): each word quoted, all AND-ed."""
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"search query too long ({len(query)} characters; at most "
                         f"{MAX_QUERY_CHARS})")
    tokens = [t for t in fold(query).replace('"', " ").split() if t]
    if len(tokens) > MAX_QUERY_WORDS:
        raise QueryError(f"search query too long ({len(tokens)} words; at most "
                         f"{MAX_QUERY_WORDS})")
    return " ".join(f'"{t}"' for t in tokens)


class Store:
    """A provwatch SQLite database opened, migrated and ready.

    ``analysers`` fold text for the search index and feed the migrations that rebuild
    derived data from stored text; without them (``None``) every call that needs one raises
    ``StoreError`` saying so, and everything else works.
    """

    def __init__(self, path: str | Path, *, timeout: float = 30.0,
                 analysers: StoreAnalysers | None = None) -> None:
        self.path = Path(path)
        self.analysers = analysers
        try:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # 16 MB of page cache keeps the hot index pages (LSH bands, URL and hash lookups);
            # no mmap: mapped pages count as the crawl's resident memory (a 10,000-article
            # crawl peaked at 334 MB with a 256 MB map and 64 MB cache, 192 MB without)
            conn.execute("PRAGMA cache_size=-16384")
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise StoreError(f"{self.path}: not a provwatch database: {exc}") from exc
            raise StoreError(f"{self.path}: cannot open database: {exc}") from exc
        self.db = sqlite_utils.Database(conn)
        self._insert_sql: dict[tuple[str, tuple[str, ...], bool], str] = {}
        self._group: _CommitGroup | None = None
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
                    MIGRATIONS[number](self.db, self.analysers)
                    self.db.execute(f"PRAGMA user_version = {number + 1}")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot migrate database: {exc}") from exc
        except MissingAnalysers as exc:
            raise MissingAnalysers(f"{self.path}: cannot migrate database from schema "
                                   f"{number} to {number + 1}: {exc}") from exc

    def _fold(self, text: str, purpose: str) -> str:
        """``text`` folded by the store's analysers (``purpose`` names the need if absent)."""
        return require(self.analysers, purpose).fold(text)

    def _folded(self, row: Row, title: str | None, text: str | None) -> None:
        """Set the row's folded columns unless its writer folded them already (a worker
        process does, off the crawl's thread)."""
        if "title_folded" not in row:
            row["title_folded"] = self._fold(title or "", "fold an article's title for search")
        if "text_folded" not in row:
            row["text_folded"] = self._fold(text or "", "fold an article's text for search")

    def fts_query(self, query: str) -> str:
        """The FTS5 query for ``query``, folded as the stored columns are."""
        return fts_query(query, require(self.analysers, "fold a search query").fold)

    def transaction(self) -> sqlite3.Connection:
        """Context manager: ``with store.transaction(): ...`` commits or rolls back.

        With grouped commits on (``group_commits``), each block is a savepoint inside a
        longer transaction: a failing block still rolls back alone, and the group commits
        when it is large or old enough, or on ``flush``/``close``.
        """
        conn = self.db.conn
        return _Transaction(conn, self._group)  # type: ignore[return-value]

    def group_commits(self, writes: int, seconds: float) -> None:
        """Commit at most every ``writes`` blocks or ``seconds`` (a crawl's article writes).

        One commit per article costs about a millisecond (WAL frames, FTS segments,
        checkpoints); a crawl writes hundreds per second. A process killed mid-group loses
        the uncommitted articles whole, alerts included: the next run fetches them again.
        """
        self.flush()
        self._group = _CommitGroup(writes, seconds) if writes > 1 else None
        # checkpoint the WAL every ~40 MB instead of ~4 MB: index pages rewritten by many
        # groups are copied into the database once (a 10,000-article crawl: -15% write time)
        self.db.execute(f"PRAGMA wal_autocheckpoint={10000 if self._group else 1000}")

    def flush(self) -> None:
        """Commit the open group of writes, if any."""
        group = self._group
        if group is None or group.depth > 0:
            return  # no group, or called from inside a block: it commits when it ends
        if self.db.conn.in_transaction:
            group.commit(self.db.conn)
        else:
            group.reset()

    def after_commit(self, committed: Callable[[], None], lost: Callable[[], None]) -> None:
        """Call ``committed`` once the writes made so far are durable, or ``lost`` when
        their commit fails (disk full, I/O error): a crawl counts an article as stored only
        then, so its summary never counts what a failed group commit dropped."""
        group = self._group
        if group is not None and self.db.conn.in_transaction:
            group.hooks.append((committed, lost))
        else:
            committed()

    def damage(self) -> str | None:
        """What ``PRAGMA quick_check`` finds wrong with the file (None when it is sound).

        Linear in the file's size (about a second per 100 MB), so a nightly run can afford
        it before it crawls: a damaged file then fails at once instead of after the night's
        downloads.
        """
        try:
            rows = [r[0] for r in self.db.execute("PRAGMA quick_check(5)").fetchall()]
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(" ".join(str(r).split()) for r in rows)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.db.conn.close()

    def _insert(self, table: str, row: Row, *, ignore: bool = False) -> int:
        """One INSERT with a statement cached per column set; returns the rowid.

        The per-article writes go through here rather than ``Table.insert``: sqlite-utils
        re-reads the table's schema on every call (a dozen PRAGMA queries per article).
        """
        columns = tuple(row)
        key = (table, columns, ignore)
        sql = self._insert_sql.get(key)
        if sql is None:
            names = ", ".join(f"[{c}]" for c in columns)
            sql = (f"INSERT {'OR IGNORE ' if ignore else ''}INTO [{table}] ({names}) "
                   f"VALUES ({', '.join('?' * len(columns))})")
            self._insert_sql[key] = sql
        cur = self.db.conn.execute(sql, [row[c] for c in columns])
        return int(cur.lastrowid or 0)

    # -- sources -----------------------------------------------------------------------
    def upsert_sources(self, sources: Iterable[Row]) -> None:
        rows = [dict(r, updated=utcnow()) for r in sources]
        with self.transaction():
            self.db.table("sources").upsert_all(rows, pk="id")

    def source_row(self, source_id: str) -> Row | None:
        rows = list(self.db.table("sources").rows_where("id = ?", [source_id]))
        return rows[0] if rows else None

    # -- articles ----------------------------------------------------------------------
    def _row(self, sql: str, args: Sequence[Any]) -> Row | None:
        """The first row of a query as a dict (the crawl's per-article lookups)."""
        cur = self.db.conn.execute(sql, args)
        values = cur.fetchone()
        if values is None:
            return None
        return dict(zip([c[0] for c in cur.description], values, strict=True))

    def article_by_url(self, url: str) -> Row | None:
        return self._row("SELECT * FROM articles WHERE url = ? LIMIT 1", [url])

    def article_by_id(self, article_id: int) -> Row | None:
        return self._row("SELECT * FROM articles WHERE id = ? LIMIT 1", [article_id])

    def article_by_hash(self, digest: str) -> Row | None:
        """The first-seen article whose current text has this hash (never a listing row)."""
        return self._row("SELECT * FROM articles WHERE content_hash = ? AND "
                         "page_kind = 'article' ORDER BY id LIMIT 1", [digest])

    def known_urls(self, source: str | None = None) -> set[str]:
        if source is None:
            return {r[0] for r in self.db.execute("SELECT url FROM articles")}
        return {r[0] for r in self.db.execute("SELECT url FROM articles WHERE source = ?",
                                               [source])}

    def validators(self, source: str, since: str) -> dict[str, tuple[str | None, str | None]]:
        """URL → (ETag, Last-Modified) of this source's articles first seen after ``since``
        (a listing row is never re-checked as an article)."""
        cur = self.db.execute(
            "SELECT url, etag, last_modified FROM articles WHERE source = ? AND "
            "(first_seen >= ? OR published >= ?) AND page_kind = 'article'",
            [source, since, since])
        return {url: (etag, lm) for url, etag, lm in cur}

    def listing_urls(self) -> set[str]:
        """Canonical URLs of the pages judged listings (by a crawl, or by migration 6)."""
        return {r[0] for r in self.db.execute("SELECT url FROM listings")}

    def remember_listing(self, url: str, source: str, reason: str) -> None:
        """Record that ``url`` is a listing page (first and last seen, and why)."""
        now = utcnow()
        with self.transaction():
            self.db.execute(
                "INSERT INTO listings (url, source, first_seen, last_seen, reason) VALUES "
                "(?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET last_seen = excluded.last_seen, "
                "reason = excluded.reason", [url, source, now, now, reason])

    def forget_listing(self, url: str) -> None:
        """``url``, once judged a listing, was judged an article: it is one from now on."""
        with self.transaction():
            self.db.execute("DELETE FROM listings WHERE url = ?", [url])

    def insert_article(self, article: Row, *, signature: bytes | None = None,
                       buckets: Sequence[int] = (), alert: Row | None = None) -> int:
        """Insert a new article with version 1, its LSH bands and, optionally, its alert."""
        now = utcnow()
        row = dict(article)
        row.setdefault("first_seen", now)
        row.setdefault("last_changed", now)
        row.setdefault("last_checked", now)
        row["version"] = 1
        self._folded(row, row.get("title"), row.get("text"))
        for key in ("matched", "former_provinces"):
            if isinstance(row.get(key), list | tuple):
                row[key] = json.dumps(list(row[key]), ensure_ascii=False)
        with self.transaction():
            article_id = self._insert("articles", row)
            self._insert("versions", {
                "article_id": article_id, "version": 1, "title": row.get("title"),
                "text": row.get("text"), "content_hash": row.get("content_hash"),
                "diff": None, "seen_at": now})
            if signature is not None:
                self._insert("signatures", {"article_id": article_id, "minhash": signature})
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO lsh_bands (bucket, article_id) VALUES (?, ?)",
                    [(b, article_id) for b in buckets])
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
        update.update(version=version, last_changed=now, last_checked=now)
        self._folded(update, update.get("title", current["title"]),
                     update.get("text", current["text"]))
        with self.transaction():
            self.db.table("articles").update(article_id, update)
            self._insert("versions", {
                "article_id": article_id, "version": version,
                "title": update.get("title", current["title"]),
                "text": update.get("text", current["text"]),
                "content_hash": update.get("content_hash"), "diff": diff, "seen_at": now})
            if alert is not None:
                self._queue_alert(dict(alert, article_id=article_id, version=version))
        return version

    # -- kept pages (re-analysis without refetching) -----------------------------------
    def save_page(self, article_id: int, url: str, body: bytes, encoding: str | None, *,
                  replace: bool = True) -> None:
        """Keep the page an article was last read from, zlib-compressed (about a fifth of
        its size); one per article, replaced by each fetch that returns a body (with
        ``replace=False`` only kept when the article has none yet)."""
        with self.transaction():
            self.db.conn.execute(
                f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO pages (article_id, url, "
                "encoding, fetched, body) VALUES (?, ?, ?, ?, ?)",
                [article_id, url, encoding, utcnow(), zlib.compress(body, 6)])

    def kept_pages(self, sources: Sequence[str] = ()) -> Iterator[Row]:
        """Each article with a kept page (``body`` decompressed), of ``sources`` if given,
        one at a time: a whole archive's pages never sit in memory together."""
        where = f"WHERE a.source IN ({', '.join('?' * len(sources))})" if sources else ""
        ids = [r[0] for r in self.db.execute(
            f"SELECT a.id FROM articles a JOIN pages p ON p.article_id = a.id {where} "
            "ORDER BY a.id", list(sources)).fetchall()]
        for article_id in ids:
            cur = self.db.execute(
                "SELECT a.id, a.source, a.title, a.text, a.relevant, a.score, p.url, "
                "p.encoding, p.body FROM articles a JOIN pages p ON p.article_id = a.id "
                "WHERE a.id = ?", [article_id])
            cols = [c[0] for c in cur.description]
            row = cur.fetchone()
            if row is not None:
                page = dict(zip(cols, row, strict=True))
                page["body"] = zlib.decompress(page["body"])
                yield page

    def reanalysed(self, article_id: int, changes: Row, *, signature: bytes | None = None,
                   buckets: Sequence[int] = ()) -> None:
        """Store what a new reading of the same page found: the article and its current
        version change in place (no new version: the page did not change), and so do its
        near-duplicate bands."""
        update = dict(changes)
        for key in ("matched", "former_provinces"):
            if isinstance(update.get(key), list | tuple):
                update[key] = json.dumps(list(update[key]), ensure_ascii=False)
        self._folded(update, update.get("title"), update.get("text"))
        with self.transaction():
            current = self.article_by_id(article_id)
            if current is None:
                raise StoreError(f"article {article_id} does not exist")
            self.db.table("articles").update(article_id, update)
            self.db.execute(
                "UPDATE versions SET title = ?, text = ?, content_hash = ? WHERE article_id = ? "
                "AND version = ?", [update.get("title"), update.get("text"),
                                    update.get("content_hash"), article_id,
                                    current["version"] or 1])
            if signature is not None:
                self.db.execute("DELETE FROM lsh_bands WHERE article_id = ?", [article_id])
                self.db.execute("INSERT OR REPLACE INTO signatures (article_id, minhash) "
                                "VALUES (?, ?)", [article_id, signature])
                self.db.conn.executemany(
                    "INSERT OR IGNORE INTO lsh_bands (bucket, article_id) VALUES (?, ?)",
                    [(b, article_id) for b in buckets])

    def touch_article(self, article_id: int, **fields: Any) -> None:
        """Record a check that found no change (validators, metadata refresh)."""
        with self.transaction():
            self.db.table("articles").update(article_id, dict(fields, last_checked=utcnow()))

    def mean_text_length(self, source: str, *, since: str) -> float | None:
        """Mean length of this source's article texts checked since ``since`` (None: none)."""
        row = self.db.execute(
            "SELECT AVG(LENGTH(text)), COUNT(*) FROM articles WHERE source = ? AND "
            "last_checked >= ? AND page_kind = 'article'", [source, since]).fetchone()
        return float(row[0]) if row and row[1] else None

    def versions(self, article_id: int) -> list[Row]:
        return list(self.db.table("versions").rows_where(
            "article_id = ?", [article_id], order_by="version"))

    def lsh_candidates(self, buckets: Sequence[int], limit: int = 50) -> list[int]:
        """Articles sharing at least one LSH bucket, most shared buckets first."""
        if not buckets:
            return []
        marks = ",".join("?" * len(buckets))
        cur = self.db.execute(
            f"SELECT article_id, COUNT(*) AS n FROM lsh_bands WHERE bucket IN ({marks}) "
            f"GROUP BY article_id ORDER BY n DESC, article_id LIMIT ?",
            [*buckets, limit])
        return [r[0] for r in cur]

    def signature(self, article_id: int) -> bytes | None:
        row = self.db.execute("SELECT minhash FROM signatures WHERE article_id = ?",
                              [article_id]).fetchone()
        return bytes(row[0]) if row else None

    def search(self, query: str, limit: int = 20) -> list[Row]:
        """Full-text search over folded title and text: diacritics and đ are optional."""
        fts = self.fts_query(query)
        if not fts:
            return []
        sql = (
            "SELECT a.id, a.url, a.source, a.province, a.title, a.published, a.relevant, "
            "a.score, a.duplicate_of, snippet(articles_fts, 1, '[', ']', '…', 12) AS snippet "
            "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid "
            "WHERE articles_fts MATCH ? AND a.page_kind = 'article' "
            "ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT ?")
        cur = self.db.execute(sql, [fts, limit])
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur]

    def iter_articles(self) -> Iterator[Row]:
        """Every stored article (listing rows, page_kind 'listing', are no articles)."""
        yield from self.db.table("articles").rows_where("page_kind = 'article'", order_by="id")

    def count(self, table: str, where: str | None = None, args: Sequence[Any] = ()) -> int:
        return int(self.db[table].count_where(where or "1", list(args)))

    # -- runs --------------------------------------------------------------------------
    def start_run(self, command: str, pid: int) -> int:
        with self.transaction():
            return int(self.db.table("runs").insert(
                {"command": command, "started": utcnow(), "status": "running",
                 "pid": pid}).last_pk or 0)

    def end_abandoned_runs(self) -> int:
        """Mark runs that never recorded their end as ``killed``; returns how many.

        Call it holding the run lock: then no other run is active, so a run still marked
        running (or crawled but not finished) was killed before it could say so.
        """
        with self.transaction():
            killed = self.db.execute(
                "UPDATE runs SET status = 'killed' WHERE finished IS NULL").rowcount
            # the crawl recorded its end, the CLI (alerts, summary) never did; a plain
            # `scrapy crawl` ends with the crawl, so its crawled:… is final
            killed += self.db.execute(
                "UPDATE runs SET status = 'killed after ' || status "
                "WHERE status LIKE 'crawled:%' AND command != 'scrapy crawl'").rowcount
            return int(killed)

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
        self._insert("alerts", row, ignore=True)

    def queue_alert(self, alert: Row) -> None:
        """Queue an alert that belongs to no article write (health alerts)."""
        with self.transaction():
            self._queue_alert(alert)

    def pending_alerts(self, target: str, *, since: str | None = None,
                       max_attempts: int | None = None) -> list[Row]:
        """Alerts not yet delivered to ``target`` (a target's stable id, never its URL).

        Not pending: 'sent', 'skipped' (a new target's backlog), and 'failed' (given up)
        once tried ``max_attempts`` times. Each row carries ``tries``: how often it failed
        for this target so far. 'failed' rows written before give-ups existed meant "retry":
        with fewer tries than ``max_attempts`` (or without a limit) they stay pending.
        """
        sql = ("SELECT a.*, COALESCE(d.attempts, 0) AS tries FROM alerts a "
               "LEFT JOIN deliveries d ON d.alert_id = a.id AND d.target = ? "
               "WHERE (d.status IS NULL OR d.status NOT IN ('sent', 'skipped'))")
        args: list[Any] = [target]
        if max_attempts is not None:
            sql += (" AND (d.status IS NULL OR d.status != 'failed' "
                    "OR COALESCE(d.attempts, 0) < ?)")
            args.append(max_attempts)
        sql += f" AND {_NOT_LISTING}"
        if since is not None:
            sql += " AND a.created >= ?"
            args.append(since)
        cur = self.db.execute(sql + " ORDER BY a.id", args)
        cols = [c[0] for c in cur.description]
        return [_decode_alert(dict(zip(cols, r, strict=True))) for r in cur]

    def is_new_target(self, target: str) -> bool:
        """True while the outbox has never seen ``target``: no row in ``targets`` (written
        on first sight, before any message) and no delivery row (sent, failed, skipped)."""
        return self.db.execute(
            "SELECT 1 FROM targets WHERE id = ? UNION ALL SELECT 1 FROM deliveries "
            "WHERE target = ? LIMIT 1", [target, target]).fetchone() is None

    def last_flush(self) -> str:
        """When the outbox last offered alerts to a target: the latest delivery (sent,
        tried or skipped) or first sight of a target; "" when it never did."""
        row = self.db.execute(
            "SELECT MAX(t) FROM (SELECT MAX(COALESCE(sent_at, first_try)) AS t FROM "
            "deliveries UNION ALL SELECT MAX(first_seen) FROM targets)").fetchone()
        return str(row[0]) if row and row[0] else ""

    def first_sight(self, target: str, label: str, *, backlog_before: str,
                    skip: Sequence[int] = (), reason: str = "backlog") -> None:
        """Record a target as seen, and the alerts in ``skip`` as skipped for it, in one
        transaction (committed before anything is sent to it)."""
        now = utcnow()
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO targets (id, label, first_seen, "
                            "backlog_before) VALUES (?, ?, ?, ?)",
                            [target, label, now, backlog_before])
            self.db.conn.executemany(
                "INSERT OR IGNORE INTO deliveries (alert_id, target, target_label, status, "
                "attempts, last_error, first_try, sent_at) VALUES (?, ?, ?, 'skipped', 0, ?, "
                "?, NULL)", [(i, target, label, reason, now) for i in skip])

    def all_unsent_alerts(self, *, since: str | None = None) -> list[Row]:
        """Alerts still on their way: some target is retrying them, or no target has taken,
        skipped or given them up yet. Alerts sent, skipped or given up everywhere they were
        tried are left out; so are alerts created before ``since`` (too old to send)."""
        sql = ("SELECT a.*, (SELECT COUNT(*) FROM deliveries d WHERE d.alert_id = a.id AND "
               "d.status = 'sent') AS sent_to, (SELECT group_concat(d.target_label || ': ' || "
               "d.last_error, '; ') FROM deliveries d WHERE d.alert_id = a.id AND "
               "d.status IN ('retry', 'failed')) AS errors FROM alerts a "
               "WHERE (EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = a.id AND "
               "d.status = 'retry') OR NOT EXISTS (SELECT 1 FROM deliveries d WHERE "
               "d.alert_id = a.id AND d.status IN ('sent', 'skipped', 'failed'))) "
               f"AND {_NOT_LISTING}")
        args: list[Any] = []
        if since is not None:
            sql += " AND a.created >= ?"
            args.append(since)
        cur = self.db.execute(sql + " ORDER BY a.id", args)
        cols = [c[0] for c in cur.description]
        return [_decode_alert(dict(zip(cols, r, strict=True))) for r in cur]

    def record_delivery(self, alert_id: int, target: str, label: str, *, ok: bool,
                        error: str | None = None, give_up_after: int | None = None) -> bool:
        """Mark one alert sent to (or failed for) one target; committed at once.

        A failure is 'retry', or 'failed' (given up: no more tries) once the alert has
        been tried ``give_up_after`` times. Returns True when this call gave it up.
        """
        now = utcnow()
        with self.transaction():
            existing = self.db.execute(
                "SELECT attempts, first_try FROM deliveries WHERE alert_id = ? AND target = ?",
                [alert_id, target]).fetchone()
            attempts = (existing[0] or 0 if existing else 0) + 1
            gave_up = not ok and give_up_after is not None and attempts >= give_up_after
            self.db.table("deliveries").upsert({
                "alert_id": alert_id, "target": target, "target_label": label,
                "status": "sent" if ok else "failed" if gave_up else "retry",
                "attempts": attempts, "last_error": None if ok else error,
                "first_try": existing[1] if existing else now,
                "sent_at": now if ok else None}, pk=("alert_id", "target"))
        return gave_up

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


CommitHook = tuple[Callable[[], None], Callable[[], None]]


class _CommitGroup:
    """How many blocks the open transaction holds, since when, and how deep we are; what
    to do once they are committed (or lost with the group)."""

    def __init__(self, writes: int, seconds: float) -> None:
        self.writes = writes
        self.seconds = seconds
        self.depth = 0
        self.hooks: list[CommitHook] = []
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.started = time.monotonic()

    def full(self) -> bool:
        return self.count >= self.writes or time.monotonic() - self.started >= self.seconds

    def drop(self) -> None:
        """The group's transaction is gone: its writes are lost."""
        hooks, self.hooks = self.hooks, []
        self.reset()
        for _, lost in hooks:
            lost()

    def commit(self, conn: sqlite3.Connection) -> None:
        """Commit the group; run each write's hook for committed, or for lost."""
        hooks, self.hooks = self.hooks, []
        try:
            _commit(conn)
        except StoreError:
            for _, lost in hooks:
                lost()
            raise
        finally:
            self.reset()
        for committed, _ in hooks:
            committed()


def _commit(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        # a failed COMMIT (disk full, I/O error) may already have rolled back
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"cannot commit: {exc}") from exc


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT/ROLLBACK around a block; re-entrant via SAVEPOINTs.

    In a commit group, an outermost block is a savepoint of the group's transaction.
    """

    def __init__(self, conn: sqlite3.Connection, group: _CommitGroup | None = None) -> None:
        self.conn = conn
        self.group = group
        self.mode = "top"

    def __enter__(self) -> sqlite3.Connection:
        group = self.group
        if group is not None and group.depth == 0:
            self.mode = "group"
            if not self.conn.in_transaction:
                self._begin()
                group.reset()
        elif self.conn.in_transaction:
            self.mode = "nested"
        else:
            self.mode = "top"
            self._begin()
            return self.conn
        self.conn.execute("SAVEPOINT pw")
        if group is not None:
            group.depth += 1
        return self.conn

    def _begin(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"database is locked or read-only: {exc}") from exc

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.mode == "top":
            if exc_type is None:
                _commit(self.conn)
            elif self.conn.in_transaction:  # an I/O error may have ended it already
                self.conn.execute("ROLLBACK")
            return
        if exc_type is None:
            self.conn.execute("RELEASE pw")
        elif self.conn.in_transaction:  # an I/O error may have rolled back the whole group
            self.conn.execute("ROLLBACK TO pw")
            self.conn.execute("RELEASE pw")
        group = self.group
        if group is None:
            return
        group.depth -= 1
        if self.mode != "group":
            return
        if not self.conn.in_transaction:
            group.drop()  # SQLite rolled back the whole group (I/O error, disk full)
            return
        group.count += exc_type is None
        if group.full():
            group.commit(self.conn)
