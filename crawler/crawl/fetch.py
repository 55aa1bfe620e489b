"""Fetching one page outside a crawl (``provwatch extract URL``, ``sources check``,
``explain URL``).

A single GET does not need Scrapy's engine; urllib with the crawler's user agent, timeout
and size cap is enough, and errors come back as one typed exception. The crawl's address
rule holds here too (``crawler.crawl.netguard``): only http(s); every connection, redirects
included, goes to a public address or to one the first URL's own host resolves to (an
explicit local address stays fetchable, a redirect from it to another private address does
not), unless ``allow_private``. The socket connects to the checked address itself, so a
second DNS answer cannot move it.

The whole fetch, redirects included, ends within ``deadline`` seconds
(``PROVWATCH_FETCH_TIMEOUT``): a server that answers a byte at a time, or sends half a page
and never finishes, would otherwise hold the command for as long as it keeps trickling
(``timeout`` only bounds each single wait). Limits: name resolution itself is not
interrupted (the system resolver's own timeouts apply), and through a proxy from the
environment (``http_proxy``) the proxy connects by name after this process checked it.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import settings
from crawler.core.addresses import (
    SCHEMES,
    loggable,
    private_addresses,
    refusal,
    resolve,
    usable_addresses,
)


class FetchError(RuntimeError):
    """The page could not be fetched (network, HTTP status, size, time, refused address)."""


class FetchRefused(FetchError):
    """The URL or a redirect leads to a scheme or an address that is not fetched."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    url: str  # after redirects: relative links resolve against it, and the crawl stores it


def fetch(url: str, *, timeout: float = settings.DOWNLOAD_TIMEOUT,
          max_bytes: int = settings.DOWNLOAD_MAXSIZE,
          deadline: float = settings.PROVWATCH_FETCH_TIMEOUT,
          allow_private: bool = settings.PROVWATCH_ALLOW_PRIVATE) -> Fetched:
    """GET ``url`` (redirects followed) within ``deadline`` seconds in all."""
    shown = loggable(url)
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise FetchRefused(f"{shown} is not an http(s) URL; only http:// and https:// "
                           "pages are fetched")
    guard = _Guard(allow_private, deadline)
    guard.allowed = private_addresses(guard.resolve(url))  # the start host's own addresses
    opener = _opener(guard)
    request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    watchdog = threading.Timer(deadline, guard.expire) if deadline > 0 else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        body, final = _get(opener, request, min(timeout, guard.remaining()), max_bytes)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} from {shown}") from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        if guard.expired:
            raise guard.timed_out(shown) from exc
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {shown}: {reason}") from exc
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if guard.expired:  # the socket was shut at the deadline: what was read is a fragment
        raise guard.timed_out(shown)
    if len(body) > max_bytes:
        raise FetchError(f"{shown} is larger than {max_bytes} bytes")
    return Fetched(body, final)


def fetch_page(url: str, *, timeout: float = settings.DOWNLOAD_TIMEOUT,
               max_bytes: int = settings.DOWNLOAD_MAXSIZE,
               deadline: float = settings.PROVWATCH_FETCH_TIMEOUT,
               allow_private: bool = settings.PROVWATCH_ALLOW_PRIVATE) -> bytes:
    return fetch(url, timeout=timeout, max_bytes=max_bytes, deadline=deadline,
                 allow_private=allow_private).body


def _get(opener: urllib.request.OpenerDirector, request: urllib.request.Request,
         timeout: float, max_bytes: int) -> tuple[bytes, str]:
    with opener.open(request, timeout=max(timeout, 0.001)) as response:
        body = bytes(response.read(max_bytes + 1))
        return body, str(response.geturl() or request.full_url)


