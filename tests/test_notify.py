"""Alerts through real local peers: a Telegram Bot API stand-in, aiosmtpd, JSON webhooks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.analysis.relevance import classify
from crawler.archive.alerts import article_alert
from crawler.archive.database import open_store
from notify.messages import TELEGRAM_LIMIT
from notify.send import send_pending
from notify.targets import Target, targets_from_config
from store.db import Store
from tests.localservers import SmtpServer, WebhookServer, body_of, free_port
from tests.telegram_standin import TelegramStandIn, telegram_html_errors

PROVINCES = ["Hà Tĩnh", "Lào Cai", "Tuyên Quang", "Huế", "Cà Mau", "Đắk Lắk"]


@pytest.fixture
def telegram() -> Iterator[TelegramStandIn]:
    bot = TelegramStandIn().start()
    yield bot
    bot.stop()


def fill(store: Store, count: int, *, lead_words: int = 40) -> list[int]:
    """Store ``count`` relevant articles with their alerts, as the pipeline would."""
    ids = []
    verdict = classify("Chuyển đổi số", "Đẩy mạnh chuyển đổi số và chính quyền số.",
                       "Đẩy mạnh chuyển đổi số và chính quyền số.")
    for n in range(count):
        province = PROVINCES[n % len(PROVINCES)]
        former = ["Hà Giang"] if province == "Tuyên Quang" else []
        row = {"url": f"https://bao.vn/bai-{n}.html", "link": f"https://bao.vn/bai-{n}.html?a=1&b=2",
               "title": f"Bài {n}: {province} đẩy mạnh chuyển đổi số <&> chính quyền số",
               "text": "Tỉnh triển khai dịch vụ công trực tuyến & chữ ký số. " * lead_words,
               "province": province, "former_provinces": former, "source": "bao",
               "published": "2024-03-12T10:15:00+07:00", "relevant": 1,
               "content_hash": f"h{n}"}
        ids.append(store.insert_article(row, alert=article_alert("new", row, verdict,
                                                                 "Báo Tỉnh")))
    return ids


def test_telegram_message_is_valid_html_with_vietnamese_intact(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 2)
    report = send_pending(store, [Target(telegram.url())], telegram_api=telegram.api)
    assert report.sent == 2 and telegram.refused == []
    text = telegram.messages[0]["text"]
    assert "Hà Tĩnh đẩy mạnh chuyển đổi số &lt;&amp;&gt; chính quyền số" in text
    assert telegram_html_errors(text) == [] and telegram.messages[0]["chat_id"] == "4242"
    assert "Tỉnh/thành:" in text and "Từ khóa:" in text and "Đăng lúc:</b> 10:15 12/03/2024" in text


def test_digest_of_60_splits_under_the_limit_and_sends_each_alert_once(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 60)
    target = Target(telegram.url())
    report = send_pending(store, [target], digest=True, telegram_api=telegram.api)
    assert telegram.refused == [] and report.sent == 60 and report.failed == 0
    assert len(telegram.messages) > 1
    assert all(len(m["text"]) <= TELEGRAM_LIMIT for m in telegram.messages)
    joined = "\n".join(m["text"] for m in telegram.messages)
    for n in range(60):
        assert joined.count(f"Bài {n}: ") == 1  # every article exactly once
    assert "== Hà Tĩnh (10) ==" in joined and "Tuyên Quang (trước 2025: Hà Giang)" in joined
    assert store.pending_alerts(target.id) == []
    assert send_pending(store, [target], digest=True, telegram_api=telegram.api).sent == 0


def test_digest_part_failure_keeps_only_the_unsent_parts(
        tmp_path: Path, telegram: TelegramStandIn) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 60)
    target = Target(telegram.url())
    telegram.fail_call = 2  # the second part fails: Telegram is down for a moment
    first = send_pending(store, [target], digest=True, telegram_api=telegram.api)
    assert first.failed > 0 and first.sent > 0 and first.sent + first.failed + first.kept == 60
    delivered_first = len(telegram.messages)
    second = send_pending(store, [target], digest=True, telegram_api=telegram.api)
    assert second.sent == 60 - first.sent
    joined = "\n".join(m["text"] for m in telegram.messages)
    assert all(joined.count(f"Bài {n}: ") == 1 for n in range(60))  # nothing twice
    assert len(telegram.messages) > delivered_first


def test_email_has_plain_and_html_parts(tmp_path: Path, smtp: SmtpServer) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 1)
    assert send_pending(store, [Target(smtp.url())]).sent == 1
    (msg,) = smtp.messages
    assert msg.get_content_type() == "multipart/alternative"
    assert "Hà Tĩnh đẩy mạnh chuyển đổi số" in str(msg["Subject"])
    plain, html = body_of(msg, "plain"), body_of(msg, "html")
    assert "Tỉnh/thành: Hà Tĩnh" in plain and "<b>Tỉnh/thành:</b>" in html
    assert "&lt;&amp;&gt;" in html and "<&>" in plain


def test_config_tags_route_by_province(tmp_path: Path) -> None:
    desk_ht, desk_all = WebhookServer().start(), WebhookServer().start()
    try:
        config = tmp_path / "apprise.yml"
        config.write_text(
            "urls:\n"
            f"  - {desk_ht.url}:\n      - tag: ha-tinh\n"
            f"  - {desk_all.url}\n", encoding="utf-8")
        targets = targets_from_config(config)
        assert {frozenset(t.tags) for t in targets} == {frozenset({"ha-tinh"}), frozenset()}
        store = open_store(tmp_path / "p.db")
        fill(store, 12)
        send_pending(store, targets)
        assert len(desk_all.received) == 12
        assert len(desk_ht.received) == 2
        assert all("Hà Tĩnh" in m["title"] for m in desk_ht.received)
    finally:
        desk_ht.stop()
        desk_all.stop()


def test_down_target_keeps_alerts_and_no_secret_leaks(tmp_path: Path, telegram: TelegramStandIn,
                                                      webhook: WebhookServer,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    token, password = "987654321:SecretBotTokenValueXYZ", "SmtpPassw0rdSecret"
    dead_mail = (f"mailto://bot:{password}@127.0.0.1:{free_port()}"
                 "?from=a@example.com&to=b@example.com")
    db = tmp_path / "p.db"
    store = open_store(db)
    fill(store, 3)
    telegram.down = True
    runner = CliRunner()
    with caplog.at_level(logging.DEBUG):
        result = runner.invoke(main, [
            "--db", str(db), "-s", f"PROVWATCH_TELEGRAM_API={telegram.api}", "notify", "send",
            "--notify", telegram.url(token=token), "--notify", dead_mail,
            "--notify", webhook.url])
    out = result.output + caplog.text
    assert "3 sent" in out and len(webhook.received) == 3
    assert "tgram://***" in out
    for secret in (token, "SecretBotTokenValueXYZ", password):
        assert secret not in out
        assert secret.encode() not in db.read_bytes()
    pending = runner.invoke(main, ["--db", str(db), "notify", "pending"]).output
    assert "sent to 1 target(s)" in pending and token not in pending and password not in pending
    telegram.down = False
    result = runner.invoke(main, [
        "--db", str(db), "-s", f"PROVWATCH_TELEGRAM_API={telegram.api}", "notify", "send",
        "--notify", telegram.url(token=token), "--notify", webhook.url])
    assert len(telegram.messages) == 3 and len(webhook.received) == 3  # webhook not re-sent
