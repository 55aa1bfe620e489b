"""The operator's commands on a crawled database: explain, recrawl, history, diff, status,
sources, notify pending/send --dry-run, export filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, SITES, write_sources
from tests.localservers import Page, SiteServer, WebhookServer

LAOCAI = "/tin-tuc/lao-cai-day-manh-chuyen-doi-so-trong-co-quan-nha-nuoc-234567.html"
FARM = "/tin-tuc/nong-dan-chuyen-doi-co-cau-cay-trong-vu-dong-xuan-345678.html"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def crawled(tmp_path: Path, portal: SiteServer) -> tuple[str, Path, SiteServer]:
    sources = write_sources(tmp_path / "s.toml", [{
        "id": "thu-nghiem", "name": "Cổng TTĐT Thử Nghiệm", "province": "Hà Giang",
        "kind": "portal", "url": f"{portal.base}/tin-tuc"}])
    db = str(tmp_path / "p.db")
    code, out = cli("--db", db, *FAST, "crawl", "--sources", str(sources))
    assert code == 0, out
    return db, sources, portal


def _id_of(db: str, path: str) -> int:
    store = open_store(db)
    row = next(r for r in store.iter_articles() if r["url"].endswith(path))
    return int(row["id"])


def test_explain_says_why_flagged_and_why_not(crawled: tuple[str, Path, SiteServer]) -> None:
    db, _, portal = crawled
    code, out = cli("--db", db, "explain", str(_id_of(db, LAOCAI)))
    assert code == 0
    assert "RELEVANT" in out and "'chuyển đổi số' in title" in out and "threshold" in out
    code, out = cli("--db", db, "explain", f"{portal.base}{FARM}")
    assert code == 0
    assert "not relevant" in out
    assert "look-alike 'chuyển đổi cơ cấu cây trồng'" in out
    code, out = cli("--db", db, "explain", "999999")
    assert code == 1 and "no stored article" in out


def test_recrawl_of_an_edited_article_makes_one_version_and_a_diff(
        crawled: tuple[str, Path, SiteServer]) -> None:
    db, sources, portal = crawled
    article_id = _id_of(db, LAOCAI)
    html = (SITES / "portal" / "article_laocai.html").read_text("utf-8")
    edited = html.replace("đạt trên 60%", "đạt trên 75%").replace(
        "</p>\n<p class=\"author\">",
        "</p>\n<p>Tỉnh sẽ hoàn thành kho dữ liệu dùng chung trong quý II năm 2022.</p>\n"
        "<p class=\"author\">")
    assert edited != html
    portal.routes[LAOCAI] = Page(edited)
    code, out = cli("--db", db, *FAST, "recrawl", f"{portal.base}{LAOCAI}",
                    "--sources", str(sources))
    assert code == 0, out
    assert "1 updated" in out
    code, out = cli("--db", db, "history", str(article_id))
    assert code == 0
    assert out.count("\nv") + out.startswith("v") == 2 and "first seen" in out
    code, out = cli("--db", db, "diff", str(article_id))
    assert code == 0
    assert "-Năm 2021" in out and "đạt trên 60%" in out and "+Năm 2021" in out
    assert "+Tỉnh sẽ hoàn thành kho dữ liệu dùng chung" in out
    code, out = cli("--db", db, "diff", str(article_id), "1", "7")
    assert code == 1 and "has no version 7" in out
    # the same page again is no change
    code, out = cli("--db", db, *FAST, "recrawl", f"{portal.base}{LAOCAI}",
                    "--sources", str(sources))
    assert "1 unchanged" in out
    store = open_store(db)
    changed = [a for a in store.all_unsent_alerts() if a["kind"] == "changed"]
    assert len(changed) == 1 and "75%" in changed[0]["payload"]["changes"]


def test_status_sources_and_export_filters(crawled: tuple[str, Path, SiteServer]) -> None:
    db, sources, _ = crawled
    code, out = cli("--db", db, "status")
    assert code == 0 and "crawl" in out and "thu-nghiem" in out
    code, out = cli("sources", "list", "--sources", str(sources), "--province", "ha giang")
    assert code == 0 and "thu-nghiem" in out and "trước 2025: Hà Giang" in out
    code, out = cli("sources", "list", "--sources", str(sources), "--province", "Huế")
    assert "thu-nghiem" not in out
    code, out = cli("sources", "check", "--sources", str(sources))
    assert code == 0
    assert "article links on the start page: 2" in out and "next listing page: http" in out
    code, out = cli("--db", db, "export", "--relevant-only", "--province", "Tuyen Quang")
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2 and all(r["relevant"] for r in rows)
    assert rows[0]["former_provinces"] == ["Hà Giang"]


def test_notify_pending_and_dry_run_send_nothing(crawled: tuple[str, Path, SiteServer],
                                                 webhook: WebhookServer) -> None:
    db, _, _ = crawled
    code, out = cli("--db", db, "notify", "pending")
    assert code == 0 and out.count("new ") == 2
    code, out = cli("--db", db, "notify", "send", "--dry-run", "--notify", webhook.url)
    assert code == 0 and "Tin mới" in out
    assert webhook.received == []
    code, out = cli("--db", db, "notify", "pending", "--notify", webhook.url)
    assert "2 pending" in out
    code, out = cli("--db", db, "notify", "send", "--notify", webhook.url)
    assert code == 0 and "2 sent, 0 failed" in out and len(webhook.received) == 2
    code, out = cli("--db", db, "notify", "pending", "--notify", webhook.url)
    assert "0 pending" in out


def test_sources_check_shows_the_links_it_did_not_take_and_how_to_fix_it(tmp_path: Path
                                                                          ) -> None:
    # a CMS whose article addresses carry no slug, no long id and no detail word
    routes = {"/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
              "/": Page("<html><body><nav><a href='/gioi-thieu'>Giới thiệu</a></nav><ul>"
                        "<li><a href='/n/12'>Tỉnh khai trương trung tâm điều hành</a></li>"
                        "<li><a href='/n/13'>Hội nghị tổng kết năm</a></li></ul></body></html>")}
    site = SiteServer(routes).start()
    try:
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "la", "name": "Lạ", "province": "Huế", "url": f"{site.base}/"}])
        code, out = cli("sources", "check", "--sources", str(sources))
        assert code == 0 and "article links on the start page: 0" in out
        assert "set article_pattern" in out
        assert f"{site.base}/n/12" in out and f"{site.base}/n/13" in out
        assert "gioi-thieu" not in out  # navigation is not a candidate
        with_pattern = write_sources(tmp_path / "p.toml", [
            {"id": "la", "name": "Lạ", "province": "Huế", "url": f"{site.base}/",
             "article_pattern": "/n/[0-9]+$"}])
        code, out = cli("sources", "check", "--sources", str(with_pattern))
        assert "article links on the start page: 2" in out and "article_pattern" not in out
    finally:
        site.stop()


def test_sources_check_follows_a_move_to_another_host(tmp_path: Path) -> None:
    # the configured address redirects to a new host whose page links relatively
    new = SiteServer({
        "/robots.txt": Page("User-agent: *\n", content_type="text/plain"),
        "/vi/trang-chu": Page(
            "<html><body><ul><li><a href='tin/tinh-khai-truong-trung-tam-dieu-hanh-thong-minh"
            "-123456.html'>Tỉnh khai trương trung tâm điều hành thông minh</a></li></ul>"
            "</body></html>")}).start()
    moved_to = new.base.replace("127.0.0.1", "localhost") + "/vi/trang-chu"
    old = SiteServer({"/": Page("", status=301, headers={"Location": moved_to})}).start()
    try:
        sources = write_sources(tmp_path / "s.toml", [
            {"id": "cu", "name": "Cũ", "province": "Huế", "url": f"{old.base}/"}])
        code, out = cli("sources", "check", "--sources", str(sources))
        assert code == 0, out
        assert f"redirected to: {moved_to} (another host" in out
        assert "article links on the start page: 1" in out
        assert (moved_to.rsplit("/", 1)[0] + "/tin/tinh-khai-truong-trung-tam-dieu-hanh-thong"
                "-minh-123456.html") in out  # resolved against the page it came from
    finally:
        old.stop()
        new.stop()
