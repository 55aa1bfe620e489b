"""Bad input never stops the night: each problem is reported where the operator looks.

A local site serves one good article next to an empty page, a binary file, a 20 MB page, a
gzip bomb, a redirect loop, a page too slow to answer and a windows-1258 page without a
charset; other sources are unreachable (connection refused, DNS failure).
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, SITES, write_sources
from tests.localservers import Page, SiteServer, free_port

GOOD = "/tin/lao-cai-day-manh-chuyen-doi-so-trong-co-quan-nha-nuoc-234567.html"
CP1258_TITLE = "Huyện Bảo Thắng triển khai nền tảng số cho người dân"
CP1258_BODY = ("Ủy ban nhân dân huyện Bảo Thắng đã hướng dẫn người dân sử dụng dịch vụ công "
               "trực tuyến, thanh toán không dùng tiền mặt và ứng dụng định danh điện tử VNeID "
               "trong các thủ tục hành chính thường ngày tại xã.")


SHAPE_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn: part of cp1258's letters


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese as windows-1258 does: shaped vowels precomposed, tones combining."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        shape = "".join(m for m in d[1:] if m in SHAPE_MARKS)
        tone = "".join(m for m in d[1:] if m not in SHAPE_MARKS)
        out += unicodedata.normalize("NFC", d[0] + shape).encode("cp1258")
        out += tone.encode("cp1258")
    return bytes(out)


def _bad_routes() -> dict[str, Page]:
    listing = "".join(
        f'<li><a href="{path}">Bài viết số {i} về chuyển đổi số của tỉnh nhà năm nay</a></li>'
        for i, path in enumerate([GOOD, "/tin/trang-trong-rong-khong-co-gi-100001.html",
                                  "/tin/tep-nhi-phan-bi-gan-nham-duoi-100002.html",
                                  "/tin/trang-qua-lon-hai-muoi-megabyte-100003.html",
                                  "/tin/bom-nen-gzip-giai-nen-rat-lon-100004.html",
                                  "/tin/vong-lap-chuyen-huong-vo-tan-100005.html",
                                  "/tin/may-chu-tra-loi-qua-cham-100006.html",
                                  "/tin/trang-ma-hoa-windows-1258-100007.html"]))
    cp1258 = (f"<html><head><title>{CP1258_TITLE}</title></head><body><h1>{CP1258_TITLE}</h1>"
              f"<p>Ngày 12/03/2024</p><p>{CP1258_BODY}</p><p>{CP1258_BODY}</p></body></html>")
    bomb = gzip.compress(b"<html><body>" + b" " * (64 * 1024 * 1024) + b"</body></html>")
    return {
        "/robots.txt": Page("User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/tin": Page(f"<html><body><ul>{listing}</ul></body></html>"),
        GOOD: Page((SITES / "portal" / "article_laocai.html").read_text("utf-8")),
        "/tin/trang-trong-rong-khong-co-gi-100001.html": Page(""),
        "/tin/tep-nhi-phan-bi-gan-nham-duoi-100002.html": Page(
            bytes(range(256)) * 200, content_type="application/octet-stream"),
        "/tin/trang-qua-lon-hai-muoi-megabyte-100003.html": Page(
            "<html><body>" + "<p>chuyển đổi số</p>" * 1_000_000 + "</body></html>"),
        "/tin/bom-nen-gzip-giai-nen-rat-lon-100004.html": Page(
            bomb, headers={"Content-Encoding": "gzip"}),
        "/tin/vong-lap-chuyen-huong-vo-tan-100005.html": Page(
            "", status=302, headers={"Location": "/tin/vong-lap-b-100008.html"}),
        "/tin/vong-lap-b-100008.html": Page(
            "", status=302, headers={"Location": "/tin/vong-lap-chuyen-huong-vo-tan-100005.html"}),
        "/tin/may-chu-tra-loi-qua-cham-100006.html": Page("<html>late</html>", delay=4),
        "/tin/trang-ma-hoa-windows-1258-100007.html": Page(
            to_cp1258(cp1258), content_type="text/html"),
    }


@pytest.fixture
def bad_site():
    server = SiteServer(_bad_routes()).start()
    yield server
    server.stop()


def test_every_bad_page_is_reported_and_the_run_completes(tmp_path: Path,
                                                          bad_site: SiteServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "hong", "name": "Trang hỏng", "province": "Lào Cai", "url": f"{bad_site.base}/tin"},
        {"id": "tu-choi", "name": "Từ chối", "province": "Huế",
         "url": f"http://127.0.0.1:{free_port()}/"},
        {"id": "khong-ten-mien", "name": "Không tên miền", "province": "Huế",
         "url": "http://provwatch-test-host.invalid/"},
    ])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, [
        "--db", str(db), *FAST, "-s", "DOWNLOAD_TIMEOUT=2", "-s", "DNS_TIMEOUT=5",
        "crawl", "--sources", str(sources)])
    out = result.output
    assert result.exit_code == 0, out
    store = open_store(db)
    titles = {r["title"] for r in store.iter_articles()}
    assert "Lào Cai đẩy mạnh chuyển đổi số trong cơ quan nhà nước" in titles
    assert CP1258_TITLE in titles  # windows-1258 without charset decoded correctly
    (run,) = [r for r in store.runs() if r["command"] == "crawl"]
    figures = json.loads(run["sources"])
    hong = figures["hong"]
    errors = {k for k in hong if k.startswith("errors/")}
    assert "errors/too_large" in errors, hong       # 20 MB page and gzip bomb
    assert "errors/redirect_loop" in errors, hong
    assert "errors/timeout" in errors, hong
    assert {"errors/empty_text", "errors/extraction"} & errors, hong  # empty page
    assert "errors/not_html" in errors or "errors/extraction" in errors, hong  # binary
    summary = json.loads(run["summary"])
    assert set(summary["failed_sources"]) == {"tu-choi", "khong-ten-mien"}
    assert "failed sources (2)" in out
    assert "refused" in summary["failed_sources"]["tu-choi"]
    assert "dns" in summary["failed_sources"]["khong-ten-mien"]


def test_malformed_entry_is_reported_and_the_rest_is_crawled(tmp_path: Path,
                                                             bad_site: SiteServer) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        '[[sources]]\nid = "hong"\nname = "Hỏng"\nprovince = "Lào Cai"\n'
        f'url = "{bad_site.base}/tin"\nonly_pattern_typo = "x"\n\n'
        '[[sources]]\nid = "tot"\nname = "Tốt"\nprovince = "Lào Cai"\n'
        f'url = "{bad_site.base}/tin"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "p.db"), *FAST, "-s",
                                       "DOWNLOAD_TIMEOUT=2", "crawl", "--sources", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: sources[0] (id='hong'): unknown key 'only_pattern_typo'" in result.output
    assert "2 sources, 2 new" in result.output  # the malformed entry is a failed source
    assert any(line.split()[:2] == ["tot", "ok"] for line in result.output.splitlines())
    assert any(line.split()[:3] == ["hong", "FAILED", "config=1"]
               for line in result.output.splitlines())


def test_unparseable_file_and_unknown_id_cannot_run(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[sources]]\nid = "a"\nname = "A\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "p.db"), "crawl",
                                       "--sources", str(path)])
    assert result.exit_code == 1
    assert f"{path}: not valid TOML" in result.output and "line 3" in result.output
    good = write_sources(tmp_path / "g.toml", [
        {"id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/"}])
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "p.db"), "crawl",
                                       "--sources", str(good), "--only", "nope"])
    assert result.exit_code == 1 and "unknown source id(s): nope" in result.output


def test_unusable_notifier_is_reported_and_alerts_stay_queued(tmp_path: Path,
                                                              bad_site: SiteServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "hong", "name": "Hỏng", "province": "Lào Cai", "url": f"{bad_site.base}/tin"}])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, [
        "--db", str(db), *FAST, "-s", "DOWNLOAD_TIMEOUT=2", "run", "--sources", str(sources),
        "--notify", "notaservice://secret-token-123456/chat"])
    assert result.exit_code == 0, result.output
    assert "notify: not a usable apprise URL: notaservice://***" in result.output
    assert "secret-token-123456" not in result.output
    store = open_store(db)
    assert len(store.all_unsent_alerts()) >= 1
    assert b"secret-token-123456" not in db.read_bytes()


@pytest.mark.parametrize(("setting", "message"), [
    ("PROVWATCH_WORKERS=many", "PROVWATCH_WORKERS must be 'auto' or a number, not 'many'"),
    ("PROVWATCH_COMMIT_EVERY=0", "PROVWATCH_COMMIT_EVERY must be at least 1"),
    ("PROVWATCH_ANALYSIS_TIMEOUT=soon", "PROVWATCH_ANALYSIS_TIMEOUT must be a number"),
])
def test_unusable_setting_is_refused_before_the_crawl(tmp_path: Path, setting: str,
                                                      message: str) -> None:
    sources = write_sources(tmp_path / "s.toml", [{
        "id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/tin"}])
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, ["--db", str(db), "-s", setting, "crawl", "--sources",
                                       str(sources)])
    assert result.exit_code == 2 and message in result.output
    assert not db.exists() or open_store(db).count("runs") == 0  # no run was started


def test_a_crawl_that_cannot_start_fails_the_run(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "s.toml", [{
        "id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/tin"}])
    result = CliRunner().invoke(main, [
        "--db", str(tmp_path / "p.db"), *FAST, "-s",
        'ITEM_PIPELINES={"crawler.no_such_module.Pipeline": 100}', "crawl", "--sources",
        str(sources)])
    assert result.exit_code == 1, result.output
    assert "the crawl process failed" in result.output


def test_the_cli_checks_the_same_settings_the_crawl_process_will_use() -> None:
    from crawler.run.runner import CrawlConfig, build_settings, effective_settings

    config = CrawlConfig(db="x.db", run_id=7, sources_file="s.toml", topics_file="t.toml",
                         overrides={"PROVWATCH_WORKERS": "2", "DOWNLOAD_DELAY": 0.5})
    seen_by_cli = effective_settings(config)
    seen_by_crawl = build_settings(config)
    assert seen_by_cli["PROVWATCH_WORKERS"] == "2" and seen_by_cli["PROVWATCH_RUN_ID"] == 7
    assert seen_by_cli == \
        {k: seen_by_crawl.get(k) for k in seen_by_cli}


def test_a_logged_item_names_its_page_without_dumping_it() -> None:
    from crawler.crawl.items import PageItem

    item = PageItem(url="https://tinh.gov.vn/a.html", source="tinh", body=b"x" * 50_000)
    item.record = {"text": "y" * 50_000}
    shown = repr(item)
    assert "https://tinh.gov.vn/a.html" in shown and "50,000 bytes" in shown
    assert len(shown) < 200
