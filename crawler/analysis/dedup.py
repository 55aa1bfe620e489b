"""Near-duplicate detection: one story, many copies.

A press release comes back from the portal, the newspaper and several departments with other
furniture, another title, an agency prefix on the lead, a figure corrected, or only its
first paragraphs. Two articles from one province on the same topic share stock phrases
("UBND tỉnh tổ chức hội nghị ... với sự tham gia của lãnh đạo các sở, ngành") but are two
stories.

How (parameters measured on ``tests/data/dedup_labelled.jsonl`` with
``benchmarks/dedup.py``, not guessed):

* Shingles are word 5-grams of the folded text. 3-grams are too close to stock phrases: a
  monthly report and the next month's report (same template, other figures) reach
  containment 0.61 at k=3 but 0.41 at k=5, while true copies stay above 0.42 (worst: a
  two-paragraph excerpt against a copy whose lead was rewritten).
* Copies are confirmed by *containment* (shared shingles / shingles of the smaller text),
  not Jaccard: an excerpt of 2 of 5 paragraphs has Jaccard 0.3 with its original but
  containment near 1.0. Jaccard never separates more (containment >= Jaccard).
* Candidates come from an LSH index kept in the store's ``lsh_bands`` table (one indexed
  lookup per band): 42 bands x 3 rows of a 128-permutation MinHash of the whole text, plus
  16 bands x 4 rows of a MinHash of the *head* (the first 40 words of the long lines),
  which is what an excerpt shares with its original even when its whole-text Jaccard is
  far below the LSH threshold. The few candidates are then checked exactly against their
  stored text. Nothing compares every pair: the cost depends on the new article, not on
  the size of the archive.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import MinHash

from crawler.analysis.versions import text_key
from crawler.core.text import words
from store.db import Row, Store

NUM_PERM = 128
ROWS = 3
BANDS = NUM_PERM // ROWS  # whole text, 42 bands x 3 rows: P(candidate) 0.996 at Jaccard 0.5
HEAD_ROWS = 4
HEAD_BANDS = 16  # head, 16 bands x 4 rows of its own MinHash: 0.64 at 0.5, 0.98 at 0.7
SHINGLE = 5  # word 5-grams (see the module docstring for the measurements)
HEAD_WORDS = 40
HEAD_LINE_WORDS = 10  # lines shorter than this (captions, bylines, furniture) skip the head
CONTAINMENT = 0.5  # confirmed copy: half the smaller text's shingles are in the other
MIN_CONTAINED_SHINGLES = 25  # below this, a text must match as a whole (Jaccard)
MIN_WORDS_FOR_NEAR_DUP = 12
MAX_CANDIDATES = 20
# bucket keys carry the scheme, so buckets of another shingle size or gram hash never collide
# with these ("p": polynomial gram hashes; store migration v5 recomputed older buckets)
_SCHEME = f"k{SHINGLE}p"
_GRAM_BASE = np.uint64(1_000_003)
_MASK32 = np.uint64(0xFFFFFFFF)
_SEED = 7


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature and its LSH bucket keys (whole text and head)."""

    signature: bytes
    buckets: tuple[int, ...]  # signed 64-bit keys of the store's lsh_bands table

    def jaccard(self, other_signature: bytes) -> float:
        return estimated_jaccard(self.signature, other_signature)


def _grams(tokens: list[str], size: int) -> set[bytes]:
    if len(tokens) <= size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i:i + size]).encode() for i in range(len(tokens) - size + 1)}


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Word n-grams of the folded text (diacritics, case and punctuation ignored)."""
    return _grams(words(text), size)


def head_words(text: str) -> list[str]:
    """The first ``HEAD_WORDS`` folded words of the text's long lines (the lead)."""
    out: list[str] = []
    for line in text.split("\n"):
        tokens = words(line)
        if len(tokens) >= HEAD_LINE_WORDS:
            out.extend(tokens)
            if len(out) >= HEAD_WORDS:
                break
    return out[:HEAD_WORDS]


# the permutations depend only on (NUM_PERM, seed): drawn once, not for every text
@lru_cache(maxsize=1)
def _minhash_template() -> MinHash:
    """The MinHash whose permutations every signature reuses (drawn once, not per text).

    datasketch is imported on first use: importing the package loads SciPy (about 40 MB),
    which the crawl process does not need when worker processes make the fingerprints.
    """
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=_SEED)


