"""Guards for what the store must do with copies and deliveries (issue 18).

* An exact copy (same text on another site) is the same story, found by its text hash even
  where the near-duplicate index cannot see it (a brief under its word minimum).
* An edit to a copy is recorded as a version of the copy but sends no change alert (the
  story alerted through its first copy).
* A digest part's deliveries are written in one transaction, watched statement by statement
  on the real SQLite connection.
"""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from notify.send import send_pending
from notify.targets import Target
from tests.conftest import FAST, portal_routes, write_sources
from tests.localservers import Page, SiteServer
from tests.telegram_standin import TelegramStandIn
from tests.test_notify_send import fill

LAOCAI = "/tin-tuc/lao-cai-day-manh-chuyen-doi-so-trong-co-quan-nha-nuoc-234567.html"
BRIEF_PATH = "/tin-tuc/ha-tinh-khai-truong-trung-tam-ioc-chuyen-doi-so-100001.html"
BRIEF_TITLE = "Hà Tĩnh khai trương Trung tâm IOC chuyển đổi số"
# ten words: under dedup.MIN_WORDS_FOR_NEAR_DUP, so only the exact text hash can match it
BRIEF_TEXT = "Hà Tĩnh khai trương Trung tâm IOC chuyển đổi số."


def brief_routes() -> dict[str, Page]:
    listing = (f"<html><body><ul><li><a href='{BRIEF_PATH}'>{BRIEF_TITLE} phục vụ người dân"
               "</a></li></ul></body></html>")
    article = (f"<html><head><title>{BRIEF_TITLE}</title></head><body><h1>{BRIEF_TITLE}</h1>"
               f"<div class='date'>12/03/2024 08:00</div><div class='content'><p>{BRIEF_TEXT}"
               "</p></div></body></html>")
    return {"/": Page(listing), "/tin-tuc": Page(listing), BRIEF_PATH: Page(article)}


@pytest.fixture
def two_sites() -> Iterator[tuple[SiteServer, SiteServer]]:
    """Two local sites (two sources) that will serve the same article."""
    a, b = SiteServer().start(), SiteServer().start()
    yield a, b
    a.stop()
    b.stop()


def crawl_both(tmp_path: Path, a: SiteServer, b: SiteServer, *settings: str) -> Path:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "nguon-a", "name": "Nguồn A", "province": "Hà Tĩnh", "url": f"{a.base}/tin-tuc"},
        {"id": "nguon-b", "name": "Nguồn B", "province": "Hà Tĩnh", "url": f"{b.base}/tin-tuc"},
    ])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, *settings, "crawl",
                                       "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    return db


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


def test_an_exact_copy_of_a_brief_is_one_story_and_one_alert(
        tmp_path: Path, two_sites: tuple[SiteServer, SiteServer]) -> None:
    a, b = two_sites
    a.routes.update(brief_routes())
    b.routes.update(brief_routes())
    # the brief is shorter than the default text minimum (80 characters) as well
    db = crawl_both(tmp_path, a, b, "-s", "PROVWATCH_MIN_TEXT_CHARS=20")
    articles = rows(db, "SELECT id, source, duplicate_of, text FROM articles ORDER BY id")
    assert [r[3] for r in articles] == [BRIEF_TEXT, BRIEF_TEXT]  # both stored, same text
    (first, copy) = articles
    assert first[2] is None and copy[2] == first[0]  # one story: the copy points at the first
    assert {first[1], copy[1]} == {"nguon-a", "nguon-b"}
    assert rows(db, "SELECT kind, article_id FROM alerts") == [("new", first[0])]


