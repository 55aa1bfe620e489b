"""Flush the outbox: every pending alert to every target that wants it, one at a time.

Each target gets its own apprise object, and a delivery is recorded (committed) right after
apprise reports on it, so a target that succeeded is never re-sent because another failed,
and a crash loses at most the record of the one message in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import apprise

from notify.messages import Message, article_message, digest_parts
from notify.targets import Target, redact
from store.db import Row, Store

logger = logging.getLogger(__name__)

HTML_SCHEMES = {"tgram", "mailto", "mailtos"}


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


def deliver_with_apprise(target: Target, message: Message, *,
                         telegram_api: str | None = None) -> tuple[bool, str | None]:
    """Send one message to one target; (success, redacted error).

    ``telegram_api`` replaces the Telegram Bot API base (``https://api.telegram.org/bot``),
    for a local Bot API server or a proxy (setting PROVWATCH_TELEGRAM_API).
    """
    use_html = target.scheme in HTML_SCHEMES
    ap = apprise.Apprise()
    if not ap.add(target.url):
        return False, f"{target.label}: not a usable apprise URL"
    if telegram_api and target.scheme == "tgram":
        for server in ap:
            # NotifyTelegram builds every request from this instance attribute
            setattr(server, "notify_url", telegram_api.rstrip("/") + "/bot")  # noqa: B010
    result = ap.notify(
        body=message.html if use_html else message.text,
        title=message.title,
        body_format=apprise.NotifyFormat.HTML if use_html else apprise.NotifyFormat.TEXT,
    )
    if result:
        return True, None
    details: list[str] = []
    for service in getattr(result, "results", ()):
        for entry in service.logs():
            text = str(getattr(entry, "message", entry))
            if text:
                details.append(text)
    error = details[-1] if details else f"apprise reported {getattr(result, 'status', 'failure')}"
    return False, redact(error, [target.url])[:500]


def _since(max_age_days: float | None) -> str | None:
    if max_age_days is None:
        return None
    return (datetime.now(UTC) - timedelta(days=max_age_days)).replace(microsecond=0).isoformat()


def pending_for(store: Store, target: Target, max_age_days: float | None) -> list[Row]:
    return [a for a in store.pending_alerts(target.id, since=_since(max_age_days))
            if target.wants(a.get("tags") or [])]


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
        batches: list[tuple[list[Row], Message]]
        if digest:
            by_id = {int(a["id"]): a for a in alerts}
            batches = [([by_id[i] for i in ids], m) for ids, m in digest_parts(alerts)]
        else:
            batches = [([a], article_message(a["payload"])) for a in alerts]
        for index, (batch, message) in enumerate(batches):
            if dry_run:
                if echo is not None:
                    echo(f"--- to {target.label}: {message.title}\n{message.text}\n")
                continue
            ok, error = deliver(target, message)
            for alert in batch:
                store.record_delivery(alert["id"], target.id, target.label, ok=ok, error=error)
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
