"""Near-duplicate rules on the labelled set, and the LSH lookup through the store's index."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.analysis.dedup import (
    CONTAINMENT,
    find_original,
    overlap,
    same_story,
    shingles,
    story_root,
)
from crawler.archive.database import open_store
from store.db import Store

LABELLED = Path(__file__).parent / "data" / "dedup_labelled.jsonl"
DOCS = [json.loads(line) for line in LABELLED.read_text("utf-8").splitlines() if line.strip()]


def by_id(doc_id: str) -> dict[str, str]:
    return next(d for d in DOCS if d["id"] == doc_id)


def add(store: Store, doc: dict[str, str], n: int) -> int:
    match = find_original(store, doc["text"])
    root = story_root(match.original) if match.original else None
    return store.insert_article(
        {"url": f"https://x.vn/{n}", "title": doc["title"], "text": doc["text"], "source": "x",
         "content_hash": match.digest, "duplicate_of": root},
        signature=match.fingerprint.signature, buckets=match.fingerprint.buckets)


def test_every_copy_joins_its_story_and_no_story_joins_another(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    story_of: dict[int, str] = {}
    roots: dict[str, set[int]] = {}
    for n, doc in enumerate(DOCS):  # file order: each story's portal copy first
        new_id = add(store, doc, n)
        story_of[new_id] = doc["story"]
        row = store.article_by_id(new_id)
        assert row is not None
        root = story_root(row)
        assert story_of[root] == doc["story"], f"{doc['id']} joined {story_of[root]}"
        roots.setdefault(doc["story"], set()).add(root)
    assert {s: len(r) for s, r in roots.items()} == {s: 1 for s in roots}


def test_excerpt_joins_by_containment_not_jaccard() -> None:
    full = shingles(by_id("laocai-dvc/portal")["text"])
    excerpt = shingles(by_id("laocai-dvc/excerpt-40")["text"])
    jaccard = len(full & excerpt) / len(full | excerpt)
    assert jaccard < 0.45 and overlap(full, excerpt) >= 0.95


def test_template_reports_of_two_months_stay_apart() -> None:
    # same province, same template and stock phrases, other figures: two stories
    assert not same_story(by_id("hatinh-thang10/portal")["text"],
                          by_id("hatinh-thang11/portal")["text"])
    assert not same_story(by_id("hatinh-thang10/portal")["text"],
                          by_id("hatinh-thang11/excerpt-40")["text"])
    assert not same_story(by_id("laocai-dvc/portal")["text"],
                          by_id("laocai-tocongnghe/portal")["text"])


def test_same_story_rule_on_all_labelled_pairs() -> None:
    sets = [shingles(d["text"]) for d in DOCS]
    false = [(DOCS[a]["id"], DOCS[b]["id"]) for a in range(len(DOCS))
             for b in range(a + 1, len(DOCS))
             if DOCS[a]["story"] != DOCS[b]["story"] and overlap(sets[a], sets[b]) >= CONTAINMENT]
    assert false == []


def test_short_text_is_compared_whole_not_contained() -> None:
    brief = "UBND tỉnh tổ chức hội nghị chuyển đổi số với sự tham gia của lãnh đạo các sở ngành"
    long = by_id("laocai-dvc/portal")["text"] + "\n" + brief
    assert overlap(shingles(brief), shingles(long)) < CONTAINMENT


def test_lsh_lookup_searches_the_band_index(tmp_path: Path) -> None:
    store = open_store(tmp_path / "q.db")
    plan = store.db.execute(
        "EXPLAIN QUERY PLAN SELECT article_id, COUNT(*) AS n FROM lsh_bands WHERE bucket "
        "IN (?, ?) GROUP BY article_id ORDER BY n DESC, article_id LIMIT ?",
        [1, 2, 20]).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert "SEARCH lsh_bands USING PRIMARY KEY (bucket=?)" in details
    assert "SCAN lsh_bands" not in details


def test_a_copy_points_at_the_first_seen_copy_even_via_another_copy(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    first = add(store, by_id("quangninh-ioc/excerpt-40"), 1)
    second = add(store, by_id("quangninh-ioc/portal"), 2)
    third = add(store, by_id("quangninh-ioc/rewritten-lead"), 3)
    rows = [store.article_by_id(i) for i in (first, second, third)]
    assert [r["duplicate_of"] for r in rows if r] == [None, first, first]
