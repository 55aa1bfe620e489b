"""A run stopped from outside: SIGTERM to the CLI (cron's ``timeout``, ``kill``) stops the
crawl cleanly; a CLI killed outright does not leave its crawl running beside the next run."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from tests.conftest import portal_routes, write_sources
from tests.localservers import Page, SiteServer, WebhookServer
from tests.test_outbox_crash import HATINH, count_rows, start_run, titles, wait_for


def children(pid: int) -> set[int]:
    """Live processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "(comm)": state, ppid, ...
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def run_status(db: Path) -> tuple[str, int | None]:
    with sqlite3.connect(db) as conn:
        status, code = conn.execute("SELECT status, exit_code FROM runs ORDER BY id LIMIT 1"
                                    ).fetchone()
    return status, code


def slow_portal(delay: float) -> tuple[SiteServer, Page]:
    routes = portal_routes()
    article = routes[HATINH]
    routes[HATINH] = Page(article.body, delay=delay)  # in flight when the signal comes
    return SiteServer(routes).start(), article


def test_sigterm_to_the_cli_stops_the_crawl_cleanly_and_keeps_its_alerts(
        tmp_path: Path, webhook: WebhookServer) -> None:
    site, article = slow_portal(delay=4)
    try:
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tn", "name": "Thử nghiệm", "province": "Lào Cai",
             "url": f"{site.base}/tin-tuc"}])
        db = tmp_path / "p.db"
        proc = start_run(db, sources, webhook.url)
        wait_for(lambda: count_rows(db, "articles") >= 2)
        crawl = children(proc.pid)
        proc.send_signal(signal.SIGTERM)  # the CLI only, as `timeout` or `kill` sends it
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 143, out
        assert "stopped by SIGTERM" in out and "alerts stay queued" in out
        wait_for(lambda: not any(alive(pid) for pid in crawl), timeout=10)
        assert run_status(db) == ("stopped", 143)
        assert webhook.received == [] and count_rows(db, "alerts") >= 1  # kept, not sent
        site.routes[HATINH] = article
        proc = start_run(db, sources, webhook.url)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        assert len(webhook.received) == 2 and len(set(titles(webhook.received))) == 2
        assert count_rows(db, "articles") == 3
    finally:
        site.stop()


def test_a_cli_killed_outright_takes_its_crawl_with_it(
        tmp_path: Path, webhook: WebhookServer) -> None:
    site, article = slow_portal(delay=8)
    try:
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tn", "name": "Thử nghiệm", "province": "Lào Cai",
             "url": f"{site.base}/tin-tuc"}])
        db = tmp_path / "p.db"
        proc = start_run(db, sources, webhook.url)
        wait_for(lambda: count_rows(db, "articles") >= 2)
        crawl = children(proc.pid) - {proc.pid}
        assert crawl, "the crawl process was not found"
        os.kill(proc.pid, signal.SIGKILL)  # the CLI alone (the OOM killer, kill -9)
        proc.wait(10)
        wait_for(lambda: not any(alive(pid) for pid in crawl), timeout=45)
        # the crawl noticed and closed as on SIGTERM, instead of finishing its pages
        status, _ = run_status(db)
        assert status == "crawled:shutdown", status
        assert webhook.received == []
        site.routes[HATINH] = article
        proc = start_run(db, sources, webhook.url)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        assert len(webhook.received) == 2 and len(set(titles(webhook.received))) == 2
    finally:
        site.stop()
