"""Downloader middlewares: fetch nothing twice; retry politely.

IncrementalMiddleware:

Known articles are not requested again; those first seen (or published) within the
recency window are re-checked with conditional requests (ETag / Last-Modified), and a
304 answer ends there. URLs that differ only by tracking parameters, fragments, ``www.``
or scheme are fetched once per run.

BackoffRetryMiddleware: Scrapy's retry (same settings, same give-up log) with a pause
before each retry, doubling from ``PROVWATCH_RETRY_BACKOFF`` seconds up to
``PROVWATCH_RETRY_BACKOFF_MAX``, or the server's ``Retry-After`` when it names one (capped
the same way): a struggling portal is not hammered again at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import deferred_to_future
from twisted.internet.task import deferLater

from crawler.archive.storeaccess import store_for
from crawler.core.urls import canonical_url
from crawler.crawl import figures
from crawler.crawl.items import META_CONDITIONAL, META_FORCED, META_ROLE, META_SOURCE
from store.db import Store

_INCREMENTAL: WeakKeyDictionary[Any, IncrementalMiddleware] = WeakKeyDictionary()


def incremental_for(crawler: Any) -> IncrementalMiddleware | None:
    """The crawler's IncrementalMiddleware, or None when it is not enabled: the spider
    asks it (``status``) before spending budget on a link."""
    return _INCREMENTAL.get(crawler)


class IncrementalMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.recheck_days = crawler.settings.getfloat("PROVWATCH_RECHECK_DAYS")
        self.known: set[str] = set()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.seen_this_run: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        middleware = cls(crawler)
        _INCREMENTAL[crawler] = middleware
        return middleware

    def spider_opened(self) -> None:
        since = (datetime.now(UTC) - timedelta(days=self.recheck_days)).isoformat()
        spider = self.crawler.spider
        sources = list(getattr(spider, "by_id", {}))

        def read(store: Store) -> None:
            self.known = store.known_urls()
            for source_id in sources:
                self.validators.update(store.validators(source_id, since))

        store_for(self.crawler).call(read)

    def status(self, key: str) -> str:
        """``"new"``, ``"recheck"`` (stored, inside the recheck window) or ``"known"``."""
        if key not in self.known:
            return "new"
        return "recheck" if key in self.validators else "known"

    def _count(self, request: Request, key: str) -> None:
        figures.count(self.crawler.stats, request.meta.get(META_SOURCE, "unknown"), key)

    def process_request(self, request: Request) -> None:
        if request.meta.get(META_ROLE) != "article" or request.meta.get(META_FORCED):
            return None
        key = canonical_url(request.url)
        asked_for = request.meta.get(META_CONDITIONAL)
        if asked_for and asked_for != key:
            # a redirect copied the article's validators to another address (the home page,
            # a "not found" page): a 304 from there would say the article is unchanged
            for header in (b"If-None-Match", b"If-Modified-Since"):
                request.headers.pop(header, None)
            request.meta.pop(META_CONDITIONAL)
            request.meta.pop("handle_httpstatus_list", None)
        if request.meta.get("retry_times") and key in self.seen_this_run:
            return None  # a retry of this run's own request (validators already set)
        if key in self.seen_this_run:
            if request.meta.get("redirect_times"):
                raise IgnoreRequest(f"max redirections reached: redirect loop back to {key}")
            self._count(request, "duplicate_url_skipped")
            raise IgnoreRequest(f"already fetched this run: {key}")
        self.seen_this_run.add(key)
        if key not in self.known:
            return None
        if key not in self.validators:
            self._count(request, "known_skipped")
            raise IgnoreRequest(f"known article outside the recheck window: {key}")
        etag, last_modified = self.validators[key]
        self._count(request, "rechecked")
        if not etag and not last_modified:
            return None  # no validators: a full download is the only way to see an edit
        if etag:
            request.headers[b"If-None-Match"] = etag.encode("latin-1")
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified.encode("latin-1")
        request.meta["handle_httpstatus_list"] = [304]
        request.meta[META_CONDITIONAL] = key  # the address the validators belong to
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(META_CONDITIONAL) and response.status == 304:
            self._count(request, "not_modified")
            store_for(self.crawler).submit(_touch, canonical_url(request.url))
            raise IgnoreRequest(f"not modified: {request.url}")
        return response


def _touch(store: Store, url: str) -> None:
    """Record that a stored article was checked and found unchanged (a 304)."""
    row = store.article_by_url(url)
    if row is not None:
        store.touch_article(row["id"])


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry (exponential, or Retry-After)."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> BackoffRetryMiddleware:
        mw = super().from_crawler(crawler)
        mw.backoff = crawler.settings.getfloat("PROVWATCH_RETRY_BACKOFF")
        mw.backoff_max = crawler.settings.getfloat("PROVWATCH_RETRY_BACKOFF_MAX")
        return mw

    backoff = 2.0
    backoff_max = 60.0

    def delay_for(self, retry: Request, response: Response | None = None) -> float:
        """Seconds to wait before sending ``retry`` (its meta carries the retry count)."""
        times = int(retry.meta.get("retry_times", 1))
        delay = self.backoff * 2 ** (times - 1)
        if response is not None:
            after = response.headers.get(b"Retry-After")
            if after and after.strip().isdigit():
                delay = max(delay, float(after.strip()))
        return float(min(delay, self.backoff_max))

    async def _pause(self, seconds: float) -> None:
        # imported here: importing this module (the spider does) must not install a reactor
        from twisted.internet import reactor

        if seconds > 0:
            await deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(  # type: ignore[override]
            self, request: Request, response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(self.delay_for(result, response))
        return result

    async def process_exception(  # type: ignore[override]
            self, request: Request, exception: Exception) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(self.delay_for(result))
        return result
