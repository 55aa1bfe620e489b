"""One page in, one analysis out: the single entry the crawl's workers, the in-process
pipelines, ``provwatch reanalyse`` and ``provwatch extract`` all go through, so what the
command prints is what the pipeline stores.

:func:`analyse_page` extracts, classifies and fingerprints a page; the smaller steps
(:func:`classify_page`, :func:`article_record`) serve callers that hold an extracted page
already (the pipelines' thread path, ``explain`` on stored text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from crawler.analysis.dedup import Fingerprint, fingerprint
from crawler.analysis.extract import ExtractedPage, ExtractHints, extract_page
from crawler.analysis.relevance import Classification, Topic, classify
from crawler.analysis.versions import text_key
from crawler.config.sources import Source
from crawler.core.text import fold


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


@dataclass(frozen=True)
class Analysis:
    """Everything the store needs from one page."""

    page: ExtractedPage
    verdict: Classification
    record: dict[str, Any]
    fingerprint: Fingerprint
    digest: str
    folded: tuple[str, str]  # title and text folded for the store's search index


def analyse_page(body: str | bytes, url: str, hints: ExtractHints | None,
                 topics: Sequence[Topic] | None) -> Analysis:
    """Extract, classify and fingerprint one page (raises ExtractionError)."""
    page = extract_page(body, url, hints)
    verdict = classify_page(page, topics)
    record = article_record(page, verdict)
    text = record.get("text") or ""
    return Analysis(page, verdict, record, fingerprint(text), text_key(text),
                    (fold(record.get("title") or ""), fold(text)))


def analyse_html(html: str | bytes, url: str, *, source: Source | None = None,
                 topics: Sequence[Topic] | None = None) -> tuple[dict[str, Any], Classification]:
    """Extract and classify one page; returns the record and the full classification."""
    analysis = analyse_page(html, url, hints_for(source), topics)
    return analysis.record, analysis.verdict
