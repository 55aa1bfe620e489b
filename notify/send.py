"""Flush the outbox: every pending alert to every target that wants it, one at a time.

Each target gets its own apprise object, and a delivery is recorded (committed) right after
apprise reports it sent, so a target that succeeded is never re-sent because another failed.
A digest part's alerts are recorded together in one transaction: a crash leaves the whole
part either recorded or pending. The one window left is a crash between the service
accepting a message and the record being committed; that message is sent again on the
next run (at least once: a message is never lost, and at most one can be doubled).

Failures. A message that fails is recorded 'retry' (with its redacted error) and the next
one is tried: one bad alert (a message the service refuses) never holds the alerts after
it. Two failures in a row mean the target is down: the rest stay queued for the next run.
An alert is given up ('failed' for that target) after ``max_attempts`` tries, counted only
when the failure is the alert's own: the target took another message in the same run, or
the request timed out after it was sent (the service may have it, so it is not re-sent
without end). A target that is down for a week loses nothing.

Timeouts. apprise waits 4 s for an answer; a webhook that answers after 6 s was counted
failed and got the same alert again every run. Delivery waits ``read_timeout`` (30 s by
default, setting PROVWATCH_NOTIFY_TIMEOUT) unless the URL sets its own ``rto``.

New targets. A target the outbox has never seen (no delivery rows, no first sight
recorded) does not get the old backlog: alerts queued before the outbox was last flushed
to the other targets are recorded 'skipped' ('backlog') for it, unless ``backlog`` is
asked for (``notify send --backlog``). Its first sight is committed before its first
message. The cut is the last flush, not the moment of first sight: a target added to the
nightly job gets that night's news whether ``run`` sends it or a later ``notify send``
does, and alerts of a run killed before it could send are nobody's backlog.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

import apprise
from apprise.plugins.base import NotifyBase

from notify.messages import (
    TELEGRAM_LIMIT,
    Message,
    article_message,
    digest_parts,
    markdown_text,
    telegram_title,
)
from notify.targets import Target, TargetError, install_redaction, merge_targets, protect
from store.db import Row, Store

logger = logging.getLogger(__name__)

HTML_SCHEMES = {"tgram", "mailto", "mailtos"}
EMAIL_SCHEMES = {"mailto", "mailtos"}
# services that render Markdown in the text apprise passes them untouched; the value says
# whether the title is rendered too (Zulip's title is a topic name, shown as written)
MARKDOWN_RENDERED = {"discord": True, "mmost": True, "mmosts": True, "zulip": False}
_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
READ_TIMEOUT = 30.0  # seconds to wait for a service's answer (apprise's own default: 4)
MAX_ATTEMPTS = 5
# a request that was sent and got no answer in time: the service may have the message
_UNCONFIRMED = ("read timed out", "read timeout", "timed out while reading")


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # alerts whose message failed in this run (retried later, or given up)
    kept: int = 0  # not attempted after the target failed; still pending
    skipped: int = 0  # backlog of new targets, recorded as skipped
    given_up: int = 0  # alerts marked 'failed' for a target in this run
    errors: dict[str, str] = field(default_factory=dict)  # target label → last error
    per_target: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failed == 0


class Outcome(NamedTuple):
    """What one delivery came to: sent or not, the redacted error, and whether the request
    was sent but never answered (the service may have the message)."""

    ok: bool
    error: str | None = None
    unconfirmed: bool = False


Deliver = Callable[[Target, Message], "Outcome | tuple[bool, str | None]"]


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
    protect([target.url])
    server = apprise.Apprise.instantiate(target.url)
    maxlen = getattr(server, "body_maxlen", NotifyBase.body_maxlen)
    return int(maxlen) if maxlen and maxlen != NotifyBase.body_maxlen else None


def render_for(target: Target, message: Message, server: Any) -> tuple[str, str, str]:
    """(body, title, apprise format) for this target: Telegram HTML with the title escaped
    (apprise writes it into the HTML unescaped), email HTML with the plain title as its
    subject, escaped Markdown for services that render it, plain text for the others."""
    if target.scheme == "tgram":
        title = telegram_title(message.title) if server.title_maxlen <= 0 else message.title
        return message.html, title, apprise.NotifyFormat.HTML
    if target.scheme in EMAIL_SCHEMES:
        return message.email or message.html, message.title, apprise.NotifyFormat.HTML
    if target.scheme in MARKDOWN_RENDERED:
        title = markdown_text(message.title) if MARKDOWN_RENDERED[target.scheme] else \
            message.title
        return markdown_text(message.text), title, apprise.NotifyFormat.TEXT
    return message.text, message.title, apprise.NotifyFormat.TEXT


def deliver_with_apprise(target: Target, message: Message, *, telegram_api: str | None = None,
                         read_timeout: float | None = READ_TIMEOUT) -> Outcome:
    """Send one message to one target.

    ``telegram_api`` replaces the Telegram Bot API base (``https://api.telegram.org``),
    for a local Bot API server or a proxy (setting PROVWATCH_TELEGRAM_API).
    ``read_timeout`` is how long to wait for the service's answer, unless the URL says
    (``?rto=``).
    """
    protect([target.url])
    server = apprise.Apprise.instantiate(target.url)
    if server is None:
        return Outcome(False, "not a usable apprise URL")
    if telegram_api and target.scheme == "tgram":
        try:
            base = telegram_base(telegram_api)
        except TargetError as exc:  # a bad setting fails this target, not the run
            return Outcome(False, str(exc))
        # NotifyTelegram builds every request (sendMessage, getUpdates) from this attribute
        setattr(server, "notify_url", base)  # noqa: B010
    query = {k.lower() for k, _ in parse_qsl(urlsplit(target.url).query)}
    if read_timeout and "rto" not in query:
        server.socket_read_timeout = float(read_timeout)
    body, title, body_format = render_for(target, message, server)
    ap = apprise.Apprise()
    ap.add(server)
    with _apprise_records() as records:
        result = ap.notify(body=body, title=title, body_format=body_format)
    if result:
        return Outcome(True)
    warnings = [m for level, m in records if level >= logging.WARNING]
    details = [m for level, m in records if level < logging.WARNING and "Exception" in m]
    for service in getattr(result, "results", ()):
        for entry in service.logs():
            text = str(getattr(entry, "message", entry)).strip()
            if text and getattr(entry, "level", "") in _LEVELS and text not in warnings:
                warnings.append(text)
    unconfirmed = any(k in m.lower() for m in details + warnings for k in _UNCONFIRMED)
    parts = warnings[-1:] + details[-1:]
    error = ": ".join(parts) if parts else \
        f"apprise reported {getattr(result, 'status', 'failure')}"
    if unconfirmed:
        error = "no answer in time, the service may have the message: " + error
    return Outcome(False, protect([]).redact(error)[:500], unconfirmed)


@contextmanager
def _apprise_records() -> Iterator[list[tuple[int, str]]]:
    """The (redacted) messages apprise logs while it sends, debug detail included: its
    warning says only 'a connection error occurred', the debug line says it was a read
    timeout. The records are read without lowering what reaches the log."""
    apprise_logger = logging.getLogger("apprise")
    shown = apprise_logger.getEffectiveLevel()
    records: list[tuple[int, str]] = []

    class Capture(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            records.append((record.levelno, record.getMessage()))
            return record.levelno >= shown

    install_redaction()  # first on the logger: what is captured is already redacted
    capture = Capture()
    old_level = apprise_logger.level
    apprise_logger.addFilter(capture)
    apprise_logger.setLevel(min(shown, logging.DEBUG))
    try:
        yield records
    finally:
        apprise_logger.setLevel(old_level)
        apprise_logger.removeFilter(capture)


def since_for_age(max_age_days: float | None) -> str | None:
    """The oldest creation time of an alert still worth sending (None: any)."""
    if max_age_days is None:
        return None
    return (datetime.now(UTC) - timedelta(days=max_age_days)).replace(microsecond=0).isoformat()


def backlog_cutoff(store: Store) -> str:
    """A new target's backlog is what the outbox had already offered to the other targets:
    alerts queued before it was last flushed. Alerts queued since (tonight's crawl, or a
    run killed before it could send) are news to every target. "" (nothing is backlog)
    when nothing was ever sent."""
    return store.last_flush()


def pending_for(store: Store, target: Target, max_age_days: float | None, *,
                max_attempts: int | None = None, backlog: bool = True,
                cutoff: str | None = None) -> list[Row]:
    """What ``target`` would be sent now. A target the outbox has not seen yet, without
    ``backlog``, is shown only alerts queued since ``cutoff``."""
    alerts = [a for a in store.pending_alerts(target.id, since=since_for_age(max_age_days),
                                              max_attempts=max_attempts)
              if target.wants(a.get("tags") or [])]
    if not backlog and store.is_new_target(target.id):
        cutoff = cutoff or backlog_cutoff(store)
        alerts = [a for a in alerts if str(a["created"]) >= cutoff]
    return alerts


def skip_backlog(store: Store, target: Target, cutoff: str) -> int:
    """First sight of ``target``: record it as seen, with the alerts queued before
    ``cutoff`` that it wants as skipped ('backlog'). Returns how many were skipped."""
    if not store.is_new_target(target.id):
        return 0
    old = [a["id"] for a in store.pending_alerts(target.id)
           if str(a["created"]) < cutoff and target.wants(a.get("tags") or [])]
    store.first_sight(target.id, target.label, backlog_before=cutoff, skip=old)
    if old:
        logger.info("notify: %s is a new target: %d older alert(s) skipped as backlog "
                    "(notify send --backlog sends them)", target.label, len(old))
    return len(old)


def with_reading_room(alerts: Sequence[Row], base: str | None) -> list[Row]:
    """The alerts with a link to each article's page in the reading room (``provwatch
    serve`` reached at ``base``, PROVWATCH_SERVE_BASE_URL); a change links to its diffs."""
    if not base:
        return list(alerts)
    from crawler.archive.readingroom import article_changes_url, article_page_url

    linked = []
    for alert in alerts:
        payload = alert.get("payload")
        if alert.get("article_id") and isinstance(payload, dict):
            page = article_changes_url if payload.get("kind") == "changed" else article_page_url
            alert = {**alert, "payload": {**payload,
                                          "room_url": page(base, int(alert["article_id"]))}}
        linked.append(alert)
    return linked


def batches_for(target: Target, alerts: Sequence[Row], *, digest: bool
                ) -> list[tuple[list[Row], Message]]:
    """The messages one target gets for its pending alerts, each with the alerts it carries."""
    from crawler.archive.readingroom import configured_base_url

    alerts = with_reading_room(alerts, configured_base_url())
    limit = message_limit(target)
    if digest:
        by_id = {int(a["id"]): a for a in alerts}
        return [([by_id[i] for i in ids], m) for ids, m in digest_parts(alerts, limit=limit)]
    return [([a], article_message(a["payload"], limit=limit)) for a in alerts]


def send_pending(store: Store, targets: Sequence[Target], *, digest: bool = False,
                 dry_run: bool = False, max_age_days: float | None = 14,
                 deliver: Deliver | None = None, telegram_api: str | None = None,
                 echo: Callable[[str], Any] | None = None, backlog: bool = True,
                 cutoff: str | None = None, max_attempts: int | None = MAX_ATTEMPTS,
                 read_timeout: float | None = READ_TIMEOUT) -> SendReport:
    """Deliver pending alerts; with ``dry_run`` only print what would be sent.

    ``backlog=False``: a new target's alerts queued before ``cutoff`` (default: when the
    outbox was last flushed, see :func:`backlog_cutoff`) are skipped. ``max_attempts``:
    tries before an alert is given up for a target (None: never).
    """
    if deliver is None:
        def deliver(target: Target, message: Message) -> Outcome:
            return deliver_with_apprise(target, message, telegram_api=telegram_api,
                                        read_timeout=read_timeout)
    report = SendReport()
    if not backlog and cutoff is None:
        cutoff = backlog_cutoff(store)
    targets = merge_targets(targets)
    if not dry_run:  # every target's first sight is recorded before the first message
        for target in targets:
            report.skipped += skip_backlog(store, target, "" if backlog else str(cutoff))
    for target in targets:
        report.per_target[target.label] = 0
        alerts = pending_for(store, target, max_age_days, max_attempts=max_attempts,
                             backlog=backlog, cutoff=cutoff)
        if not alerts:
            continue
        # alerts that failed before go after the fresh ones: two refused alerts at the
        # head of the queue would otherwise look like a target that is down, every run
        alerts.sort(key=lambda a: (bool(a.get("tries")), a["id"]))
        batches = batches_for(target, alerts, digest=digest)
        if dry_run:
            if echo is not None:
                for batch, message in batches:
                    ids = ", ".join(f"#{a['id']}" for a in batch)
                    echo(f"--- to {target.label} ({ids}): {message.title}\n{message.text}\n")
            continue
        _send_batches(store, target, batches, deliver, report, max_attempts)
    return report


def _send_batches(store: Store, target: Target, batches: list[tuple[list[Row], Message]],
                  deliver: Deliver, report: SendReport, max_attempts: int | None) -> None:
    """Send one target its batches; record each success at once, the failures after the
    loop, when it is known whether the target was down (see the module docstring)."""
    failures: list[tuple[list[Row], Outcome]] = []
    delivered = 0
    in_a_row = 0
    for index, (batch, message) in enumerate(batches):
        started = time.monotonic()
        outcome = Outcome(*deliver(target, message))
        if outcome.ok:
            with store.transaction():  # a digest part is recorded whole or not at all
                for alert in batch:
                    store.record_delivery(alert["id"], target.id, target.label, ok=True)
            report.sent += len(batch)
            report.per_target[target.label] += len(batch)
            delivered += 1
            in_a_row = 0
            continue
        failures.append((batch, outcome))
        report.failed += len(batch)
        report.errors[target.label] = outcome.error or "failed"
        logger.warning("notify: %s failed (%.1f s): %s", target.label,
                       time.monotonic() - started, outcome.error)
        in_a_row += 1
        if in_a_row >= 2:  # the target is down: keep the rest for the next run
            report.kept += sum(len(b) for b, _ in batches[index + 1:])
            break
    for batch, outcome in failures:
        counts = bool(delivered) or outcome.unconfirmed
        with store.transaction():
            for alert in batch:
                gave_up = store.record_delivery(
                    alert["id"], target.id, target.label, ok=False, error=outcome.error,
                    give_up_after=max_attempts if counts else None)
                report.given_up += gave_up
                if gave_up:
                    logger.warning("notify: alert #%s given up for %s after %d tries: %s",
                                   alert["id"], target.label, max_attempts, outcome.error)


def delivery_limits(max_attempts: Any, read_timeout: Any, *, strict: bool = True
                    ) -> tuple[int | None, float | None]:
    """PROVWATCH_MAX_ATTEMPTS (tries before an alert is given up for a target; 0 = never)
    and PROVWATCH_NOTIFY_TIMEOUT (seconds to wait for a service's answer) as numbers.

    A value that is no number raises ValueError naming the setting, or with ``strict=False``
    (after a crawl, when refusing would lose the run's summary) is logged and replaced by
    the default.
    """
    out: list[float] = []
    for name, raw, default, minimum in (("PROVWATCH_MAX_ATTEMPTS", max_attempts, MAX_ATTEMPTS, 0),
                                        ("PROVWATCH_NOTIFY_TIMEOUT", read_timeout, READ_TIMEOUT,
                                         1)):
        try:
            value = float(raw)
            if value < minimum or value != value:
                raise ValueError(raw)
        except (TypeError, ValueError):
            message = f"{name} must be a number of at least {minimum}, not {raw!r}"
            if strict:
                raise ValueError(message) from None
            logger.warning("%s; using %s", message, default)
            value = float(default)
        out.append(value)
    attempts, timeout = out
    return (int(attempts) or None), timeout
