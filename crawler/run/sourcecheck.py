"""``provwatch sources check``: what a source's start page offers for discovery."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from parsel import Selector

import settings
from crawler.config.sources import Source
from crawler.core.urls import same_site
from crawler.crawl.fetch import FetchError, fetch, fetch_page


@dataclass
class SourceCheck:
    source: Source
    ok: bool = False
    error: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    article_links: list[str] = field(default_factory=list)
    not_taken: list[tuple[int, str]] = field(default_factory=list)
    next_page: str | None = None
    robots: str = "not checked"
    redirected_to: str | None = None

    def render(self) -> str:
        head = f"{self.source.id} ({self.source.url})"
        if not self.ok:
            return f"{head}\n  FAILED: {self.error}"
        lines = [head]
        if self.redirected_to:
            moved = not same_site(self.redirected_to, self.source.url)
            lines.append(f"  redirected to: {self.redirected_to}" + (
                " (another host: the crawl follows it; update url in the sources file)"
                if moved else ""))
        lines += [f"  robots.txt: {self.robots}",
                 f"  feeds: {', '.join(self.feeds) or 'none announced'}",
                 f"  sitemaps: {', '.join(self.sitemaps) or 'none in robots.txt'}",
                 f"  article links on the start page: {len(self.article_links)}"]
        lines += [f"    {u}" for u in self.article_links[:5]]
        if not self.article_links and self.not_taken:
            lines.append("  links not taken as articles (score, 3 needed); if these are "
                         "articles, set article_pattern = '<regex>' for this source:")
            lines += [f"    {score:>2} {url}" for score, url in self.not_taken]
        lines.append(f"  next listing page: {self.next_page or 'none found'}")
        return "\n".join(lines)


def check_source(source: Source, *, deadline: float = settings.PROVWATCH_FETCH_TIMEOUT,
                 allow_private: bool = False) -> SourceCheck:
    """What the start page offers; each fetch ends within ``deadline`` seconds and keeps
    to the crawl's address rule (``allow_private``, or the source's own key, lifts it)."""
    from crawler.analysis.links import announced_feeds, article_links, links_not_taken, next_page

    report = SourceCheck(source)
    allow_private = allow_private or source.allow_private
    try:
        page = fetch(source.url, deadline=deadline, allow_private=allow_private)
    except FetchError as exc:
        report.error = str(exc)
        return report
    # links resolve against the address the start page was served from, as in the crawl
    base = page.url
    if base != source.url:
        report.redirected_to = base
    sel = Selector(text=page.body.decode("utf-8", errors="replace"))
    pattern = re.compile(source.article_pattern) if source.article_pattern else None
    report.ok = True
    report.feeds = list(dict.fromkeys([*source.feeds, *announced_feeds(sel, base)]))
    report.article_links = article_links(sel, base, base, pattern)
    if not report.article_links and pattern is None:
        report.not_taken = links_not_taken(sel, base, base)
    report.next_page = next_page(sel, base, base)
    try:
        robots = fetch_page(urljoin(base, "/robots.txt"), deadline=deadline,
                            allow_private=allow_private).decode("utf-8", "replace")
        report.robots = "found"
        report.sitemaps = list(dict.fromkeys([*source.sitemaps, *re.findall(
            r"(?im)^\s*sitemap:\s*(\S+)", robots)]))
    except FetchError as exc:
        report.robots = f"unavailable ({exc})"
        report.sitemaps = list(source.sitemaps)
    return report
