"""Guards for what a crawl must do across nights and when told to stop (issue 18).

* A known article is re-checked with the validators it was served with (If-None-Match and
  If-Modified-Since), a 304 marks it checked, and a 200 with the same text but new
  validators stores the new ones.
* ``--fail-on-source-errors`` turns a dead source into exit code 3; without it the run
  exits 0.
* SIGTERM to the CLI reaches the crawl: with many slow pages still to fetch, the run ends
  soon after the signal instead of when the site is exhausted.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from store.db import utcnow
from tests.conftest import FAST, write_sources
from tests.localservers import Page, Route, SiteServer, free_port
from tests.test_outbox_crash import count_rows, start_cli, wait_for
from tests.test_stop import alive, children

MODIFIED = "Mon, 02 Jan 2023 03:04:05 GMT"


def article_html(n: int, extra: str = "") -> str:
    title = f"Tỉnh triển khai nền tảng số dùng chung, đợt {n}"
    body = "".join(f"<p>Đợt {n}, đoạn {i}: các sở, ngành và địa phương tiếp tục cập nhật dữ "
                   "liệu lên nền tảng số dùng chung của tỉnh, phục vụ chỉ đạo điều hành và "
                   "cung cấp dịch vụ công trực tuyến cho người dân.</p>" for i in range(4))
    return (f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
            f"<div class='date'>12/03/2024 08:00</div><div class='content'>{body}{extra}</div>"
            "</body></html>")


def article_path(n: int) -> str:
    return f"/tin-tuc/trien-khai-nen-tang-so-dung-chung-dot-{n}-{100000 + n}.html"


def listing(count: int) -> Page:
    items = "".join(f"<li><a href='{article_path(n)}'>Tỉnh triển khai nền tảng số dùng chung, "
                    f"đợt {n}</a></li>" for n in range(1, count + 1))
    return Page(f"<html><body><ul>{items}</ul></body></html>")


@pytest.fixture
def site() -> Iterator[SiteServer]:
    server = SiteServer({"/tin-tuc": listing(1), article_path(1): Page(article_html(1))}).start()
    yield server
    server.stop()


def crawl(tmp_path: Path, site: SiteServer, *extra: str, command: str = "crawl",
          flags: tuple[str, ...] = ()) -> tuple[int, str, dict]:
    """One night: the CLI crawl of the local site (plus sources at the ``extra`` URLs)."""
    entries: list[dict[str, object]] = [
        {"id": "tinh", "name": "Tỉnh", "province": "Huế", "url": f"{site.base}/tin-tuc"}]
    entries += [{"id": f"chet-{i}", "name": f"Nguồn chết {i}", "province": "Huế", "url": url}
                for i, url in enumerate(extra)]
    sources = write_sources(tmp_path / "s.toml", entries)
    db = tmp_path / "p.db"
    # analysis in the crawl process: no worker to start, and nothing here depends on it
    args = ["--db", str(db), *FAST, "-s", "PROVWATCH_WORKERS=0", command, "--sources",
            str(sources)]
    if command == "run":
        args.append("--no-notify")
    args += flags
    result = CliRunner().invoke(main, args)
    with sqlite3.connect(db) as conn:
        (figures,) = conn.execute("SELECT sources FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    return result.exit_code, result.output, json.loads(figures)


def stored(db: Path, column: str) -> object:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT {column} FROM articles WHERE url LIKE '%{article_path(1)}'"
                            ).fetchone()[0]


def article_requests(site: SiteServer, since: int = 0) -> list[dict[str, str]]:
    return [h for _, p, h in site.requests[since:] if p == article_path(1)]


# -- conditional re-checks -----------------------------------------------------------------
def test_the_next_night_asks_with_both_validators_it_was_given(tmp_path: Path,
                                                               site: SiteServer) -> None:
    crawl(tmp_path, site)
    (first,) = article_requests(site)
    assert "If-None-Match" not in first and "If-Modified-Since" not in first
    etag = stored(tmp_path / "p.db", "etag")
    assert etag and stored(tmp_path / "p.db", "last_modified") == MODIFIED
    before = len(site.requests)
    code, _, figures = crawl(tmp_path, site)
    (again,) = article_requests(site, before)
    assert again.get("If-None-Match") == etag
    assert again.get("If-Modified-Since") == MODIFIED
    assert code == 0 and figures["tinh"]["not_modified"] == 1
    assert figures["tinh"]["rechecked"] == 1  # the run's figures say it asked again


def test_a_server_that_only_knows_dates_answers_304_to_if_modified_since(
        tmp_path: Path, site: SiteServer) -> None:
    html = article_html(1)

    def by_date(handler: BaseHTTPRequestHandler) -> Page:
        if handler.headers.get("If-Modified-Since") == MODIFIED:
            return Page("", status=304, headers={"Last-Modified": MODIFIED}, validators=False)
        return Page(html, headers={"Last-Modified": MODIFIED}, validators=False)

    site.routes[article_path(1)] = by_date  # no ETag at all
    crawl(tmp_path, site)
    assert stored(tmp_path / "p.db", "etag") is None
    before = len(site.requests)
    _, _, figures = crawl(tmp_path, site)
    (again,) = article_requests(site, before)
    assert again.get("If-Modified-Since") == MODIFIED and "If-None-Match" not in again
    assert figures["tinh"]["not_modified"] == 1
    assert figures["tinh"].get("articles_fetched", 0) == 0


def test_a_304_marks_the_article_checked(tmp_path: Path, site: SiteServer) -> None:
    crawl(tmp_path, site)
    db = tmp_path / "p.db"
    long_ago = "2024-01-01T00:00:00+00:00"
    with sqlite3.connect(db) as conn:  # as if last checked in January
        conn.execute("UPDATE articles SET last_checked = ?", [long_ago])
    tonight = utcnow()
    _, _, figures = crawl(tmp_path, site)
    assert figures["tinh"]["not_modified"] == 1
    assert str(stored(db, "last_checked")) >= tonight  # set to this night's time


def test_same_text_with_new_validators_stores_the_new_validators(
        tmp_path: Path, site: SiteServer) -> None:
    db = tmp_path / "p.db"
    crawl(tmp_path, site)
    old_etag = stored(db, "etag")
    newer = "Tue, 05 Mar 2024 10:00:00 GMT"
    # the CMS re-rendered the page: same article, new ETag and date, so the 200 comes back
    site.routes[article_path(1)] = Page(article_html(1),
                                        headers={"ETag": '"v2"', "Last-Modified": newer})
    _, _, figures = crawl(tmp_path, site)
    assert figures["tinh"].get("unchanged") == 1 and figures["tinh"].get("not_modified", 0) == 0
    # stored, so the night after asks with these (what it sends is the first test's guard)
    assert old_etag != '"v2"'
    assert (stored(db, "etag"), stored(db, "last_modified")) == ('"v2"', newer)


# -- exit codes ----------------------------------------------------------------------------
def test_a_dead_source_exits_3_only_with_fail_on_source_errors(tmp_path: Path,
                                                               site: SiteServer) -> None:
    dead = f"http://127.0.0.1:{free_port()}/tin-tuc"  # nothing listens there
    code, output, figures = crawl(tmp_path, site, dead, command="run")
    assert code == 0, output
    assert figures["tinh"].get("new") == 1 and figures["chet-0"].get("start_failed")
    code, output, _ = crawl(tmp_path, site, dead, command="run",
                             flags=("--fail-on-source-errors",))
    assert code == 3, output


# -- stop ----------------------------------------------------------------------------------
SLOW_ARTICLES = 40
PAGE_DELAY = 1.0  # seconds per article page, one page at a time: ~40 s for the whole site
STOP_WINDOW = 15.0  # the run must end this soon after SIGTERM (the site needs ~35 s more)


def test_sigterm_stops_the_crawl_before_the_site_is_exhausted(tmp_path: Path) -> None:
    routes: dict[str, Route] = {"/tin-tuc": listing(SLOW_ARTICLES)}
    routes.update({article_path(n): Page(article_html(n), delay=PAGE_DELAY)
                   for n in range(1, SLOW_ARTICLES + 1)})
    site = SiteServer(routes).start()
    db = tmp_path / "p.db"
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "tinh", "name": "Tỉnh", "province": "Huế", "url": f"{site.base}/tin-tuc"}])
    proc = start_cli(db, *FAST, "-s", "CONCURRENT_REQUESTS=1", "-s",
                     "CONCURRENT_REQUESTS_PER_DOMAIN=1", "run", "--sources", str(sources),
                     "--no-notify")
    try:
        wait_for(lambda: count_rows(db, "articles") >= 2, timeout=60)
        crawl_procs = children(proc.pid)
        proc.send_signal(signal.SIGTERM)  # the CLI only, as `timeout` or `kill` sends it
        signalled = time.monotonic()
        try:
            out, _ = proc.communicate(timeout=STOP_WINDOW)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the run was still going {STOP_WINDOW:.0f} s after SIGTERM "
                        f"({count_rows(db, 'articles')} of {SLOW_ARTICLES} articles stored): "
                        "the signal did not reach the crawl")
        assert proc.returncode == 143, out
        assert time.monotonic() - signalled < STOP_WINDOW
        wait_for(lambda: not any(alive(pid) for pid in crawl_procs), timeout=10)
        fetched = [p for p in site.paths() if p.startswith("/tin-tuc/")]
        assert len(fetched) < SLOW_ARTICLES // 2  # it stopped taking new pages
        # what was fetched is kept (the page in flight at the signal may be the one missing)
        assert len(fetched) - 1 <= count_rows(db, "articles") <= len(fetched)
        with sqlite3.connect(db) as conn:
            (status,) = conn.execute("SELECT status FROM runs").fetchone()
        assert status == "stopped"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        site.stop()
