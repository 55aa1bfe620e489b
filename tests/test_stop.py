"""A run stopped from outside: SIGTERM to the CLI (cron's ``timeout``, ``kill``) stops the
crawl cleanly; a CLI killed outright does not leave its crawl running beside the next run."""

from __future__ import annotations

import os
import signal
import sqlite3
from pathlib import Path

from tests.localservers import WebhookServer
from tests.test_outbox_crash import (
    HATINH,
    count_rows,
    rerun_delivers_each_alert_once,
    run_until_two_articles,
    slow_portal,
    wait_for,
)


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


def test_sigterm_to_the_cli_stops_the_crawl_cleanly_and_keeps_its_alerts(
        tmp_path: Path, webhook: WebhookServer) -> None:
    site, article = slow_portal(delay=4)
    try:
        db, sources, proc = run_until_two_articles(tmp_path, site, webhook)
        crawl = children(proc.pid)
        proc.send_signal(signal.SIGTERM)  # the CLI only, as `timeout` or `kill` sends it
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 143, out
        assert "stopped by SIGTERM" in out and "alerts stay queued" in out
        wait_for(lambda: not any(alive(pid) for pid in crawl), timeout=10)
        assert run_status(db) == ("stopped", 143)
        assert webhook.received == [] and count_rows(db, "alerts") >= 1  # kept, not sent
        site.routes[HATINH] = article
        rerun_delivers_each_alert_once(db, sources, webhook)
        assert count_rows(db, "articles") == 3
    finally:
        site.stop()


def test_a_cli_killed_outright_takes_its_crawl_with_it(
        tmp_path: Path, webhook: WebhookServer) -> None:
    site, article = slow_portal(delay=8)
    try:
        db, sources, proc = run_until_two_articles(tmp_path, site, webhook)
        crawl = children(proc.pid)
        assert crawl, "the crawl process was not found"
        os.kill(proc.pid, signal.SIGKILL)  # the CLI alone (the OOM killer, kill -9)
        proc.wait(10)
        wait_for(lambda: not any(alive(pid) for pid in crawl), timeout=45)
        # the crawl noticed and closed as on SIGTERM, instead of finishing its pages
        status, _ = run_status(db)
        assert status == "crawled:shutdown", status
        assert webhook.received == []
        site.routes[HATINH] = article
        rerun_delivers_each_alert_once(db, sources, webhook)
        assert run_status(db)[0] == "killed after crawled:shutdown"  # the CLI never ended it
    finally:
        site.stop()
