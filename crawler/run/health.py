"""Source health: notice a source that silently breaks, tell the operators once.

After each run every crawled source is judged from its figures: it failed (start page
unreachable, nothing fetched), it found no articles at all, or its extraction came back
empty or much shorter than usual (a layout change). A problem that lasts ``streak`` runs in
a row queues one health alert for the operators; the first healthy run after it queues one
recovery message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from store.db import Store, utcnow

HEALTH_TAGS = ["health", "operators"]
SHORT_RATIO = 0.5  # mean extracted length below half the usual: a layout change


@dataclass(frozen=True)
class HealthEvent:
    source: str
    kind: str  # "health" (a problem reached the streak) or "recovered"
    problem: str
    detail: str


def _problem(fig: dict[str, int], failed_reason: str | None, mean_len: float | None,
             usual_len: float | None) -> tuple[str | None, str]:
    if failed_reason is not None and fig.get("errors/config"):
        return "fail", f"mục cấu hình của nguồn không dùng được: {failed_reason}"
    if failed_reason is not None:
        return "fail", f"nguồn không truy cập được: {failed_reason}"
    discovered = sum(int(fig.get(k, 0)) for k in ("links_found", "feed_entries",
                                                  "sitemap_entries"))
    if discovered == 0:
        return "empty", "không tìm thấy liên kết bài viết nào trên trang danh mục"
    extracted = sum(int(fig.get(k, 0)) for k in ("new", "updated", "unchanged", "duplicates"))
    broken = int(fig.get("errors/extraction", 0)) + int(fig.get("errors/empty_text", 0))
    if broken and not extracted:
        return "short", f"{broken} trang bài viết không trích xuất được nội dung"
    if mean_len is not None and usual_len and mean_len < SHORT_RATIO * usual_len:
        return "short", (f"nội dung trích xuất ngắn bất thường: trung bình {mean_len:.0f} ký tự, "
                         f"thường {usual_len:.0f}")
    return None, ""


NETWORK = "(network)"  # the health row of the machine's own connection
# error kinds of a request that never reached a server
NETWORK_KINDS = frozenset({"dns", "refused", "timeout", "tcp_timed_out", "no_route_to_host",
                           "connect_error", "connection_lost", "network_unreachable"})


def error_counts(*figures: dict[str, int]) -> dict[str, int]:
    """Requests that failed, by error kind (the ``errors/<kind>`` figures), summed over
    the given per-source figures."""
    counts: dict[str, int] = {}
    for fig in figures:
        for key, value in fig.items():
            if key.startswith("errors/"):
                kind = key.split("/", 1)[1]
                counts[kind] = counts.get(kind, 0) + int(value or 0)
    return counts


def network_down(figures: dict[str, dict[str, int]], failed: dict[str, str]) -> bool:
    """Whether the night failed as a whole for want of a network: every source (two or
    more) failed, no page came back, and every error is one of reaching a server."""
    if len(figures) < 2 or set(failed) != set(figures):
        return False
    for fig in figures.values():
        if int(fig.get("listing_pages", 0)) or int(fig.get("articles_fetched", 0)):
            return False
        kinds = {kind for kind, n in error_counts(fig).items() if n}
        if not kinds or not kinds <= NETWORK_KINDS:
            return False
    return True


def _assess_network(store: Store, run_id: int, figures: dict[str, dict[str, int]],
                    down: bool) -> list[HealthEvent]:
    """One alert when the whole night was offline (not one per source, whose own streaks
    that night are left as they were), and one when the network is back."""
    known = store.health(NETWORK)
    if known is None and not down:
        return []  # the network has never been down: no row to keep
    row: dict[str, Any] = known or {
        "source": NETWORK, "fail_streak": 0, "empty_streak": 0, "short_streak": 0,
        "alerted": None, "last_success": None}
    events: list[HealthEvent] = []
    if down:
        kinds = error_counts(*figures.values())
        detail = (f"mạng không truy cập được: cả {len(figures)} nguồn đều lỗi kết nối ("
                  + ", ".join(f"{k}×{v}" for k, v in sorted(kinds.items())) + ")")
        row.update(fail_streak=int(row.get("fail_streak") or 0) + 1, last_error=detail)
        if not row.get("alerted"):
            events.append(HealthEvent(NETWORK, "health", "network", detail))
            row["alerted"] = "network"
    else:
        row.update(fail_streak=0, last_error=None, last_success=utcnow())
        if row.get("alerted"):
            events.append(HealthEvent(NETWORK, "recovered", "network",
                                      "mạng hoạt động trở lại"))
            row["alerted"] = None
    row["last_run"] = run_id
    store.save_health(row)
    return events


def assess_sources(store: Store, *, run_id: int, started: str,
                   figures: dict[str, dict[str, int]], failed: dict[str, str],
                   names: dict[str, str], streak: int = 3) -> list[HealthEvent]:
    """Update each source's health record and queue health/recovery alerts."""
    down = network_down(figures, failed)
    events = _assess_network(store, run_id, figures, down) if len(figures) >= 2 else []
    for source, fig in ({} if down else figures).items():
        row: dict[str, Any] = store.health(source) or {
            "source": source, "fail_streak": 0, "empty_streak": 0, "short_streak": 0,
            "median_length": None, "alerted": None, "last_success": None}
        mean_len = store.mean_text_length(source, since=started)
        problem, detail = _problem(fig, failed.get(source), mean_len, row.get("median_length"))
        for kind in ("fail", "empty", "short"):
            key = f"{kind}_streak"
            row[key] = int(row.get(key) or 0) + 1 if problem == kind else 0
        row.update(last_run=run_id, figures=json.dumps(fig, ensure_ascii=False),
                   last_error=detail or None)
        if problem is None:
            row["last_success"] = utcnow()
            if mean_len is not None:
                usual = row.get("median_length")
                row["median_length"] = mean_len if not usual else 0.8 * usual + 0.2 * mean_len
            if row.get("alerted"):
                events.append(HealthEvent(source, "recovered", str(row["alerted"]),
                                          "nguồn hoạt động bình thường trở lại"))
                row["alerted"] = None
        elif int(row[f"{problem}_streak"]) >= (1 if fig.get("errors/config") else streak) \
                and not row.get("alerted"):
            # a malformed entry will not mend itself overnight: say so after the first run
            events.append(HealthEvent(source, "health", problem,
                                      f"{detail} ({row[f'{problem}_streak']} lần chạy liên tiếp)"))
            row["alerted"] = problem
        store.save_health(row)
    for event in events:
        store.queue_alert({
            "kind": event.kind, "run_id": run_id, "created": utcnow(),
            "payload": {"kind": event.kind,
                        "title": "provwatch" if event.source == NETWORK
                        else names.get(event.source, event.source),
                        "source": event.source, "detail": event.detail},
            "tags": HEALTH_TAGS})
    return events
