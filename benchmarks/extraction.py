"""Extraction quality and cost: provwatch vs bare trafilatura, on two corpora.

    python benchmarks/extraction.py [--repeat N]                  # the fixture corpus
    python benchmarks/extraction.py --real [DIR] [--repeat N] [-v]  # real third-party pages

Fixture mode (``tests/fixtures/extraction``, the default):

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

Real-page mode (``--real``): real Vietnamese article pages saved from public repositories. The
pages are third-party material and are never committed; they live outside the repository
(``DIR``, default ``/work/corpus/realpages``). Only the gold labels are committed, in
``benchmarks/realpages/labels.jsonl``: per page its file, provenance, CMS/site family, title,
date (day), author, 3-8 short body snippets taken from different paragraphs (first to last)
and 3-6 furniture strings that are not article text. Reported page by page and in total:

* body recall: share of the body snippets found in the text, for provwatch's ``extract_page``
  and for bare ``trafilatura.extract(html)`` with default options, side by side;
* furniture leaks: furniture strings present in the text, for both;
* title / date / author accuracy for provwatch (title equal after normalisation, date the
  same day, gold author contained in the extracted one; a page printing none must give none);
* median ms per page for both.

Matching is done (case kept) after NFC, entity decoding and collapsing every whitespace
run (newlines included) to one space. ``-v`` prints, per page, the snippets lost and the
furniture leaked. Without the pages directory the mode prints why
and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
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

from crawler.analysis.extract import ExtractionError, decode_html, extract_page  # noqa: E402
from crawler.core.text import normalise  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "extraction"
REAL_DIR = Path("/work/corpus/realpages")
REAL_LABELS = ROOT / "benchmarks" / "realpages" / "labels.jsonl"


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


def fixture_main(args: argparse.Namespace) -> None:
    """The fixture corpus: gold JSON beside each page (unchanged since the first benchmark)."""
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

        fns: list[Callable[[], object]] = [
            lambda r=raw, u=url: extract_page(r, u),  # type: ignore[misc]
            lambda t=text, u=url: trafilatura.extract(t, url=u),  # type: ignore[misc]
            lambda t=text, u=url: trafilatura.extract(t, url=u, fast=True),  # type: ignore[misc]
        ]
        pw, tf, tf_fast = medians(fns, args.repeat)
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


# -- real pages ------------------------------------------------------------------------------
_WS = re.compile(r"\s+")


def flat(text: str) -> str:
    """NFC, entities decoded, every whitespace run (newlines too) collapsed to one space."""
    return _WS.sub(" ", normalise(text).replace("\n", " ")).strip()


def _title_key(text: str) -> str:
    quotes = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
    return flat(text).translate(quotes).casefold().rstrip(" .")


@dataclass
class RealPage:
    """One labelled real page and what both extractors made of it."""

    label: dict[str, Any]
    pw_text: str = ""
    tf_text: str = ""
    pw_error: str | None = None
    title_ok: bool = False
    date_ok: bool = False
    author_ok: bool = False
    got_title: str | None = None
    got_date: str | None = None
    got_author: str | None = None
    ms_pw: float = 0.0
    ms_tf: float = 0.0

    @property
    def snippets(self) -> list[str]:
        return [flat(b) for b in self.label["body"]]

    @property
    def furniture(self) -> list[str]:
        return [flat(f) for f in self.label["furniture"]]

    def lost(self, text: str) -> list[str]:
        return [b for b in self.snippets if b not in text]

    def leaked(self, text: str) -> list[str]:
        return [f for f in self.furniture if f in text]


def load_labels(path: Path) -> list[dict[str, Any]]:
    labels = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.strip():
            try:
                labels.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON: {exc}") from exc
    return labels


def run_real_page(label: dict[str, Any], directory: Path, repeat: int) -> RealPage:
    raw = (directory / label["file"]).read_bytes()
    text = decode_html(raw)
    url = label.get("url") or f"https://{label['id']}.realpages.invalid/"
    page = RealPage(label)
    try:
        got = extract_page(raw, url)
    except ExtractionError as exc:
        page.pw_error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash on a real page is a result to report
        page.pw_error = f"CRASH {type(exc).__name__}: {exc}"
    else:
        page.pw_text = flat(got.text)
        page.got_title, page.got_author = got.title, got.author
        page.got_date = got.published.date().isoformat() if got.published else None
    page.tf_text = flat(trafilatura.extract(text) or "")
    gold_title, gold_author = label["title"], label.get("author")
    page.title_ok = page.got_title is not None and _title_key(page.got_title) == \
        _title_key(gold_title)
    page.date_ok = page.got_date == label.get("date")
    if gold_author:
        page.author_ok = bool(page.got_author) and \
            flat(gold_author).casefold() in flat(page.got_author or "").casefold()
    else:
        page.author_ok = not page.got_author

    def ours() -> object:
        try:
            return extract_page(raw, url)
        except Exception:  # noqa: BLE001 - reported above; timing continues
            return None

    page.ms_pw, page.ms_tf = medians([ours, lambda: trafilatura.extract(text)], repeat)
    return page


def _yes(ok: bool) -> str:
    return "ok" if ok else "--"


def real_main(args: argparse.Namespace) -> None:
    """Real third-party pages (outside the repository) against the committed labels."""
    directory = Path(args.real)
    if not directory.is_dir():
        print(f"real pages: directory {directory} not found; the pages are third-party "
              "material kept outside the repository (see benchmarks/realpages/README.md). "
              "Nothing measured.")
        return
    labels = load_labels(Path(args.labels))
    present = [lab for lab in labels if (directory / lab["file"]).is_file()]
    missing = [lab["id"] for lab in labels if lab not in present]
    if not present:
        print(f"real pages: none of the {len(labels)} labelled pages is in {directory}. "
              "Nothing measured.")
        return
    pages = [run_real_page(lab, directory, args.repeat) for lab in present]
    print_real(pages, args)
    if missing:
        print(f"\nnot in {directory} (skipped): {', '.join(missing)}")


def print_real(pages: list[RealPage], args: argparse.Namespace) -> None:
    print(f"{'page':<16} {'family':<26} {'recall pw':>9} {'recall tf':>9} {'leak pw':>7} "
          f"{'leak tf':>7} {'title':>5} {'date':>5} {'auth':>5} {'ms pw':>7} {'ms tf':>7}")
    for p in pages:
        n = len(p.snippets)
        pw_found, tf_found = n - len(p.lost(p.pw_text)), n - len(p.lost(p.tf_text))
        print(f"{p.label['id']:<16} {p.label['family'][:26]:<26} {f'{pw_found}/{n}':>9} "
              f"{f'{tf_found}/{n}':>9} {len(p.leaked(p.pw_text)):>7} "
              f"{len(p.leaked(p.tf_text)):>7} {_yes(p.title_ok):>5} {_yes(p.date_ok):>5} "
              f"{_yes(p.author_ok):>5} {p.ms_pw:>7.1f} {p.ms_tf:>7.1f}"
              + (f"  [provwatch: {p.pw_error}]" if p.pw_error else ""))
        if args.verbose:
            print_page_detail(p)
    snippets = sum(len(p.snippets) for p in pages)
    pw_found = sum(len(p.snippets) - len(p.lost(p.pw_text)) for p in pages)
    tf_found = sum(len(p.snippets) - len(p.lost(p.tf_text)) for p in pages)
    n = len(pages)
    families = sorted({p.label["family"] for p in pages})
    print()
    print(f"pages: {n} in {len(families)} families   (repeat {args.repeat}, median per page)")
    print(f"{'':<22}{'provwatch':>12}{'trafilatura':>14}")
    print(f"{'body recall':<22}{pw_found / snippets:>12.3f}{tf_found / snippets:>14.3f}"
          f"   ({pw_found} and {tf_found} of {snippets} snippets)")
    print(f"{'pages with all body':<22}"
          f"{sum(not p.lost(p.pw_text) for p in pages):>12}"
          f"{sum(not p.lost(p.tf_text) for p in pages):>14}")
    print(f"{'furniture leaks':<22}{sum(len(p.leaked(p.pw_text)) for p in pages):>12}"
          f"{sum(len(p.leaked(p.tf_text)) for p in pages):>14}"
          f"   (of {sum(len(p.furniture) for p in pages)} strings)")
    print(f"{'pages with a leak':<22}{sum(bool(p.leaked(p.pw_text)) for p in pages):>12}"
          f"{sum(bool(p.leaked(p.tf_text)) for p in pages):>14}")
    print(f"{'title correct':<22}{f'{sum(p.title_ok for p in pages)}/{n}':>12}")
    print(f"{'date correct (day)':<22}{f'{sum(p.date_ok for p in pages)}/{n}':>12}")
    print(f"{'author correct':<22}{f'{sum(p.author_ok for p in pages)}/{n}':>12}"
          f"   ({sum(bool(p.label.get('author')) for p in pages)} pages print one)")
    pw_ms = statistics.mean(p.ms_pw for p in pages)
    tf_ms = statistics.mean(p.ms_tf for p in pages)
    print(f"{'ms per page':<22}{pw_ms:>12.1f}{tf_ms:>14.1f}   ({pw_ms / tf_ms:.2f}x)")
    print("\nper family: body recall pw / tf, leaks pw / tf")
    for fam in families:
        group = [p for p in pages if p.label["family"] == fam]
        total = sum(len(p.snippets) for p in group)
        fpw = sum(len(p.snippets) - len(p.lost(p.pw_text)) for p in group) / total
        ftf = sum(len(p.snippets) - len(p.lost(p.tf_text)) for p in group) / total
        print(f"  {fam:<34} {len(group):>2} pages  {fpw:.2f} / {ftf:.2f}   "
              f"{sum(len(p.leaked(p.pw_text)) for p in group)} / "
              f"{sum(len(p.leaked(p.tf_text)) for p in group)}")
    worse = [p for p in pages if len(p.lost(p.pw_text)) > len(p.lost(p.tf_text))]
    print("\nprovwatch body recall below trafilatura's:"
          + ("" if worse else " none"))
    for p in worse:
        print(f"  {p.label['id']} ({p.label['family']}): lost {len(p.lost(p.pw_text))}, "
              f"trafilatura lost {len(p.lost(p.tf_text))}")
    leaky = [p for p in pages if p.leaked(p.pw_text) or p.leaked(p.tf_text)]
    print("pages with a furniture leak:" + ("" if leaky else " none"))
    for p in leaky:
        print(f"  {p.label['id']}: provwatch {p.leaked(p.pw_text)}; "
              f"trafilatura {p.leaked(p.tf_text)}")


def print_page_detail(p: RealPage) -> None:
    for snippet in p.lost(p.pw_text):
        print(f"    pw lost: {snippet}")
    for snippet in p.lost(p.tf_text):
        print(f"    tf lost: {snippet}")
    if not p.title_ok:
        print(f"    title: got {p.got_title!r}, gold {p.label['title']!r}")
    if not p.date_ok:
        print(f"    date: got {p.got_date}, gold {p.label.get('date')}")
    if not p.author_ok:
        print(f"    author: got {p.got_author!r}, gold {p.label.get('author')!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=None,
                        help="timing rounds per page (default 15 fixtures, 5 real pages)")
    parser.add_argument("--real", nargs="?", const=str(REAL_DIR), default=None, metavar="DIR",
                        help=f"measure the real pages in DIR (default {REAL_DIR})")
    parser.add_argument("--labels", default=str(REAL_LABELS),
                        help="gold labels for --real (JSON lines)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="with --real: print lost snippets, leaks and metadata misses")
    args = parser.parse_args()
    if args.real is None:
        args.repeat = args.repeat or 15
        fixture_main(args)
    else:
        args.repeat = args.repeat or 5
        real_main(args)


if __name__ == "__main__":
    main()
