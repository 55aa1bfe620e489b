"""Extraction quality and cost over the fixture corpus: provwatch vs bare trafilatura.

    python benchmarks/extraction.py [--repeat N]

For both extractors, measured in the same run:

* body recall: share of the gold ``must_contain`` paragraphs found in the text;
* furniture leaks: gold ``must_not_contain`` strings present in the text (or the title);
* title / date / author accuracy against the gold metadata. Bare trafilatura's metadata comes
  from ``trafilatura.bare_extraction(..., with_metadata=True)``; it only reports a date (no
  time), so its date counts as correct when the day matches, which is lenient in its favour;
* median milliseconds per page (each page repeated ``--repeat`` times, the two extractors
  interleaved so that machine noise hits both) and the cost ratio provwatch / bare
  ``trafilatura.extract(html, url=...)``.

The cost of ``trafilatura.extract(..., fast=True)`` (no fallback extractors) is printed for
reference only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.extract import decode_html, extract_page  # noqa: E402
from crawler.text import normalise  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "extraction"


@dataclass
class Score:
    """Quality counters for one extractor over the corpus."""

    found: int = 0
    paragraphs: int = 0
    leaks: int = 0
    title: int = 0
    date: int = 0
    author: int = 0
    authors: int = 0
    ms: list[float] = field(default_factory=list)

    def add(self, gold: dict[str, Any], text: str, title: str | None, date_ok: bool,
            author: str | None) -> tuple[int, int]:
        paras = [normalise(p) for p in gold["must_contain"]]
        found = sum(p in text for p in paras)
        leaks = sum(f in text or f in (title or "") for f in gold["must_not_contain"])
        self.found += found
        self.paragraphs += len(paras)
        self.leaks += leaks
        self.title += title == gold["title"]
        self.date += date_ok
        if gold["author"]:
            self.authors += 1
            self.author += author == gold["author"]
        return found, leaks


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def medians(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median ms of each function, the functions interleaved on every round."""
    samples: list[list[float]] = [[] for _ in fns]
    for fn in fns:  # warm-up (imports, caches)
        fn()
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            samples[i].append(timed(fn))
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    ours, bare = Score(), Score()
    fast_ms: list[float] = []
    rows = []
    pages = sorted(CORPUS.glob("*.html"))
    for page in pages:
        raw = page.read_bytes()
        text = decode_html(raw)
        gold = json.loads(page.with_suffix(".json").read_text("utf-8"))
        url = gold["url"]

        got = extract_page(raw, url)
        published = got.published.isoformat() if got.published else None
        p_found, p_leaks = ours.add(gold, got.text, got.title, published == gold["published"],
                                    got.author)

        bare_text = normalise(trafilatura.extract(text, url=url) or "")
        meta = trafilatura.bare_extraction(text, url=url, with_metadata=True)
        bare_date = getattr(meta, "date", None)
        date_ok = (bare_date or None) == (gold["published"] or "")[:10] if gold["published"] \
            else not bare_date
        b_found, b_leaks = bare.add(gold, bare_text, getattr(meta, "title", None), date_ok,
                                    getattr(meta, "author", None))

        pw, tf, tf_fast = medians([
            lambda r=raw, u=url: extract_page(r, u),
            lambda t=text, u=url: trafilatura.extract(t, url=u),
            lambda t=text, u=url: trafilatura.extract(t, url=u, fast=True),
        ], args.repeat)
        ours.ms.append(pw)
        bare.ms.append(tf)
        fast_ms.append(tf_fast)
        n = len(gold["must_contain"])
        rows.append((page.stem, f"{p_found}/{n}", f"{b_found}/{n}", p_leaks, b_leaks, pw, tf))

    print(f"{'page':<30} {'recall pw':>9} {'recall tf':>9} {'leaks pw':>8} {'leaks tf':>8} "
          f"{'ms pw':>7} {'ms tf':>7}")
    for name, rp, rt, lp, lt, mp, mt in rows:
        print(f"{name:<30} {rp:>9} {rt:>9} {lp:>8} {lt:>8} {mp:>7.2f} {mt:>7.2f}")
    n = len(pages)
    print()
    print(f"pages: {n}   (repeat {args.repeat}, median per page)")
    print(f"{'':<20}{'provwatch':>12}{'trafilatura':>14}")
    print(f"{'body recall':<20}{ours.found / ours.paragraphs:>12.3f}"
          f"{bare.found / bare.paragraphs:>14.3f}")
    print(f"{'furniture leaks':<20}{ours.leaks:>12}{bare.leaks:>14}")
    print(f"{'title correct':<20}{f'{ours.title}/{n}':>12}{f'{bare.title}/{n}':>14}")
    print(f"{'date correct':<20}{f'{ours.date}/{n}':>12}{f'{bare.date}/{n}':>14}"
          "   (trafilatura: day only)")
    print(f"{'author correct':<20}{f'{ours.author}/{ours.authors}':>12}"
          f"{f'{bare.author}/{bare.authors}':>14}   (pages that print one)")
    pw_mean, tf_mean = statistics.mean(ours.ms), statistics.mean(bare.ms)
    print(f"{'ms per page':<20}{pw_mean:>12.2f}{tf_mean:>14.2f}")
    print(f"cost ratio          {pw_mean / tf_mean:.2f}x bare trafilatura.extract "
          f"(target <= 1.30)")
    print(f"reference           trafilatura.extract(fast=True) "
          f"{statistics.mean(fast_ms):.2f} ms per page")


if __name__ == "__main__":
    main()
