"""What a run prints when it ends: one totals line, a line per source, failed sources and
the alerts sent. Plain lines, so the CLI, a test or a cron mail show the same text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.crawl.figures import SUMMARY_KEYS
from crawler.run.health import error_counts
from crawler.run.runreport import format_seconds

Figures = Mapping[str, dict[str, int]]


def failed_sources(figures: Figures) -> dict[str, str]:
    """Sources that could not start, or fetched nothing but errors: id -> error counts."""
    failed: dict[str, str] = {}
    for sid, fig in figures.items():
        errors = error_counts(fig)
        if fig.get("start_failed") or (not fig.get("listing_pages") and not
                                       fig.get("articles_fetched") and errors):
            failed[sid] = ", ".join(f"{k}×{v}" for k, v in sorted(errors.items())) or "no page"
    return failed


def summary_lines(run_id: int, figures: Figures, failed: Mapping[str, str],
                  send: Any | None = None, seconds: float | None = None) -> list[str]:
    """The end-of-run summary; ``send`` is notify.send's report when alerts were sent."""
    totals: dict[str, int] = {}
    for fig in figures.values():
        for k in SUMMARY_KEYS:
            totals[k] = totals.get(k, 0) + int(fig.get(k, 0))
    elapsed = f" in {format_seconds(seconds)}" if seconds is not None else ""
    lines = [f"provwatch run {run_id}: {len(figures)} sources, "
             f"{totals.get('new', 0)} new, {totals.get('updated', 0)} updated, "
             f"{totals.get('duplicates', 0)} duplicates, {totals.get('unchanged', 0)} "
             f"unchanged, {totals.get('articles_fetched', 0)} article pages fetched{elapsed}"]
    for sid in sorted(figures):
        fig = figures[sid]
        parts = [f"{k}={fig[k]}" for k in SUMMARY_KEYS if fig.get(k)]
        errors = [f"{k}={v}" for k, v in sorted(error_counts(fig).items())]
        state = "FAILED" if sid in failed else "ok"
        lines.append(f"  {sid:<24} {state:<6} {' '.join(parts + errors)}")
    if failed:
        lines.append(f"failed sources ({len(failed)}): " +
                     "; ".join(f"{sid} ({why})" for sid, why in sorted(failed.items())))
    if send is not None:
        line = f"alerts: {send.sent} sent, {send.failed} failed"
        if send.kept:
            line += f", {send.kept} kept for the next run"
        if send.errors:
            line += " (" + "; ".join(f"{t}: {e}" for t, e in send.errors.items()) + ")"
        lines.append(line)
    return lines
