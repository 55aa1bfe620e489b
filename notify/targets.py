"""Notification targets: apprise URLs from options, the environment or an apprise config.

A target is identified in the store by a hash of its URL and shown by a redacted label,
so bot tokens and SMTP passwords never reach the database, a log line or an error message.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

# Schemes whose host part is a real server name (not a token) and may be shown.
_HOST_IS_PUBLIC = {"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms",
                   "http", "https", "ntfy", "ntfys", "gotify", "gotifys", "matrix", "matrixs"}


class TargetError(ValueError):
    """A notification URL or config file that apprise cannot use (message is redacted)."""


def secret_parts(url: str) -> list[str]:
    """The parts of an apprise URL that must never be printed."""
    parts = urlsplit(url)
    secrets: list[str] = []
    if parts.username:
        secrets.append(unquote(parts.username))
    if parts.password:
        secrets.append(unquote(parts.password))
    if parts.scheme.lower() not in _HOST_IS_PUBLIC and parts.hostname:
        secrets.append(parts.netloc.rsplit("@", 1)[-1])
    secrets += [seg for seg in parts.path.split("/") if len(seg) >= 6]
    secrets += [v for _, v in parse_qsl(parts.query) if len(v) >= 6]
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def redact(text: str, urls: Iterable[str]) -> str:
    """``text`` with every secret part of ``urls`` replaced by ``***``."""
    for url in urls:
        text = text.replace(url, label_for(url))
        for part in secret_parts(url):
            text = text.replace(part, "***")
    return text


def label_for(url: str) -> str:
    """A printable name for a target: scheme and, where it is not a secret, the host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "?"
    if scheme in _HOST_IS_PUBLIC and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{scheme}://{parts.hostname}{port}"
    return f"{scheme}://***"


@dataclass(frozen=True)
class Target:
    """One apprise URL to deliver to, with the tags that route alerts to it."""

    url: str = field(repr=False)
    tags: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return hashlib.sha256(self.url.encode("utf-8")).hexdigest()[:16]

    @property
    def label(self) -> str:
        return label_for(self.url)

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.lower()

    def wants(self, alert_tags: Sequence[str]) -> bool:
        """Untagged targets get every alert; tagged ones only alerts sharing a tag."""
        return not self.tags or bool(self.tags & set(alert_tags))


def split_urls(values: Iterable[str]) -> list[str]:
    """Apprise URLs given one per option or several separated by spaces/commas/newlines."""
    out: list[str] = []
    for value in values:
        out += [u for u in re.split(r"[\s,]+", value.strip()) if u]
    return out


def check_url(url: str) -> None:
    if apprise.Apprise.instantiate(url) is None:
        raise TargetError(f"not a usable apprise URL: {label_for(url)}")


def targets_from_urls(urls: Iterable[str]) -> list[Target]:
    targets = []
    for url in split_urls(urls):
        check_url(url)
        targets.append(Target(url=url))
    return list(dict.fromkeys(targets))


def targets_from_config(path: str | Path) -> list[Target]:
    """Targets (with their tags) from an apprise YAML or TEXT configuration file."""
    file = Path(path)
    if not file.is_file():
        raise TargetError(f"{file}: apprise config file not found")
    config = apprise.AppriseConfig()
    if not config.add(str(file.resolve())):
        raise TargetError(f"{file}: apprise cannot read this config file")
    targets: list[Target] = []
    for server in config.services():
        url = server.url(privacy=False)
        targets.append(Target(url=url, tags=frozenset(server.tags)))
    if not targets:
        raise TargetError(f"{file}: no notification URLs in this config file")
    return targets


class RedactingFilter(logging.Filter):
    """A logging filter that removes target secrets from every record it passes."""

    def __init__(self, urls: Iterable[str]) -> None:
        super().__init__()
        self.urls = list(urls)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls:
            record.msg = redact(record.getMessage(), self.urls)
            record.args = None
        return True
