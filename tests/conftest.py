"""Shared fixtures: local servers (site, webhook, SMTP) and a temp database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localservers import Page, SiteServer, SmtpServer, WebhookServer

SITES = Path(__file__).parent / "sites"

# Settings that keep local crawls fast; politeness defaults stay as they are otherwise.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s",
        "AUTOTHROTTLE_MAX_DELAY=0", "-s", "DOWNLOAD_TIMEOUT=10", "-s", "RETRY_TIMES=0"]


def portal_routes() -> dict[str, Page]:
    """A small provincial portal: listing with pagination, 3 articles, robots.txt."""
    d = SITES / "portal"
    return {
        "/robots.txt": Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/": Page((d / "listing1.html").read_text("utf-8")),
        "/tin-tuc": Page((d / "listing1.html").read_text("utf-8")),
        "/tin-tuc?page=2": Page((d / "listing2.html").read_text("utf-8")),
        "/tin-tuc/thao-go-rao-can-trong-chuyen-doi-so-phat-trien-chinh-quyen-so-123456.html":
            Page((d / "article_hatinh.html").read_text("utf-8")),
        "/tin-tuc/lao-cai-day-manh-chuyen-doi-so-trong-co-quan-nha-nuoc-234567.html":
            Page((d / "article_laocai.html").read_text("utf-8")),
        "/tin-tuc/nong-dan-chuyen-doi-co-cau-cay-trong-vu-dong-xuan-345678.html":
            Page((d / "article_nongnghiep.html").read_text("utf-8")),
        "/private/bao-cao-noi-bo-khong-cong-khai-999999.html":
            Page((d / "private.html").read_text("utf-8")),
    }


@pytest.fixture
def portal() -> Iterator[SiteServer]:
    server = SiteServer(portal_routes()).start()
    yield server
    server.stop()


@pytest.fixture
def webhook() -> Iterator[WebhookServer]:
    hook = WebhookServer().start()
    yield hook
    hook.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def write_sources(path: Path, entries: list[dict[str, object]]) -> Path:
    """Write a sources TOML file from dicts (strings and lists of strings only)."""
    lines: list[str] = []
    for entry in entries:
        lines.append("[[sources]]")
        for key, value in entry.items():
            if isinstance(value, list):
                inner = ", ".join(f'"{v}"' for v in value)
                lines.append(f"{key} = [{inner}]")
            elif isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
