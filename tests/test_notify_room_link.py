"""Alerts link to the article's page in the reading room when its address is configured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.analysis.relevance import classify
from crawler.analysis.versions import text_diff
from crawler.archive.alerts import article_alert
from crawler.archive.database import open_store
from tests.localservers import WebhookServer

TITLE = "Huế mở rộng dịch vụ công trực tuyến toàn trình"
V1 = "Thành phố Huế đưa 300 thủ tục lên dịch vụ công trực tuyến toàn trình.\nChuyển đổi số."
V2 = V1 + "\nTừ tháng sau người dân ký số hồ sơ trên ứng dụng."


def _stored(db: Path) -> int:
    store = open_store(db)
    verdict = classify(TITLE, V1, V1)
    row = {"url": "https://baohue.example/dvc-1.html", "title": TITLE, "text": V1,
           "province": "Huế", "source": "baohue", "relevant": 1, "content_hash": "a"}
    article_id = store.insert_article(row, alert=article_alert("new", row, verdict, "Báo Huế"))
    changed = {**row, "text": V2, "id": article_id}
    store.add_version(article_id, {"text": V2, "content_hash": "b"},
                      diff=text_diff(TITLE, V1, TITLE, V2),
                      alert=article_alert("changed", changed, verdict, "Báo Huế",
                                          diff=text_diff(TITLE, V1, TITLE, V2)))
    store.close()
    return article_id


def test_alerts_link_to_the_reading_room(tmp_path: Path, webhook: WebhookServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "p.db"
    article_id = _stored(db)
    monkeypatch.setenv("PROVWATCH_SERVE_BASE_URL", "https://phongdoc.example/pw/")
    result = CliRunner().invoke(main, ["--db", str(db), "notify", "send", "--notify",
                                       webhook.url])
    assert result.exit_code == 0, result.output
    bodies = [json.dumps(m, ensure_ascii=False) for m in webhook.received]
    assert len(bodies) == 2
    page = f"https://phongdoc.example/pw/provwatch/articles/{article_id}"
    changes = f"https://phongdoc.example/pw/provwatch/bai_thay_doi?id={article_id}"
    assert any(page in b for b in bodies)  # the new article: its page
    assert any(changes in b for b in bodies)  # the change: its diffs


def test_no_link_without_a_configured_address(tmp_path: Path, webhook: WebhookServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "p.db"
    _stored(db)
    monkeypatch.delenv("PROVWATCH_SERVE_BASE_URL", raising=False)
    result = CliRunner().invoke(main, ["--db", str(db), "notify", "send", "--notify",
                                       webhook.url])
    assert result.exit_code == 0, result.output
    assert webhook.received and all("Phòng đọc" not in json.dumps(m, ensure_ascii=False)
                                    for m in webhook.received)