def test_an_edit_to_a_copy_is_a_version_but_sends_no_change_alert(
        tmp_path: Path, two_sites: tuple[SiteServer, SiteServer]) -> None:
    a, b = two_sites
    article = portal_routes()[LAOCAI]
    listing = Page(f"<html><body><a href='{LAOCAI}'>Lào Cai đẩy mạnh chuyển đổi số trong cơ "
                   "quan nhà nước</a></body></html>")
    for site in (a, b):
        site.routes.update({"/tin-tuc": listing, LAOCAI: article})
    db = crawl_both(tmp_path, a, b)
    (copy_id, copy_source, original), = rows(
        db, "SELECT id, source, duplicate_of FROM articles WHERE duplicate_of IS NOT NULL")
    assert rows(db, "SELECT kind, article_id FROM alerts") == [("new", original)]
    # the copy's site corrects a figure and adds a sentence (a real edit, not furniture)
    copy_site = a if copy_source == "nguon-a" else b
    html = article.body if isinstance(article.body, str) else article.body.decode("utf-8")
    edited = html.replace("đạt trên 60%", "đạt trên 64%", 1).replace(
        '<p class="author">', "<p>Đến cuối năm, tỉnh sẽ sơ kết việc thực hiện và biểu dương "
        'các cơ quan dẫn đầu về chuyển đổi số.</p><p class="author">', 1)
    assert "64%" in edited and "sơ kết" in edited
    copy_site.routes[LAOCAI] = Page(edited)
    crawl_both(tmp_path, a, b)
    versions = rows(db, f"SELECT version FROM versions WHERE article_id = {copy_id}")
    assert sorted(v for (v,) in versions) == [1, 2]  # the edit was seen and kept
    assert rows(db, "SELECT kind, article_id FROM alerts") == [("new", original)]


# -- a digest part's deliveries: one transaction ---------------------------------------------
_DELIVERY_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|REPLACE)\b[^;]*?\bdeliveries\b", re.I)
_ALERT_ID = re.compile(r"VALUES\s*\(\s*(\d+)|alert_id\"?\s*=\s*(\d+)", re.I)


def delivery_transactions(statements: list[str]) -> list[set[int]]:
    """The alert ids whose delivery rows each top-level transaction wrote, in order
    (transactions that wrote none are left out); a write outside any transaction is a
    transaction of its own."""
    found: list[set[int]] = []
    current: set[int] | None = None
    for sql in statements:
        word = sql.strip().split(None, 1)[0].upper() if sql.strip() else ""
        if word == "BEGIN":
            current = set()
        elif word in ("COMMIT", "END", "ROLLBACK") and current is not None:
            if current:
                found.append(current)
            current = None
        elif _DELIVERY_WRITE.match(sql):
            match = _ALERT_ID.search(sql)
            assert match, f"cannot read the alert id of: {sql[:200]}"
            alert_id = int(match.group(1) or match.group(2))
            if current is None:
                found.append({alert_id})  # autocommit: its own transaction
            else:
                current.add(alert_id)
    return found


