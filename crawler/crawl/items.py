"""The item a spider yields for every fetched article page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageItem:
    """One fetched article page on its way through the pipelines.

    The spider fills the fetch fields; ExtractPipeline adds ``page``, ClassifyPipeline
    adds ``verdict`` and ``record``, StorePipeline adds ``outcome``. With worker processes,
    ExtractPipeline fills ``page`` to ``digest`` in one round trip to a worker.
    """

    url: str                     # the URL as fetched (after redirects)
    source: str                  # source id
    body: bytes
    encoding: str | None = None
    requested_url: str | None = None
    canonical_hint: str | None = None  # the page's same-site <link rel=canonical> (extraction)
    etag: str | None = None
    last_modified: str | None = None
    forced: bool = False         # recrawl: process even when unchanged
    page: Any = None
    verdict: Any = None
    record: dict[str, Any] = field(default_factory=dict)
    fingerprint: Any = None      # crawler.analysis.dedup.Fingerprint of the text, if computed
    digest: str | None = None    # crawler.analysis.versions.text_key of the text, if computed
    folded: tuple[str, str] | None = None  # title and text folded (search index), if computed
    outcome: str | None = None
    article_id: int | None = None  # the stored article the page was read as (StorePipeline)

    def __repr__(self) -> str:
        # Scrapy logs repr(item) with any pipeline error: the whole page, its text and its
        # fingerprint in one log line would bury the message it belongs to
        return (f"PageItem(url={self.url!r}, source={self.source!r}, "
                f"body=<{len(self.body):,} bytes>, outcome={self.outcome!r})")
