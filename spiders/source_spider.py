"""The one spider: crawls the sources of a sources file, or fetches given article URLs.

Per source it reads the start page (a home page or news listing) and follows its
pagination a bounded number of pages, reads the feeds and sitemaps declared for it or
announced by the site (``<link rel=alternate>``, robots.txt ``Sitemap:``), and requests
every article link it recognises. Whether an article is fetched again is not decided
here: ``crawler.middlewares.IncrementalMiddleware`` skips known articles and turns recent
ones into conditional requests.

    scrapy crawl provwatch -a only=baolaocai -s PROVWATCH_DB=provwatch.db
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from crawler.items import PageItem
from crawler.sources import Source, load_sources, select_sources
from crawler.urls import canonical_url, fetchable_url, same_site
from spiders.discovery import announced_feeds, article_links, is_trap, next_page

META_SOURCE = "provwatch_source"
META_ROLE = "provwatch_role"  # "start" | "listing" | "feed" | "sitemap" | "robots" | "article"


IGNORED_BY_US = ("already fetched", "known article", "not modified")


def error_kind(failure: Failure) -> str:
    """A short, stable name for what went wrong with a request (for run figures)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    name = type(exc).__name__
    text = str(exc).lower()
    if isinstance(exc, IgnoreRequest):
        if "max redirections" in text:
            return "redirect_loop"
        if "robots.txt" in text:
            return "robots_forbidden"
        if "maxsize" in text or "max size" in text or "decompress" in text:
            return "too_large"
        if any(reason in text for reason in IGNORED_BY_US):
            return "ignored"
        return "ignored_other"
    if "DNSLookupError" in name or "CannotResolveHost" in name:
        return "dns"
    if "Cancelled" in name and ("maxsize" in text or "size" in text or not text):
        return "too_large"
    if "Timeout" in name or "timed out" in text or "took longer than" in text:
        return "timeout"
    if "SSL" in name or "ssl" in text or "certificate" in text or "tls" in text:
        return "tls"
    if "ConnectionRefused" in name:
        return "refused"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class SourceSpider(scrapy.Spider):
    name = "provwatch"

    def __init__(self, sources_file: str | None = None, only: str | Iterable[str] | None = None,
                 urls: str | Iterable[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources_file = sources_file
        self._only = _split(only)
        self.recrawl_urls = _split(urls)
        self.sources: list[Source] = []
        self.by_id: dict[str, Source] = {}
        self.figures: dict[str, Counter[str]] = {}
        self.max_pages = 3
        self.page_budget = 300

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceSpider:
        kwargs.setdefault("sources_file", crawler.settings.get("PROVWATCH_SOURCES"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        # a malformed entry or unknown id must not stop the night: the CLI reports them
        all_sources = load_sources(spider.sources_file, lenient=True)
        known = {s.id for s in all_sources}
        only = [i for i in spider._only if i in known]
        if spider._only and not only:
            only = spider._only  # none known: let select_sources raise the clear error
        spider.sources = (select_sources(all_sources, only) if not spider.recrawl_urls
                          else all_sources)
        spider.by_id = {s.id: s for s in all_sources}
        spider.max_pages = crawler.settings.getint("PROVWATCH_MAX_PAGES", 3)
        spider.page_budget = crawler.settings.getint("PROVWATCH_PAGE_BUDGET", 300)
        return spider

    # -- figures -----------------------------------------------------------------------
    def count(self, source: str, key: str, n: int = 1) -> None:
        self.figures.setdefault(source, Counter())[key] += n
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"provwatch/{source}/{key}", n)

    def _request(self, url: str, source: Source, role: str, callback: Any,
                 **meta: Any) -> scrapy.Request | None:
        """A request for ``source``, or None when its page budget is spent."""
        spent = self.figures.get(source.id, Counter())["requests"]
        if spent >= (source.page_budget or self.page_budget):
            self.count(source.id, "budget_cut")
            return None
        self.count(source.id, "requests")
        meta.update({META_SOURCE: source.id, META_ROLE: role})
        if source.insecure_tls:
            meta["provwatch_insecure_tls"] = True
        # Articles bypass Scrapy's fingerprint filter: IncrementalMiddleware de-duplicates
        # them by canonical URL and says why (duplicate link, redirect loop, known article).
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              dont_filter=role in ("robots", "article"))

    # -- start ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.recrawl_urls:
            for url in self.recrawl_urls:
                source = self.source_for_url(url)
                self.figures.setdefault(source.id, Counter())
                yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                     dont_filter=True,
                                     meta={META_SOURCE: source.id, META_ROLE: "article",
                                           "provwatch_forced": True})
            return
        for source in self.sources:
            self.figures.setdefault(source.id, Counter())
            for req in self.start_requests_for(source):
                yield req

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:
        candidates = [
            self._request(source.url, source, "start", self.parse_listing, page=1),
            *(self._request(u, source, "listing", self.parse_listing, page=1)
              for u in source.listings),
            *(self._request(u, source, "feed", self.parse_feed) for u in source.feeds),
            *(self._request(u, source, "sitemap", self.parse_sitemap) for u in source.sitemaps),
            self._request(urljoin(source.url, "/robots.txt"), source, "robots",
                          self.parse_robots),
        ]
        return [r for r in candidates if r is not None]

    def source_for_url(self, url: str) -> Source:
        for source in self.by_id.values():
            if same_site(url, source.url):
                return source
        host = (urlsplit(url).hostname or "adhoc").lower()
        adhoc = Source(id=re.sub(r"[^a-z0-9-]+", "-", host).strip("-") or "adhoc",
                       name=host, url=url)
        self.by_id[adhoc.id] = adhoc
        return adhoc

    # -- callbacks ---------------------------------------------------------------------
    def _source(self, response: Response) -> Source:
        return self.by_id[response.meta[META_SOURCE]]

    def parse_listing(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        if not isinstance(response, scrapy.http.TextResponse):
            self.count(source.id, "errors/not_html")
            return
        self.count(source.id, "listing_pages")
        pattern = re.compile(source.article_pattern) if source.article_pattern else None
        links = article_links(response.selector, response.url, source.url, pattern)
        self.count(source.id, "links_found", len(links))
        yield from self.article_requests(source, links)
        if response.meta.get(META_ROLE) == "start" and not source.feeds:
            for feed in announced_feeds(response.selector, response.url):
                if same_site(feed, source.url):
                    req = self._request(feed, source, "feed", self.parse_feed)
                    if req is not None:
                        yield req
        page = int(response.meta.get("page", 1))
        following = next_page(response.selector, response.url, source.url)
        if following and not is_trap(following):
            if page >= (source.max_pages or self.max_pages):
                self.count(source.id, "pagination_cut")
            else:
                req = self._request(following, source, "listing", self.parse_listing,
                                    page=page + 1)
                if req is not None:
                    yield req

    def article_requests(self, source: Source, urls: Iterable[str]) -> Iterable[scrapy.Request]:
        for url in urls:
            if is_trap(url):
                self.count(source.id, "trap_cut")
                continue
            req = self._request(fetchable_url(url), source, "article", self.parse_article,
                                provwatch_canonical=canonical_url(url))
            if req is not None:
                yield req

    def parse_feed(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        parsed = feedparser.parse(response.body)
        links = [e.get("link") for e in parsed.entries if e.get("link")]
        self.count(source.id, "feed_entries", len(links))
        if parsed.bozo and not links:
            self.count(source.id, "errors/bad_feed")
            return
        yield from self.article_requests(
            source, [urljoin(response.url, str(u)) for u in links
                     if same_site(urljoin(response.url, str(u)), source.url)])

    def parse_sitemap(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        body = response.body
        if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz, served as a file (not Content-Encoding)
            try:
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as exc:  # corrupt, or larger than the size cap
                self.logger.warning("source %s: unusable gzip sitemap %s: %s", source.id,
                                    response.url, exc)
                self.count(source.id, "errors/bad_sitemap")
                return
        try:
            sitemap = Sitemap(body)
        except Exception:  # noqa: BLE001 - lxml raises several types for broken XML
            self.count(source.id, "errors/bad_sitemap")
            return
        # loc must be absolute by the protocol; portals sometimes write paths
        locs = [urljoin(response.url, entry["loc"].strip()) for entry in sitemap
                if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            for loc in locs[: self.max_pages * 2]:
                req = self._request(loc, source, "sitemap", self.parse_sitemap)
                if req is not None:
                    yield req
            return
        urls = [u for u in locs if u and same_site(u, source.url)]
        self.count(source.id, "sitemap_entries", len(urls))
        yield from self.article_requests(source, urls)

    def parse_robots(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        if response.status != 200 or source.sitemaps:
            return
        for url in list(sitemap_urls_from_robots(response.body, base_url=response.url))[:5]:
            if same_site(url, source.url):
                req = self._request(url, source, "sitemap", self.parse_sitemap)
                if req is not None:
                    yield req

    def parse_article(self, response: Response) -> Iterable[PageItem]:
        source = self._source(response)
        self.count(source.id, "articles_fetched")
        canonical_hint = None
        encoding = None
        if isinstance(response, scrapy.http.TextResponse):
            encoding = response.encoding
            hint = response.css("link[rel=canonical]::attr(href)").get()
            if hint and same_site(urljoin(response.url, hint), response.url):
                canonical_hint = urljoin(response.url, hint.strip())
        yield PageItem(
            url=response.url, source=source.id, body=response.body, encoding=encoding,
            requested_url=response.request.url if response.request else None,
            canonical_hint=canonical_hint,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            forced=bool(response.meta.get("provwatch_forced")),
        )

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        meta = request.meta if request is not None else {}
        source = meta.get(META_SOURCE, "unknown")
        role = meta.get(META_ROLE, "unknown")
        kind = error_kind(failure)
        if kind == "ignored":
            return  # counted by whoever ignored it (incremental skip, 304)
        if kind == "robots_forbidden":
            self.count(source, kind)
            return
        self.count(source, f"errors/{kind}")
        if role == "start":
            self.count(source, "start_failed")
        url = request.url if request is not None else "?"
        hint = ""
        if kind == "tls":
            hint = ("; the certificate could not be verified: if this portal's chain is known "
                    "to be broken, set insecure_tls = true for this source")
        self.logger.warning("source %s: %s fetching %s (%s)%s", source, kind, url, role, hint)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _split(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    return [v for v in value if v]
