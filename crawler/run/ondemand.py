"""One page or one article looked at on demand: ``provwatch extract``, ``explain``,
``history`` and ``diff``. Each function returns values or lines; the CLI prints them.

Failures are :class:`InspectError` (one line naming the page or article) or
:class:`NotAPage` (a scheme that is never fetched: a usage mistake).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.analysis.relevance import Topic, TopicFileError, load_topics
from crawler.analysis.versions import text_diff
from crawler.config.sources import SourcesFileError, load_sources
from crawler.core.addresses import SCHEMES
from crawler.core.urls import canonical_url, same_site
from store.db import Row, Store

if TYPE_CHECKING:
    from crawler.analysis.extract import ExtractedPage

# Extraction (trafilatura, lxml) and fetching are imported by the functions that use them:
# the CLI imports this module for every command, and a cron run's CLI process stays small.


class InspectError(Exception):
    """The page or article could not be read, fetched or analysed."""


class NotAPage(InspectError):
    """Neither an http(s) URL nor a local file (file:, ftp:, data: ... are never fetched)."""


@dataclass(frozen=True)
class FetchLimits:
    deadline: float  # PROVWATCH_FETCH_TIMEOUT
    allow_private: bool  # PROVWATCH_ALLOW_PRIVATE


def topics_or_error(path: str | None) -> list[Topic]:
    try:
        return load_topics(path)
    except TopicFileError as exc:
        raise InspectError(str(exc)) from exc


def extract_record(page: str, url: str | None, *, topics: str | None, sources: str | None,
                   limits: FetchLimits) -> dict[str, Any]:
    """What the crawl would store for ``page`` (an http(s) URL, fetched as the crawl would,
    or a local file); a source whose site the URL is on lends its selectors."""
    from crawler.analysis.analyse import analyse_html
    from crawler.analysis.extract import ExtractionError
    from crawler.crawl.fetch import FetchError, fetch

    is_url = urlsplit(page).scheme in SCHEMES
    if not is_url and re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", page) and not Path(page).exists():
        raise NotAPage(f"{page!r}: give an http(s) URL or a local file; other schemes "
                       "(file:, ftp:, data:, ...) are not fetched")
    try:
        if is_url:
            fetched = fetch(page, deadline=limits.deadline, allow_private=limits.allow_private)
            body = fetched.body
            url = url or fetched.url  # after redirects, as the crawl stores it
        else:
            body = Path(page).read_bytes()
            url = url or Path(page).resolve().as_uri()
        source = None
        if url.startswith(("http://", "https://")):
            known = load_sources(sources) if sources else []
            source = next((s for s in known if same_site(s.url, url)), None)
        record, _ = analyse_html(body, url, source=source, topics=load_topics(topics))
    except (OSError, FetchError, ExtractionError, TopicFileError, SourcesFileError) as exc:
        raise InspectError(f"{page}: {exc}") from exc
    record.pop("topic", None)
    return record


def record_lines(record: dict[str, Any]) -> list[str]:
    """``provwatch extract`` without --json: headline, date and author, text, verdict."""
    return [f"{record['title']}\n{record['published'] or 'no date'} · "
            f"{record['author'] or 'no author'}\n", record["text"],
            f"\nrelevant={record['relevant']} score={record['score']} "
            f"matched={', '.join(record['matched'])}"]


def find_article(store: Store, ref: str) -> Row | None:
    """A stored article by id or by URL (any spelling of it)."""
    if ref.isdigit():
        return store.article_by_id(int(ref))
    return store.article_by_url(canonical_url(ref))


def explain_lines(store: Store, ref: str, topics: Sequence[Topic],
                  limits: FetchLimits | None = None) -> list[str]:
    """Why an article was (or was not) flagged: a stored one from its stored text, an
    unknown http(s) URL fetched and extracted now."""
    from crawler.analysis.analyse import classify_page
    from crawler.analysis.extract import ExtractedPage, ExtractionError, extract_page
    from crawler.crawl.fetch import FetchError, fetch_page

    lines = []
    page: ExtractedPage
    row = find_article(store, ref)
    if row is not None:
        page = ExtractedPage(url=row["link"] or row["url"], title=row["title"],
                             author=row["author"], published=None, text=row["text"] or "",
                             lead=row["lead"] or "")
        lines.append(f"article {row['id']} [{row['source']}] version {row['version']}")
        if row["duplicate_of"]:
            lines.append(f"duplicate of article {row['duplicate_of']}: copies never alert")
    elif ref.startswith(("http://", "https://")):
        try:
            body = fetch_page(ref) if limits is None else fetch_page(
                ref, deadline=limits.deadline, allow_private=limits.allow_private)
            page = extract_page(body, ref)
        except (FetchError, ExtractionError) as exc:
            raise InspectError(f"{ref}: {exc}") from exc
        lines.append(f"not stored; fetched {ref} now")
    else:
        raise InspectError(f"no stored article with id or URL {ref!r}")
    lines.append(f"title: {page.title}")
    lines.append(classify_page(page, topics).explain())
    return lines


def history_lines(store: Store, article_id: int) -> list[str]:
    """Each stored version of an article, with the lines it added and removed."""
    if store.article_by_id(article_id) is None:
        raise InspectError(f"no article with id {article_id}")
    lines = []
    for v in store.versions(article_id):
        diff = (v["diff"] or "").split("\n")
        added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
        removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
        change = "first seen" if v["version"] == 1 else f"+{added} -{removed} lines"
        lines.append(f"v{v['version']:<3} {v['seen_at']}  {change:<16} {v['title']}")
    return lines


def version_diff(store: Store, article_id: int, versions: Sequence[int]) -> str:
    """The difference between two versions (default: the last two)."""
    stored = {v["version"]: v for v in store.versions(article_id)}
    if not stored:
        raise InspectError(f"no article with id {article_id}")
    last = max(stored)
    v1, v2 = versions if versions else (max(last - 1, 1), last)
    for v in (v1, v2):
        if v not in stored:
            raise InspectError(f"article {article_id} has no version {v} (versions 1..{last})")
    a, b = stored[v1], stored[v2]
    out = text_diff(a["title"], a["text"] or "", b["title"], b["text"] or "", max_lines=10_000)
    return out or f"versions {v1} and {v2} are identical"
