"""Fetching one page outside a crawl (``provwatch extract URL``).

A single GET does not need Scrapy's engine; urllib with the crawler's user agent, timeout
and size cap is enough, and errors come back as one typed exception.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

import settings


class FetchError(RuntimeError):
    """The page could not be fetched (network, HTTP status, size)."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    url: str  # after redirects: relative links resolve against it, and the crawl stores it


def fetch(url: str, *, timeout: float = settings.DOWNLOAD_TIMEOUT,
          max_bytes: int = settings.DOWNLOAD_MAXSIZE) -> Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": settings.USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = bytes(response.read(max_bytes + 1))
            final = str(response.geturl() or url)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"cannot fetch {url}: {reason}") from exc
    if len(body) > max_bytes:
        raise FetchError(f"{url} is larger than {max_bytes} bytes")
    return Fetched(body, final)


def fetch_page(url: str, *, timeout: float = settings.DOWNLOAD_TIMEOUT,
               max_bytes: int = settings.DOWNLOAD_MAXSIZE) -> bytes:
    return fetch(url, timeout=timeout, max_bytes=max_bytes).body
