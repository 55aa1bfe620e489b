"""Extraction quality and cost over the fixture corpus: provwatch vs bare trafilatura.

    python benchmarks/extraction.py [--repeat N]

Prints, for both extractors measured in the same run: body recall (share of gold paragraphs
found), furniture leaks (gold furniture strings present), title/date/author accuracy
(provwatch only: bare trafilatura.extract returns text), median milliseconds per page, and
the cost ratio provwatch / trafilatura.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.extract import extract_page  # noqa: E402
from crawler.text import normalise  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "extraction"


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rows = []
    totals = {"pw_found": 0, "tf_found": 0, "paras": 0, "pw_leaks": 0, "tf_leaks": 0,
              "title": 0, "date": 0, "author": 0, "authors": 0}
    pw_ms: list[float] = []
    tf_ms: list[float] = []
    pages = sorted(CORPUS.glob("*.html"))
    for page in pages:
        html = page.read_bytes()
        gold = json.loads(page.with_suffix(".json").read_text("utf-8"))
        url = gold["url"]
        ours = extract_page(html, url)
        bare = normalise(trafilatura.extract(html.decode("utf-8", "replace"), url=url) or "")
        paras = [normalise(p) for p in gold["must_contain"]]
        pw_found = sum(p in ours.text for p in paras)
        tf_found = sum(p in bare for p in paras)
        pw_leaks = sum(f in ours.text for f in gold["must_not_contain"])
        tf_leaks = sum(f in bare for f in gold["must_not_contain"])
        totals["paras"] += len(paras)
        totals["pw_found"] += pw_found
        totals["tf_found"] += tf_found
        totals["pw_leaks"] += pw_leaks
        totals["tf_leaks"] += tf_leaks
        totals["title"] += ours.title == gold["title"]
        published = ours.published.isoformat() if ours.published else None
        totals["date"] += published == gold["published"]
        if gold["author"]:
            totals["authors"] += 1
            totals["author"] += ours.author == gold["author"]
        text = html.decode("utf-8", "replace")
        pw_ms.append(median_ms(lambda h=html, u=url: extract_page(h, u), args.repeat))
        tf_ms.append(median_ms(lambda t=text, u=url: trafilatura.extract(t, url=u), args.repeat))
        rows.append((page.stem, f"{pw_found}/{len(paras)}", f"{tf_found}/{len(paras)}",
                     pw_leaks, tf_leaks, pw_ms[-1], tf_ms[-1]))
    print(f"{'page':<30} {'recall pw':>9} {'recall tf':>9} {'leaks pw':>8} {'leaks tf':>8} "
          f"{'ms pw':>7} {'ms tf':>7}")
    for name, rp, rt, lp, lt, mp, mt in rows:
        print(f"{name:<30} {rp:>9} {rt:>9} {lp:>8} {lt:>8} {mp:>7.2f} {mt:>7.2f}")
    n = len(pages)
    ratio = statistics.mean(pw_ms) / statistics.mean(tf_ms)
    print()
    print(f"pages: {n}")
    print(f"body recall        provwatch {totals['pw_found'] / totals['paras']:.3f}   "
          f"trafilatura {totals['tf_found'] / totals['paras']:.3f}")
    print(f"furniture leaks    provwatch {totals['pw_leaks']}   trafilatura {totals['tf_leaks']}")
    print(f"title correct      {totals['title']}/{n}")
    print(f"date correct       {totals['date']}/{n}")
    print(f"author correct     {totals['author']}/{totals['authors']} (pages that print one)")
    print(f"ms per page        provwatch {statistics.mean(pw_ms):.2f}   "
          f"trafilatura {statistics.mean(tf_ms):.2f}")
    print(f"cost ratio         {ratio:.2f}x bare trafilatura.extract")


if __name__ == "__main__":
    main()
