"""One page in, one article record out: the steps the pipelines run, as plain functions.

``provwatch extract`` and the Scrapy pipelines call exactly these functions, so what the
command prints is what the pipeline stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crawler.analysis.extract import ExtractedPage, ExtractHints, extract_page
from crawler.analysis.relevance import Classification, Topic, classify
from crawler.config.sources import Source


def hints_for(source: Source | None) -> ExtractHints | None:
    """The per-source extraction fixes declared in the sources file, if any."""
    if source is None or not (source.content_selector or source.exclude_selectors):
        return None
    return ExtractHints(content_selector=source.content_selector,
                        exclude_selectors=tuple(source.exclude_selectors))


def classify_page(page: ExtractedPage, topics: Sequence[Topic] | None = None) -> Classification:
    """Classify the extracted article (never the raw page: furniture carries other keywords)."""
    return classify(page.title or "", page.lead, page.text, topics)


def article_record(page: ExtractedPage, verdict: Classification) -> dict[str, Any]:
    """The fields ``provwatch extract --json`` prints and the store keeps."""
    return {
        "url": page.url,
        "title": page.title,
        "author": page.author,
        "published": page.published.isoformat() if page.published else None,
        "text": page.text,
        "relevant": verdict.relevant,
        "score": verdict.score,
        "matched": list(verdict.matched),
        "topic": verdict.topic if verdict.relevant else None,
    }


def analyse_html(html: str | bytes, url: str, *, source: Source | None = None,
                 topics: Sequence[Topic] | None = None) -> tuple[dict[str, Any], Classification]:
    """Extract and classify one page; returns the record and the full classification."""
    page = extract_page(html, url, hints_for(source))
    verdict = classify_page(page, topics)
    return article_record(page, verdict), verdict
