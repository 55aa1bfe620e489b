"""Sending through real local peers: limits, routing by tags, dry runs and secrets."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import main
from crawler.analysis.relevance import classify
from crawler.archive.alerts import article_alert
from crawler.archive.database import open_store
from notify.messages import TELEGRAM_LIMIT
from notify.send import message_limit, send_pending, telegram_base
from notify.targets import Target, TargetError, targets_from_config
from store.db import Store
from tests.conftest import FAST, write_sources
from tests.localservers import SiteServer, SmtpServer, WebhookServer, body_of, free_port
from tests.telegram_standin import TelegramStandIn, telegram_html_errors

ROOT = Path(__file__).parent.parent
PROVINCES = ["Hà Tĩnh", "Lào Cai", "Tuyên Quang", "Huế", "Cà Mau", "Đắk Lắk"]
TOKEN = "987654321:AAHsecretBotTokenForProvwatchTests"
PASSWORD = "Sm7pPassw0rd-secret"


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    bot = TelegramStandIn().start()
    yield bot
    bot.stop()


def fill(store: Store, count: int, *, title: str = "đẩy mạnh chuyển đổi số <&> chính quyền số",
         text: str = "Tỉnh triển khai dịch vụ công trực tuyến & chữ ký số. ") -> None:
    """Store ``count`` relevant articles with their alerts, as the pipeline would."""
    verdict = classify("Chuyển đổi số", "Đẩy mạnh chuyển đổi số và chính quyền số.",
                       "Đẩy mạnh chuyển đổi số và chính quyền số.")
    for n in range(count):
        province = PROVINCES[n % len(PROVINCES)]
        row = {"url": f"https://bao.vn/bai-{n}.html", "title": f"Bài {n}: {province} {title}",
               "text": text * 40, "province": province,
               "former_provinces": ["Hà Giang"] if province == "Tuyên Quang" else [],
               "source": "bao", "published": "2024-03-12T10:15:00+07:00", "relevant": 1,
               "content_hash": f"h{n}"}
        store.insert_article(row, alert=article_alert("new", row, verdict, "Báo Tỉnh"))


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


# -- Telegram ------------------------------------------------------------------------------
def test_oversized_article_is_shortened_so_telegram_accepts_it(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 2, title="Tiêu đề & <rất> dài 📱 " * 300, text="Dòng & <dẫn> \"ý\" 🇻🇳\n" * 400)
    report = send_pending(store, [Target(telegram.url())], telegram_api=telegram.api)
    assert telegram.refused == [] and report.sent == 2
    for message in telegram.messages:
        assert len(message["text"]) <= TELEGRAM_LIMIT
        assert telegram_html_errors(message["text"]) == []
        assert "…" in message["text"]


def test_digest_of_60_long_articles_is_accepted_part_by_part(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 60, text="Hạ tầng số & dữ liệu số <mở>\n📱 ")
    target = Target(telegram.url())
    report = send_pending(store, [target], digest=True, telegram_api=telegram.api)
    assert telegram.refused == [] and report.sent == 60 and len(telegram.messages) > 2
    joined = "\n".join(m["text"] for m in telegram.messages)
    assert all(joined.count(f"Bài {n}: ") == 1 for n in range(60))
    assert store.pending_alerts(target.id) == []


def test_telegram_api_setting_takes_a_base_with_or_without_bot(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    assert telegram_base("http://127.0.0.1:8081") == "http://127.0.0.1:8081/bot"
    assert telegram_base("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/bot"
    store = open_store(tmp_path / "p.db")
    fill(store, 1)
    report = send_pending(store, [Target(telegram.url())], telegram_api=telegram.api + "/bot")
    assert report.sent == 1
    assert telegram.messages[0]["token"] == "123456789:AAFakeTokenForTestsOnly0123456789"
    with pytest.raises(TargetError, match="PROVWATCH_TELEGRAM_API"):
        telegram_base("127.0.0.1:8081")
    store = open_store(tmp_path / "q.db")
    fill(store, 1)  # a bad setting fails the Telegram target (alert kept), not the others
    hook = WebhookServer().start()
    try:
        report = send_pending(store, [Target(telegram.url()), Target(hook.url)],
                              telegram_api="127.0.0.1:8081")
    finally:
        hook.stop()
    assert report.sent == 1 and report.failed == 1 and len(hook.received) == 1
    assert "PROVWATCH_TELEGRAM_API must be an http(s) URL" in report.errors["tgram://***"]
    assert len(store.pending_alerts(Target(telegram.url()).id)) == 1


def test_message_limits_per_service() -> None:
    assert message_limit(Target("tgram://123456789:AAFake/42")) == TELEGRAM_LIMIT
    assert message_limit(Target("json://127.0.0.1:9/hook")) is None
    assert message_limit(Target("discord://1234/abcdefgh")) == 2000


# -- email -----------------------------------------------------------------------------------
def test_email_digest_is_one_multipart_message_with_vietnamese_intact(
        tmp_path: Path, smtp: SmtpServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 60)
    assert send_pending(store, [Target(smtp.url())], digest=True).sent == 60
    (msg,) = smtp.messages  # no Telegram limit for email: one digest
    assert msg.get_content_type() == "multipart/alternative"
    assert str(msg["Subject"]) == "Bản tin provwatch: 60 tin"
    plain, html = body_of(msg, "plain"), body_of(msg, "html")
    assert "== Đắk Lắk (10) ==" in plain and "Tuyên Quang (trước 2025: Hà Giang)" in plain
    assert "Bài 59: Đắk Lắk đẩy mạnh chuyển đổi số <&> chính quyền số" in plain
    assert "Bài 59: Đắk Lắk đẩy mạnh chuyển đổi số &lt;&amp;&gt; chính quyền số" in html


# -- routing by tags ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["text", "yaml"])
def test_config_file_routes_by_province_and_former_province(tmp_path: Path, kind: str) -> None:
    desk_ht, desk_hg, desk_all = (WebhookServer().start() for _ in range(3))
    try:
        if kind == "text":
            config = tmp_path / "apprise.txt"
            config.write_text(f"ha-tinh={desk_ht.url}\nha-giang={desk_hg.url}\n{desk_all.url}\n",
                              encoding="utf-8")
        else:
            config = tmp_path / "apprise.yml"
            config.write_text(
                "urls:\n"
                f"  - {desk_ht.url}:\n      - tag: ha-tinh\n"
                f"  - {desk_hg.url}:\n      - tag: ha-giang, topic-nothing\n"
                f"  - {desk_all.url}\n", encoding="utf-8")
        targets = targets_from_config(config)
        store = open_store(tmp_path / "p.db")
        fill(store, 12)
        report = send_pending(store, targets)
        assert report.sent == 12 + 2 + 2 and report.failed == 0
        assert len(desk_all.received) == 12
        assert sorted(m["title"].split(": ", 1)[1] for m in desk_ht.received) == [
            "Bài 0: Hà Tĩnh đẩy mạnh chuyển đổi số <&> chính quyền số",
            "Bài 6: Hà Tĩnh đẩy mạnh chuyển đổi số <&> chính quyền số"]
        # the desk of the former Hà Giang gets the Tuyên Quang articles that came from it
        assert all("Tuyên Quang" in m["title"] and "trước 2025: Hà Giang" in m["message"]
                   for m in desk_hg.received) and len(desk_hg.received) == 2
    finally:
        for desk in (desk_ht, desk_hg, desk_all):
            desk.stop()


# -- dry run ---------------------------------------------------------------------------------
def test_dry_run_prints_what_would_be_sent_and_records_nothing(
        tmp_path: Path, webhook: WebhookServer) -> None:
    db = tmp_path / "p.db"
    store = open_store(db)
    fill(store, 7)
    store.close()
    before = db.read_bytes()
    runner = CliRunner()
    for extra in ([], ["--digest"]):
        result = runner.invoke(main, ["--db", str(db), "notify", "send", "--dry-run", *extra,
                                      "--notify", webhook.url])
        assert result.exit_code == 0, result.output
        assert all(f"Bài {n}: " in result.output for n in range(7))
        assert f"--- to json://127.0.0.1:{webhook.port}" in result.output
    assert webhook.received == [] and count(db, "SELECT COUNT(*) FROM deliveries") == 0
    assert db.read_bytes() == before
    result = runner.invoke(main, ["--db", str(db), "notify", "send", "--notify", webhook.url])
    assert "7 sent" in result.output and len(webhook.received) == 7


# -- secrets ----------------------------------------------------------------------------------
def provwatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args], cwd=ROOT,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def all_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from all_commands(command, (*path, name))
        else:
            yield (*path, name)


def test_secrets_never_in_output_logs_run_records_or_help_and_down_targets_keep_alerts(
        tmp_path: Path, portal: SiteServer, telegram: TelegramStandIn,
        webhook: WebhookServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tn", "name": "Thử nghiệm", "province": "Hà Tĩnh", "url": f"{portal.base}/tin-tuc"}])
    db, log = tmp_path / "p.db", tmp_path / "provwatch.log"
    bot_url = telegram.url(token=TOKEN)
    dead_port = free_port()
    dead_mail = (f"mailto://watch:{PASSWORD}@127.0.0.1:{dead_port}"
                 "?from=watch@example.com&to=team@example.com")
    telegram.down = True  # the Bot API answers 502 with a description
    api = ["-s", f"PROVWATCH_TELEGRAM_API={telegram.api}"]
    first = provwatch("-v", "--log-file", str(log), "--db", str(db), *FAST, *api, "run",
                      "--sources", str(sources), "--notify", bot_url, "--notify", dead_mail,
                      "--notify", webhook.url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert len(webhook.received) == 2 and telegram.messages == []
    assert "Telegram POST URL" in log.read_text("utf-8")  # apprise's debug lines were logged
    with sqlite3.connect(db) as conn:
        errors = dict(conn.execute(
            "SELECT target_label, last_error FROM deliveries WHERE status = 'retry'").fetchall())
        summary = conn.execute("SELECT summary FROM runs").fetchone()[0]
    assert set(errors) == {"tgram://***", f"mailto://127.0.0.1:{dead_port}"}
    assert all(errors.values())
    assert "Bad Gateway" in errors["tgram://***"] and '"alerts_failed": 4' in summary
    assert '"alerts_kept": 0' in summary  # two failures in a row: the target is down

    pending = provwatch("--db", str(db), "notify", "pending")
    pending_per_target = provwatch("--db", str(db), "notify", "pending", "--notify", bot_url,
                                   "--notify", dead_mail)
    assert "tgram://***: 2 pending" in pending_per_target.stdout
    assert "Bad Gateway" in pending.stdout  # the recorded error is shown, redacted
    secret_env = {"PROVWATCH_NOTIFY": f"{bot_url} {dead_mail}"}
    helps = [provwatch(*path, "--help", env=secret_env) for path in all_commands(main)]
    assert all(h.returncode == 0 for h in helps)
    outputs = [first.stdout, first.stderr, log.read_text("utf-8"), pending.stdout,
               pending.stderr, pending_per_target.stdout, pending_per_target.stderr,
               *(h.stdout + h.stderr for h in helps)]
    stored = db.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("p.db*"))
    for secret in (TOKEN, TOKEN.split(":")[1], PASSWORD):
        assert not [o for o in outputs if secret in o], secret
        assert secret.encode() not in stored

    telegram.down = False  # next night: Telegram is back, the mail server still down
    second = provwatch("--db", str(db), *FAST, *api, "run", "--sources", str(sources),
                       "--notify", bot_url, "--notify", dead_mail, "--notify", webhook.url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(telegram.messages) == 2 and len(webhook.received) == 2  # each once per target
    assert {m["token"] for m in telegram.messages} == {TOKEN}
    # still down: kept for later, never given up (the target took nothing this run)
    assert count(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'retry'") == 2
    assert count(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'failed'") == 0
