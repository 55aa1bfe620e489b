"""Reading stored pages again: after a change of ``content_selector``/``exclude_selectors``
or of the topics file, every kept page is extracted and classified as a crawl would, and
the article is corrected in place.

A re-reading is no edit of the article: no new version, no change alert. A story newly
flagged by a changed topic file is reported (and searchable), not alerted: it is not news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from crawler.analysis.analyse import article_record, classify_page, hints_for
from crawler.analysis.extract import ExtractionError, extract_page
from crawler.analysis.relevance import Topic
from crawler.archive.storing import store_reading
from crawler.config.sources import Source
from crawler.crawl.workers import decoded
from store.db import Store


@dataclass
class ReanalyseReport:
    pages: int = 0
    text_changed: int = 0
    now_flagged: list[int] = field(default_factory=list)
    no_longer_flagged: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    without_page: int = 0

    def lines(self) -> list[str]:
        out = [f"{self.pages} stored pages read again: {self.text_changed} texts changed, "
               f"{len(self.now_flagged)} now flagged, {len(self.no_longer_flagged)} no longer "
               f"flagged, {len(self.failed)} could not be read"]
        if self.now_flagged:
            out.append("now flagged: " + ", ".join(f"#{i}" for i in self.now_flagged))
        if self.no_longer_flagged:
            out.append("no longer flagged: " + ", ".join(f"#{i}" for i in self.no_longer_flagged))
        out.extend(f"#{i}: {why}" for i, why in sorted(self.failed.items()))
        if self.without_page:
            out.append(f"{self.without_page} articles have no kept page (stored before pages "
                       f"were kept, or with PROVWATCH_KEEP_PAGES off): `provwatch recrawl "
                       f"--source ID` fetches them again")
        return out


def reanalyse(store: Store, sources: Mapping[str, Source], topics: Sequence[Topic] | None,
              *, only: Iterable[str] = ()) -> ReanalyseReport:
    """Extract and classify every kept page (of ``only`` sources) again; store what differs."""
    wanted = list(only)
    report = ReanalyseReport()
    for page in store.kept_pages(wanted):
        report.pages += 1
        try:
            extracted = extract_page(decoded(page["body"], page["encoding"]), page["url"],
                                     hints_for(sources.get(page["source"])))
        except ExtractionError as exc:
            report.failed[page["id"]] = str(exc)
            continue
        verdict = classify_page(extracted, topics)
        record = article_record(extracted, verdict)
        if not (record["text"] or "").strip():
            report.failed[page["id"]] = "no article text in the kept page"
            continue
        text_changed = (record["text"] or "") != (page["text"] or "") or \
            (record["title"] or "") != (page["title"] or "")
        if text_changed:
            report.text_changed += 1
        was, now = bool(page["relevant"]), bool(record["relevant"])
        if now and not was:
            report.now_flagged.append(page["id"])
        elif was and not now:
            report.no_longer_flagged.append(page["id"])
        store_reading(store, page["id"], record, extracted.lead, text_changed=text_changed)
    clause = "id NOT IN (SELECT article_id FROM pages)"
    if wanted:
        clause += f" AND source IN ({', '.join('?' * len(wanted))})"
    report.without_page = store.count("articles", clause, wanted)
    return report
