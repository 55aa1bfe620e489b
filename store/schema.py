"""Schema and migrations. The database's ``PRAGMA user_version`` is the schema version.

Each migration is a function from version N-1 to N, applied in one transaction; an older
database is brought up to date on open, and a newer one is refused with a clear message.
A migration that rebuilds derived data from stored text (5, 6) gets the text functions from
the Store's ``StoreAnalysers`` and asks for them only when there is stored text to read.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import sqlite_utils

from store.analysers import StoreAnalysers, require

logger = logging.getLogger(__name__)

FTS_TOKENIZE = "unicode61 remove_diacritics 2"


def _v1(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    db.table("sources").create(
        {"id": str, "name": str, "province": str, "former_provinces": str, "kind": str,
         "url": str, "updated": str},
        pk="id", if_not_exists=True)  # fmt: skip
    db.table("articles").create(
        {
            "id": int, "url": str, "link": str, "source": str, "province": str,
            "former_provinces": str,
            "title": str, "author": str, "published": str, "text": str, "lead": str,
            "relevant": int, "score": float, "matched": str, "topic": str,
            "duplicate_of": int, "version": int, "content_hash": str,
            "first_seen": str, "last_changed": str, "last_checked": str,
            "etag": str, "last_modified": str,
            "title_folded": str, "text_folded": str,
        },
        pk="id", not_null={"url"}, if_not_exists=True,
        foreign_keys=[("duplicate_of", "articles", "id")],
    )  # fmt: skip
    db.table("articles").create_index(["url"], unique=True, if_not_exists=True)
    db.table("articles").create_index(["content_hash"], if_not_exists=True)
    db.table("articles").create_index(["source"], if_not_exists=True)
    db.table("articles").enable_fts(
        ["title_folded", "text_folded"], tokenize=FTS_TOKENIZE, create_triggers=True)
    db.table("versions").create(
        {"article_id": int, "version": int, "title": str, "text": str, "content_hash": str,
         "diff": str, "seen_at": str},
        pk=("article_id", "version"), if_not_exists=True,
        foreign_keys=[("article_id", "articles", "id")])  # fmt: skip
    db.table("runs").create(
        {"id": int, "command": str, "started": str, "finished": str, "status": str,
         "exit_code": int, "summary": str, "sources": str, "pid": int},
        pk="id", if_not_exists=True)  # fmt: skip
    db.table("alerts").create(
        {"id": int, "kind": str, "article_id": int, "version": int, "created": str,
         "run_id": int, "topic": str, "province": str, "payload": str, "tags": str},
        pk="id", if_not_exists=True)  # fmt: skip
    db.table("alerts").create_index(["article_id", "kind", "version"], unique=True,
                                    if_not_exists=True)
    db.table("deliveries").create(
        {"alert_id": int, "target": str, "target_label": str, "status": str, "attempts": int,
         "last_error": str, "first_try": str, "sent_at": str},
        pk=("alert_id", "target"), if_not_exists=True,
        foreign_keys=[("alert_id", "alerts", "id")])  # fmt: skip
    db.table("lsh_bands").create(
        {"bucket": str, "article_id": int}, pk=("bucket", "article_id"), if_not_exists=True)
    db.table("signatures").create({"article_id": int, "minhash": bytes}, pk="article_id",
                            if_not_exists=True)
    db.table("source_health").create(
        {"source": str, "last_run": int, "last_success": str, "last_error": str,
         "fail_streak": int, "empty_streak": int, "short_streak": int,
         "median_length": float, "alerted": str, "figures": str},
        pk="source", if_not_exists=True)  # fmt: skip


def _v2(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """Outbox lookups per target and by age stay index-only as the outbox grows."""
    db.table("deliveries").create_index(["target", "status"], if_not_exists=True)
    db.table("alerts").create_index(["created"], if_not_exists=True)
    db.table("articles").create_index(["source", "last_checked"], if_not_exists=True)


def _v3(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """Copies of a story are found by their root (alert-once check, history, export)."""
    db.table("articles").create_index(["duplicate_of"], if_not_exists=True)


def bucket_id(bucket: str) -> int:
    """A text LSH bucket key (schema v1-v3) as a signed 64-bit integer (v4)."""
    return int.from_bytes(hashlib.blake2b(bucket.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _v4(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """LSH bands keyed by 64-bit integers in a WITHOUT ROWID table: half the size of the
    text keys with a separate rowid, and 58 inserts per article cost a third as much."""
    db.conn.create_function("pw_bucket_id", 1, bucket_id, deterministic=True)
    db.execute("CREATE TABLE lsh_bands_v4 (bucket INTEGER NOT NULL, article_id INTEGER NOT "
               "NULL, PRIMARY KEY (bucket, article_id)) WITHOUT ROWID")
    db.execute("INSERT OR IGNORE INTO lsh_bands_v4 SELECT pw_bucket_id(bucket), article_id "
               "FROM lsh_bands")
    db.execute("DROP TABLE lsh_bands")
    db.execute("ALTER TABLE lsh_bands_v4 RENAME TO lsh_bands")


def _v5(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """Dedup fingerprints recomputed from the stored texts: gram hashes changed (scheme
    "k5p"), and bands of the old scheme would never meet a new article's."""
    db.execute("DELETE FROM lsh_bands")
    db.execute("DELETE FROM signatures")
    rows = db.execute("SELECT id, text FROM articles WHERE text IS NOT NULL AND text != ''"
                      ).fetchall()
    if not rows:
        return
    fingerprint = require(analysers, "rebuild the near-duplicate index of stored articles "
                                     "(migration 5)").fingerprint
    logger.info("rebuilding the near-duplicate index of %d stored articles (once, about "
                "1 ms each)", len(rows))
    for article_id, text in rows:
        fp = fingerprint(text)
        db.execute("INSERT INTO signatures (article_id, minhash) VALUES (?, ?)",
                   [article_id, fp.signature])
        db.conn.executemany("INSERT OR IGNORE INTO lsh_bands (bucket, article_id) VALUES (?, ?)",
                            [(b, article_id) for b in fp.buckets])


