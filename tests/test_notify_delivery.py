"""Issue 18/19 guards for alert delivery, through real local peers (Telegram stand-in,
aiosmtpd, HTTP webhooks on 127.0.0.1) and the real CLI:

* page text never becomes markup: a title holding ``</a><a href=...>`` is no live link
  in Telegram, in an email or in a webhook (18.1);
* no secret from a URL, a config file, a header or an invalid URL reaches a terminal or
  a log file, apprise's own records included (18.3);
* a huge title is clipped before a message is built; an alert a target refuses is given
  up after PROVWATCH_MAX_ATTEMPTS tries and never holds the alerts after it (18.5);
* a URL with an unusable port is reported and skipped, the crawl runs (18.7);
* a webhook that answers slowly gets each alert once; ``notify send`` exits 3 when a
  target fails (18.8);
* emails have lines, paragraphs and the link in both parts (19.3);
* a new target does not get the backlog unless asked; one URL given twice is one target;
  ``notify pending`` lists only what is still to be sent (19.4).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from crawler.analysis.relevance import classify
from crawler.archive.alerts import article_alert
from crawler.archive.database import open_store
from notify.messages import TITLE_MAX, article_message
from notify.send import send_pending
from notify.targets import Target
from store.db import Store
from tests.conftest import FAST, write_sources
from tests.localservers import (
    LoopbackServer,
    QuietHandler,
    SiteServer,
    SmtpServer,
    WebhookServer,
    body_of,
)
from tests.telegram_standin import TelegramStandIn, telegram_html_errors

ROOT = Path(__file__).parent.parent
EVIL = "https://evil.example/phish"
INJECTED = f'Tỉnh họp </a><a href="{EVIL}">bấm vào đây</a> <b>đậm & <i>nghiêng'
PROVINCES = ["Hà Tĩnh", "Lào Cai", "Tuyên Quang"]


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    bot = TelegramStandIn().start()
    yield bot
    bot.stop()


class PickyWebhook(LoopbackServer):
    """A JSON webhook that answers after ``delay`` seconds, and 500 to any message whose
    title contains ``refuse`` (a message this service will never take)."""

    def __init__(self, delay: float = 0.0, refuse: str | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        self.delay = delay
        self.refuse = refuse
        hook = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(raw.decode("utf-8"))
                time.sleep(hook.delay)
                status = 200
                if hook.refuse and hook.refuse in payload.get("title", ""):
                    hook.refused += 1
                    status = 500
                else:
                    hook.received.append(payload)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:
                    pass  # the client gave up waiting

        self.serve(Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"


def fill(store: Store, count: int, *, title: str = "đẩy mạnh chuyển đổi số",
         start: int = 0, age_days: float = 0.0) -> list[int]:
    """Store ``count`` relevant articles with their alerts, as the pipeline would."""
    verdict = classify("Chuyển đổi số", "Đẩy mạnh chuyển đổi số và chính quyền số.",
                       "Đẩy mạnh chuyển đổi số và chính quyền số.")
    ids = []
    for n in range(start, start + count):
        province = PROVINCES[n % len(PROVINCES)]
        row = {"url": f"https://bao.vn/bai-{n}.html", "title": f"Bài {n}: {title}",
               "text": "Tỉnh triển khai dịch vụ công trực tuyến & chữ ký số. " * 20,
               "province": province, "source": "bao", "relevant": 1,
               "former_provinces": ["Hà Giang"] if province == "Tuyên Quang" else [],
               "published": "2024-03-12T10:15:00+07:00", "content_hash": f"h{n}"}
        ids.append(store.insert_article(row, alert=article_alert("new", row, verdict, "Báo")))
    if age_days:
        created = (datetime.now(UTC) - timedelta(days=age_days)).replace(microsecond=0)
        with store.transaction():
            store.db.execute(f"UPDATE alerts SET created = ? WHERE article_id IN "
                             f"({','.join('?' * len(ids))})", [created.isoformat(), *ids])
    return ids


def provwatch(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args], cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def statuses(db: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(db) as conn:
        return [(str(t), str(s), int(a)) for t, s, a in conn.execute(
            "SELECT target_label, status, attempts FROM deliveries ORDER BY alert_id, target")]


class Links(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


# -- 18.1 markup injection -------------------------------------------------------------------
def test_a_title_with_markup_is_text_in_telegram_email_and_webhooks(
        tmp_path: Path, telegram: TelegramStandIn, smtp: SmtpServer,
        webhook: WebhookServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 1, title=INJECTED)
    targets = [Target(telegram.url()), Target(smtp.url()), Target(webhook.url)]
    assert send_pending(store, targets, telegram_api=telegram.api).sent == 3
    assert telegram.refused == []
    (message,) = telegram.messages
    text = message["text"]
    assert telegram_html_errors(text) == []
    links = Links(text)
    assert EVIL not in links.hrefs and links.hrefs == ["https://bao.vn/bai-0.html"]
    assert "&lt;b&gt;đậm &amp; &lt;i&gt;nghiêng" in text  # the page's tags are text
    assert "&lt;/a&gt;&lt;a href=" in text.split("\n", 1)[0]  # the title line, escaped

    (mail,) = smtp.messages
    html_part, plain = body_of(mail, "html"), body_of(mail, "plain")
    assert EVIL not in Links(html_part).hrefs
    assert set(Links(html_part).hrefs) == {"https://bao.vn/bai-0.html"}
    assert f'&lt;a href="{EVIL}"&gt;' in html_part
    assert INJECTED in str(mail["Subject"])  # a header is plain text: shown as written
    assert INJECTED in plain

    (hook,) = webhook.received  # JSON carries text, the receiver decides how to show it
    assert INJECTED in hook["title"] and INJECTED in hook["message"]


def test_a_link_address_cannot_close_its_href(tmp_path: Path, telegram: TelegramStandIn,
                                              smtp: SmtpServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 1)
    with store.transaction():  # an address with a quote and brackets, as a page may link
        store.db.execute("UPDATE alerts SET payload = json_set(payload, '$.url', ?)",
                         ['https://bao.vn/a?x="><a href="https://evil.example/">'])
    send_pending(store, [Target(telegram.url()), Target(smtp.url())],
                 telegram_api=telegram.api)
    assert telegram.refused == []
    for text in (telegram.messages[0]["text"], body_of(smtp.messages[0], "html")):
        hrefs = Links(text).hrefs
        assert hrefs and all(h.startswith("https://bao.vn/a?x=%22%3E%3Ca") for h in hrefs)
        assert "https://evil.example/" not in hrefs


# -- 18.5 huge titles, alerts a target refuses -------------------------------------------------
def test_a_200_kB_title_is_clipped_before_the_email_is_built(tmp_path: Path,
                                                             smtp: SmtpServer) -> None:
    huge = "Chuyển đổi số " * 15_000  # ~210 kB
    message = article_message({"kind": "new", "title": huge, "url": "https://bao.vn/x"})
    assert len(message.title) <= TITLE_MAX + 40
    store = open_store(tmp_path / "p.db")
    fill(store, 1, title=huge)
    began = time.monotonic()
    assert send_pending(store, [Target(smtp.url())]).sent == 1
    assert time.monotonic() - began < 10
    subject = str(smtp.messages[0]["Subject"])
    assert 80 <= len(subject) <= TITLE_MAX and subject.endswith("…")


def test_an_alert_a_target_refuses_is_given_up_and_never_holds_the_others(
        tmp_path: Path) -> None:
    hook = PickyWebhook(refuse="Bài 0:").start()
    try:
        store = open_store(tmp_path / "p.db")
        fill(store, 3)
        target = Target(hook.url)
        first = send_pending(store, [target], max_attempts=3)
        assert first.sent == 2 and first.failed == 1  # the alerts after it went
        assert sorted(m["title"].split(": ", 1)[1][:5] for m in hook.received) == \
            ["Bài 1", "Bài 2"]
        for night in range(2):  # each later night brings news the target takes
            fill(store, 1, start=3 + night)
            report = send_pending(store, [target], max_attempts=3)
            assert report.failed == 1 and report.sent == 1
        assert report.given_up == 1 and hook.refused == 3
        # tried alerts go after the fresh ones: a refused alert is never first in line
        assert [m["title"].split(": ", 1)[1][:5] for m in hook.received][-1] == "Bài 4"
        assert store.pending_alerts(target.id, max_attempts=3) == []
        again = send_pending(store, [target], max_attempts=3)
        assert again.failed == 0 and hook.refused == 3  # given up: not tried again
        assert [s for s in statuses(tmp_path / "p.db") if s[1] != "sent"] == \
            [(f"json://127.0.0.1:{hook.port}", "failed", 3)]
    finally:
        hook.stop()


def test_a_target_that_is_down_for_many_runs_gives_up_nothing(tmp_path: Path) -> None:
    hook = PickyWebhook(refuse="Bài").start()  # refuses everything: it is down
    try:
        store = open_store(tmp_path / "p.db")
        fill(store, 4)
        target = Target(hook.url)
        for _ in range(5):
            report = send_pending(store, [target], max_attempts=2)
            assert report.failed == 2 and report.kept == 2 and report.given_up == 0
        assert len(store.pending_alerts(target.id, max_attempts=2)) == 4
        hook.refuse = None  # back up: everything arrives, once
        assert send_pending(store, [target], max_attempts=2).sent == 4
        assert len(hook.received) == 4
    finally:
        hook.stop()


# -- 18.8 slow webhooks, exit code of notify send ---------------------------------------------
def test_a_webhook_answering_after_5_s_gets_each_alert_once(tmp_path: Path) -> None:
    hook = PickyWebhook(delay=5.0).start()  # apprise alone gives up after 4 s
    try:
        db = tmp_path / "p.db"
        store = open_store(db)
        fill(store, 1)
        store.close()
        runs = [provwatch("--db", str(db), "notify", "send", "--notify", hook.url)
                for _ in range(2)]
        assert [r.returncode for r in runs] == [0, 0], runs[0].stdout + runs[0].stderr
        assert runs[0].stdout.startswith("alerts: 1 sent, 0 failed")
        assert runs[1].stdout.startswith("alerts: 0 sent, 0 failed")
        assert len(hook.received) == 1
        assert statuses(db) == [(f"json://127.0.0.1:{hook.port}", "sent", 1)]
    finally:
        hook.stop()


def test_an_unanswered_message_is_not_re_sent_without_end_and_send_exits_3(
        tmp_path: Path) -> None:
    hook = PickyWebhook(delay=2.5).start()
    try:
        db = tmp_path / "p.db"
        store = open_store(db)
        fill(store, 1)
        store.close()
        args = ["--db", str(db), "-s", "PROVWATCH_NOTIFY_TIMEOUT=1", "-s",
                "PROVWATCH_MAX_ATTEMPTS=2", "notify", "send", "--notify", hook.url]
        runs = [provwatch(*args) for _ in range(3)]
        assert [r.returncode for r in runs] == [3, 3, 0]
        assert "no answer in time" in runs[0].stderr and "1 failed" in runs[0].stdout
        assert "given up" in runs[1].stdout
        time.sleep(3)  # let the server finish its last answer
        assert len(hook.received) == 2  # twice (the limit), then never again
        assert statuses(db) == [(f"json://127.0.0.1:{hook.port}", "failed", 2)]
    finally:
        hook.stop()


# -- 19.3 readable email ------------------------------------------------------------------------
def test_email_text_part_has_lines_and_the_link_and_html_has_paragraphs(
        tmp_path: Path, smtp: SmtpServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 1)
    send_pending(store, [Target(smtp.url())])
    (mail,) = smtp.messages
    plain, html_part = body_of(mail, "plain"), body_of(mail, "html")
    lines = [line.strip() for line in plain.splitlines() if line.strip()]
    assert "Bài 0: đẩy mạnh chuyển đổi số" in lines
    assert "Tỉnh/thành: Hà Tĩnh" in lines and "Nguồn: Báo" in lines
    assert "Đọc bài: https://bao.vn/bai-0.html" in lines
    assert html_part.count("<p>") >= 3 and "<br>" in html_part
    assert '<a href="https://bao.vn/bai-0.html">https://bao.vn/bai-0.html</a>' in html_part


def test_email_digest_is_grouped_by_province_in_both_parts(tmp_path: Path,
                                                           smtp: SmtpServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 6)
    assert send_pending(store, [Target(smtp.url())], digest=True).sent == 6
    (mail,) = smtp.messages
    plain, html_part = body_of(mail, "plain"), body_of(mail, "html")
    lines = [line.strip() for line in plain.splitlines()]
    heads = [line for line in lines if line.startswith("== ")]
    assert heads == ["== Hà Tĩnh (2) ==", "== Lào Cai (2) ==", "== Tuyên Quang (2) =="]
    assert lines.index("== Lào Cai (2) ==") < lines.index("Bài 1: đẩy mạnh chuyển đổi số")
    assert sum(line.startswith("Đọc bài: https://bao.vn/bai-") for line in lines) == 6
    assert html_part.count("<h3>") == 3 and html_part.count('<a href="https://bao.vn/') == 12


# -- 19.4 new targets, one target per URL, pending --------------------------------------------
def test_a_new_target_skips_the_backlog_unless_asked(tmp_path: Path) -> None:
    desk, old, fresh = PickyWebhook().start(), PickyWebhook().start(), PickyWebhook().start()
    try:
        db = tmp_path / "p.db"
        store = open_store(db)
        fill(store, 3, age_days=3)  # queued by earlier nights, and sent to the desk then
        assert send_pending(store, [Target(desk.url)]).sent == 3
        fill(store, 2, start=3)  # tonight's news, not offered to anyone yet
        store.close()
        pending = provwatch("--db", str(db), "notify", "pending", "--notify", old.url)
        assert "2 pending" in pending.stdout and "3 older alert(s) will be skipped" in \
            pending.stdout
        sent = provwatch("--db", str(db), "notify", "send", "--notify", old.url)
        assert sent.returncode == 0 and "2 sent" in sent.stdout and "3 skipped" in sent.stdout
        assert sorted(m["title"].split(": ", 1)[1][:5] for m in old.received) == \
            ["Bài 3", "Bài 4"]
        assert [s for _, s, _ in statuses(db)].count("skipped") == 3
        assert provwatch("--db", str(db), "notify", "send", "--notify", old.url
                         ).stdout.startswith("alerts: 0 sent")  # no longer new: nothing more
        backlog = provwatch("--db", str(db), "notify", "send", "--backlog", "--notify", fresh.url)
        assert "5 sent" in backlog.stdout and len(fresh.received) == 5
    finally:
        for hook in (desk, old, fresh):
            hook.stop()


def test_the_same_url_in_notify_and_in_a_config_file_is_one_target(tmp_path: Path) -> None:
    hook = PickyWebhook().start()
    try:
        config = tmp_path / "apprise.yml"
        config.write_text(f"urls:\n  - {hook.url}:\n      - tag: ha-tinh\n", encoding="utf-8")
        db = tmp_path / "p.db"
        store = open_store(db)
        fill(store, 3)
        store.close()
        done = provwatch("--db", str(db), "notify", "send", "--backlog", "--notify", hook.url,
                         "--notify-config", str(config))
        assert done.returncode == 0, done.stderr
        assert len(hook.received) == 3  # once each (untagged in --notify: everything)
        pending = provwatch("--db", str(db), "notify", "pending", "--notify", hook.url,
                            "--notify-config", str(config))
        assert pending.stdout.count("pending") == 1 and "0 pending" in pending.stdout
    finally:
        hook.stop()


def test_notify_pending_lists_only_what_is_still_to_be_sent(tmp_path: Path) -> None:
    hook, down = PickyWebhook().start(), PickyWebhook(refuse="Bài").start()
    try:
        db = tmp_path / "p.db"
        store = open_store(db)
        fill(store, 2)
        fill(store, 1, start=2, age_days=30)  # too old to send
        store.close()
        provwatch("--db", str(db), "notify", "send", "--backlog", "--notify", hook.url)
        everywhere = provwatch("--db", str(db), "notify", "pending")
        assert "nothing left to send" in everywhere.stdout and "Bài" not in everywhere.stdout
        provwatch("--db", str(db), "notify", "send", "--backlog", "--notify", down.url)
        retrying = provwatch("--db", str(db), "notify", "pending")
        assert retrying.stdout.count("sent to 1 target(s)") == 2 and "error=500" in retrying.stdout
        assert "Bài 2" not in retrying.stdout
    finally:
        hook.stop()
        down.stop()


# -- 18.7 unusable port, 18.3 secrets (the real CLI, a real crawl) --------------------------------
TOKEN = "556677889:AAHconfigSecretTokenValue"
HEADER_SECRET = "HdrBearerS3cretValue"
SHORT_SECRET = "Sh0rtS3cr"


def test_a_bad_port_is_reported_and_skipped_and_the_crawl_runs(
        tmp_path: Path, portal: SiteServer, webhook: WebhookServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tn", "name": "Thử nghiệm", "province": "Hà Tĩnh", "url": f"{portal.base}/tin-tuc"}])
    db = tmp_path / "p.db"
    done = provwatch("--db", str(db), *FAST, "run", "--sources", str(sources),
                     "--notify", "json://127.0.0.1:99999/", "--notify", webhook.url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "notify: not a usable apprise URL: json://127.0.0.1:99999" in done.stderr
    assert "skipped" in done.stderr and len(webhook.received) == 2
    assert open_store(db).count("articles") >= 2


def test_no_secret_in_output_or_log_file_with_v_config_headers_and_an_invalid_url(
        tmp_path: Path, portal: SiteServer, telegram: TelegramStandIn) -> None:
    hook = PickyWebhook().start()
    try:
        config = tmp_path / "apprise.yml"
        config.write_text(
            "urls:\n"
            f"  - tgram://{TOKEN}/4242\n"
            f'  - "json://127.0.0.1:{hook.port}/hook?+Authorization=Bearer {HEADER_SECRET}"\n'
            f"  - tgram://{SHORT_SECRET}\n", encoding="utf-8")
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "tn", "name": "Thử nghiệm", "province": "Hà Tĩnh",
             "url": f"{portal.base}/tin-tuc"}])
        db, log = tmp_path / "p.db", tmp_path / "provwatch.log"
        common = ["-v", "--log-file", str(log), "--db", str(db), *FAST,
                  "-s", f"PROVWATCH_TELEGRAM_API={telegram.api}"]
        run = provwatch(*common, "run", "--sources", str(sources), "--notify-config",
                        str(config), "--notify", f"discord://{SHORT_SECRET}x")
        assert run.returncode == 0, run.stdout + run.stderr
        assert len(telegram.messages) == 2 and len(hook.received) == 2
        assert hook.received and {m["token"] for m in telegram.messages} == {TOKEN}
        again = provwatch(*common, "notify", "send", "--notify-config", str(config))
        test = provwatch(*common, "notify", "test", "--notify-config", str(config))
        assert test.returncode == 0, test.stdout + test.stderr
        text = log.read_text("utf-8")
        # apprise's own records (URLs it posts to, URLs it cannot load) are in the log
        assert "Telegram POST URL" in text and "Unparseable Telegram URL tgram://" in text
        assert "Could not load Discord URL: discord://" in text
        outputs = {"log": text}
        for name, proc in (("run", run), ("send", again), ("test", test)):
            outputs[f"{name} stdout"], outputs[f"{name} stderr"] = proc.stdout, proc.stderr
        for secret in (TOKEN, TOKEN.split(":")[1], HEADER_SECRET, SHORT_SECRET):
            leaks = [name for name, out in outputs.items() if secret in out]
            assert leaks == [], (secret, leaks)
            assert secret.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("p.db*"))
    finally:
        hook.stop()


def test_services_that_render_markdown_get_page_text_escaped() -> None:
    import apprise
    import markdown

    from notify.send import render_for

    message = article_message({"kind": "new", "title": "Bài [bấm đây](https://evil.example/) "
                               "**đậm** @everyone", "url": "https://bao.vn/bai_1.html?a=1&b=2",
                               "lead": "Xem _thêm_ tại [đây](https://evil.example/x)."})
    for url in ("discord://1234/abcdefgh", "mmost://127.0.0.1/abcdefghij"):
        target = Target(url)
        body, title, _ = render_for(target, message, apprise.Apprise.instantiate(url))
        rendered = markdown.markdown(f"{title}\n\n{body}")
        links = Links(rendered)
        assert "em" not in links.tags and "strong" not in links.tags
        # no words hide an address: every link shows the address it goes to
        assert [a for a in re.findall(r'<a href="([^"]+)">([^<]*)</a>', rendered)
                if a[0] != a[1]] == []
        assert "https://bao.vn/bai_1.html?a=1&b=2" in links.hrefs
        assert r"\@everyone" in title


def test_failed_rows_written_before_give_ups_existed_are_still_retried(tmp_path: Path) -> None:
    hook = PickyWebhook().start()
    try:
        store = open_store(tmp_path / "p.db")
        fill(store, 1)
        target = Target(hook.url)
        with store.transaction():  # what the outbox wrote for a failure until now
            store.db.execute(
                "INSERT INTO deliveries (alert_id, target, target_label, status, attempts, "
                "last_error, first_try) SELECT id, ?, 'json://x', 'failed', 2, 'HTTP 500', "
                "created FROM alerts", [target.id])
        assert send_pending(store, [target], backlog=False, max_attempts=5).sent == 1
        assert statuses(tmp_path / "p.db")[0][1:] == ("sent", 3)
    finally:
        hook.stop()
