"""The reading room: `provwatch serve` (real Datasette on 127.0.0.1) read in a real headless
Chromium: the flagged-news list, an article's diff, search without diacritics, the Atom
feed; read-only and live beside a crawl's writes; bound to this machine by default."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from crawler.archive.readingroom import article_changes_url, article_page_url
from tests.localservers import free_port
from tests.newsdb import (
    FARM_TITLE,
    HUE_TITLE,
    LISTING_TITLE,
    OLD_TITLE,
    SAFETY_TITLE,
    TQ_TITLE,
    populate,
)

ROOT = Path(__file__).parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Room:
    base: str
    db: Path
    ids: dict[str, int]
    process: subprocess.Popen[str]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _start_serve(db: Path, cwd: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "--db", str(db), "serve",
         "--port", str(port), *args],
        cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {process.stderr.read()}")
        try:
            if _get(f"{base}/-/versions.json")[0] == 200:
                return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not answer within 60 s")


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Room]:
    db = tmp_path / "news.db"
    ids = populate(db)
    process, base = _start_serve(db, tmp_path)
    yield Room(base, db, ids, process)
    process.terminate()
    process.wait(timeout=20)


def _dom(url: str, profile: Path) -> str:
    """The page as headless Chromium renders it (the DOM after load)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (Debian package "
                                              "'chromium'; .ci/run installs it)")
def test_reading_room_in_a_real_browser(room: Room, tmp_path: Path) -> None:
    profile = tmp_path / "chromium-profile"
    ids = room.ids
    # the week's flagged news: each story once, with its copies counted; not the farm story
    week = _dom(f"{room.base}/provwatch/tin_cds_tuan_nay", profile)
    assert "Tin được gắn cờ trong 7 ngày qua" in week
    assert TQ_TITLE in week and HUE_TITLE in week and SAFETY_TITLE in week
    assert week.count(f'href="/provwatch/articles/{ids["tq"]}"') == 1
    assert f'href="/provwatch/articles/{ids["tq_copy"]}"' not in week
    assert FARM_TITLE not in week and OLD_TITLE not in week and LISTING_TITLE not in week
    # filtered by a former province name without diacritics, and by topic
    today = _dom(f"{room.base}/provwatch/tin_cds_tuan_nay?tinh=ha+giang&chu_de=dx", profile)
    assert TQ_TITLE in today and HUE_TITLE not in today and SAFETY_TITLE not in today
    # an article's diff: the removed and the added lines, marked
    diff = _dom(f"{room.base}/provwatch/bai_thay_doi?id={ids['hue']}", profile)
    assert HUE_TITLE in diff
    assert '<span style="background:#ffebe9">-Tỷ lệ hồ sơ trực tuyến toàn trình đạt 60%.' \
        in diff
    assert '<span style="background:#e6ffec">+Thành phố sẽ mở kho dữ liệu dùng chung' in diff
    # search without diacritics finds the story; the snippet keeps them
    found = _dom(f"{room.base}/provwatch/tim_kiem?q={quote('chuyen doi so')}", profile)
    assert TQ_TITLE in found and OLD_TITLE in found and FARM_TITLE not in found
    assert "tổng kết một năm <mark>chuyển đổi số</mark>" in found
    # written by a crawl while the room is open: shown at once (read-only, not immutable)
    store = open_store(room.db)
    store.insert_article({"url": "https://baotuyenquang.example/moi-707.html",
                          "source": "baotuyenquang", "province": "Tuyên Quang",
                          "title": "Tuyên Quang phát động Tổ công nghệ số cộng đồng",
                          "text": "Chuyển đổi số đến từng thôn.", "relevant": 1,
                          "topic": "dx", "published": None})
    store.close()
    today = _dom(f"{room.base}/provwatch/tin_cds_hom_nay?tinh={quote('Tuyên Quang')}", profile)
    assert "Tuyên Quang phát động Tổ công nghệ số cộng đồng" in today


def test_atom_feed_per_topic_and_province(room: Room) -> None:
    status, body = _get(f"{room.base}/-/atom?chu_de=dx")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert titles == [TQ_TITLE, HUE_TITLE, OLD_TITLE]  # newest first, copies left out
    entry = feed.entries[0]
    assert entry.link == "https://baotuyenquang.example/chuyen-doi-so-dich-vu-cong-101.html"
    assert {t.term for t in entry.tags} >= {"dx", "Tuyên Quang", "Hà Giang"}
    related = [x.href for x in entry.links if x.rel == "related"]
    assert related == [f"{room.base}/provwatch/articles/{room.ids['tq']}"]
    feed = feedparser.parse(_get(f"{room.base}/-/atom?tinh=hue")[1])
    assert [e.title for e in feed.entries] == [SAFETY_TITLE, HUE_TITLE]
    feed = feedparser.parse(_get(f"{room.base}/-/atom?tu_ngay=01/01/2026&den_ngay=31/01/2026")
                            [1])
    assert [e.title for e in feed.entries] == [OLD_TITLE]
    status, body = _get(f"{room.base}/-/atom?tu_ngay=hom-qua")
    assert status == 400 and b"is not a date" in body


