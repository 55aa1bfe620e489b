"""What an operator reads about past runs: per-run figures from the ``runs`` table, in
Vietnamese local time (+07:00), as text lines for ``provwatch status`` or as JSON.

A run's row holds its summary (failed sources, alerts sent/failed/kept, health events) and
each source's figures as the crawl counted them; this module only adds them up.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawler.archive.exportrows import local_time
from crawler.run.health import error_counts
from store.db import Row, Store

# figures added up over a run's sources, as (name in the report, key in the figures)
TOTALS = (("new", "new"), ("changed", "updated"), ("duplicates", "duplicates"),
          ("unchanged", "unchanged"), ("pages", "articles_fetched"),
          ("not_modified", "not_modified"), ("listings", "listing"))


def duration(started: str | None, finished: str | None) -> float | None:
    """Seconds between two stored times, or None when either is missing."""
    if not started or not finished:
        return None
    try:
        return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)
                ).total_seconds()
    except ValueError:
        return None


def format_seconds(seconds: float | None) -> str:
    """``1h02m03s``, ``4m05s``, ``12s``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value else {}
    except ValueError:
        return {}


def run_report(store: Store, run: Row) -> dict[str, Any]:
    """One run's figures: what it found, what it sent, what went wrong and how long."""
    summary = _json(run.get("summary"))
    sources = _json(run.get("sources"))
    totals = {name: 0 for name, _ in TOTALS}
    figures = list(sources.values()) if isinstance(sources, dict) else []
    for fig in figures:
        for name, key in TOTALS:
            totals[name] += int(fig.get(key, 0) or 0)
    errors = error_counts(*figures)
    queued = None
    if run.get("started"):
        until = run.get("finished") or "9999"
        queued = store.count("alerts", "created >= ? AND created <= ?", [run["started"], until])
    return {
        "id": run["id"], "command": run.get("command"), "status": run.get("status"),
        "exit_code": run.get("exit_code"), "started": local_time(run.get("started")),
        "finished": local_time(run.get("finished")),
        "seconds": duration(run.get("started"), run.get("finished")),
        **totals, "sources": len(sources) if isinstance(sources, dict) else 0,
        "failed_sources": summary.get("failed_sources") or {},
        "errors": dict(sorted(errors.items())),
        "alerts_queued": queued, "alerts_sent": summary.get("alerts_sent", 0),
        "alerts_failed": summary.get("alerts_failed", 0),
        "alerts_kept": summary.get("alerts_kept", 0),
        "health_events": summary.get("health_events") or [],
        "problems": summary.get("config_problems") or [],
    }


def render_run(report: dict[str, Any]) -> list[str]:
    """A run as two or three lines of ``provwatch status``."""
    finished = report["finished"]
    if finished and report["started"] and finished[:10] == report["started"][:10]:
        finished = finished[11:]  # same day: the time is enough
    lines = [f"run {report['id']} {report['command'] or '?':<8} {report['started']} → "
             f"{finished or '…'} ({format_seconds(report['seconds'])}) {report['status']}"]
    lines.append(
        f"    {report['new']} new, {report['changed']} changed, {report['duplicates']} "
        f"duplicates, {report['unchanged']} unchanged, {report['pages']} pages from "
        f"{report['sources']} sources; alerts: {report['alerts_queued'] or 0} queued, "
        f"{report['alerts_sent']} sent, {report['alerts_failed']} failed")
    trouble = []
    if report["errors"]:
        trouble.append("errors " + " ".join(f"{k}×{v}" for k, v in report["errors"].items()))
    if report["failed_sources"]:
        trouble.append(f"failed: {', '.join(sorted(report['failed_sources']))}")
    if trouble:
        lines.append("    " + "; ".join(trouble))
    return lines


def health_report(store: Store) -> list[dict[str, Any]]:
    """Each source's health record with its last success in +07:00 and its article count."""
    rows = []
    for h in store.all_health():
        rows.append({
            "source": h["source"], "last_success": local_time(h.get("last_success")),
            "fail_streak": h.get("fail_streak") or 0, "empty_streak": h.get("empty_streak") or 0,
            "short_streak": h.get("short_streak") or 0, "last_error": h.get("last_error"),
            "alerted": h.get("alerted"),
            "articles": store.count("articles", "source = ?", [h["source"]]),
        })
    return rows


def status_lines(runs: list[dict[str, Any]], health: list[dict[str, Any]]) -> list[str]:
    """``provwatch status``: each recent run, then a table of the sources' health."""
    lines = [] if runs else ["no runs yet"]
    for report in runs:
        lines += render_run(report)
    if health:
        lines += ["", f"{'source':<28} {'last success (+07:00)':<26} fail empty short  articles"]
    for h in health:
        lines.append(f"{h['source']:<28} {h['last_success'] or 'never':<26} "
                     f"{h['fail_streak']:>4} {h['empty_streak']:>5} {h['short_streak']:>5} "
                     f"{h['articles']:>9}")
    return lines