def test_each_digest_part_is_recorded_in_one_transaction(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    fill(store, 60)  # a digest Telegram must take in several parts
    ids_by_title = {row["title"].split(":", 1)[0]: row["id"]
                    for row in store.db.query("SELECT id, title FROM articles")}
    alert_of = {article: alert for alert, article in
                store.db.execute("SELECT id, article_id FROM alerts")}
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    bot = TelegramStandIn().start()
    try:
        report = send_pending(store, [Target(bot.url())], digest=True, telegram_api=bot.api)
    finally:
        bot.stop()
        store.db.conn.set_trace_callback(None)
    assert report.sent == 60 and len(bot.messages) >= 3
    parts = [{alert_of[ids_by_title[f"Bài {n}"]] for n in range(60)
              if f"Bài {n}: " in message["text"]} for message in bot.messages]
    assert delivery_transactions(statements) == parts
    store.close()


# -- an excerpt is a copy: found through the head of the text ---------------------------------
SYLLABLES = ("tỉnh huyện xã phường sở ngành dân hồ sơ thủ tục cổng dịch vụ công trực tuyến "
             "nền tảng dữ liệu hạ tầng mạng cáp quang trạm phát sóng điện thoại thông minh "
             "chữ ký số tài khoản định danh thanh toán học sinh bệnh viện nông sản chợ "
             "hợp tác xã doanh nghiệp cán bộ tổ công nghệ hướng dẫn kết nối vận hành").split()


def paragraph(topic: str, n: int) -> str:
    """Fifty words of its own: a seeded draw, so five-word runs rarely repeat."""
    draw = random.Random(f"{topic}/{n}")
    return topic + " " + " ".join(draw.choice(SYLLABLES) for _ in range(50)) + "."


@pytest.mark.parametrize("topic", ["Hạ tầng số", "Kinh tế số", "Xã hội số", "Chữ ký số",
                                   "Dữ liệu dân cư"])
def test_an_excerpt_of_the_first_paragraph_is_found_as_a_copy(tmp_path: Path, topic: str) -> None:
    # the excerpt holds a twelfth of the article: too little for the whole-text bands, but
    # its first forty words are the article's first forty words (the head bands)
    from crawler.analysis.dedup import find_original, fingerprint

    store = open_store(tmp_path / "p.db")
    full = "\n".join(paragraph(topic, n) for n in range(12))
    fp = fingerprint(full)
    store.insert_article({"url": "https://a.vn/bai-1.html", "title": topic, "text": full,
                          "source": "a", "content_hash": "full"},
                         signature=fp.signature, buckets=fp.buckets)
    match = find_original(store, paragraph(topic, 0))
    assert match.original is not None and match.original["url"] == "https://a.vn/bai-1.html"
    store.close()


# -- what a change alert says ----------------------------------------------------------------
def test_a_change_summary_shows_removed_rewritten_and_edited_paragraphs_hunk_by_hunk() -> None:
    from crawler.analysis.versions import change_summary, text_diff

    old = ["Đoạn một: tỉnh khai trương Trung tâm IOC với camera kết nối toàn tỉnh.",
           "Đoạn hai: lễ khai trương có lãnh đạo các sở, ngành tham dự.",
           "Đoạn ba: người dân dùng ứng dụng để phản ánh hiện trường.",
           "Đoạn bốn: tỉnh đặt mục tiêu 80% hồ sơ trực tuyến vào cuối năm.",
           "Đoạn năm: kinh phí 12 tỷ đồng do ngân sách tỉnh bảo đảm."]
    rewritten = "Hệ thống chatbot trả lời công dân suốt ngày đêm bằng tiếng dân tộc."
    new = [old[0], old[2], rewritten, old[4].replace("12 tỷ", "15 tỷ")]  # two removed
    summary = change_summary(text_diff("T", "\n".join(old), "T", "\n".join(new)))
    # the removed paragraph on its own (its hunk is not paired with the next hunk's lines),
    # the rewrite as old out and new in, the edit inline
    lines = summary.split("\n")
    assert lines[:3] == ["- " + old[1], "- " + old[3], "+ " + rewritten]
    assert len(lines) == 4 and lines[3].startswith("~ ") and "kinh phí [12 → 15] tỷ" in lines[3]


# -- alerts too old to send ------------------------------------------------------------------
def test_alerts_older_than_14_days_are_not_sent(tmp_path: Path) -> None:
    from tests.localservers import WebhookServer

    store = open_store(tmp_path / "p.db")
    fill(store, 4)
    long_ago = (datetime.now(UTC) - timedelta(days=20)).replace(microsecond=0).isoformat()
    with store.transaction():  # the first two were queued three weeks ago
        store.db.execute("UPDATE alerts SET created = ? WHERE id IN "
                         "(SELECT id FROM alerts ORDER BY id LIMIT 2)", [long_ago])
    hook = WebhookServer().start()
    try:
        report = send_pending(store, [Target(hook.url)])  # the default age limit, 14 days
    finally:
        hook.stop()
    assert report.sent == 2
    assert sorted(m["message"].split(":", 1)[0] for m in hook.received) == ["Bài 2", "Bài 3"]
    store.close()
