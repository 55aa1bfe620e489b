"""One article, one URL: canonicalisation before anything is queued or stored.

w3lib does the RFC work (percent-encoding, sorted query); this module only adds the
policy no library knows for Vietnamese portals: which query keys are tracking or
session noise (Zalo's ``zarsrc``/``gidzl`` among them), which ones select a print view, and
that ``http``/``https`` and ``www.``/bare host are the same site.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

TRACKING_KEYS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "zarsrc", "gidzl", "zalo_source",
    "_ga", "_gl", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "source", "src",
    "cmpid", "itm_source", "itm_medium", "itm_campaign", "share", "from", "rss",
    "redirect", "inheritredirect", "backurl", "returnurl",  # Liferay / ASP.NET navigation
})  # fmt: skip
SESSION_KEYS = frozenset({"sid", "sessionid", "session_id", "phpsessid", "jsessionid",
                          "aspsessionid", "cfid", "cftoken", "nv", "nvsession"})
PRINT_KEYS = frozenset({"print", "printable", "printview", "view_print", "in", "mode"})
PRINT_VALUES = frozenset({"print", "printer", "1", "true", "in"})
_PRINT_PATH = re.compile(r"(/print|/in-bai|/ban-in)(?=/|$)|[-_.](print|in)(?=\.html?$)", re.I)
_SESSION_PATH = re.compile(r";(jsessionid|sid|phpsessid)=[^/?#]*", re.I)
_TRAILING_INDEX = re.compile(r"/(index|default)\.(html?|php|aspx?)$", re.I)


def keeps_param(key: str, value: str) -> bool:
    """Whether a query parameter belongs to the address (not tracking, session or print)."""
    k = key.lower()
    if k.startswith("utm_") or k in TRACKING_KEYS or k in SESSION_KEYS:
        return False
    return not (k in PRINT_KEYS and value.lower() in PRINT_VALUES)


@lru_cache(maxsize=16384)  # the spider asks for each link's form several times per run
def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical form of an article URL.

    https, lower-case host without ``www.``, no fragment, no tracking/session/print
    parameters, sorted query, no trailing slash or ``index.html`` on paths, print-view
    path segments removed. ``base`` resolves relative URLs.
    """
    from urllib.parse import urljoin

    if base:
        url = urljoin(base, url.strip())
    url = _SESSION_PATH.sub("", url.strip())
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    scheme = "https" if parts.scheme in ("http", "https") else parts.scheme
    if scheme == "https" and port not in (None, 80, 443):
        scheme = parts.scheme  # a non-default port keeps its scheme (local servers, tests)
    path = _PRINT_PATH.sub("", parts.path) or "/"
    path = _TRAILING_INDEX.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if keeps_param(k, v)])
    return canonicalize_url(urlunsplit((scheme, netloc, path, query, "")))


def fetchable_url(url: str) -> str:
    """The URL to request: tracking/session parameters and fragment removed, nothing else.

    Scheme, host and path stay as the site linked them (the canonical form may name a
    scheme or host the server does not answer on).
    """
    url = _SESSION_PATH.sub("", url.strip())
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs
            if not (k.lower().startswith("utm_") or k.lower() in TRACKING_KEYS
                    or k.lower() in SESSION_KEYS)]
    query = urlencode(kept) if len(kept) != len(pairs) else parts.query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs are on the same site: same host (``www.`` ignored, subdomains
    distinct) and same port.

    ``http`` and ``https`` on their default ports are one site (portals serve both); any
    other port is another server (``tinh.gov.vn:8080`` is not ``tinh.gov.vn``).
    """
    def site(u: str) -> tuple[str, int | None] | None:
        parts = urlsplit(u)
        h = (parts.hostname or "").lower().rstrip(".")
        try:
            port = parts.port
        except ValueError:  # a port that is not a number: no site at all
            return None
        return (h[4:] if h.startswith("www.") else h,
                None if port in (None, 80, 443) else port)

    a, b = site(url_a), site(url_b)
    return a is not None and a == b
