"""A run killed with SIGKILL at any point, then run again: every alert exactly once per target."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from crawler.archive.database import open_store
from notify.targets import Target
from tests.conftest import FAST, portal_routes, write_sources
from tests.localservers import Page, SiteServer, SmtpServer, WebhookServer
from tests.telegram_standin import TelegramStandIn
from tests.test_notify_send import fill

ROOT = Path(__file__).parent.parent
HATINH = "/tin-tuc/thao-go-rao-can-trong-chuyen-doi-so-phat-trien-chinh-quyen-so-123456.html"


def start_run(db: Path, sources: Path, *targets: str) -> subprocess.Popen[str]:
    notify = [arg for url in targets for arg in ("--notify", url)]
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "--db", str(db), *FAST, "run",
         "--sources", str(sources), *notify],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def kill(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def count_rows(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.Error:
        return 0


def titles(received: list[dict]) -> list[str]:
    return sorted(m["title"] for m in received)


class HoldingWebhook(WebhookServer):
    """Blocks the first POST until released, without accepting it (a message in flight)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()
        self.release = threading.Event()
        outer = self
        handler = self.httpd.RequestHandlerClass
        original = handler.do_POST  # type: ignore[attr-defined]

        def do_post(self) -> None:  # type: ignore[no-untyped-def]
            if not outer.arrived.is_set():
                outer.arrived.set()
                outer.release.wait(30)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            original(self)

        handler.do_POST = do_post  # type: ignore[attr-defined]


def test_killed_mid_send_then_rerun_delivers_each_alert_once_per_target(
        tmp_path: Path, portal: SiteServer, smtp: SmtpServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tn", "name": "Thử nghiệm", "province": "Hà Giang",
         "url": f"{portal.base}/tin-tuc"}])
    db = tmp_path / "p.db"
    hook = HoldingWebhook().start()
    try:
        proc = start_run(db, sources, smtp.url(), hook.url)
        assert hook.arrived.wait(90), "the run never reached the webhook"
        kill(proc)  # SMTP got its alerts; the webhook's first one is in flight
        hook.release.set()
        assert len(smtp.messages) == 2 and hook.received == []
        proc = start_run(db, sources, smtp.url(), hook.url)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        assert len(smtp.messages) == 2  # not re-sent to the target that had succeeded
        assert len(hook.received) == 2 and len(set(titles(hook.received))) == 2
    finally:
        hook.stop()


def slow_portal(delay: float) -> tuple[SiteServer, Page]:
    """The test portal with one article answering after ``delay`` seconds (and that
    article's page as it normally is)."""
    routes = portal_routes()
    article = routes[HATINH]
    routes[HATINH] = Page(article.body, delay=delay)
    return SiteServer(routes).start(), article


def run_until_two_articles(tmp_path: Path, site: SiteServer, webhook: WebhookServer
                           ) -> tuple[Path, Path, subprocess.Popen[str]]:
    """A run of the CLI, caught once it has stored two of the portal's three articles."""
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tn", "name": "Thử nghiệm", "province": "Lào Cai",
         "url": f"{site.base}/tin-tuc"}])
    db = tmp_path / "p.db"
    proc = start_run(db, sources, webhook.url)
    wait_for(lambda: count_rows(db, "articles") >= 2)
    return db, sources, proc


def rerun_delivers_each_alert_once(db: Path, sources: Path, webhook: WebhookServer) -> None:
    proc = start_run(db, sources, webhook.url)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out  # the lock of the earlier run was free
    assert len(webhook.received) == 2 and len(set(titles(webhook.received))) == 2


def test_killed_mid_crawl_then_rerun_delivers_every_alert_once(
        tmp_path: Path, webhook: WebhookServer) -> None:
    site, article = slow_portal(delay=20)  # the crawl hangs on this article
    try:
        db, sources, proc = run_until_two_articles(tmp_path, site, webhook)
        kill(proc)  # killed mid-crawl: two articles and one alert stored, nothing sent
        assert webhook.received == []
        assert count_rows(db, "alerts") == 1
        site.routes[HATINH] = article
        rerun_delivers_each_alert_once(db, sources, webhook)
        assert count_rows(db, "articles") == 3
        with sqlite3.connect(db) as conn:  # the killed run is shown as such, not as running
            statuses = [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY id")]
        assert statuses == ["killed", "completed"], statuses
    finally:
        site.stop()


def start_cli(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "--db", str(db), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_killed_between_two_telegram_messages_then_rerun_sends_each_once(
        tmp_path: Path, portal: SiteServer, webhook: WebhookServer) -> None:
    bot = TelegramStandIn().start()
    try:
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tn", "name": "Thử nghiệm", "province": "Hà Tĩnh",
             "url": f"{portal.base}/tin-tuc"}])
        db = tmp_path / "p.db"
        api = ["-s", f"PROVWATCH_TELEGRAM_API={bot.api}"]
        run = [*FAST, *api, "run", "--sources", str(sources), "--notify", bot.url(),
               "--notify", webhook.url]
        bot.hold_call = 2  # the first alert is accepted, the second is in flight
        proc = start_cli(db, *run)
        assert bot.held.wait(90), "the run never sent the second Telegram message"
        kill(proc)
        bot.release.set()
        assert len(bot.messages) == 1 and webhook.received == []
        proc = start_cli(db, *run)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        texts = [m["text"] for m in bot.messages]
        assert len(texts) == 2 and texts[0] != texts[1] and bot.refused == []
        assert len(webhook.received) == 2 and len(set(titles(webhook.received))) == 2
    finally:
        bot.stop()


def test_killed_mid_digest_then_rerun_sends_each_article_once(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    store = open_store(db)
    fill(store, 60)
    store.close()
    bot = TelegramStandIn().start()
    try:
        send = ["-s", f"PROVWATCH_TELEGRAM_API={bot.api}", "notify", "send", "--digest",
                "--notify", bot.url()]
        bot.hold_call = 2  # part 1 accepted and recorded, part 2 in flight
        proc = start_cli(db, *send)
        assert bot.held.wait(60), "notify send never reached the second digest part"
        kill(proc)
        bot.release.set()
        (part1,) = bot.messages
        first_ids = {n for n in range(60) if f"Bài {n}: " in part1["text"]}
        pending = open_store(db).pending_alerts(Target(bot.url()).id)
        assert len(pending) == 60 - len(first_ids) > 0  # part 1 recorded whole, nothing else
        proc = start_cli(db, *send)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        joined = "\n".join(m["text"] for m in bot.messages)
        assert all(joined.count(f"Bài {n}: ") == 1 for n in range(60))
        assert bot.refused == [] and len(bot.messages) >= 3
    finally:
        bot.stop()
