"""A generated site served on a loopback address, for the benchmarks.

The benchmarks own this small server instead of importing the tests' helpers
(tests/localservers.py, issue 20): a benchmark measures the product, and a change to a test
fixture should not move its figures. It serves what ``benchmarks/crawl.py`` needs of a
portal and nothing more: fixed pages by path (with or without their query), ETag and
Last-Modified validators with 304 answers to a matching conditional GET, and a log of every
request (method, path, headers) to count what a crawler asked for.

Each site listens on an address of its own (127.0.0.N): Scrapy's download slots (and
CONCURRENT_REQUESTS_PER_DOMAIN) are per host name, so sites that differed only by port would
share one slot, which no real network of portals does.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LAST_MODIFIED = "Mon, 02 Jan 2023 03:04:05 GMT"


@dataclass(frozen=True)
class Page:
    body: str
    content_type: str = "text/html; charset=utf-8"


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops SYNs under bursts: 1 s retransmit stalls


class LocalSite:
    """Serves ``routes`` (path with query → Page) on ``host`` from a daemon thread, from
    construction until the process ends (a benchmark's sites live as long as it does)."""

    def __init__(self, host: str) -> None:
        self.routes: dict[str, Page] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        httpd = _Listener((host, 0), _handler(self))
        self.base = f"http://{host}:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()


def _handler(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stall

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            site.requests.append(("GET", self.path, dict(self.headers)))
            page = site.routes.get(self.path) or site.routes.get(self.path.split("?", 1)[0])
            if page is None:
                self._answer(404, b"not found", "text/plain", {})
                return
            body = page.body.encode("utf-8")
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self.headers.get("If-None-Match") == etag:
                self._answer(304, b"", None, validators)
            else:
                self._answer(200, body, page.content_type, validators)

        def _answer(self, status: int, body: bytes, content_type: str | None,
                    headers: dict[str, str]) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
