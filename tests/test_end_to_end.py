"""The foundation path: `provwatch run` against a local portal, SMTP server and webhook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, write_sources
from tests.localservers import SiteServer, SmtpServer, WebhookServer, body_of

HATINH = "/tin-tuc/thao-go-rao-can-trong-chuyen-doi-so-phat-trien-chinh-quyen-so-123456.html"
LAOCAI = "/tin-tuc/lao-cai-day-manh-chuyen-doi-so-trong-co-quan-nha-nuoc-234567.html"
FARM = "/tin-tuc/nong-dan-chuyen-doi-co-cau-cay-trong-vu-dong-xuan-345678.html"


def run_cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def sources_file(tmp_path: Path, portal: SiteServer) -> Path:
    return write_sources(tmp_path / "sources.toml", [{
        "id": "thu-nghiem", "name": "Cổng TTĐT tỉnh Thử Nghiệm", "province": "Hà Giang",
        "kind": "portal", "url": f"{portal.base}/tin-tuc",
    }])


def test_run_stores_articles_and_alerts_once(tmp_path: Path, portal: SiteServer,
                                             sources_file: Path, smtp: SmtpServer,
                                             webhook: WebhookServer) -> None:
    db = tmp_path / "provwatch.db"
    args = ["--db", str(db), *FAST, "run", "--sources", str(sources_file),
            "--notify", smtp.url(), "--notify", webhook.url]
    code, out = run_cli(*args)
    assert code == 0, out
    assert "3 new" in out

    store = open_store(db)
    rows = {r["url"].split(str(portal.port))[-1]: r for r in store.iter_articles()}
    assert set(rows) == {HATINH, LAOCAI, FARM}
    assert rows[HATINH]["published"] == "2021-10-06T21:08:00+07:00"
    assert rows[LAOCAI]["published"] == "2022-01-05T06:32:00+07:00"
    assert rows[FARM]["published"] == "2023-05-08T18:14:00+07:00"
    assert rows[HATINH]["title"] == ("Tháo gỡ những rào cản trong chuyển đổi số, "
                                     "phát triển chính quyền số")
    assert "Tổng lượt truy cập" not in rows[HATINH]["text"]
    assert "22.800 hồ sơ" in rows[HATINH]["text"]
    assert rows[HATINH]["province"] == "Tuyên Quang"
    assert json.loads(rows[HATINH]["former_provinces"]) == ["Hà Giang"]
    assert rows[HATINH]["relevant"] == 1 and rows[LAOCAI]["relevant"] == 1
    assert rows[FARM]["relevant"] == 0

    # exactly one alert per relevant article on each channel, none for the irrelevant one
    assert len(smtp.messages) == 2
    assert len(webhook.received) == 2
    subjects = sorted(str(m["Subject"]) for m in smtp.messages)
    assert any("Lào Cai đẩy mạnh chuyển đổi số" in s for s in subjects)
    assert any("Tháo gỡ những rào cản" in s for s in subjects)
    assert not any("cơ cấu cây trồng" in s for s in subjects)
    bodies = " ".join(body_of(m) for m in smtp.messages)
    assert "Tuyên Quang (trước 2025: Hà Giang)" in bodies
    hook_text = " ".join(h["message"] for h in webhook.received)
    assert "chuyển đổi số" in hook_text and "Đọc bài: http://127.0.0.1" in hook_text

    # robots.txt: the disallowed path was never requested
    assert not any(p.startswith("/private/") for p in portal.paths())
    # the tracking-parameter and fragment variants of one article were fetched once
    assert sum(1 for p in portal.paths() if p.startswith(HATINH)) == 1

    # a second run sends nothing new and fetches no known article again
    before = len(portal.requests)
    code, out = run_cli(*args)
    assert code == 0, out
    assert len(smtp.messages) == 2 and len(webhook.received) == 2
    second = [p for p in portal.paths()[before:] if p.endswith(".html")]
    assert second == [] or all(
        "If-None-Match" in h or "If-Modified-Since" in h
        for _, p, h in portal.requests[before:] if p.endswith(".html"))
    assert store.count("articles") == 3


def test_failed_target_keeps_alerts_for_next_run(tmp_path: Path, portal: SiteServer,
                                                 sources_file: Path, smtp: SmtpServer,
                                                 webhook: WebhookServer) -> None:
    db = tmp_path / "p.db"
    webhook.fail = True
    code, out = run_cli("--db", str(db), *FAST, "run", "--sources", str(sources_file),
                        "--notify", smtp.url(), "--notify", webhook.url)
    assert code == 0, out
    assert "2 failed" in out  # two failures in a row: the target is down, alerts kept
    assert f"127.0.0.1:{webhook.port}" in out and "500" in out
    assert len(smtp.messages) == 2 and webhook.received == []
    webhook.fail = False
    code, out = run_cli("--db", str(db), *FAST, "run", "--sources", str(sources_file),
                        "--notify", smtp.url(), "--notify", webhook.url)
    assert code == 0, out
    assert len(webhook.received) == 2  # kept and delivered now
    assert len(smtp.messages) == 2     # not re-sent to the target that had succeeded


def test_notify_env_variable_and_no_notify(tmp_path: Path, portal: SiteServer,
                                           sources_file: Path, webhook: WebhookServer) -> None:
    db = tmp_path / "p.db"
    env = {"PROVWATCH_NOTIFY": webhook.url, "PROVWATCH_DB": str(db)}
    code, out = run_cli(*FAST, "run", "--no-notify", "--sources", str(sources_file), env=env)
    assert code == 0, out
    assert webhook.received == []
    assert db.exists()
    code, out = run_cli(*FAST, "run", "--sources", str(sources_file), env=env)
    assert code == 0, out
    assert len(webhook.received) == 2  # queued by the first run, sent by the second


def test_dead_source_is_reported_and_run_still_completes(tmp_path: Path, portal: SiteServer,
                                                         webhook: WebhookServer) -> None:
    from tests.localservers import free_port

    dead = f"http://127.0.0.1:{free_port()}/"
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "song", "name": "Sống", "province": "Lào Cai", "url": f"{portal.base}/tin-tuc"},
        {"id": "chet", "name": "Chết", "province": "Huế", "url": dead},
    ])
    code, out = run_cli("--db", str(tmp_path / "p.db"), *FAST, "run", "--sources",
                        str(sources), "--notify", webhook.url)
    assert code == 0, out
    assert "failed sources (1): chet" in out
    assert "refused" in out
    assert len(webhook.received) == 2


def test_export_and_search(tmp_path: Path, portal: SiteServer, sources_file: Path) -> None:
    db = str(tmp_path / "p.db")
    code, out = run_cli("--db", db, *FAST, "crawl", "--sources", str(sources_file))
    assert code == 0, out
    code, out = run_cli("--db", db, "export", "--format", "jsonl")
    assert code == 0
    items = [json.loads(line) for line in out.splitlines()]
    assert len(items) == 3
    required = {"id", "url", "source", "province", "title", "author", "published", "text",
                "relevant", "score", "matched", "duplicate_of", "version", "first_seen",
                "last_changed"}
    assert all(required <= set(i) for i in items)
    laocai = next(i for i in items if i["url"].endswith(LAOCAI))
    assert laocai["author"] == "Liên Minh"
    assert laocai["version"] == 1 and laocai["duplicate_of"] is None
    assert "chuyển đổi số" in laocai["matched"]
    code, out = run_cli("--db", db, "search", "chuyen doi so")
    assert code == 0
    assert "Lào Cai đẩy mạnh" in out and "Tháo gỡ" in out
    code, out = run_cli("--db", db, "search", "co cau cay trong")
    assert "Nông dân" in out and "Lào Cai đẩy mạnh" not in out


@pytest.mark.parametrize("workers", ["auto", "0"])  # worker processes, or in this process
def test_extract_json_matches_what_is_stored(tmp_path: Path, portal: SiteServer,
                                             sources_file: Path, workers: str) -> None:
    db = str(tmp_path / "p.db")
    code, out = run_cli("--db", db, *FAST, "-s", f"PROVWATCH_WORKERS={workers}", "crawl",
                        "--sources", str(sources_file))
    assert code == 0, out
    stored = next(json.loads(line) for line in run_cli("--db", db, "export")[1].splitlines()
                  if LAOCAI in line)
    page = Path(__file__).parent / "sites" / "portal" / "article_laocai.html"
    code, out = run_cli("extract", str(page), "--url", f"{portal.base}{LAOCAI}", "--json")
    assert code == 0, out
    extracted = json.loads(out)
    assert set(extracted) == {"url", "title", "author", "published", "text", "relevant",
                              "score", "matched"}
    for key in ("title", "author", "published", "text", "relevant", "score", "matched"):
        assert extracted[key] == stored[key], key
