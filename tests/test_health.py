"""Source health: one alert after N bad runs in a row, one recovery message, no repeats."""

from __future__ import annotations

from pathlib import Path

from crawler.archive.database import open_store
from crawler.run.health import assess_sources
from store.db import Store, utcnow

GOOD = {"listing_pages": 2, "links_found": 10, "articles_fetched": 3, "new": 3}
DOWN = {"errors/dns": 1, "start_failed": 1}


def _assess(store: Store, run: int, fig: dict[str, int], failed: dict[str, str] | None = None):
    return assess_sources(store, run_id=run, started=utcnow(), figures={"s": fig},
                          failed=failed or {}, names={"s": "Báo S"}, streak=3)


def _health_alerts(store: Store) -> list[tuple[str, str]]:
    return [(a["kind"], a["payload"]["detail"]) for a in store.all_unsent_alerts()]


def test_failing_source_alerts_once_then_recovers_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    assert _assess(store, 1, GOOD) == []
    assert _assess(store, 2, DOWN, {"s": "dns×1"}) == []
    assert _assess(store, 3, DOWN, {"s": "dns×1"}) == []
    (event,) = _assess(store, 4, DOWN, {"s": "dns×1"})
    assert event.kind == "health" and event.problem == "fail"
    assert _assess(store, 5, DOWN, {"s": "dns×1"}) == []  # not again while still down
    (recovered,) = _assess(store, 6, GOOD)
    assert recovered.kind == "recovered"
    alerts = _health_alerts(store)
    assert [k for k, _ in alerts] == ["health", "recovered"]
    assert "3 lần chạy liên tiếp" in alerts[0][1] and "dns×1" in alerts[0][1]
    assert store.all_unsent_alerts()[0]["tags"] == ["health", "operators"]
    row = store.health("s")
    assert row["fail_streak"] == 0 and row["last_success"] is not None


def test_source_with_no_links_is_empty(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    events = [_assess(store, i, {"listing_pages": 1}) for i in range(3)]
    assert events[:2] == [[], []] and events[2][0].problem == "empty"


def test_extraction_much_shorter_than_usual_is_a_layout_change(tmp_path: Path) -> None:
    store = open_store(tmp_path / "p.db")
    store.save_health({"source": "s", "fail_streak": 0, "empty_streak": 0,
                       "short_streak": 2, "median_length": 3000.0, "alerted": None})
    store.insert_article({"url": "https://s.vn/1", "source": "s", "title": "T",
                          "text": "Ngắn quá.", "content_hash": "h"})
    (event,) = _assess(store, 1, GOOD)
    assert event.problem == "short" and "ngắn bất thường" in event.detail
