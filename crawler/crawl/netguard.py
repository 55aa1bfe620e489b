"""No requests into private networks: a link or redirect to a loopback, private, link-local
or cloud-metadata address is refused before any connection is made (issue 18.2).

A portal page that links (or redirects) to ``http://169.254.169.254/…``, ``http://10.0.0.5/``
or ``http://localhost:6379/`` must not make the crawler fetch, store and index whatever
answers there. The rule, for the crawl (``PrivateNetworkGuard``) and for single fetches
(``crawler.crawl.fetch``) alike:

* only ``http`` and ``https`` are fetched;
* the host is resolved once per run and the request may only go to an address that is
  public (``non_public_reason``), or that the source's own ``url`` host resolves to (a
  source on a local or intranet address keeps working: its start host is itself private),
  or any address when the source sets ``allow_private = true`` (or the whole crawl runs with
  ``PROVWATCH_ALLOW_PRIVATE``);
* redirects pass the same check: Scrapy's redirect middleware returns the new request to
  the engine, which schedules it and sends it through every downloader middleware's
  ``process_request`` again (Scrapy 2.19 ``core/engine.py`` ``_handle_downloader_output``),
  so this middleware sees each hop.

DNS rebinding: the address checked is the address connected to. The middleware resolves a
host name once per run (IPv4, as Scrapy's HTTP/1.1 handler connects over IPv4 by name),
picks one address (a public one when the name has any) and pins it: ``PinnedResolver``
(``TWISTED_DNS_RESOLVER``) answers the downloader's own lookup of that name with the pinned
address instead of asking DNS again. ``crawler.crawl.fetch`` connects its sockets to the checked
addresses directly.

Refused requests fail with ``RefusedPrivate``: the spider counts them per source as
``errors/refused_private`` (a refused start page fails the source) and this module logs one
warning naming the URL without credentials or query, the address and the redirect's origin.

Limits: through an HTTP(S) proxy (``http_proxy`` in the environment) the proxy connects
by name after this process checked it, so a rebinding DNS server could still steer the
proxy; setting another ``TWISTED_DNS_RESOLVER`` loses the pin; a name is judged by its IPv4
addresses (Scrapy's resolver connects over IPv4), an IPv6 literal by itself.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import deferred_to_future
from twisted.internet import defer, reactor, threads
from twisted.internet.error import DNSLookupError

from crawler.core.addresses import (
    SCHEMES,
    literal,
    loggable,
    non_public_reason,
    private_addresses,
    refusal,
    resolve,
    usable_addresses,
)
from crawler.crawl.items import META_SOURCE

logger = logging.getLogger(__name__)

# host name -> the one address the downloader connects to for it during this run (the crawl
# runs in its own process, so the map lives exactly one run)
PINNED: dict[str, str] = {}


class RefusedPrivate(Exception):  # the spider names the error kind after the class
    """The request would go to an address that is not public (error kind ``refused_private``)."""


class RefusedScheme(Exception):
    """The request is not http(s) (error kind ``refused_scheme``)."""


class PrivateNetworkGuard:
    """Downloader middleware refusing requests and redirects to non-public addresses.

    It runs before Scrapy's robots.txt middleware (priority below 100): a refused page does
    not even cost a robots.txt request to the address. A request without a source (Scrapy's
    own robots.txt request) may go where a source's request was already let through, or to
    a public address.
    """

    def __init__(self, crawler: Any) -> None:
        if crawler.settings.getbool("PROVWATCH_ALLOW_PRIVATE"):
            raise NotConfigured("PROVWATCH_ALLOW_PRIVATE is set: private addresses allowed")
        self.crawler = crawler
        self.dns_timeout = crawler.settings.getfloat("DNS_TIMEOUT")
        self._addresses: dict[str, tuple[str, ...]] = {}
        self._allowed: dict[str, frozenset[str]] = {}
        self._approved: dict[str, set[str]] = {}  # host -> private addresses let through

    @classmethod
    def from_crawler(cls, crawler: Any) -> PrivateNetworkGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in SCHEMES:
            raise RefusedScheme(f"refused {loggable(request.url)}: only http(s) is fetched")
        host = (parts.hostname or "").rstrip(".").lower()
        address = await self._pin(host)
        source = self._source(request)
        if source is None:
            allowed = frozenset(self._approved.get(host, ()))
            allow_all = False
        else:
            allowed = await self._source_addresses(source)
            allow_all = bool(source.allow_private)
        _, refused = usable_addresses([address], allowed, allow_all)
        if refused is not None:
            message = refusal(request.url, host, *refused)
            redirected = request.meta.get("redirect_urls")
            logger.warning("source %s: %s%s", getattr(source, "id", "-"), message,
                           f" (redirected from {loggable(redirected[0])})" if redirected else "")
            raise RefusedPrivate(message)
        if source is not None and non_public_reason(address) is not None:
            self._approved.setdefault(host, set()).add(address)

    def _source(self, request: Request) -> Any:
        spider = self.crawler.spider
        source_id = request.meta.get(META_SOURCE)
        return getattr(spider, "by_id", {}).get(source_id) if source_id else None

    async def _source_addresses(self, source: Any) -> frozenset[str]:
        """The non-public addresses the source's own url host resolves to (allowed to it)."""
        if source.id not in self._allowed:
            host = (urlsplit(source.url).hostname or "").rstrip(".").lower()
            try:
                self._allowed[source.id] = private_addresses(await self._resolve(host))
            except DNSLookupError:
                return frozenset()  # not kept: the next request asks again
        return self._allowed[source.id]

    async def _pin(self, host: str) -> str:
        """The one address requests to ``host`` go to this run (public first), pinned."""
        addresses = await self._resolve(host)
        public = [a for a in addresses if non_public_reason(a) is None]
        address = (public or list(addresses))[0]
        if literal(host) is None:
            PINNED[host] = address
        return address

    async def _resolve(self, host: str) -> tuple[str, ...]:
        if host not in self._addresses:
            if not host:
                raise DNSLookupError("no host in the URL")
            if literal(host) is not None:
                self._addresses[host] = resolve(host)
            else:
                self._addresses[host] = await self._lookup(host)
        return self._addresses[host]

    async def _lookup(self, host: str) -> tuple[str, ...]:
        lookup = threads.deferToThread(resolve, host, socket.AF_INET)
        lookup.addTimeout(self.dns_timeout, reactor)
        try:
            addresses = await deferred_to_future(lookup)
        except (OSError, defer.TimeoutError) as exc:
            raise DNSLookupError(f"{host}: {exc}") from exc
        if not addresses:
            raise DNSLookupError(f"{host}: no IPv4 address")
        return tuple(addresses)


class PinnedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, answering a pinned name with its checked address.

    ``PrivateNetworkGuard`` checked that address; asking DNS again at connection time
    would let a rebinding server answer a private one the second time.
    """

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Any:
        pinned = PINNED.get(name.rstrip(".").lower())
        if pinned is not None:
            return defer.succeed(pinned)
        return super().getHostByName(name, timeout)
