"""export --format csv/atom, --topic, --since/--until, local (+07:00) times; search
--since/--until, the note when --limit cut the results, copies marked."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.exportrows import EXPORT_FIELDS, parse_bound
from tests.newsdb import (
    FARM_TITLE,
    HUE_TITLE,
    LISTING_TITLE,
    OLD_TITLE,
    SAFETY_TITLE,
    TQ_FIRST_SEEN_LOCAL,
    TQ_TITLE,
    populate,
)


@pytest.fixture
def news(tmp_path: Path) -> tuple[str, dict[str, int]]:
    db = tmp_path / "news.db"
    return str(db), populate(db)


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_jsonl_keeps_its_fields_and_gives_local_times(news: tuple[str, dict[str, int]]
                                                      ) -> None:
    db, ids = news
    code, out = cli("--db", db, "export")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert all(list(r) == list(EXPORT_FIELDS) for r in rows)  # the contract, in order
    tq = next(r for r in rows if r["id"] == ids["tq"])
    assert tq["first_seen"] == TQ_FIRST_SEEN_LOCAL  # stored as 2026-12-03T20:30:00+00:00
    for row in rows:
        for key in ("published", "first_seen", "last_changed", "last_checked"):
            assert row[key] is None or row[key].endswith("+07:00"), (key, row[key])
    assert tq["former_provinces"] == ["Hà Giang"] and tq["relevant"] is True


def test_csv_has_every_field_in_vietnamese(news: tuple[str, dict[str, int]],
                                           tmp_path: Path) -> None:
    db, ids = news
    target = tmp_path / "out.csv"
    code, _ = cli("--db", db, "export", "--format", "csv", "-o", str(target),
                  "--relevant-only", "--province", "Tuyen Quang")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    assert list(rows[0]) == list(EXPORT_FIELDS)
    assert [int(r["id"]) for r in rows] == [ids["tq"], ids["tq_copy"]]
    first = rows[0]
    assert first["title"] == TQ_TITLE and first["former_provinces"] == "Hà Giang"
    assert first["relevant"] == "true" and first["duplicate_of"] == ""
    assert rows[1]["duplicate_of"] == str(ids["tq"])
    assert first["first_seen"] == TQ_FIRST_SEEN_LOCAL
    assert "\n" in first["text"]  # paragraphs kept inside the quoted field


def test_atom_export_per_topic_and_province(news: tuple[str, dict[str, int]]) -> None:
    db, ids = news
    code, out = cli("--db", db, "export", "--format", "atom")
    assert code == 0
    feed = feedparser.parse(out.encode("utf-8"))
    assert not feed.bozo, feed.bozo_exception
    # flagged stories only, each once, newest first
    assert [e.title for e in feed.entries] == [TQ_TITLE, SAFETY_TITLE, HUE_TITLE, OLD_TITLE]
    assert FARM_TITLE not in out and LISTING_TITLE not in out  # listing pages are no news
    code, out = cli("--db", db, "export", "--format", "atom", "--topic", "dx", "--province",
                    "ha giang", "--base-url", "https://pw.example.vn/")
    feed = feedparser.parse(out.encode("utf-8"))
    assert [e.title for e in feed.entries] == [TQ_TITLE]
    entry = feed.entries[0]
    assert entry.published.endswith("+07:00")
    assert [x.href for x in entry.links if x.rel == "related"] == [
        f"https://pw.example.vn/provwatch/articles/{ids['tq']}"]
    assert feed.feed.title == "provwatch: tin được gắn cờ · chủ đề dx · tỉnh ha giang"
    code, out = cli("--db", db, "export", "--format", "atom", "--topic", "an-toan-thong-tin")
    assert [e.title for e in feedparser.parse(out.encode("utf-8")).entries] == [SAFETY_TITLE]


@pytest.mark.parametrize(("since", "until"), [("01/01/2026", "31/01/2026"),
                                              ("2026-01-01", "2026-01-31"),
                                              ("10/01/2026 08:00", "10/01/2026")])
def test_since_until_on_export_and_search(news: tuple[str, dict[str, int]], since: str,
                                          until: str) -> None:
    db, ids = news
    code, out = cli("--db", db, "export", "--since", since, "--until", until)
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [ids["old"]]
    code, out = cli("--db", db, "search", "chuyen doi so", "--since", since, "--until", until)
    assert code == 0 and OLD_TITLE in out and TQ_TITLE not in out
    code, out = cli("--db", db, "export", "--format", "atom", "--since", since,
                    "--until", until)
    assert [e.title for e in feedparser.parse(out.encode("utf-8")).entries] == [OLD_TITLE]


def test_since_alone_and_bad_dates(news: tuple[str, dict[str, int]]) -> None:
    db, ids = news
    code, out = cli("--db", db, "export", "--since", "11/01/2026")
    assert ids["old"] not in [json.loads(line)["id"] for line in out.splitlines()]
    assert len(out.splitlines()) == 5
    code, out = cli("--db", db, "export", "--since", "31/02/2026")
    assert code == 2 and "is not a date" in out
    code, out = cli("--db", db, "search", "so", "--since", "hôm qua")
    assert code == 2 and "is not a date" in out
    code, out = cli("--db", db, "export", "--since", "2026-02-01", "--until", "2026-01-01")
    assert code == 2 and "is not after" in out
    # a bare --until date includes that whole day (Vietnamese time)
    assert parse_bound("10/01/2026", end=True) == datetime.fromisoformat(
        "2026-01-11T00:00:00+07:00")


def test_search_says_what_the_limit_cut_and_marks_copies(news: tuple[str, dict[str, int]]
                                                         ) -> None:
    db, ids = news
    code, out = cli("--db", db, "search", "chuyen doi so", "--limit", "1")
    assert code == 0
    assert "1 of 3 matches shown; 2 more (raise --limit)" in out
    code, out = cli("--db", db, "search", "chuyen doi so")
    assert "matches shown" not in out
    assert f"{TQ_TITLE} (copy of #{ids['tq']})" in out
    assert "tổng kết một năm [chuyển đổi số]." in out  # the snippet keeps the diacritics
    code, out = cli("--db", db, "search", "chuyen doi so", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["id"]: r["duplicate_of"] for r in rows}[ids["tq_copy"]] == ids["tq"]
    code, out = cli("--db", db, "search", "khong co dau")
    assert "no match" in out