def test_canned_queries_group_copies_and_show_source_health(room: Room) -> None:
    status, body = _get(f"{room.base}/provwatch/ban_trung_lap.json?_shape=array")
    assert status == 200
    groups = json.loads(body)
    assert [(g["id"], g["Số bản sao"]) for g in groups] == [(room.ids["tq"], 1)]
    assert groups[0]["Các bản sao"] == f"congtuyenquang #{room.ids['tq_copy']}"
    health = json.loads(_get(f"{room.base}/provwatch/suc_khoe_nguon.json?_shape=array")[1])
    assert health[0]["Nguồn"] == "congtuyenquang"
    assert health[0]["Tình trạng"] == "không truy cập được"
    assert health[0]["Lần chạy tốt gần nhất"] == "01/12/2026 02:40"  # 30/11 19:40 UTC
    stats = json.loads(_get(f"{room.base}/provwatch/thong_ke_tuan.json?_shape=array")[1])
    assert {(s["Tỉnh"], s["Chủ đề"], s["Số tin"]) for s in stats} == {
        ("Tuyên Quang", "dx", 1), ("Huế", "dx", 1), ("Huế", "an-toan-thong-tin", 1)}
    # with diacritics and đ, folded as `provwatch search` folds it
    found = json.loads(_get(f"{room.base}/provwatch/tim_kiem.json?_shape=array&q="
                            + quote("CHUYỂN ĐỔI SỐ Tuyên"))[1])
    assert [r["id"] for r in found] == [room.ids["tq"], room.ids["tq_copy"]]  # no listing
    assert found[1]["Bản sao của"] == room.ids["tq"]
    # an empty search shows the form, not an error
    status, body = _get(f"{room.base}/provwatch/tim_kiem.json?q=&_shape=array")
    assert status == 200 and json.loads(body) == []


def _listens(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_serve_binds_to_this_machine_only_and_never_writes(room: Room) -> None:
    port = int(room.base.rsplit(":", 1)[1])
    assert _listens(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0
    before = room.db.read_bytes()
    status, body = _get(f"{room.base}/provwatch.json?sql=" + quote(
        "select count(*) as n from articles") + "&_shape=array")
    assert status == 200 and json.loads(body) == [{"n": 7}]
    # the SQL page refuses writes (and the connection is read-only underneath)
    status, _ = _get(f"{room.base}/provwatch.json?sql=" + quote("delete from articles"))
    assert status == 400
    assert room.db.read_bytes() == before
    room.process.terminate()  # closes cleanly; uvicorn then re-raises the signal (143)
    assert room.process.wait(timeout=20) in (0, -signal.SIGTERM)
    assert "Finished server process" in room.process.stderr.read()


def test_base_url_puts_links_under_the_public_address(tmp_path: Path) -> None:
    db = tmp_path / "news.db"
    ids = populate(db)
    process, base = _start_serve(db, tmp_path, "--base-url", "https://pw.example.vn/phong-doc/")
    try:
        feed = feedparser.parse(_get(f"{base}/-/atom?tinh=Tuyen+Quang")[1])
        assert [x.href for x in feed.entries[0].links if x.rel == "related"] == [
            f"https://pw.example.vn/phong-doc/provwatch/articles/{ids['tq']}"]
        # behind a proxy that keeps the prefix, pages answer there and link under it
        status, page = _get(f"{base}/phong-doc/provwatch/tin_cds_tuan_nay")
        assert status == 200
        assert f'href="/phong-doc/provwatch/articles/{ids["tq"]}"'.encode() in page
        # the pages alerts link to (article_page_url, article_changes_url) are there
        status, page = _get(article_page_url(f"{base}/phong-doc", ids["tq"]))
        assert status == 200 and TQ_TITLE in page.decode("utf-8")
        status, page = _get(article_changes_url(f"{base}/phong-doc/", ids["hue"]))
        assert status == 200 and "+Tỷ lệ hồ sơ trực tuyến toàn trình đạt 75%." in \
            page.decode("utf-8")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_article_page_url_and_serve_errors(tmp_path: Path) -> None:
    assert article_page_url("https://pw.example.vn/phong-doc/", 42) == \
        "https://pw.example.vn/phong-doc/provwatch/articles/42"
    assert article_page_url("http://127.0.0.1:8001", 7) == \
        "http://127.0.0.1:8001/provwatch/articles/7"
    assert article_changes_url("https://pw.example.vn", 7) == \
        "https://pw.example.vn/provwatch/bai_thay_doi?id=7"
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "serve"])
    assert result.exit_code == 1 and "no database yet" in result.output
    assert not (tmp_path / "none.db").exists()
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "serve",
                                       "--base-url", "pw.example.vn"])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output
