"""The per-source figures of a crawl: one declared list of keys, kept in Scrapy's stats.

Every figure is a counter ``provwatch/<source>/<key>`` in the crawler's stats collector,
so whoever needs a source's figures (the spider's page budget, the progress lines, the
run's row) reads them from ``crawler.stats`` instead of from spider attributes. A key
that is not declared here is refused (:func:`count` raises ValueError naming it): the run
summary, ``provwatch status`` and source health read these names, and a misspelt one
would be counted where nobody looks.

The sources of a run are listed under ``provwatch/sources`` in the order they were first
met, so a source that has made no request yet still appears in the run's figures.

No Scrapy import here: ``crawler.run.runner`` (which keeps Scrapy out of the CLI process)
takes :data:`STORE_FAILED` from this module.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

STORE_FAILED = "store_failed"  # a crawl's finish reason when the database refused a write

STATS_PREFIX = "provwatch/"
SOURCES_STAT = "provwatch/sources"  # the run's source ids, in the order first met

ERRORS = "errors/"  # the family errors/<kind>: requests or pages that failed, by kind
_ERROR_KEY = re.compile(r"errors/[^/\s]+")

# (key, shown in the run summary, meaning), in the order the run summary prints them
_DECLARED: tuple[tuple[str, bool, str], ...] = (
    ("requests", True, "requests queued for the source (any role), each spending budget"),
    ("listing_pages", True, "listing pages read: start page, sections, their pagination"),
    ("links_found", True, "article links found on the listing pages read"),
    ("articles_fetched", True, "pages fetched as articles and passed on to be stored"),
    ("new", True, "articles stored as new stories"),
    ("updated", True, "stored articles whose text changed: a new version stored"),
    ("unchanged", True, "stored articles fetched again with the same text"),
    ("duplicates", True, "new articles stored as copies of a story already stored"),
    ("rechecked", True, "stored articles inside the recheck window requested again"),
    ("not_modified", True, "conditional requests answered 304 Not Modified"),
    ("known_skipped", True, "stored articles outside the recheck window, not requested"),
    ("duplicate_links", True, "article links already queued this run (met twice)"),
    ("budget_cut", True, "requests not made: the source's page budget was spent"),
    ("pagination_cut", True, "pagination chains stopped at the max_pages limit"),
    ("pagination_stopped_known", True, "pagination stopped: every article on the page known"),
    ("trap_cut", True, "links, next pages or sitemap indexes not followed as traps"),
    ("sitemap_cut", True, "child sitemaps of an index left out (PROVWATCH_MAX_SITEMAPS)"),
    ("other_page", True, "stored articles whose address now shows another page: kept"),
    ("moved_host", True, "other hosts the source's own requests were redirected to"),
    ("start_failed", False, "the start page could not be fetched (the source failed)"),
    ("sections", False, "news sections of a home page followed as listings"),
    ("listing", False, "pages fetched as articles that are listings: remembered, not stored"),
    ("listing_followed", False, "listing pages of earlier runs read again this run"),
    ("listing_skipped", False, "listing pages of earlier runs not read (max_sections spent)"),
    ("feed_entries", False, "feed entries with a link"),
    ("sitemap_entries", False, "on-site URLs listed in the source's sitemaps"),
    ("robots_forbidden", False, "requests robots.txt forbids"),
    ("duplicate_url_skipped", False, "article requests already fetched this run (other URL)"),
)

#: every declared key (the ``errors/<kind>`` family aside) and what it counts
FIGURES: dict[str, str] = {key: meaning for key, _, meaning in _DECLARED}
#: the keys the run summary prints for each source, in its order
SUMMARY_KEYS: tuple[str, ...] = tuple(key for key, shown, _ in _DECLARED if shown)

Figures = dict[str, dict[str, int]]


class Stats(Protocol):
    """The part of Scrapy's stats collector the figures use."""

    def get_value(self, key: str, default: Any = None) -> Any: ...

    def set_value(self, key: str, value: Any) -> None: ...

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None: ...

    def get_stats(self) -> dict[str, Any]: ...


def is_declared(key: str) -> bool:
    """Whether ``key`` is a declared figure or of the ``errors/<kind>`` family."""
    return key in FIGURES or bool(_ERROR_KEY.fullmatch(key))


def register(stats: Stats, source: str) -> None:
    """Make ``source`` part of the run's figures, even before it counts anything."""
    sources = stats.get_value(SOURCES_STAT) or []
    if source not in sources:
        stats.set_value(SOURCES_STAT, [*sources, source])


def count(stats: Stats, source: str, key: str, n: int = 1) -> None:
    """Add ``n`` to the figure ``key`` of ``source`` (``n`` may be 0: the key is shown).

    Raises ValueError for a key that is not declared in this module.
    """
    if not is_declared(key):
        raise ValueError(f"undeclared figure key {key!r} (declare it in {__name__})")
    register(stats, source)
    stats.inc_value(f"{STATS_PREFIX}{source}/{key}", n)


def value(stats: Stats, source: str, key: str) -> int:
    """One figure of one source, 0 when not counted."""
    return int(stats.get_value(f"{STATS_PREFIX}{source}/{key}", 0) or 0)


def per_source(stats: Stats) -> Figures:
    """Every source's figures, rebuilt from the stats: ``{source: {key: n}}``, sources in
    the order first met and keys in the order first counted (as the run's row stores them).
    """
    values = stats.get_stats()
    figures: Figures = {sid: {} for sid in values.get(SOURCES_STAT) or []}
    for name, n in values.items():
        if not name.startswith(STATS_PREFIX) or name == SOURCES_STAT:
            continue
        source, _, key = name[len(STATS_PREFIX):].partition("/")
        if source and key:
            figures.setdefault(source, {})[key] = int(n)
    return figures
