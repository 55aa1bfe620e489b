"""Which addresses a fetch may go to: the address classifier and the shared rule of
``crawler.crawl.netguard`` (the crawl) and ``crawler.crawl.fetch`` (single fetches).

No Scrapy here: ``provwatch extract`` and ``sources check`` use it without the crawler.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("http", "https")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def non_public_reason(address: str) -> str | None:
    """Why an IP address is not a public internet address, or None when it is.

    Loopback, private (RFC 1918, ``fc00::/7``), link-local (``169.254/16`` with the cloud
    metadata address, ``fe80::/10``), shared/CGNAT ``100.64/10``, multicast, unspecified
    (``0.0.0.0``, ``::``), documentation and other reserved ranges. An IPv6 address that
    embeds an IPv4 one (``::ffff:127.0.0.1``, NAT64, 6to4) is judged by the embedded one.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone id (fe80::1%eth0) is dropped
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return non_public_reason(str(embedded))
    checks = (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("shared (CGNAT)", ip in _CGNAT), ("private", ip.is_private),
              ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
              ("reserved", ip.is_reserved or not ip.is_global))
    return next((label for label, hit in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def normalised(address: str) -> str:
    """One spelling per address (``::FFFF:0:1`` and ``::ffff:0.0.0.1`` compare equal)."""
    return ipaddress.ip_address(address.split("%", 1)[0]).compressed


def literal(host: str) -> str | None:
    """The host as a normalised IP address when it is an IP literal, else None."""
    try:
        return normalised(host.strip("[]"))
    except ValueError:
        return None


def resolve(host: str, family: int = socket.AF_UNSPEC) -> tuple[str, ...]:
    """The addresses of ``host`` in the resolver's order, de-duplicated (blocking).

    Raises OSError (socket.gaierror) when the name does not resolve.
    """
    direct = literal(host)
    if direct is not None:
        return (direct,)
    infos = socket.getaddrinfo(host, None, family, socket.SOCK_STREAM)
    return tuple(dict.fromkeys(normalised(str(info[4][0])) for info in infos))


def usable_addresses(addresses: Iterable[str], allowed: Iterable[str] = (),
                     allow_private: bool = False) -> tuple[list[str], tuple[str, str] | None]:
    """The addresses a request may connect to, and the first refused one with its reason.

    An address may be used when it is public, when it is one of ``allowed`` (the start
    host's own addresses), or always with ``allow_private``.
    """
    permitted = set(allowed)
    usable: list[str] = []
    refused: tuple[str, str] | None = None
    for address in addresses:
        reason = None if allow_private or address in permitted else non_public_reason(address)
        if reason is None:
            usable.append(address)
        elif refused is None:
            refused = (address, reason)
    return usable, refused


def private_addresses(addresses: Iterable[str]) -> frozenset[str]:
    """The non-public ones of ``addresses`` (what a private start host allows)."""
    return frozenset(a for a in addresses if non_public_reason(a) is not None)


def loggable(url: str) -> str:
    """The URL without user name, password or query (they may hold secrets)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "…" if parts.query else "", ""))


SOURCE_HINT = "set allow_private = true on the source if it must be reached"


def refusal(url: str, host: str, address: str, reason: str, hint: str = SOURCE_HINT) -> str:
    """The message for a refused request (no secrets: see ``loggable``)."""
    where = address if literal(host) == address else f"{host} resolves to {address}"
    article = "an" if reason[0] in "aeiou" else "a"
    return (f"refused {loggable(url)}: {where}, {article} {reason} address, not a public "
            f"one ({hint})")
