"""provwatch reanalyse: stored pages read again after a selector or topic change, without
fetching, with no new version and no change alert."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, write_sources
from tests.localservers import SiteServer

LAOCAI = "lao-cai-day-manh-chuyen-doi-so"
IOC_LINE = "Trung tâm giám sát, điều hành thông minh (IOC)"
FARM_TOPIC = """
[[topics]]
id = "nong-nghiep"
name = "Nông nghiệp"
threshold = 3.0
[topics.terms]
"cơ cấu cây trồng" = 3.0
"""


def _source(tmp_path: Path, portal: SiteServer, name: str, **extra: object) -> Path:
    return write_sources(tmp_path / name, [{
        "id": "local", "name": "Local", "province": "Lào Cai",
        "url": f"http://127.0.0.1:{portal.port}/tin-tuc", **extra}])


def _cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), "-q", *FAST, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_new_exclude_selector_applies_to_stored_pages(tmp_path: Path,
                                                        portal: SiteServer) -> None:
    db = tmp_path / "p.db"
    _cli(db, "crawl", "--sources", str(_source(tmp_path, portal, "a.toml")))
    store = open_store(db)
    article = next(a for a in store.iter_articles() if LAOCAI in a["url"])
    assert IOC_LINE in article["text"]
    alerts_before = store.count("alerts")
    store.close()
    requests_before = len(portal.requests)
    # the operator decides the IOC paragraph is furniture of this site (an odd fix, but a
    # visible one) and reads the stored pages again
    fixed = _source(tmp_path, portal, "b.toml",
                    exclude_selectors=[".detail-content p:nth-of-type(3)"])
    out = _cli(db, "reanalyse", "--sources", str(fixed), "--source", "local")
    assert "3 stored pages read again" in out and "texts changed" in out
    assert len(portal.requests) == requests_before  # nothing fetched
    store = open_store(db)
    article = store.article_by_id(article["id"])
    assert article is not None
    assert IOC_LINE not in article["text"]
    assert article["version"] == 1  # a re-reading is no edit
    assert IOC_LINE not in store.versions(article["id"])[-1]["text"]
    assert store.count("alerts") == alerts_before  # and no change alert
    assert [r["id"] for r in store.search("giam sat dieu hanh thong minh")] == []
    store.close()


def test_a_new_topic_file_flags_stored_articles_without_alerts(tmp_path: Path,
                                                               portal: SiteServer) -> None:
    db = tmp_path / "p.db"
    sources = _source(tmp_path, portal, "a.toml")
    _cli(db, "crawl", "--sources", str(sources))
    store = open_store(db)
    farm = next(a for a in store.iter_articles() if "co-cau-cay-trong" in a["url"])
    assert not farm["relevant"]
    alerts_before = store.count("alerts")
    store.close()
    topics = tmp_path / "topics.toml"
    topics.write_text(FARM_TOPIC, encoding="utf-8")
    out = _cli(db, "reanalyse", "--sources", str(sources), "--topics", str(topics))
    assert f"now flagged: #{farm['id']}" in out
    store = open_store(db)
    farm = store.article_by_id(farm["id"])
    assert farm is not None and farm["relevant"] and farm["topic"] == "nong-nghiep"
    assert store.count("alerts") == alerts_before
    store.close()


def test_articles_without_a_kept_page_are_named(tmp_path: Path, portal: SiteServer) -> None:
    db = tmp_path / "p.db"
    sources = _source(tmp_path, portal, "a.toml")
    _cli(db, "-s", "PROVWATCH_KEEP_PAGES=false", "crawl", "--sources", str(sources))
    out = _cli(db, "reanalyse", "--sources", str(sources))
    assert "0 stored pages read again" in out
    assert "3 articles have no kept page" in out
