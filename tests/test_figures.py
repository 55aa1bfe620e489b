"""Per-source figures: one declared key list, kept in Scrapy's stats collector (issue 20)."""

from __future__ import annotations

import ast
import json
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from scrapy.utils.test import get_crawler

from cli import main
from crawler.archive.database import open_store
from crawler.crawl import figures
from crawler.crawl.figures import FIGURES, SUMMARY_KEYS, count, is_declared, per_source, register
from crawler.crawl.progress import KEYS as PROGRESS_KEYS
from crawler.crawl.progress import progress_line
from crawler.run.runreport import TOTALS
from tests.conftest import FAST, write_sources
from tests.localservers import SiteServer


def stats():  # type: ignore[no-untyped-def]
    """Scrapy's own stats collector (MemoryStatsCollector) of a crawler built by Scrapy."""
    return get_crawler().stats


def test_an_undeclared_key_is_refused_and_named() -> None:
    collector = stats()
    with pytest.raises(ValueError, match="'new_articles'"):
        count(collector, "tinh", "new_articles")
    with pytest.raises(ValueError, match="'errors/'"):
        count(collector, "tinh", "errors/")  # the family needs a kind
    with pytest.raises(ValueError, match="'errors/a/b'"):
        count(collector, "tinh", "errors/a/b")
    assert per_source(collector) == {}  # nothing counted, no source made up


def test_per_source_rebuilds_what_was_counted_in_order_zeros_and_silent_sources_kept() -> None:
    collector = stats()
    register(collector, "im-lang")  # started, nothing counted yet
    count(collector, "tinh", "requests", 3)
    count(collector, "tinh", "links_found", 0)  # an empty listing: shown as 0
    count(collector, "tinh", "errors/http_404")
    count(collector, "tinh", "requests")
    count(collector, "unknown", "duplicate_url_skipped")
    register(collector, "tinh")  # registering again changes nothing
    collector.inc_value("downloader/request_count")  # Scrapy's own stats are not figures
    result = per_source(collector)
    assert result == {"im-lang": {}, "tinh": {"requests": 4, "links_found": 0,
                                              "errors/http_404": 1},
                      "unknown": {"duplicate_url_skipped": 1}}
    assert list(result) == ["im-lang", "tinh", "unknown"]  # the order sources were met
    assert list(result["tinh"]) == ["requests", "links_found", "errors/http_404"]
    assert figures.value(collector, "tinh", "requests") == 4
    assert figures.value(collector, "im-lang", "requests") == 0
    assert collector.get_value("provwatch/tinh/requests") == 4  # plain Scrapy stats
    assert progress_line(result) == ("progress | im-lang: waiting · tinh: 1 errors · "
                                     "unknown: waiting")


def test_every_key_the_readers_use_is_declared_with_a_meaning() -> None:
    read = {key for key, _ in PROGRESS_KEYS} | {key for _, key in TOTALS} | set(SUMMARY_KEYS)
    read |= {"start_failed", "feed_entries", "sitemap_entries", "errors/extraction",
             "errors/empty_text", "errors/store", "errors/config"}  # health, the night's run
    assert {key for key in read if not is_declared(key)} == set()
    assert all(meaning.strip() for meaning in FIGURES.values())
    assert SUMMARY_KEYS[:4] == ("requests", "listing_pages", "links_found", "articles_fetched")


ROOT = Path(__file__).resolve().parent.parent
CRAWL_CODE = sorted([*ROOT.glob("crawler/**/*.py"), *ROOT.glob("spiders/*.py")])


def _counted_literals(path: Path) -> set[str]:
    """Figure keys written as literals in count(...) / _count(...) calls of one module
    (not a database's store.count(table, ...))."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        if name not in ("count", "_count") or "store" in receiver.lower():
            continue
        last = node.args[-1] if len(node.args) > 1 else None
        if len(node.args) > 2 and isinstance(node.args[-1], ast.Name | ast.Call | ast.BinOp):
            last = node.args[-2]  # count(source, key, n)
        if isinstance(last, ast.Constant) and isinstance(last.value, str):
            keys.add(last.value)
    return keys


def test_every_key_counted_in_the_crawl_code_is_declared() -> None:
    counted = {key: path.relative_to(ROOT).as_posix() for path in CRAWL_CODE
               for key in _counted_literals(path)}
    assert {"requests", "trap_cut", "not_modified", "errors/store"} <= set(counted)
    assert {key: where for key, where in counted.items() if not is_declared(key)} == {}


def test_request_meta_keys_are_spelt_out_only_in_items() -> None:
    spelt = {path.relative_to(ROOT).as_posix() for path in CRAWL_CODE
             if re.search(r"[\"']provwatch_[a-z]", path.read_text("utf-8"))}
    assert spelt == {"crawler/crawl/items.py"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_crawl_records_in_the_runs_table_the_figures_of_its_stats(
        tmp_path: Path, portal: SiteServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "cong", "name": "Cổng", "province": "Huế", "url": f"{portal.base}/tin-tuc"},
        {"id": "chet", "name": "Chết", "province": "Huế",
         "url": f"http://127.0.0.1:{_closed_port()}/"}])
    db, log = tmp_path / "p.db", tmp_path / "scrapy.log"
    result = CliRunner().invoke(main, ["--db", str(db), *FAST, "-s", f"LOG_FILE={log}",
                                       "crawl", "--sources", str(sources)])
    assert "cong" in result.output, result.output
    recorded = json.loads(open_store(db).runs()[0]["sources"])
    # Scrapy's stats dump at the end of the crawl, as the child process logged it
    dumped: dict[str, dict[str, int]] = {}
    for source, key, n in re.findall(r"'provwatch/([^/']+)/([^']+)': (\d+)",
                                     log.read_text("utf-8")):
        dumped.setdefault(source, {})[key] = int(n)
    assert recorded == dumped and set(recorded) == {"cong", "chet"}
    assert [k for fig in recorded.values() for k in fig if not is_declared(k)] == []
    cong, chet = recorded["cong"], recorded["chet"]
    assert cong["new"] == 3 and cong["articles_fetched"] == 3 and cong["listing_pages"] == 2
    assert chet["start_failed"] == 1 and chet["errors/refused"] >= 1
    assert not chet.get("listing_pages")
