"""The store: migrations, refusal of what it cannot use, search folding, outbox records."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from crawler.archive.database import open_store
from store.db import StoreError
from store.schema import MIGRATIONS, SCHEMA_VERSION


def _article(url: str, title: str, text: str) -> dict[str, object]:
    return {"url": url, "link": url, "source": "s", "province": "Huế", "title": title,
            "text": text, "lead": text.split("\n")[0], "relevant": 1, "score": 5.0,
            "matched": ["chuyển đổi số"], "content_hash": url}


def test_older_database_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.table("articles").insert({"url": "https://a.vn/1", "title": "Cũ", "version": 1})
    db.close()
    store = open_store(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION > 1
    assert store.article_by_url("https://a.vn/1")["title"] == "Cũ"
    indexes = {i.name for i in store.db.table("deliveries").indexes}
    assert "idx_deliveries_target_status" in indexes


def test_newer_or_foreign_database_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this provwatch"):
        open_store(newer)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a provwatch database"):
        open_store(garbage)


def test_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    # a parent that is a file cannot hold a database, whoever runs the test (root included)
    blocker = tmp_path / "notadir"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="notadir/p.db: cannot open database"):
        open_store(blocker / "p.db")


def test_locked_database_write_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    open_store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    store = open_store(path, timeout=0.2)
    with pytest.raises(StoreError, match="locked"):
        store.insert_article(_article("https://a.vn/1", "T", "x"))
    other.execute("ROLLBACK")


def test_search_without_diacritics_and_with_d(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    store.insert_article(_article("https://a.vn/1", "Đắk Lắk đẩy mạnh chuyển đổi số",
                                  "Tỉnh Đắk Lắk triển khai dịch vụ công trực tuyến."))
    store.insert_article(_article("https://a.vn/2", "Mùa lúa", "Nông dân thu hoạch lúa."))
    assert [r["url"] for r in store.search("chuyen doi so")] == ["https://a.vn/1"]
    assert [r["url"] for r in store.search("Dak Lak")] == ["https://a.vn/1"]
    assert [r["url"] for r in store.search("đắk lắk")] == ["https://a.vn/1"]
    assert store.search("lua")[0]["url"] == "https://a.vn/2"
    assert store.search('"') == []


def test_article_and_alert_are_written_together(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    with pytest.raises(sqlite3.OperationalError):
        # an alert that cannot be written must take the article down with it
        store.insert_article(_article("https://a.vn/1", "T", "x"),
                             alert={"kind": "new", "payload": {"t": 1}, "no_such_column": 1})
    assert store.count("articles") == 0 and store.count("alerts") == 0


def test_deliveries_are_per_target(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    store.insert_article(_article("https://a.vn/1", "T", "x"),
                         alert={"kind": "new", "payload": {"title": "T"}, "tags": ["new"]})
    (alert,) = store.pending_alerts("a")
    store.record_delivery(alert["id"], "a", "json://h", ok=True)
    store.record_delivery(alert["id"], "b", "json://k", ok=False, error="HTTP 500")
    assert store.pending_alerts("a") == []
    assert [a["id"] for a in store.pending_alerts("b")] == [alert["id"]]
    row = store.all_unsent_alerts()[0]
    assert row["sent_to"] == 1 and "HTTP 500" in row["errors"]


def test_lsh_buckets_of_a_v3_database_are_rebuilt_as_integer_keys(tmp_path: Path) -> None:
    from crawler.analysis.dedup import find_original, fingerprint

    text = " ".join(f"từ{i} thứ{i % 7} câu{i % 11}" for i in range(120))
    path = tmp_path / "v3.db"
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:3]:
        migration(db)
    db.execute("PRAGMA user_version = 3")
    article_id = db.table("articles").insert(
        {"url": "https://a.vn/1", "title": "Cũ", "text": text, "version": 1,
         "content_hash": "old-key"}).last_pk
    db.table("lsh_bands").insert_all(  # text keys of the first bucket scheme
        [{"bucket": f"k5w{i}:{i:016x}", "article_id": article_id} for i in range(42)])
    db.close()
    store = open_store(path)
    types = {r[0] for r in store.db.execute("SELECT typeof(bucket) FROM lsh_bands")}
    assert types == {"integer"}
    assert store.count("lsh_bands") == len(fingerprint(text).buckets)
    assert store.signature(int(article_id or 0)) == fingerprint(text).signature
    # the migrated index still finds the stored article as the original of a copy
    match = find_original(store, text + "\nMột dòng thêm ở cuối bài.")
    assert match.original is not None and match.original["id"] == article_id


def test_commit_groups_commit_by_count_and_roll_back_a_failed_block_alone(
        tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = open_store(path)
    store.group_commits(3, seconds=3600)
    reader = sqlite3.connect(path)

    def visible() -> int:
        return int(reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    store.insert_article(_article("https://a.vn/1", "Một", "x"))
    store.insert_article(_article("https://a.vn/2", "Hai", "y"))
    assert visible() == 0  # two writes of a group of three: not committed yet
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_article(_article("https://a.vn/1", "Trùng", "z"))  # unique url
    assert store.article_by_url("https://a.vn/2") is not None  # the group survived
    store.insert_article(_article("https://a.vn/3", "Ba", "w"))
    assert visible() == 3  # the third good write closed the group
    store.insert_article(_article("https://a.vn/4", "Bốn", "v"))
    assert visible() == 3
    store.flush()
    assert visible() == 4
    store.insert_article(_article("https://a.vn/5", "Năm", "u"))
    store.close()  # closing commits the open group
    assert visible() == 5
    reader.close()


def test_commit_groups_also_commit_by_age(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = open_store(path)
    store.group_commits(1000, seconds=0.0)  # every block is already old enough
    store.insert_article(_article("https://a.vn/1", "Một", "x"))
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    reader.close()
    store.close()
