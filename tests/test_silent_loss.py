"""No "ok" when data was lost: a full disk, a damaged database file and an unusable CSS
selector each end in a clear failure that says where, never in exit 0 with articles
counted as new that were never stored."""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from crawler.run.runner import STORE_FAILED
from tests.conftest import FAST, portal_routes, write_sources
from tests.localservers import Page, SiteServer


def _portal_source(tmp_path: Path, portal: SiteServer, **extra: object) -> Path:
    return write_sources(tmp_path / f"sources-{portal.port}.toml", [{
        "id": "local", "name": "Local portal", "kind": "portal", "province": "Lào Cai",
        "url": f"http://127.0.0.1:{portal.port}/tin-tuc", **extra}])


def _cli(db: Path, *args: str, file_limit: int | None = None
         ) -> subprocess.CompletedProcess[str]:
    """The real CLI in a process of its own, optionally with RLIMIT_FSIZE (``ulimit -f``):
    past it every write fails as on a full disk (Python ignores SIGXFSZ, so the write
    returns EFBIG and SQLite reports an I/O error)."""
    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "cli", "--db", str(db), "-q", *FAST, *args],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit,
                          cwd=Path(__file__).parent.parent)


def test_full_disk_fails_the_run_and_counts_nothing_as_new(tmp_path: Path,
                                                            portal: SiteServer) -> None:
    sources = _portal_source(tmp_path, portal)
    db = tmp_path / "full.db"
    open_store(db).close()  # the file exists; its WAL is where the night's writes go
    done = _cli(db, "crawl", "--sources", str(sources), file_limit=64 * 1024)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not stored" in done.stderr or "database" in done.stderr
    assert "3 new" not in done.stdout
    assert "Traceback" not in done.stderr
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    statuses = [r[0] for r in conn.execute("SELECT status FROM runs")]
    conn.close()
    assert stored == 0
    assert "completed" not in statuses
    # with room again, the next night stores everything
    again = _cli(db, "crawl", "--sources", str(sources))
    assert again.returncode == 0, again.stderr
    assert "3 new" in again.stdout


def _damage(db: Path) -> None:
    """Overwrite one b-tree page (the URL index) with garbage, as a bad sector would."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'idx_articles_url'"
                        ).fetchone()[0]
    conn.close()
    with open(db, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def test_damaged_database_fails_before_the_crawl(tmp_path: Path, portal: SiteServer) -> None:
    sources = _portal_source(tmp_path, portal)
    db = tmp_path / "damaged.db"
    first = _cli(db, "crawl", "--sources", str(sources))
    assert first.returncode == 0, first.stderr
    _damage(db)
    requests_before = len(portal.requests)
    done = _cli(db, "run", "--sources", str(sources), "--no-notify")
    assert done.returncode == 1
    assert "damaged" in done.stderr and str(db) in done.stderr
    assert "Traceback" not in done.stderr
    assert len(portal.requests) == requests_before  # nothing crawled for nothing


def test_a_write_refused_mid_crawl_stops_and_fails_the_run(tmp_path: Path) -> None:
    """Damage that the start-up check cannot see (the file is damaged while the crawl runs,
    as the listing page is served): the write fails, the crawl stops, the run exits 1 and
    nothing is counted as stored."""
    db = tmp_path / "mid.db"
    routes = portal_routes()
    listing = routes["/tin-tuc"]
    damaged: list[bool] = []

    def damage_then_list(handler: object) -> Page:
        if not damaged:
            _damage(db)
            damaged.append(True)
        assert isinstance(listing, Page)
        return listing

    routes["/tin-tuc"] = damage_then_list
    server = SiteServer(routes).start()
    try:
        sources = _portal_source(tmp_path, server)
        first = SiteServer(portal_routes()).start()
        try:
            seeded = _cli(db, "crawl", "--sources", str(_portal_source(tmp_path, first)))
            assert seeded.returncode == 0, seeded.stderr
        finally:
            first.stop()
        conn = sqlite3.connect(db)
        conn.execute("DELETE FROM articles")
        conn.commit()
        conn.close()
        done = _cli(db, "crawl", "--sources", str(sources))
    finally:
        server.stop()
    assert damaged, done.stdout + done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not stored" in done.stderr
    assert "3 new" not in done.stdout
    assert "Traceback" not in done.stderr
    run = sqlite3.connect(db).execute("SELECT status, summary FROM runs ORDER BY id DESC"
                                      ).fetchone()
    assert run[0] == STORE_FAILED
    assert json.loads(run[1])["not_stored"] >= 1


def test_unusable_selector_is_a_failed_source_with_a_health_alert(tmp_path: Path,
                                                                 portal: SiteServer) -> None:
    sources = write_sources(tmp_path / "sources.toml", [
        {"id": "local", "name": "Local portal", "kind": "portal", "province": "Lào Cai",
         "url": f"http://127.0.0.1:{portal.port}/tin-tuc"},
        {"id": "badsel", "name": "Bad selector", "kind": "portal", "province": "Hà Tĩnh",
         "url": f"http://127.0.0.1:{portal.port}/tin-tuc", "content_selector": "div["},
    ])
    db = tmp_path / "sel.db"
    result = CliRunner().invoke(main, ["--db", str(db), "-q", *FAST, "crawl", "--sources",
                                       str(sources)])
    assert result.exit_code == 0, result.output
    assert "badsel" in result.output and "FAILED" in result.output
    assert "'content_selector'" in result.output and "div[" in result.output
    store = open_store(db)
    run = store.runs(1)[0]
    assert run["status"] == "completed_with_failures"
    assert "badsel" in json.loads(run["summary"])["failed_sources"]
    health = [a for a in store.all_unsent_alerts() if a["kind"] == "health"]
    assert [a["payload"]["source"] for a in health] == ["badsel"]
    assert store.count("articles", "source = 'local'") == 3
    store.close()
    strict = CliRunner().invoke(main, ["--db", str(db), "-q", *FAST, "crawl", "--sources",
                                       str(sources), "--fail-on-source-errors"])
    assert strict.exit_code == 3
    asked = CliRunner().invoke(main, ["--db", str(db), "-q", *FAST, "crawl", "--sources",
                                      str(sources), "--only", "badsel"])
    assert asked.exit_code == 1
    assert "not a CSS selector" in asked.output
