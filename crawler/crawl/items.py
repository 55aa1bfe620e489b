"""What travels through a crawl: the item a spider yields for every fetched article page,
and the keys of the request meta the spider, the middlewares and the guards share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Request meta keys, set by the spider (spiders/source_spider.py) and read by the
# middlewares, the network guard and the spider's own callbacks.
META_SOURCE = "provwatch_source"  # the source id the request is made for
META_ROLE = "provwatch_role"  # "start" | "listing" | "feed" | "sitemap" | "robots" | "article"
META_FORCED = "provwatch_forced"  # a recrawl: fetched and processed even when known/unchanged
META_INSECURE_TLS = "provwatch_insecure_tls"  # the source opted out of certificate checks
META_CANONICAL = "provwatch_canonical"  # an article request's canonical URL
# a listing page reached from the home page's navigation (its pagination is followed)
META_SECTION = "provwatch_section"
# the article links of the page before, in one chain of listing pages (a repeat ends it)
META_PREVIOUS = "provwatch_previous_links"
# set by IncrementalMiddleware: the canonical URL whose validators a conditional request sent
META_CONDITIONAL = "provwatch_conditional"


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
