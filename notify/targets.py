"""Notification targets: apprise URLs from options, the environment or an apprise config.

A target is identified in the store by a hash of its URL and shown by a redacted label,
so bot tokens and SMTP passwords never reach the database, a log line or an error message.

Every URL is registered with one process-wide redacting filter (:func:`protect`) before
apprise parses it: apprise logs the URLs it loads, rejects (``Unparseable Telegram URL
tgram://...``) and posts to, and those records pass through the filter on the ``apprise``
logger and on every root handler, so they reach no terminal and no log file unredacted.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

import apprise

# Schemes whose host part is a real server name (not a token) and may be shown.
_HOST_IS_PUBLIC = {"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms",
                   "http", "https", "ntfy", "ntfys", "gotify", "gotifys", "matrix", "matrixs"}
# apprise's own URL options: their values are settings, not credentials. Any other query
# value (``?token=``, ``?key=``, ``+Authorization=`` headers, ``:field=`` payload) is secret.
_OPTION_KEYS = {"method", "overflow", "format", "retry", "wait", "optional", "image", "detect",
                "silent", "preview", "album", "content", "mdv", "verify", "cto", "rto",
                "emojis", "tz", "store", "name", "mode", "footer", "timestamp", "blocks",
                "encoding", "cache", "priority", "avatar", "topic", "tags", "tag", "smtp",
                "secure", "from", "to", "cc", "bcc", "reply", "pgp", "thread", "discovery"}
_MIN_SECRET = 4  # shorter pieces would redact ordinary words all over the log
_AUTH_WORDS = {"bearer", "basic", "token", "digest"}
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


class TargetError(ValueError):
    """A notification URL or config file that apprise cannot use (message is redacted)."""


def _variants(value: str) -> set[str]:
    """A secret as written, decoded and encoded the ways apprise and urllib3 print it."""
    plain = unquote(value)
    out = {value, plain, quote(plain, safe=""), quote(plain, safe=":@"), quote_plus(plain)}
    # "Bearer SECRET": the credential also appears on its own
    out |= {w for w in re.split(r"[\s,;]+", plain) if w.lower() not in _AUTH_WORDS}
    return {v for v in out if len(v) >= _MIN_SECRET}


def secret_parts(url: str) -> list[str]:
    """The parts of an apprise URL that must never be printed, longest first.

    Never raises: an unparseable URL (a bad port, stray brackets) is all secret after its
    scheme, since nothing says which part of it is the token.
    """
    secrets: set[str] = set()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        netloc = parts.netloc
        userinfo, _, host = netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        for value in (user, password):
            if value:
                secrets |= _variants(value)
        if scheme not in _HOST_IS_PUBLIC and host:
            secrets |= _variants(host)
            secrets |= {p for piece in host.split(":") for p in _variants(piece)}
        for segment in parts.path.split("/"):
            if len(segment) >= 6 or (segment and scheme not in _HOST_IS_PUBLIC):
                secrets |= _variants(segment)
        for key, value in parse_qsl(parts.query, keep_blank_values=False):
            if key.lower().lstrip("+-:") not in _OPTION_KEYS or key[:1] in "+-:":
                secrets |= _variants(value)
    except ValueError:
        rest = url.split("://", 1)[-1]
        secrets |= _variants(rest)
    return sorted(secrets, key=len, reverse=True)


def redact(text: str, urls: Iterable[str]) -> str:
    """``text`` with every secret part of ``urls`` replaced by ``***``."""
    for url in urls:
        text = text.replace(url, label_for(url))
        for part in secret_parts(url):
            text = text.replace(part, "***")
    return text


def label_for(url: str) -> str:
    """A printable name for a target: scheme and, where it is not a secret, the host.

    Never raises: a port apprise accepts but no socket can use (``:99999``) is shown as
    written, so the label of a broken URL can still say which target it is.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{url.split(':', 1)[0].lower() or '?'}://***"
    scheme = parts.scheme.lower() or "?"
    if scheme in _HOST_IS_PUBLIC and parts.hostname:
        port = parts.netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
        return f"{scheme}://{parts.hostname}{':' + port if port else ''}"
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
    """Refuse a URL apprise cannot load, or whose port no socket can use."""
    protect([url])
    label = label_for(url)
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() in _HOST_IS_PUBLIC:
            parts.port  # noqa: B018  (raises ValueError for :99999 or :abc)
    except ValueError as exc:
        raise TargetError(f"not a usable apprise URL: {label} ({exc})") from None
    if apprise.Apprise.instantiate(url) is None:
        raise TargetError(f"not a usable apprise URL: {label}")


def targets_from_urls(urls: Iterable[str]) -> list[Target]:
    urls = split_urls(urls)
    protect(urls)  # all of them, before apprise reads (and logs) the first
    targets = []
    for url in urls:
        check_url(url)
        targets.append(Target(url=url))
    return list(dict.fromkeys(targets))


