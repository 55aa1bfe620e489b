"""Relevance on the labelled sets: precision, recall, F1, and every misclassified item.

    python benchmarks/relevance.py [FILE.jsonl ...]

Default files, reported apart: tests/data/relevance_labelled.jsonl (the rules were written
against it; it includes the first holdout, used for error analysis in session 2) and
tests/data/relevance_holdout.jsonl (holdout-2: 20 articles written after the rules were
frozen at commit bd2a0d0; no rule has been changed after seeing its results) and
tests/data/relevance_holdout3.jsonl (holdout-3: 30 articles written on 2026-12-03 by a helper
that was told not to read the rules, the vocabulary or the tests; first measured on the rules
of commit 207a995: precision 1.000, recall 0.800; two of its three misses then led to new
vocabulary, so it has been used for error analysis too and is no longer a clean holdout) and
tests/data/relevance_holdout4.jsonl (holdout-4: 30 articles by another helper under the same
instructions, other angles; first measured on the rules of commit 862a352: precision 1.000,
recall 0.667; its misses then led to new vocabulary, so it is no longer clean either) and
tests/data/relevance_holdout5.jsonl (holdout-5: 40 articles by a third helper under the same
instructions, written after the vocabulary change and first measured on the rules of commit
806b26a: precision 1.000, recall 0.900; one miss is a cybersecurity drill flagged under the
security topic instead of DX, one a telemedicine story told without DX vocabulary) and
tests/data/relevance_holdout6.jsonl (holdout-6: 40 articles by a fourth helper asked for
concrete situations told in everyday words, first measured on the rules of commit 77132cf:
precision 1.000, recall 0.700; then used to write the practice rule's phrases) and
tests/data/relevance_holdout7.jsonl (holdout-7: 40 articles by a fifth helper, half the
negatives hard ones full of technology words; measured once on the rules of commit b5a41cf:
precision 0.944, recall 0.850; without the practice rule, on the same articles, precision
0.923, recall 0.600; the one false alarm, a scam warning about "định danh điện tử", is
there with or without it) and
tests/data/relevance_holdout9.jsonl (holdout-9: 50 articles by a sixth helper, asked for
five writing styles (portal notice, feature with quotes, brief, Q&A, commune portal), two
without diacritics, 16 DX stories that never write "chuyển đổi số"; measured once on
arrival, on the rules of commit 49d953c: precision 1.000, recall 1.000; on the rules of the
session's start, commit 147e132: precision 1.000, recall 0.840) and
tests/data/relevance_holdout8.jsonl (holdout-8: 40 articles by a seventh helper, a third of
the DX stories with general titles and leads; measured once on arrival, on the same rules
(49d953c): precision 1.000, recall 0.950 (the miss: a farmer's sensors and QR logs told
under "Chuyện làm vườn của anh Tòng", digital words in the body only); on 147e132:
precision 1.000, recall 0.900). Holdout-8 and -9 together, 90 articles nobody tuned to:
precision 1.000, recall 0.978.
Each line: {"title", "text" (first line = lead), "label" (DX or not), "note"}. An article
counts as flagged when it is relevant *and* its best topic is "dx".
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.relevance import Classification, classify, load_topics  # noqa: E402

DATA = ROOT / "tests" / "data"


def evaluate(path: Path) -> dict[str, float]:
    topics = load_topics()
    tp = fp = fn = tn = 0
    wrong: list[tuple[str, dict, Classification]] = []
    started = time.perf_counter()
    items = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for item in items:
        lead = item["text"].split("\n", 1)[0]
        verdict = classify(item["title"], lead, item["text"], topics)
        got = verdict.relevant and verdict.topic == "dx"
        if got and item["label"]:
            tp += 1
        elif got:
            fp += 1
            wrong.append(("false positive", item, verdict))
        elif item["label"]:
            fn += 1
            wrong.append(("missed", item, verdict))
        else:
            tn += 1
    elapsed = (time.perf_counter() - started) * 1000 / max(len(items), 1)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"== {path.name}: {len(items)} items ({tp + fn} DX, {fp + tn} not DX), "
          f"{elapsed:.2f} ms/article")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
          f"(tp {tp}, fp {fp}, fn {fn}, tn {tn})")
    for kind, item, verdict in wrong:
        print(f"-- {kind}: {item['title']} [{item.get('note', '')}]")
        print("   " + verdict.explain().replace("\n", "\n   "))
    return {"precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    files = [Path(a) for a in sys.argv[1:]] or [DATA / "relevance_labelled.jsonl",
                                                DATA / "relevance_holdout.jsonl",
                                                DATA / "relevance_holdout3.jsonl",
                                                DATA / "relevance_holdout4.jsonl",
                                                DATA / "relevance_holdout5.jsonl",
                                                DATA / "relevance_holdout6.jsonl",
                                                DATA / "relevance_holdout7.jsonl",
                                                DATA / "relevance_holdout8.jsonl",
                                                DATA / "relevance_holdout9.jsonl"]
    for path in files:
        if path.exists():
            evaluate(path)
        else:
            print(f"== {path}: missing")


if __name__ == "__main__":
    main()
