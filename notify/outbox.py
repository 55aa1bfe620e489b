"""The alert outbox as the operator sees it: ``provwatch notify pending``, the line
``notify send`` ends with, and the sample message of ``notify test``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from notify.send import SendReport, backlog_cutoff, pending_for, since_for_age
from notify.targets import Target
from store.db import Store

# what `provwatch notify test` sends: a made-up DX story, so a target shows a real layout
SAMPLE_ALERT: dict[str, Any] = {
    "kind": "test", "title": "Thử nghiệm provwatch: tỉnh đẩy mạnh chuyển đổi số",
    "province": "Tuyên Quang", "former_provinces": ["Hà Giang"],
    "source": "provwatch", "topic_name": "Chuyển đổi số",
    "matched": ["chuyển đổi số", "chính quyền số"],
    "lead": "Đây là tin nhắn thử của provwatch. Nếu bạn đọc được dòng này, kênh cảnh báo "
            "đã hoạt động.", "url": "https://example.com/provwatch-test"}


def pending_lines(store: Store, targets: Sequence[Target], max_age_days: Any,
                  max_attempts: int | None) -> list[str]:
    """Alerts still to be sent: per target when targets are given (a new target's older
    backlog is counted apart), else every unsent alert with the targets it reached."""
    lines = []
    if targets:
        cutoff = backlog_cutoff(store)
        for target in targets:
            alerts = pending_for(store, target, max_age_days, max_attempts=max_attempts)
            new = store.is_new_target(target.id)
            fresh = [a for a in alerts if str(a["created"]) >= cutoff] if new else alerts
            lines.append(f"{target.label}: {len(fresh)} pending")
            if new and len(fresh) < len(alerts):
                lines.append(f"  new target: {len(alerts) - len(fresh)} older alert(s) will "
                             "be skipped as backlog (notify send --backlog sends them)")
            for a in fresh:
                tries = f"  ({a['tries']} failed tries)" if a.get("tries") else ""
                lines.append(f"  #{a['id']} {a['kind']:<8} {a['created']} "
                             f"{a['payload'].get('title', '')}{tries}")
        return lines
    rows = store.all_unsent_alerts(since=since_for_age(max_age_days))
    if not rows:
        lines.append("the outbox is empty: nothing left to send")
    for a in rows:
        errors = f"  last errors: {a['errors']}" if a.get("errors") else ""
        lines.append(f"#{a['id']} {a['kind']:<8} {a['created']} sent to {a['sent_to']} "
                     f"target(s)  {a['payload'].get('title', '')}{errors}")
    return lines


def send_line(report: SendReport) -> str:
    """``notify send``'s closing line: sent, failed, kept, given up, skipped."""
    return (f"alerts: {report.sent} sent, {report.failed} failed"
            + (f", {report.kept} kept for the next run" if report.kept else "")
            + (f", {report.given_up} given up" if report.given_up else "")
            + (f", {report.skipped} skipped as backlog of new targets"
               if report.skipped else ""))