def _config_secrets(text: str) -> tuple[list[str], list[str]]:
    """URLs (and option values) written in an apprise config file, found without apprise.

    Read before apprise parses the file, so that what apprise logs while parsing (a URL it
    cannot load is echoed whole) is already redacted. Errs on the side of too much: every
    line's text from a ``scheme://`` on, each space-separated URL in it, and every value of
    a YAML option map except tags.
    """
    urls: list[str] = []
    for line in text.splitlines():
        match = _URL_START.search(line)
        if not match:
            continue
        rest = line[match.start():].strip().rstrip(":").strip().strip("\"'").strip()
        urls.append(rest)
        urls += [u.strip("\"':") for u in re.split(r"[\s,]+", rest) if _URL_START.match(u)]
    values: list[str] = []
    try:
        import yaml

        data = yaml.safe_load(text)
    except Exception:  # noqa: BLE001  (not YAML: a TEXT config, or broken; apprise says which)
        data = None

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(k, key)
                walk(v, str(k))
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key.lower() not in ("tag", "tags", "version"):
            values.append(node)

    walk(data.get("urls") if isinstance(data, dict) else None)
    return urls, values


def targets_from_config(path: str | Path) -> list[Target]:
    """Targets (with their tags) from an apprise YAML or TEXT configuration file."""
    file = Path(path)
    if not file.is_file():
        raise TargetError(f"{file}: apprise config file not found")
    try:
        urls, values = _config_secrets(file.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise TargetError(f"{file}: cannot read the apprise config file: {exc}") from None
    protect(urls, values)
    config = apprise.AppriseConfig()
    if not config.add(str(file.resolve())):
        raise TargetError(f"{file}: apprise cannot read this config file")
    targets: list[Target] = []
    for server in config.services():
        url = server.url(privacy=False)
        protect([url])
        targets.append(Target(url=url, tags=frozenset(server.tags)))
    if not targets:
        raise TargetError(f"{file}: no notification URLs in this config file")
    return targets


def canonical_url(url: str) -> str:
    """The URL as apprise writes it back (options in a fixed order), or ``url`` itself."""
    try:
        server = apprise.Apprise.instantiate(url)
    except ValueError:
        server = None
    return str(server.url(privacy=False)) if server is not None else url


def merge_targets(targets: Iterable[Target]) -> list[Target]:
    """One target per service: the same URL given with --notify and in a config file (or
    written twice) is one target, kept under the id of its first mention. An untagged
    mention wants every alert, so the merged target is untagged; else the tags add up."""
    merged: dict[str, Target] = {}
    for target in targets:
        key = canonical_url(target.url)
        first = merged.get(key)
        if first is None:
            merged[key] = target
            continue
        tags = frozenset() if not first.tags or not target.tags else first.tags | target.tags
        merged[key] = Target(url=first.url, tags=tags)
    return list(merged.values())


class RedactingFilter(logging.Filter):
    """A logging filter that removes target secrets from every record it passes.

    It formats the record's message (and traceback) itself, so a secret passed as a
    ``%s`` argument or inside an exception text is redacted too.
    """

    def __init__(self, urls: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._secrets: set[str] = set()
        self._labels: dict[str, str] = {}
        self.add(urls, secrets)

    def add(self, urls: Iterable[str], secrets: Iterable[str] = ()) -> None:
        for url in urls:
            if url and url not in self._labels:
                self.urls.append(url)
                self._labels[url] = label_for(url)
                self._secrets.update(secret_parts(url))
        for value in secrets:
            self._secrets |= _variants(value)
        self._ordered = sorted(self._secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for url, label in self._labels.items():
            text = text.replace(url, label)
        for part in self._ordered:
            text = text.replace(part, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._labels and not self._ordered:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken %-format: keep what was written
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_PROCESS_FILTER = RedactingFilter()


def protect(urls: Iterable[str], secrets: Iterable[str] = ()) -> RedactingFilter:
    """Register target URLs (and loose secret values) with the process-wide redacting
    filter, and make sure it sits on the ``apprise`` logger and on every root handler.

    Call it before apprise sees a URL: apprise logs URLs while it parses them.
    """
    _PROCESS_FILTER.add(urls, secrets)
    install_redaction()
    return _PROCESS_FILTER


def install_redaction() -> None:
    """Put the process-wide filter where every log record passes (handlers added since
    the last call included). ``addFilter`` keeps one copy per logger or handler."""
    logging.getLogger("apprise").addFilter(_PROCESS_FILTER)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_PROCESS_FILTER)


def configured_targets(urls: Iterable[str], config: str | Path | None) -> list[Target]:
    """The targets of apprise ``urls`` and of a ``config`` file, their secrets registered
    with the redacting filter before anything is logged. :class:`TargetError` names the
    first unusable one."""
    targets = targets_from_urls(urls) if urls else []
    if config:
        targets += targets_from_config(config)
    secret_filter = RedactingFilter(t.url for t in targets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)
    return targets


def usable_targets(urls: Iterable[str], config: str | Path | None
                   ) -> tuple[list[Target], list[str]]:
    """Targets for a nightly run: an unusable one is reported and skipped (its alerts stay
    queued), so a notifier typo never costs the night's crawl."""
    targets: list[Target] = []
    problems: list[str] = []
    for url, conf in [*((u, None) for u in urls), *([(None, config)] if config else [])]:
        try:
            targets += configured_targets([url] if url else [], conf)
        except TargetError as exc:
            problems.append(f"notify: {exc}; skipped, alerts stay queued")
    return targets, problems