def _v6(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """Section fronts and listings are no articles (issue 17): ``articles.page_kind``
    ('article' or 'listing') and a ``listings`` table of the listing pages a crawl met.

    Rows stored before pages were judged are marked 'listing' when their stored text is
    mostly a list of headlines (``StoreAnalysers.is_headline_list``; provwatch passes
    ``crawler.analysis.pagetype.headline_list_text``); nothing is deleted. A listing row
    leaves export, search, dedup and the alert outbox; its URL is remembered as a listing, so
    it is never fetched as an article again. A listing whose stored text does not show it (a
    page with long excerpts) stays 'article'.
    """
    db.execute("ALTER TABLE articles ADD COLUMN page_kind TEXT NOT NULL DEFAULT 'article'")
    db.execute("CREATE TABLE IF NOT EXISTS listings (url TEXT PRIMARY KEY, source TEXT, "
               "first_seen TEXT, last_seen TEXT, reason TEXT)")
    rows = db.execute("SELECT id, url, source, first_seen, text FROM articles "
                      "WHERE text IS NOT NULL AND text != ''").fetchall()
    marked: list[tuple[int, str, str, str]] = []
    if rows:
        headline_list = require(analysers, "find the listing pages among stored articles "
                                           "(migration 6)").is_headline_list
        marked = [(i, url, source, seen) for i, url, source, seen, text in rows
                  if headline_list(text)]
    # the outbox asks "is this alert's article a listing?": a partial index, empty at first
    db.execute("CREATE INDEX IF NOT EXISTS articles_listing ON articles (id) "
               "WHERE page_kind = 'listing'")
    for article_id, url, source, seen in marked:
        db.execute("UPDATE articles SET page_kind = 'listing' WHERE id = ?", [article_id])
        # its near-duplicate bands (an index, rebuilt from text by _v5) would let a new
        # article become a "copy" of a listing
        db.execute("DELETE FROM lsh_bands WHERE article_id = ?", [article_id])
        db.execute("INSERT OR IGNORE INTO listings (url, source, first_seen, last_seen, "
                   "reason) VALUES (?, ?, ?, ?, 'stored text is a list of headlines "
                   "(migration 6)')", [url, source, seen, seen])
    if marked:
        logger.warning("%d stored article(s) are listing pages (their text is a list of "
                       "headlines): marked page_kind='listing', kept, and left out of "
                       "export, search and alerts", len(marked))


def _pages(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """The page each article was last read from, compressed, so a changed selector or topic
    file can be applied to what is stored without fetching it again (provwatch reanalyse)."""
    db.execute("CREATE TABLE IF NOT EXISTS pages (article_id INTEGER PRIMARY KEY "
               "REFERENCES articles(id), url TEXT NOT NULL, encoding TEXT, fetched TEXT, "
               "body BLOB NOT NULL)")


def _targets(db: sqlite_utils.Database, analysers: StoreAnalysers | None = None) -> None:
    """Notification targets the outbox has seen, recorded before the first message to them
    (issue 19): a new target skips the older backlog once, and a run killed before it
    recorded any delivery does not make the target look new (and its alerts backlog)
    again. Targets already in ``deliveries`` are known without a row here."""
    db.execute("CREATE TABLE IF NOT EXISTS targets (id TEXT PRIMARY KEY, label TEXT, "
               "first_seen TEXT, backlog_before TEXT)")


Migration = Callable[[sqlite_utils.Database, StoreAnalysers | None], None]
MIGRATIONS: list[Migration] = [_v1, _v2, _v3, _v4, _v5, _v6, _pages, _targets]
SCHEMA_VERSION = len(MIGRATIONS)