class _Guard:
    """One fetch's address rule, deadline and live socket (the watchdog shuts it)."""

    def __init__(self, allow_private: bool, deadline: float) -> None:
        self.allowed: frozenset[str] = frozenset()
        self.allow_private = allow_private
        self._addresses: dict[str, tuple[str, ...]] = {}  # one answer per host and fetch
        self.hint = ("-s PROVWATCH_ALLOW_PRIVATE=true, or allow_private = true on the "
                     "source, if it must be reached")
        self.deadline = deadline
        self.ends = time.monotonic() + deadline if deadline > 0 else float("inf")
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def timed_out(self, shown: str) -> FetchError:
        return FetchError(f"{shown}: no complete answer within {self.deadline:g} s "
                          "(PROVWATCH_FETCH_TIMEOUT); the server is too slow or never "
                          "finished the page")

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                try:
                    self._sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed, or not connected yet

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
        if self.expired:
            self.expire()

    def resolve(self, url: str) -> tuple[str, ...]:
        """The addresses of the URL's host, asked once per fetch."""
        host = urlsplit(url).hostname or ""
        if host not in self._addresses:
            try:
                self._addresses[host] = resolve(host)
            except OSError as exc:
                raise FetchError(f"cannot fetch {loggable(url)}: {host} does not resolve "
                                 f"({exc})") from exc
        return self._addresses[host]

    def connection(self, base: type[http.client.HTTPConnection],
                   request: urllib.request.Request) -> Any:
        """A connection class for ``request`` that may only reach checked addresses."""
        if self.expired or self.remaining() <= 0:
            self.expired = True
            raise self.timed_out(loggable(request.full_url))
        request.timeout = min(request.timeout or self.deadline, self.remaining())
        target = urlsplit(request.full_url)
        if target.scheme not in SCHEMES or not target.hostname:
            raise FetchRefused(f"{loggable(request.full_url)} is not an http(s) URL")
        addresses = self.resolve(request.full_url)
        usable, refused = usable_addresses(addresses, self.allowed, self.allow_private)
        if not usable and refused is not None:
            raise FetchRefused(refusal(request.full_url, target.hostname, *refused,
                                       hint=self.hint))
        # through a proxy the socket goes to the proxy, which connects by name itself
        proxied = request.host.lower() != target.netloc.lower()
        guard = self

        class Guarded(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self._create_connection = self._checked_connection

            def _checked_connection(self, address: tuple[str, int], timeout: Any = None,
                                    source_address: Any = None) -> socket.socket:
                if proxied:
                    sock = socket.create_connection(address, timeout, source_address)
                else:
                    sock = _connect_any(usable, address[1], timeout, source_address)
                guard.track(sock)
                return sock

            def connect(self) -> None:
                super().connect()
                if self.sock is not None:
                    guard.track(self.sock)  # the TLS socket, once wrapped

        return Guarded


def _connect_any(addresses: list[str], port: int, timeout: Any,
                 source_address: Any) -> socket.socket:
    """A socket connected to the first of ``addresses`` (checked ones) that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


def _opener(guard: _Guard) -> urllib.request.OpenerDirector:
    """urllib's opener for http(s) only: no file:, ftp: or data: handler, no cookies."""

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(guard.connection(http.client.HTTPConnection, req), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(guard.connection(http.client.HTTPSConnection, req), req,
                                context=self._context)  # type: ignore[attr-defined]

    class Redirect(urllib.request.HTTPRedirectHandler):
        max_redirections = settings.REDIRECT_MAX_TIMES

        def redirect_request(self, req: urllib.request.Request, fp: Any, code: int,
                             msg: str, headers: Any, newurl: str
                             ) -> urllib.request.Request | None:
            if urlsplit(newurl).scheme not in SCHEMES:
                raise FetchRefused(f"{loggable(req.full_url)} redirects to "
                                   f"{loggable(newurl)}, not an http(s) URL")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), HTTP(), HTTPS(), Redirect(),
                    urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPErrorProcessor(), urllib.request.UnknownHandler()):
        opener.add_handler(handler)
    return opener
