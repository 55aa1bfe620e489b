"""The one spider: crawls the sources of a sources file, or fetches given article URLs.

Per source it reads the start page (a home page or news listing) and follows its
pagination a bounded number of pages, reads the feeds and sitemaps declared for it or
announced by the site (``<link rel=alternate>``, robots.txt ``Sitemap:``), and requests
every article link it recognises. A start page that is the site's home page also leads
to its news sections (menu items, block headings and "Xem thêm" links naming news), each
followed like a listing.

Every page fetched as an article is judged first (``crawler.analysis.pagetype.page_kind``): a
section front or listing that a sitemap, feed or link presented as an article is followed
for its article links and pagination, counted as ``listing``, never passed on to be
stored, and remembered in the database, so later runs do not fetch it as an article
again. Whether an article is fetched again is not decided here:
``crawler.crawl.middlewares.IncrementalMiddleware`` skips known articles and turns recent ones
into conditional requests.

    scrapy crawl provwatch -a only=baolaocai -s PROVWATCH_DB=provwatch.db
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

import settings as defaults
from crawler.analysis.links import (
    announced_feeds,
    article_links,
    is_home,
    is_trap,
    next_page,
    section_links,
)
from crawler.analysis.pagetype import page_kind
from crawler.archive.storeaccess import store_for
from crawler.config.sources import Source, load_sources, select_sources
from crawler.core.urls import canonical_url, fetchable_url, same_site
from crawler.crawl import figures
from crawler.crawl.items import (
    META_CANONICAL,
    META_FORCED,
    META_INSECURE_TLS,
    META_PREVIOUS,
    META_ROLE,
    META_SECTION,
    META_SOURCE,
    PageItem,
)
from crawler.crawl.middlewares import incremental_for
from store.db import Store

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


@dataclass
class SourceState:
    """What the spider has queued for one source during this run."""

    queued: set[str] = field(default_factory=set)      # canonical URLs of every request
    listings: set[str] = field(default_factory=set)    # canonical URLs of listing pages
    known_listings_read: int = 0                       # listings of earlier runs read again


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
        self.state: dict[str, SourceState] = {}
        # settings.py holds the defaults; from_crawler reads the crawl's settings over them
        self.max_pages = defaults.PROVWATCH_MAX_PAGES
        self.page_budget = defaults.PROVWATCH_PAGE_BUDGET
        self.max_sitemaps = defaults.PROVWATCH_MAX_SITEMAPS
        self.sitemap_depth = defaults.PROVWATCH_SITEMAP_DEPTH
        self.stop_at_known = defaults.PROVWATCH_STOP_AT_KNOWN_LISTING
        self.robots_by_middleware = False
        # hosts (host:port) a source's own requests were redirected to (a portal that moved)
        self.moved_to: dict[str, set[str]] = {}
        self.max_sections = defaults.PROVWATCH_MAX_SECTIONS
        # canonical URLs of pages judged listings (this run and before): never articles
        self.known_listings: set[str] = set()

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
        settings = crawler.settings
        spider.max_pages = settings.getint("PROVWATCH_MAX_PAGES")
        spider.page_budget = settings.getint("PROVWATCH_PAGE_BUDGET")
        spider.max_sitemaps = settings.getint("PROVWATCH_MAX_SITEMAPS")
        spider.sitemap_depth = settings.getint("PROVWATCH_SITEMAP_DEPTH")
        spider.stop_at_known = settings.getbool("PROVWATCH_STOP_AT_KNOWN_LISTING")
        spider.max_sections = settings.getint("PROVWATCH_MAX_SECTIONS")
        # Scrapy's robots.txt middleware fetches robots.txt once per host; its sitemaps
        # are read from that copy (signal robots_parsed) instead of fetching it twice
        spider.robots_by_middleware = settings.getbool("ROBOTSTXT_OBEY")
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(spider.spider_opened, signal=signals.spider_opened)
        return spider

    def spider_opened(self) -> None:
        """The sources of this run written to the database (name, province, url), and
        the listing pages earlier runs met, so none is fetched as an article again."""
        store_for(self.crawler).call(Store.upsert_sources, [
            {"id": s.id, "name": s.name, "province": s.province,
             "former_provinces": list(s.former_provinces), "kind": s.kind, "url": s.url}
            for s in self.sources])
        if self.crawler.settings.get("PROVWATCH_DB"):
            self.known_listings = set(store_for(self.crawler).call(
                lambda store: store.listing_urls()))

    def remember_listing(self, url: str, source: Source, reason: str) -> None:
        key = canonical_url(url)
        self.known_listings.add(key)
        if self.crawler.settings.get("PROVWATCH_DB"):
            store_for(self.crawler).submit(
                lambda store: store.remember_listing(key, source.id, reason))

    def forget_listing(self, url: str) -> None:
        """A page once judged a listing is an article now (or was misjudged): it is stored
        and checked as an article from now on."""
        key = canonical_url(url)
        self.known_listings.discard(key)
        if self.crawler.settings.get("PROVWATCH_DB"):
            store_for(self.crawler).submit(lambda store: store.forget_listing(key))

    # -- figures -----------------------------------------------------------------------
    def count(self, source: str, key: str, n: int = 1) -> None:
        """Count a figure of ``source`` in the crawler's stats (crawler.crawl.figures);
        the pipelines and middlewares count through here too."""
        figures.count(self.crawler.stats, source, key, n)

    def _request(self, url: str, source: Source, role: str, callback: Any,
                 **meta: Any) -> scrapy.Request | None:
        """A request for ``source``, or None when already queued or its page budget is spent.

        Every URL is queued once per run and source, by canonical form: a link met on a
        listing, in the feed and in the sitemap costs one request and one unit of budget.
        """
        key = canonical_url(url)
        state = self.state.setdefault(source.id, SourceState())
        if key in state.queued:
            if role == "article":
                self.count(source.id, "duplicate_links")
            return None
        spent = figures.value(self.crawler.stats, source.id, "requests")
        if spent >= (source.page_budget or self.page_budget):
            self.count(source.id, "budget_cut")
            return None
        state.queued.add(key)
        self.count(source.id, "requests")
        meta.update({META_SOURCE: source.id, META_ROLE: role})
        if source.insecure_tls:
            meta[META_INSECURE_TLS] = True
        # Articles bypass Scrapy's fingerprint filter: IncrementalMiddleware de-duplicates
        # them by canonical URL and says why (duplicate link, redirect loop, known article).
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta,
                              dont_filter=role in ("robots", "article"))

    # -- start ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.recrawl_urls:
            for url in self.recrawl_urls:
                source = self.source_for_url(url)
                figures.register(self.crawler.stats, source.id)
                yield scrapy.Request(url, callback=self.parse_article, errback=self.on_error,
                                     dont_filter=True,
                                     meta={META_SOURCE: source.id, META_ROLE: "article",
                                           META_FORCED: True})
            return
        for source in self.sources:
            figures.register(self.crawler.stats, source.id)
            for req in self.start_requests_for(source):
                yield req

    def start_requests_for(self, source: Source) -> Iterable[scrapy.Request]:
        candidates = [
            self._request(source.url, source, "start", self.parse_listing, page=1),
            *(self._request(u, source, "listing", self.parse_listing, page=1)
              for u in source.listings),
            *(self._request(u, source, "feed", self.parse_feed) for u in source.feeds),
            *(self._request(u, source, "sitemap", self.parse_sitemap, sitemap_depth=0)
              for u in source.sitemaps),
        ]
        if not self.robots_by_middleware:
            candidates.append(self._request(urljoin(source.url, "/robots.txt"), source,
                                            "robots", self.parse_robots))
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

    def _site(self, response: Response, source: Source) -> str:
        """The site a listing's links are judged against: the source's own, or the host
        that a redirect of the source's own request led to.

        Portals move domain (after the 2025 merger many provincial sites redirect to the
        merged province's); judged against the configured host, every link on the new
        one would be off-site and the source would silently yield nothing.
        """
        return self._adopt(response.url, response.meta.get("redirect_urls"), source)

    def _adopt(self, url: str, redirected_from: list[str] | None, source: Source) -> str:
        if same_site(url, source.url):
            return source.url
        # host and port: another port is another server (crawler.core.urls.same_site)
        host = urlsplit(url).netloc.rpartition("@")[2].lower()
        hosts = self.moved_to.setdefault(source.id, set())
        if host in hosts:
            return url
        if not redirected_from:
            return source.url
        hosts.add(host)
        self.count(source.id, "moved_host")
        self.logger.warning(
            "source %s: %s redirects to %s on another host; links there are taken as "
            "the source's (update its url in the sources file)", source.id,
            redirected_from[0], url)
        return url

    def _on_site(self, url: str, source: Source) -> bool:
        """On the source's host, or on a host its own requests were redirected to."""
        return same_site(url, source.url) or any(
            same_site(url, f"http://{host}/") for host in self.moved_to.get(source.id, ()))

    def parse_listing(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        if not isinstance(response, TextResponse):
            self.count(source.id, "errors/not_html")
            return
        self.count(source.id, "listing_pages")
        state = self.state.setdefault(source.id, SourceState())
        state.listings.add(canonical_url(response.url))
        pattern = re.compile(source.article_pattern) if source.article_pattern else None
        site = self._site(response, source)
        links = article_links(response.selector, response.url, site, pattern)
        self.count(source.id, "links_found", len(links))
        # links still worth a request: not stored yet, or stored inside the recheck window
        wanted = [u for u in links if self._status(canonical_url(u)) != "known"]
        yield from self.article_requests(source, links)
        if response.meta.get(META_ROLE) == "start" and is_home(response.url):
            yield from self._sections(response, source, site)
        for feed in announced_feeds(response.selector, response.url):
            if self._on_site(feed, source):
                req = self._request(feed, source, "feed", self.parse_feed)
                if req is not None:
                    yield req
        yield from self._follow_pagination(response, source, site, links, wanted)

    def _sections(self, response: TextResponse, source: Source, site: str
                  ) -> Iterable[scrapy.Request]:
        """The news sections a home page links to, each read as a listing (page 1 of its
        pagination); at most PROVWATCH_MAX_SECTIONS of them, best first."""
        for url in section_links(response.selector, response.url, site, self.max_sections):
            if is_trap(url):
                continue
            req = self._request(url, source, "listing", self.parse_listing, page=1,
                                **{META_SECTION: True})
            if req is not None:
                self.count(source.id, "sections")
                yield req

    def _follow_pagination(self, response: TextResponse, source: Source, site: str,
                           links: list[str], wanted: list[str]) -> Iterable[scrapy.Request]:
        state = self.state[source.id]
        page = int(response.meta.get("page", 1))
        following = next_page(response.selector, response.url, site)
        # compared with the page before in the same chain: sections are paginated at once
        repeated = bool(links) and hash(tuple(links)) == response.meta.get(META_PREVIOUS)
        if not following:
            return
        if is_trap(following) or canonical_url(following) in state.listings or repeated:
            # a calendar or search "next", a loop back, or a page that repeats the last one
            # (endless pagination past the end of the archive)
            self.count(source.id, "trap_cut")
            return
        if self.stop_at_known and incremental_for(self.crawler) is not None and links \
                and not wanted:
            # everything on this page is stored and older than the recheck window: the
            # older pages behind it hold nothing a run needs
            self.count(source.id, "pagination_stopped_known")
            return
        if page >= (source.max_pages or self.max_pages):
            self.count(source.id, "pagination_cut")
            return
        req = self._request(following, source, "listing", self.parse_listing, page=page + 1,
                            **{META_PREVIOUS: hash(tuple(links))})
        if req is not None:
            yield req

    def _status(self, key: str) -> str:
        """"new", "recheck" (stored, inside the recheck window) or "known" (stored)."""
        incremental = incremental_for(self.crawler)
        if incremental is None:
            return "new"
        return incremental.status(key)

    def article_requests(self, source: Source, urls: Iterable[str]) -> Iterable[scrapy.Request]:
        for url in urls:
            if is_trap(url):
                self.count(source.id, "trap_cut")
                continue
            key = canonical_url(url)
            if key in self.known_listings:
                # judged a listing on an earlier fetch: never fetched as an article again,
                # but read as a listing (the sitemap may list only sections), a few a run
                yield from self._known_listing(source, url, key)
                continue
            if self._status(key) == "known":
                # stored, outside the recheck window: no request, no budget spent
                if key not in self.state.setdefault(source.id, SourceState()).queued:
                    self.state[source.id].queued.add(key)
                    self.count(source.id, "known_skipped")
                continue
            req = self._request(fetchable_url(url), source, "article", self.parse_article,
                                **{META_CANONICAL: key})
            if req is not None:
                yield req

    def _known_listing(self, source: Source, url: str, key: str) -> Iterable[scrapy.Request]:
        state = self.state.setdefault(source.id, SourceState())
        if key in state.queued:
            return
        if state.known_listings_read >= self.max_sections:
            state.queued.add(key)
            self.count(source.id, "listing_skipped")
            return
        # judged again on arrival (parse_article): a misjudged article is not lost for good
        req = self._request(fetchable_url(url), source, "listing", self.parse_article, page=1)
        if req is not None:
            state.known_listings_read += 1
            self.count(source.id, "listing_followed")
            yield req

    def parse_feed(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        self._site(response, source)  # a feed redirected to a new host moves the source
        parsed = feedparser.parse(response.body)
        links = [e.get("link") for e in parsed.entries if e.get("link")]
        self.count(source.id, "feed_entries", len(links))
        if parsed.bozo and not links:
            self.count(source.id, "errors/bad_feed")
            return
        yield from self.article_requests(
            source, [urljoin(response.url, str(u)) for u in links
                     if self._on_site(urljoin(response.url, str(u)), source)])

    def parse_sitemap(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        self._site(response, source)  # a sitemap redirected to a new host moves the source
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
            entries = [e for e in sitemap if e.get("loc")]
        except Exception:  # noqa: BLE001 - lxml raises several types for broken XML
            self.count(source.id, "errors/bad_sitemap")
            return
        # newest first by lastmod (stable: file order otherwise), so budgets cut the oldest
        entries.sort(key=_entry_date, reverse=True)
        # loc must be absolute by the protocol; portals sometimes write paths
        locs = [urljoin(response.url, entry["loc"].strip()) for entry in entries]
        if sitemap.type == "sitemapindex":
            depth = int(response.meta.get("sitemap_depth", 0)) + 1
            if depth > self.sitemap_depth:
                self.count(source.id, "trap_cut", len(locs))  # index of indexes of ...
                return
            children = [u for u in locs if self._on_site(u, source)]
            children.sort(key=lambda u: "news" not in u.lower())  # stable: news first
            if len(children) > self.max_sitemaps:
                self.count(source.id, "sitemap_cut", len(children) - self.max_sitemaps)
            for loc in children[: self.max_sitemaps]:
                req = self._request(loc, source, "sitemap", self.parse_sitemap,
                                    sitemap_depth=depth)
                if req is not None:
                    yield req
            return
        urls = [u for u in locs if self._on_site(u, source)]
        self.count(source.id, "sitemap_entries", len(urls))
        yield from self.article_requests(source, urls)

    def robots_parsed(self, robotparser: Any, request: scrapy.Request) -> None:
        """Sitemaps named in robots.txt, read from the copy Scrapy's middleware fetched."""
        source_id = request.meta.get(META_SOURCE)
        if source_id not in self.by_id or self.recrawl_urls:
            return
        source = self.by_id[source_id]
        # the request that asked for robots.txt; a redirect of the source's own start page
        # to a new host gets here before that page is parsed
        self._adopt(request.url, request.meta.get("redirect_urls"), source)
        parser = getattr(robotparser, "rp", None)
        sitemaps = list(getattr(parser, "sitemaps", ()) or ())
        base = f"{urlsplit(request.url).scheme}://{urlsplit(request.url).netloc}/robots.txt"
        for url in self._robots_sitemaps(source, [urljoin(base, u) for u in sitemaps]):
            self.crawler.engine.crawl(url)

    def parse_robots(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        if response.status != 200:
            return
        yield from self._robots_sitemaps(
            source, list(sitemap_urls_from_robots(response.body, base_url=response.url)))

    def _robots_sitemaps(self, source: Source, urls: list[str]) -> Iterable[scrapy.Request]:
        for url in [u for u in urls if self._on_site(u, source)][: self.max_sitemaps]:
            req = self._request(url, source, "sitemap", self.parse_sitemap, sitemap_depth=0)
            if req is not None:
                yield req

    def parse_article(self, response: Response) -> Iterable[Any]:
        source = self._source(response)
        if isinstance(response, TextResponse):
            site = self._site(response, source)
            pattern = re.compile(source.article_pattern) if source.article_pattern else None
            verdict = page_kind(response.selector, response.url, site, pattern)
            if verdict.is_listing:
                yield from self._listing_not_article(response, source, site, verdict.links,
                                                     verdict.reason)
                return
            if response.meta.get(META_ROLE) == "listing":
                # a listing of an earlier run, read again, is an article now
                self.logger.info("source %s: %s, once a listing, is an article (%s)",
                                 source.id, response.url, verdict.reason)
                self.forget_listing(response.url)
        self.count(source.id, "articles_fetched")
        # the page is parsed once, by the extraction (which also reads <link rel=canonical>)
        encoding = response.encoding if isinstance(response, scrapy.http.TextResponse) else None
        yield PageItem(
            url=response.url, source=source.id, body=response.body, encoding=encoding,
            requested_url=response.request.url if response.request else None,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            forced=bool(response.meta.get(META_FORCED)),
        )

    def _listing_not_article(self, response: TextResponse, source: Source, site: str,
                             links: Iterable[str], reason: str) -> Iterable[scrapy.Request]:
        """A page fetched as an article that is a listing: counted, remembered, followed
        for its article links and pagination like a listing page, and never stored. (A
        listing of an earlier run, read again, is judged again but neither counted nor
        written again.)"""
        if response.meta.get(META_ROLE) == "article":
            self.count(source.id, "listing")
            self.logger.info("source %s: %s is a listing page, not an article (%s)",
                             source.id, response.url, reason)
            self.remember_listing(response.url, source, reason)
        else:
            self.count(source.id, "listing_pages")
        if response.meta.get(META_FORCED):
            return  # a recrawl of this URL: nothing else was asked for
        state = self.state.setdefault(source.id, SourceState())
        state.listings.add(canonical_url(response.url))
        found = list(links)
        self.count(source.id, "links_found", len(found))
        wanted = [u for u in found if self._status(canonical_url(u)) != "known"]
        yield from self.article_requests(source, found)
        yield from self._follow_pagination(response, source, site, found, wanted)

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


def _entry_date(entry: dict[str, Any]) -> str:
    """The sortable date of a sitemap entry (W3C datetime in lastmod), else ""."""
    return str(entry.get("lastmod") or "")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _split(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,\s]+", value) if v]
    return [v for v in value if v]
