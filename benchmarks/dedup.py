"""Near-duplicate lookup cost against growing archives, and merge accuracy.

    python benchmarks/dedup.py [--sizes 10000 100000] [--new 1000]

1. Builds archives of N synthetic articles in a temp SQLite store (not timed), then times
   adding 1,000 new articles through the pipeline's own path (crawler.dedup.find_original +
   Store.insert_article) and prints ms per article for each size and the ratio between
   the largest and smallest archive (about 1.0 means cost does not grow with the archive).
2. On a labelled set built from tests/data/relevance_labelled.jsonl (each article, a
   syndicated copy with other furniture/lead/byline and edited figures, and every other
   article as a distinct pair) prints missed merges and false merges.
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

from crawler.dedup import DUPLICATE_JACCARD, find_original, fingerprint  # noqa: E402
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
    store = Store(path)
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


def syndicated_copy(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    lines[0] = "TTXVN – " + lines[0]
    lines = [line.replace("2024", "2025").replace("%", " phần trăm") for line in lines]
    lines.append("Theo Cổng thông tin điện tử tỉnh.")
    return "\n".join(lines)


def accuracy() -> None:
    items = [json.loads(line) for line in
             (ROOT / "tests" / "data" / "relevance_labelled.jsonl").read_text("utf-8").splitlines()]
    texts = [f"{i['title']}\n{i['text']}" for i in items]
    rng = random.Random(7)
    fps = [fingerprint(t) for t in texts]
    missed = sum(fingerprint(syndicated_copy(t, rng)).jaccard(fp.signature) < DUPLICATE_JACCARD
                 for t, fp in zip(texts, fps, strict=True))
    false = sum(fps[a].jaccard(fps[b].signature) >= DUPLICATE_JACCARD
                for a in range(len(fps)) for b in range(a + 1, len(fps)))
    pairs = len(fps) * (len(fps) - 1) // 2
    print(f"labelled set: {len(texts)} copy pairs, missed merges {missed}; "
          f"{pairs} distinct pairs, false merges {false}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--new", type=int, default=1000)
    args = parser.parse_args()
    accuracy()
    cost_per_article(sorted(args.sizes), args.new)


if __name__ == "__main__":
    main()
