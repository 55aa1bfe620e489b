"""Downloader middleware: fetch nothing twice.

Known articles are not requested again; those first seen (or published) within the
recency window are re-checked with conditional requests (ETag / Last-Modified), and a
304 answer ends there. URLs that differ only by tracking parameters, fragments, ``www.``
or scheme are fetched once per run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.storeaccess import store_for
from crawler.urls import canonical_url

ROLE = "provwatch_role"
SOURCE = "provwatch_source"


class IncrementalMiddleware:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.recheck_days = crawler.settings.getfloat("PROVWATCH_RECHECK_DAYS", 3)
        self.known: set[str] = set()
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.seen_this_run: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Any) -> IncrementalMiddleware:
        return cls(crawler)

    def spider_opened(self) -> None:
        store = store_for(self.crawler)
        self.known = store.known_urls()
        since = (datetime.now(UTC) - timedelta(days=self.recheck_days)).isoformat()
        spider = self.crawler.spider
        for source_id in getattr(spider, "by_id", {}):
            self.validators.update(store.validators(source_id, since))

    def _count(self, request: Request, key: str) -> None:
        spider = self.crawler.spider
        if hasattr(spider, "count"):
            spider.count(request.meta.get(SOURCE, "unknown"), key)

    def process_request(self, request: Request) -> None:
        if request.meta.get(ROLE) != "article" or request.meta.get("provwatch_forced"):
            return None
        key = canonical_url(request.url)
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
        request.meta["provwatch_conditional"] = True
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("provwatch_conditional") and response.status == 304:
            self._count(request, "not_modified")
            store = store_for(self.crawler)
            row = store.article_by_url(canonical_url(request.url))
            if row is not None:
                store.touch_article(row["id"])
            raise IgnoreRequest(f"not modified: {request.url}")
        return response
