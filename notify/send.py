"""Flush the outbox: every pending alert to every target that wants it, one at a time.

Each target gets its own apprise object, and a delivery is recorded (committed) right after
apprise reports on it, so a target that succeeded is never re-sent because another failed.
A digest part's alerts are recorded together in one transaction: a crash leaves the whole
part either recorded or pending. The one window left is a crash between the service
accepting a message and the record being committed; that message is sent again on the
next run (at least once: a message is never lost, and at most one can be doubled).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import apprise
from apprise.plugins.base import NotifyBase

from notify.messages import TELEGRAM_LIMIT, Message, article_message, digest_parts
from notify.targets import RedactingFilter, Target, TargetError, redact
from store.db import Row, Store

logger = logging.getLogger(__name__)

HTML_SCHEMES = {"tgram", "mailto", "mailtos"}
_LEVELS = {"WARNING", "ERROR", "CRITICAL"}


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    kept: int = 0  # not attempted after the target failed; still pending
    errors: dict[str, str] = field(default_factory=dict)  # target label → last error
    per_target: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failed == 0


Deliver = Callable[[Target, Message], tuple[bool, str | None]]


def telegram_base(api: str) -> str:
    """The ``notify_url`` for apprise's Telegram plugin from a Bot API base URL.

    ``http://127.0.0.1:8081`` and ``http://127.0.0.1:8081/bot`` both give
    ``http://127.0.0.1:8081/bot`` (apprise appends ``<token>/sendMessage``).
    """
    parts = urlsplit(api.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TargetError(f"PROVWATCH_TELEGRAM_API must be an http(s) URL, not {api!r}")
    base = api.strip().rstrip("/")
    return base if base.endswith("/bot") else base + "/bot"


def message_limit(target: Target) -> int | None:
    """The longest body the target's service takes, or None when it has no real limit.

    Telegram: 4,096. Other services: their apprise plugin's own ``body_maxlen`` when it
    declares one (Discord, Slack, ...); email and webhooks: none.
    """
    if target.scheme == "tgram":
        return TELEGRAM_LIMIT
    server = apprise.Apprise.instantiate(target.url)
    maxlen = getattr(server, "body_maxlen", NotifyBase.body_maxlen)
    return int(maxlen) if maxlen and maxlen != NotifyBase.body_maxlen else None


def deliver_with_apprise(target: Target, message: Message, *,
                         telegram_api: str | None = None) -> tuple[bool, str | None]:
    """Send one message to one target; (success, redacted error).

    ``telegram_api`` replaces the Telegram Bot API base (``https://api.telegram.org``),
    for a local Bot API server or a proxy (setting PROVWATCH_TELEGRAM_API).
    """
    use_html = target.scheme in HTML_SCHEMES
    server = apprise.Apprise.instantiate(target.url)
    if server is None:
        return False, "not a usable apprise URL"
    if telegram_api and target.scheme == "tgram":
        try:
            base = telegram_base(telegram_api)
        except TargetError as exc:  # a bad setting fails this target, not the run
            return False, str(exc)
        # NotifyTelegram builds every request (sendMessage, getUpdates) from this attribute
        setattr(server, "notify_url", base)  # noqa: B010
    ap = apprise.Apprise()
    ap.add(server)
    with _redacting_apprise_log([target.url]):
        result = ap.notify(
            body=message.html if use_html else message.text,
            title=message.title,
            body_format=apprise.NotifyFormat.HTML if use_html else apprise.NotifyFormat.TEXT,
        )
    if result:
        return True, None
    warnings: list[str] = []
    others: list[str] = []
    for service in getattr(result, "results", ()):
        for entry in service.logs():
            text = str(getattr(entry, "message", entry)).strip()
            if text:
                (warnings if getattr(entry, "level", "") in _LEVELS else others).append(text)
    details = warnings or others
    error = details[-1] if details else f"apprise reported {getattr(result, 'status', 'failure')}"
    return False, redact(error, [target.url])[:500]


@contextmanager
def _redacting_apprise_log(urls: Sequence[str]) -> Iterator[None]:
    """Apprise logs request URLs (a bot token is in Telegram's path): redact its records."""
    apprise_logger = logging.getLogger("apprise")
    secret_filter = RedactingFilter(urls)
    apprise_logger.addFilter(secret_filter)
    try:
        yield
    finally:
        apprise_logger.removeFilter(secret_filter)


def _since(max_age_days: float | None) -> str | None:
    if max_age_days is None:
        return None
    return (datetime.now(UTC) - timedelta(days=max_age_days)).replace(microsecond=0).isoformat()


def pending_for(store: Store, target: Target, max_age_days: float | None) -> list[Row]:
    return [a for a in store.pending_alerts(target.id, since=_since(max_age_days))
            if target.wants(a.get("tags") or [])]


def batches_for(target: Target, alerts: Sequence[Row], *, digest: bool
                ) -> list[tuple[list[Row], Message]]:
    """The messages one target gets for its pending alerts, each with the alerts it carries."""
    limit = message_limit(target)
    if digest:
        by_id = {int(a["id"]): a for a in alerts}
        return [([by_id[i] for i in ids], m) for ids, m in digest_parts(alerts, limit=limit)]
    return [([a], article_message(a["payload"], limit=limit)) for a in alerts]


def send_pending(store: Store, targets: Sequence[Target], *, digest: bool = False,
                 dry_run: bool = False, max_age_days: float | None = 14,
                 deliver: Deliver | None = None, telegram_api: str | None = None,
                 echo: Callable[[str], Any] | None = None) -> SendReport:
    """Deliver pending alerts; with ``dry_run`` only print what would be sent."""
    if deliver is None:
        def deliver(target: Target, message: Message) -> tuple[bool, str | None]:
            return deliver_with_apprise(target, message, telegram_api=telegram_api)
    report = SendReport()
    for target in targets:
        alerts = pending_for(store, target, max_age_days)
        report.per_target[target.label] = 0
        if not alerts:
            continue
        batches = batches_for(target, alerts, digest=digest)
        for index, (batch, message) in enumerate(batches):
            if dry_run:
                if echo is not None:
                    ids = ", ".join(f"#{a['id']}" for a in batch)
                    echo(f"--- to {target.label} ({ids}): {message.title}\n{message.text}\n")
                continue
            ok, error = deliver(target, message)
            with store.transaction():  # a digest part is recorded whole or not at all
                for alert in batch:
                    store.record_delivery(alert["id"], target.id, target.label, ok=ok,
                                          error=error)
            if ok:
                report.sent += len(batch)
                report.per_target[target.label] += len(batch)
            else:
                report.failed += len(batch)
                report.errors[target.label] = error or "failed"
                logger.warning("notify: %s failed: %s", target.label, error)
                # target is down: keep the rest for the next run
                report.kept += sum(len(b) for b, _ in batches[index + 1:])
                break
    return report
