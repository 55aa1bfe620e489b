"""Near-duplicate lookup cost against growing archives, and merge accuracy.

    python benchmarks/dedup.py [--sizes 10000 100000] [--new 1000] [--tune]

1. Builds archives of N synthetic articles in a temp SQLite store (not timed), then times
   adding 1,000 new articles through the pipeline's own path (crawler.analysis.dedup.find_original +
   Store.insert_article) and prints ms per article for each size and the ratio between
   the largest and smallest archive (about 1.0 means cost does not grow with the archive).
2. On the labelled set tests/data/dedup_labelled.jsonl (stories, each as portal, newspaper,
   excerpt, edited, abbreviated, merged-with-furniture and some hand-rewritten copies; two
   distinct same-topic stories per province) inserts every document through the same path
   in 20 shuffled orders and prints missed and false merges. --tune prints the exact
   containment of all pairs per shingle size (how SHINGLE and CONTAINMENT were chosen).
3. Prints SQLite's plan for the LSH lookup: it must SEARCH the lsh_bands index.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.analysis.dedup import find_original, fingerprint, overlap, shingles, story_root  # noqa: E402
from crawler.archive.database import open_store  # noqa: E402
from store.db import Store  # noqa: E402

VOCAB = ("tỉnh huyện xã chuyển đổi số chính quyền dịch vụ công trực tuyến người dân doanh nghiệp "
         "hạ tầng dữ liệu nền tảng năm kế hoạch triển khai hội nghị lãnh đạo sở ngành kết quả "
         "mục tiêu nông nghiệp giáo dục y tế giao thông đầu tư phát triển kinh tế xã hội văn hóa "
         "du lịch môi trường an ninh quốc phòng cải cách hành chính thủ tục hồ sơ").split()


ONSETS = "b c ch d đ g gi h k kh l m n ng nh ph qu r s t th tr v x".split()
RIMES = "a ai an ang anh ao ay e em en eo i ia inh iu o oa oai oan oc oi om on ong u ua uan " \
        "ui un ung uy uyen ư ưa ưng ươi ương".split()
# A realistic vocabulary size: a few thousand syllables, so unrelated synthetic articles share
# as few 3-grams as unrelated real articles do (a tiny vocabulary would make every text collide).
SYLLABLES = sorted({o + r for o in ONSETS for r in RIMES} | set(VOCAB))


def synthetic_text(rng: random.Random, words: int = 120) -> str:
    return " ".join(rng.choice(SYLLABLES) for _ in range(words)) + f" {rng.randrange(10**9)}."


def add(store: Store, text: str, n: int, lookups: list[float]) -> None:
    start = time.perf_counter()
    match = find_original(store, text)
    lookups.append(time.perf_counter() - start)
    store.insert_article(
        {"url": f"https://bench.vn/{n}", "title": f"Bài {n}", "text": text, "source": "bench",
         "content_hash": match.digest,
         "duplicate_of": (match.original or {}).get("duplicate_of") or
         (match.original or {}).get("id")},
        signature=match.fingerprint.signature, buckets=match.fingerprint.buckets)


def build_archive(path: Path, size: int, rng: random.Random) -> Store:
    store = open_store(path)
    batch: list[tuple[str, int]] = [(synthetic_text(rng), i) for i in range(size)]
    with store.transaction():
        for text, i in batch:
            fp = fingerprint(text)
            store.insert_article({"url": f"https://archive.vn/{i}", "title": "x", "text": text,
                                  "source": "archive"},
                                 signature=fp.signature, buckets=fp.buckets)
    return store


def cost_per_article(sizes: list[int], new: int) -> None:
    results = {}
    for size in sizes:
        rng = random.Random(size)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            store = build_archive(Path(tmp) / "a.db", size, rng)
            built = time.perf_counter() - start
            texts = [synthetic_text(rng) for _ in range(new)]
            lookups: list[float] = []
            start = time.perf_counter()
            for i, text in enumerate(texts):
                add(store, text, size + i, lookups)
            elapsed = time.perf_counter() - start
            store.close()
        results[size] = (elapsed * 1000 / new, sum(lookups) * 1000 / new)
        print(f"archive {size:>7}: built in {built:6.1f} s; adding {new} new articles "
              f"{elapsed:6.2f} s = {results[size][0]:.2f} ms/article, of which the "
              f"duplicate lookup {results[size][1]:.2f} ms")
    lo, hi = min(sizes), max(sizes)
    print(f"cost ratio archive {hi} / archive {lo}: whole add "
          f"{results[hi][0] / results[lo][0]:.2f}, duplicate lookup "
          f"{results[hi][1] / results[lo][1]:.2f} (the rest is SQLite/FTS index upkeep)")


def labelled() -> list[dict[str, str]]:
    path = ROOT / "tests" / "data" / "dedup_labelled.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def accuracy(orders: int = 20) -> None:
    """Missed and false merges through the pipeline's path, over shuffled arrival orders.

    A document joined to another story is a false merge; a story split into n groups counts
    n - 1 missed merges.
    """
    docs = labelled()
    stories = len({d["story"] for d in docs})
    missed = false = 0
    for seed in range(orders):
        order = docs[:]
        random.Random(seed).shuffle(order)
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(Path(tmp) / "l.db")
            story_of: dict[int, str] = {}
            roots: dict[str, set[int]] = {}
            for n, doc in enumerate(order):
                match = find_original(store, doc["text"])
                root = story_root(match.original) if match.original else None
                new_id = store.insert_article(
                    {"url": f"https://l.vn/{n}", "title": doc["title"], "text": doc["text"],
                     "source": "l", "content_hash": match.digest, "duplicate_of": root},
                    signature=match.fingerprint.signature, buckets=match.fingerprint.buckets)
                story_of[new_id] = doc["story"]
                roots.setdefault(doc["story"], set()).add(root or new_id)
                if root is not None and story_of[root] != doc["story"]:
                    false += 1
            store.close()
        missed += sum(len(r) - 1 for r in roots.values())
    print(f"labelled set: {len(docs)} documents in {stories} stories (copies with other "
          f"furniture/titles, excerpts, edits, rewritten leads; same-province same-topic "
          f"stories), {orders} arrival orders: missed merges {missed}, false merges {false} "
          f"(per order {missed / orders:.2f} / {false / orders:.2f})")


def tune() -> None:
    """The measurement behind SHINGLE and CONTAINMENT: exact containment, all pairs."""
    docs = labelled()
    for k in (3, 4, 5, 6):
        sets = [shingles(d["text"], k) for d in docs]
        pos: list[float] = []
        neg: list[float] = []
        for a in range(len(docs)):
            for b in range(a + 1, len(docs)):
                (pos if docs[a]["story"] == docs[b]["story"] else neg).append(
                    overlap(sets[a], sets[b]))
        cuts = "  ".join(f">={t}: missed {sum(p < t for p in pos):>3} false "
                         f"{sum(n >= t for n in neg):>2}" for t in (0.4, 0.5, 0.6, 0.7))
        print(f"shingle {k}: copy pairs min {min(pos):.2f}, distinct pairs max {max(neg):.2f}; "
              f"pairs {cuts}")


def query_plan() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "q.db")
        buckets = list(fingerprint(synthetic_text(random.Random(1))).buckets)
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT article_id, COUNT(*) AS n FROM lsh_bands WHERE bucket "
            f"IN ({','.join('?' * len(buckets))}) GROUP BY article_id ORDER BY n DESC, "
            "article_id LIMIT ?", [*buckets, 20]).fetchall()
        store.close()
    print("LSH lookup plan (Store.lsh_candidates):", "; ".join(row[-1] for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--tune", action="store_true", help="also print the shingle-size table")
    args = parser.parse_args()
    query_plan()
    if args.tune:
        tune()
    accuracy()
    cost_per_article(sorted(args.sizes), args.new)


if __name__ == "__main__":
    main()
