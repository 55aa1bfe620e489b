"""Operator mistakes at the command line get a clear answer and change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from store.db import MAX_QUERY_WORDS


@pytest.mark.parametrize("command", [["status"], ["search", "chuyển đổi số"],
                                     ["export", "--format", "jsonl"], ["history", "1"],
                                     ["explain", "1"], ["notify", "pending"]])
def test_a_mistyped_db_is_named_not_created(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "provwatc.db"  # the operator meant provwatch.db
    result = CliRunner().invoke(main, ["--db", str(db), *command])
    assert result.exit_code == 1, result.output
    assert f"no database at {db}" in result.output
    assert not db.exists()


def test_an_overlong_search_query_is_refused_at_once(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    open_store(db).close()
    words = " ".join(["chuyển đổi số"] * 6000)  # 18,000 words
    result = CliRunner().invoke(main, ["--db", str(db), "search", words])
    assert result.exit_code == 2
    assert "too long" in result.output
    ok = CliRunner().invoke(main, ["--db", str(db), "search",
                                   " ".join(["số"] * MAX_QUERY_WORDS)])
    assert ok.exit_code == 0, ok.output


def test_a_stats_collector_that_keeps_nothing_is_refused_before_the_crawl(
        tmp_path: Path) -> None:
    """Each source's figures and page budget live in Scrapy's stats: with the dummy
    collector a run would report nothing and never stop at the budget."""
    db = tmp_path / "p.db"
    result = CliRunner().invoke(main, [
        "--db", str(db), "-s", "STATS_CLASS=scrapy.statscollectors.DummyStatsCollector",
        "crawl", "--only", "baochinhphu"])
    assert result.exit_code == 2, result.output
    assert "STATS_CLASS" in result.output and "DummyStatsCollector" in result.output
    store = open_store(db)
    assert store.runs(limit=5) == []  # refused before a run began: nothing was fetched
    store.close()
