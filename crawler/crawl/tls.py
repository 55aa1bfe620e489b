"""Verify TLS certificates, except for the sources that opted out.

Scrapy does not verify certificates unless ``DOWNLOAD_VERIFY_CERTIFICATES`` is on, and then
it verifies every host. Many provincial portals serve incomplete chains; skipping
verification must be a visible, per-source decision (``insecure_tls = true`` in the sources
file), never the silent default. Scrapy's context factory has no per-request hook, so the
opt-outs are resolved per host name from the sources file when the crawler starts. The
``DOWNLOADER_CLIENTCONTEXTFACTORY`` setting is deprecated in Scrapy 2.19, so the factory is
installed by an HTTPS download handler (Scrapy's own, with this factory).
"""

from __future__ import annotations

from typing import Any, cast

from scrapy.core.downloader.contextfactory import _ScrapyClientContextFactory
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.web.iweb import IPolicyForHTTPS

from crawler.config.sources import SourcesFileError, load_sources


def insecure_hosts(sources_file: str | None) -> frozenset[str]:
    """Host names (with and without ``www.``) of sources with ``insecure_tls = true``."""
    try:
        sources = load_sources(sources_file, lenient=True)
    except SourcesFileError:
        return frozenset()
    hosts: set[str] = set()
    for source in sources:
        if source.insecure_tls and source.domain:
            bare = source.domain.removeprefix("www.")
            hosts.update({bare, f"www.{bare}"})
    return frozenset(hosts)


class SourceAwareContextFactory(_ScrapyClientContextFactory):
    """Scrapy's context factory, verifying certificates for every host but the opted-out."""

    insecure: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SourceAwareContextFactory:
        factory = super().from_crawler(crawler, *args, **kwargs)
        factory.insecure = insecure_hosts(crawler.settings.get("PROVWATCH_SOURCES"))
        return factory

    def creatorForNetloc(self, hostname: bytes, port: int) -> Any:
        verify = self._verify_certificates
        if hostname.decode("ascii", "replace").lower() in self.insecure:
            self._verify_certificates = False
        try:
            return super().creatorForNetloc(hostname, port)
        finally:
            self._verify_certificates = verify


class VerifyingHTTPSDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler using SourceAwareContextFactory (DOWNLOAD_HANDLERS https)."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self._contextFactory = cast(IPolicyForHTTPS,
                                    SourceAwareContextFactory.from_crawler(crawler))
