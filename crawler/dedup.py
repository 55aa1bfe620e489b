"""Near-duplicate detection: MinHash signatures banded for LSH lookups in the store.

datasketch computes the MinHash; the bands are kept in the store's ``lsh_bands`` table
(an index lookup per band), so finding candidates costs the same with 10k or 100k stored
articles: nothing compares every pair. Candidates are confirmed by estimated Jaccard.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from crawler.text import words
from crawler.versions import text_key
from store.db import Row, Store

NUM_PERM = 128
BANDS = 32  # 32 bands x 4 rows: candidates from about Jaccard 0.4 upwards
ROWS = NUM_PERM // BANDS
SHINGLE = 3  # word 3-grams: measured best on the labelled pairs (benchmarks/dedup.py)
DUPLICATE_JACCARD = 0.55  # confirmed near-duplicate (same story, other furniture/edits)
_SEED = 7


@dataclass(frozen=True)
class Fingerprint:
    """A text's MinHash signature and its LSH bucket keys."""

    signature: bytes
    buckets: tuple[str, ...]

    def jaccard(self, other_signature: bytes) -> float:
        return estimated_jaccard(self.signature, other_signature)


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Word n-grams of the folded text (diacritics, case and punctuation ignored)."""
    tokens = words(text)
    if len(tokens) <= size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i:i + size]).encode() for i in range(len(tokens) - size + 1)}


def fingerprint(text: str) -> Fingerprint:
    """MinHash signature of ``text`` and its band buckets for the store's LSH index."""
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED)
    grams = shingles(text)
    if grams:
        mh.update_batch(list(grams))
    values = mh.hashvalues.astype(np.uint64)
    buckets = tuple(
        f"{band}:" + hashlib.blake2b(values[band * ROWS:(band + 1) * ROWS].tobytes(),
                                     digest_size=8).hexdigest()
        for band in range(BANDS)
    ) if grams else ()
    return Fingerprint(signature=values.tobytes(), buckets=buckets)


def estimated_jaccard(sig_a: bytes, sig_b: bytes) -> float:
    a = np.frombuffer(sig_a, dtype=np.uint64)
    b = np.frombuffer(sig_b, dtype=np.uint64)
    if a.shape != b.shape or a.size == 0:
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size


MIN_WORDS_FOR_NEAR_DUP = 12


@dataclass(frozen=True)
class Match:
    """Where a new text stands against the archive: its original (if any) and its keys."""

    original: Row | None
    digest: str
    fingerprint: Fingerprint


def find_original(store: Store, text: str) -> Match:
    """The stored story a new article copies: same text first, then an LSH near-duplicate.

    Cost is a hash index lookup plus one indexed lookup per band and a Jaccard check per
    candidate: it depends on the new article, not on the size of the archive.
    """
    digest = text_key(text)
    fp = fingerprint(text)
    original = store.article_by_hash(digest)
    if original is None and fp.buckets and len(text.split()) >= MIN_WORDS_FOR_NEAR_DUP:
        for candidate in store.lsh_candidates(fp.buckets):
            signature = store.signature(candidate)
            if signature is not None and fp.jaccard(signature) >= DUPLICATE_JACCARD:
                original = store.article_by_id(candidate)
                break
    return Match(original, digest, fp)
