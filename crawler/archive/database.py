"""provwatch's database: the Store with provwatch's own text functions.

The store imports nothing of the project (store/analysers.py says why); this is where the
archive hands it the functions it applies to text: ``crawler.core.text.fold`` for the
search columns and queries, ``crawler.analysis.dedup.fingerprint`` and
``crawler.analysis.pagetype.headline_list_text`` for the migrations that rebuild derived
data from stored text. Every provwatch component opens its database here.
"""

from __future__ import annotations

from pathlib import Path

from crawler.core.text import fold
from store.analysers import StoreAnalysers, TextFingerprint
from store.db import Store


# Fingerprints (datasketch, numpy) and page shapes (lxml, parsel) are imported when a write
# or a migration first needs them: a read command, and the CLI process that waits all night
# for its crawl, never load them.
def _fingerprint(text: str) -> TextFingerprint:
    from crawler.analysis.dedup import fingerprint

    return fingerprint(text)


def _headline_list(text: str) -> bool:
    from crawler.analysis.pagetype import headline_list_text

    return headline_list_text(text)


ANALYSERS = StoreAnalysers(fold=fold, fingerprint=_fingerprint, is_headline_list=_headline_list)


def open_store(path: str | Path, *, timeout: float = 30.0) -> Store:
    """The provwatch database at ``path``, opened (created if missing) and migrated."""
    return Store(path, timeout=timeout, analysers=ANALYSERS)
