"""What the store needs to know about text, passed in by its caller.

The store imports nothing of the project (issue 20): it sits below every other layer, and
``crawler.analysis.dedup`` needs the store, so a store that imported the analysis back made
a cycle. Yet three things the store does depend on how provwatch reads text:

* the folded ``title_folded``/``text_folded`` columns the full-text index is built on, and
  the folding of a search query, which must be the same function, or a query without
  diacritics misses what it should find (``fold``);
* migration 5, which rebuilds the near-duplicate index from the stored texts
  (``fingerprint``);
* migration 6, which marks stored rows whose text is a list of headlines as listings
  (``is_headline_list``).

Those arrive as one ``StoreAnalysers`` value given to ``Store(path, analysers=...)``;
``crawler.archive.database.open_store`` passes provwatch's own. The alternative of callers
passing folded text on every write was rejected: the search query must be folded by the same
function as the stored columns, and an old database's migrations run on open, before any
caller could hand in a fingerprint. Callers that fold already still may: a row that
carries ``title_folded``/``text_folded`` (the crawl's worker processes fold off the reactor)
is stored as given, and code searching on a connection of its own builds its query with
``store.db.fts_query(query, fold)``.

A Store opened without analysers works for everything else (the outbox, run records,
health, reads) and raises ``MissingAnalysers`` (a ``StoreError``) naming what is missing the
moment it needs one: it never stores unfolded text in the folded columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from store.errors import MissingAnalysers


class TextFingerprint(Protocol):
    """A text's MinHash signature and the LSH bucket keys the store indexes it under."""

    @property
    def signature(self) -> bytes: ...

    @property
    def buckets(self) -> Sequence[int]: ...


@dataclass(frozen=True)
class StoreAnalysers:
    """The text functions the store applies; see the module docstring for where."""

    fold: Callable[[str], str]
    """Lower-case, diacritic-free text (``đ`` → ``d``) for the search index and queries."""
    fingerprint: Callable[[str], TextFingerprint]
    """A stored text's near-duplicate fingerprint (migration 5)."""
    is_headline_list: Callable[[str], bool]
    """Whether a stored text is a list of headlines, a listing page (migration 6)."""


def require(analysers: StoreAnalysers | None, purpose: str) -> StoreAnalysers:
    """``analysers``, or ``MissingAnalysers`` saying the store needs them for ``purpose``."""
    if analysers is None:
        raise MissingAnalysers(
            f"this Store was opened without analysers (fold, fingerprint, is_headline_list) "
            f"and needs them to {purpose}: open it with crawler.archive.database.open_store "
            f"or pass Store(path, analysers=StoreAnalysers(...))")
    return analysers
