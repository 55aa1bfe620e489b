"""What counts as a change of a stored article, and how the change is shown.

Extraction removes counters and other furniture; this module is the second line of
defence: lines that only carry numbers, times or "today" labels, and whitespace, never make
a new version. A corrected figure inside a sentence does.
"""

from __future__ import annotations

import difflib
import hashlib
import re

from crawler.text import normalise

# A line made only of a short label and a number/date/time: counters, clocks, "Hôm nay: 12".
_VOLATILE_LINE = re.compile(
    r"^[^\d\n]{0,40}[:：]?\s*[\d.,:/\- ]+(\s*(giây|phút|lượt|người|views?))?$", re.IGNORECASE)
MAX_DIFF_LINES = 40


def stable_lines(text: str) -> list[str]:
    """Normalised paragraphs with volatile lines removed."""
    return [line for line in normalise(text).split("\n") if not _VOLATILE_LINE.match(line)]


def text_key(text: str) -> str:
    """Hash of the stable lines of a text: equal texts are one story, unequal ones a change."""
    return hashlib.sha256("\n".join(stable_lines(text)).encode("utf-8")).hexdigest()


def is_change(old_title: str | None, old_key: str | None, new_title: str | None,
              new_key: str) -> bool:
    """Whether a re-fetched article is a new version (text or title changed)."""
    return old_key != new_key or normalise(old_title or "") != normalise(new_title or "")


def text_diff(old_title: str | None, old_text: str, new_title: str | None, new_text: str,
              *, max_lines: int = MAX_DIFF_LINES) -> str:
    """A unified diff of title and paragraphs, cut at ``max_lines`` changed lines."""
    old = [f"# {normalise(old_title or '')}", *stable_lines(old_text)]
    new = [f"# {normalise(new_title or '')}", *stable_lines(new_text)]
    lines = list(difflib.unified_diff(old, new, "before", "after", n=0, lineterm=""))
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… ({len(lines) - max_lines} more diff lines)"]
    return "\n".join(lines)


def change_summary(diff: str, *, max_chars: int = 600) -> str:
    """The removed/added lines of a diff, for an alert ("- old" / "+ new")."""
    picked = [line for line in diff.split("\n")
              if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    out = "\n".join(picked)
    return out if len(out) <= max_chars else out[: max_chars - 1] + "…"