def _gram_hashes(tokens: list[str], size: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the word ``size``-grams of ``tokens``, distinct, as uint64.

    Each word is hashed once (CRC-32) and a gram's hash is a polynomial of its words' hashes
    computed with numpy over the whole text: hashing every gram's bytes in Python (what
    MinHash.update_batch does by default) was most of the cost of a fingerprint.
    """
    if not tokens:
        return np.zeros(0, dtype=np.uint64)
    words_h = np.fromiter((zlib.crc32(t.encode()) for t in tokens), dtype=np.uint64,
                          count=len(tokens))
    count = max(len(tokens) - size + 1, 1)
    grams = np.zeros(count, dtype=np.uint64)
    for offset in range(min(size, len(tokens))):
        grams = ((grams * _GRAM_BASE) + words_h[offset:offset + count]) & _MASK32
    return np.unique(grams)


def _identity(value: int) -> int:
    return value


def _minhash(gram_hashes: np.ndarray) -> np.ndarray:
    template = _minhash_template()
    mh = type(template)(num_perm=NUM_PERM, seed=_SEED, permutations=template.permutations,
                        scheme=template.scheme, hashfunc=_identity)
    mh.update_batch(gram_hashes.tolist())
    return mh.hashvalues.astype(np.uint64)


def _bands(values: np.ndarray, kind: str, count: int, rows: int) -> list[int]:
    """One key per band: scheme, kind and band number hashed with the band's values."""
    return [int.from_bytes(hashlib.blake2b(
        f"{_SCHEME}{kind}{band}:".encode() + values[band * rows:(band + 1) * rows].tobytes(),
        digest_size=8).digest(), "big", signed=True) for band in range(count)]


def fingerprint(text: str) -> Fingerprint:
    """MinHash signature of ``text`` and its band buckets for the store's LSH index."""
    grams = _gram_hashes(words(text))
    if not grams.size:
        return Fingerprint(signature=_minhash(grams).tobytes(), buckets=())
    values = _minhash(grams)
    buckets = _bands(values, "w", BANDS, ROWS)
    head = _gram_hashes(head_words(text))
    if head.size >= HEAD_WORDS - SHINGLE:  # a short head would match too many leads
        buckets += _bands(_minhash(head), "h", HEAD_BANDS, HEAD_ROWS)
    return Fingerprint(signature=values.tobytes(), buckets=tuple(buckets))


def estimated_jaccard(sig_a: bytes, sig_b: bytes) -> float:
    a = np.frombuffer(sig_a, dtype=np.uint64)
    b = np.frombuffer(sig_b, dtype=np.uint64)
    if a.shape != b.shape or a.size == 0:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


def overlap(a: set[bytes], b: set[bytes]) -> float:
    """How much of one text the other holds: containment of the smaller shingle set.

    Short texts (fewer than ``MIN_CONTAINED_SHINGLES`` shingles) are compared by Jaccard
    instead: a two-line brief is not "contained" in every article that quotes its phrases.
    """
    if not a or not b:
        return 0.0
    shared = len(a & b)
    smaller = min(len(a), len(b))
    if smaller < MIN_CONTAINED_SHINGLES:
        return shared / len(a | b)
    return shared / smaller


def same_story(text_a: str, text_b: str) -> bool:
    """Whether two article texts are copies of one story (the confirmation rule)."""
    return overlap(shingles(text_a), shingles(text_b)) >= CONTAINMENT


@dataclass(frozen=True)
class Match:
    """Where a new text stands against the archive: its original (if any) and its keys."""

    original: Row | None
    digest: str
    fingerprint: Fingerprint
    score: float = 0.0


def find_original(store: Store, text: str, *, fp: Fingerprint | None = None,
                  digest: str | None = None) -> Match:
    """The stored story a new article copies: same text first, then an LSH near-duplicate.

    Cost is a hash index lookup, one indexed lookup per band and an exact check of at most
    ``MAX_CANDIDATES`` candidates: it depends on the new article, not on the archive size.
    The best-overlapping candidate wins; the caller follows it to its story's root.
    ``fp`` and ``digest`` may come precomputed (a worker process made them from ``text``).
    """
    digest = digest or text_key(text)
    fp = fp or fingerprint(text)
    original = store.article_by_hash(digest)
    if original is not None:
        return Match(original, digest, fp, 1.0)
    if not fp.buckets or len(text.split()) < MIN_WORDS_FOR_NEAR_DUP:
        return Match(None, digest, fp)
    grams: set[bytes] | None = None
    best: Row | None = None
    best_score = 0.0
    for candidate in store.lsh_candidates(fp.buckets, limit=MAX_CANDIDATES):
        row = store.article_by_id(candidate)
        if row is None or not row.get("text"):
            continue
        grams = grams if grams is not None else shingles(text)
        score = overlap(grams, shingles(row["text"]))
        if score >= CONTAINMENT and score > best_score:
            best, best_score = row, score
    return Match(best, digest, fp, best_score)


def story_root(row: Row) -> int:
    """The id of the first-seen copy of the story ``row`` belongs to."""
    return int(row["duplicate_of"] or row["id"])
