"""What counts as a change of a stored article, and how the change is shown.

Extraction removes counters and other furniture; this module is the second line of
defence. Never a change: lines that are only a date/time ("Thứ Năm, 14/03/2024", the
page's "today"), counter lines ("Lượt xem: 1.234", "Hôm nay 56", a bare "12.345"),
whitespace, NFC/NFD and entity spelling, letter case and punctuation. A change: any word or
figure inside the article's sentences, including "Số hồ sơ: 1.342" (a label that is not a
counter's keeps its figure), and the title.
"""

from __future__ import annotations

import difflib
import hashlib
import re

from crawler.core.text import clip, normalise

_DATE_WORDS = (r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|chủ\s+nhật|cn|ngày|hôm\s+nay|"
               r"cập\s+nhật|lúc|đăng|gửi|giờ|tháng|năm|sáng|chiều|tối|trưa|am|pm|gmt|utc")
# A line that is only a date and/or time, with weekday and "updated" words around it.
_DATE_LINE = re.compile(
    rf"^(?:(?:{_DATE_WORDS})\b|[\d\s/:.,|()+\-–—])+$", re.IGNORECASE)
_COUNTER_WORDS = (
    r"lượt\s+(?:xem|đọc|truy\s+cập|người\s+truy\s+cập|thích|chia\s+sẻ|bình\s+luận|"
    r"đánh\s+giá)|đang\s+(?:truy\s+cập|online|xem)|trực\s+tuyến|online|hôm\s+nay|hôm\s+qua|"
    r"tuần\s+(?:này|trước)|tháng\s+(?:này|trước|hiện\s+tại)|năm\s+(?:nay|trước)|"
    r"tổng(?:\s+(?:số|lượt\s+truy\s+cập|lượt\s+xem|truy\s+cập))?|khách(?:\s+viếng\s+thăm)?|"
    r"máy\s+chủ\s+tìm\s+kiếm|thành\s+viên|truy\s+cập|bình\s+luận|views?|visitors?|"
    r"thời\s+gian\s+chờ|tổng\s+số\s+điểm.*|lượt\s+người\s+truy\s+cập")
# "Lượt xem: 1.234", "Hôm nay 56", "1.234 lượt xem", "Tổng số điểm ... là: 0 trong 0 đánh giá"
_COUNTER_LINE = re.compile(
    rf"^(?:(?:{_COUNTER_WORDS})\s*[:：]?\s*[\d.,\s]*\d[\d.,\s]*"
    rf"(?:\s*(?:giây|phút|lượt|người|đánh\s+giá|trong\s+\d+\s+đánh\s+giá))?"
    rf"|[\d.,\s]*\d[\d.,\s]*\s*(?:{_COUNTER_WORDS}|lượt|người\s+xem))$", re.IGNORECASE)
_NUMBER_LINE = re.compile(r"^[\d.,\s]+$")
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\w+", re.UNICODE)
MAX_DIFF_LINES = 40


def is_volatile(line: str) -> bool:
    """Whether a line changes between fetches of an unchanged article (clock, counter)."""
    line = line.strip()
    if not line or not _DIGIT.search(line):
        return False
    return bool(_NUMBER_LINE.match(line) or _DATE_LINE.match(line)
                or _COUNTER_LINE.match(line))


def stable_lines(text: str) -> list[str]:
    """Normalised paragraphs with volatile lines removed."""
    return [line for line in normalise(text).split("\n") if not is_volatile(line)]


def _content(line: str) -> str:
    """The words and figures of a line: case, punctuation and spacing ignored."""
    return " ".join(_TOKEN.findall(line.lower()))


def text_key(text: str) -> str:
    """Hash of what a text says: equal keys are the same text, unequal ones a change."""
    content = "\n".join(c for c in map(_content, stable_lines(text)) if c)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def title_key(title: str | None) -> str:
    return _content(normalise(title or ""))


def is_change(old_title: str | None, old_key: str | None, new_title: str | None,
              new_key: str) -> bool:
    """Whether a re-fetched article is a new version (text or title changed).

    Pass ``old_key`` recomputed from the stored text (``text_key(old_text)``), so that a
    change of this module's rules never turns every stored article into a new version.
    """
    return old_key != new_key or title_key(old_title) != title_key(new_title)


OTHER_PAGE_TITLE = 0.5  # an edited headline keeps at least half its words
OTHER_PAGE_TEXT = 0.2  # an edited article keeps at least a fifth of its word 3-grams


def _share(a: set[str] | set[tuple[str, ...]], b: set[str] | set[tuple[str, ...]]) -> float:
    """How much of the smaller set the other holds (1.0: one contains the other)."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = [w for line in stable_lines(text) for w in _content(line).split()]
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 1))} if words else set()


def is_other_page(old_title: str | None, old_text: str, new_title: str | None,
                  new_text: str) -> bool:
    """Whether a known article's URL now shows another page, not an edit of the article.

    Portals answer 200 with a maintenance notice, a "bài viết không tồn tại" page or their
    home page where an article was; stored as a version, that would replace the article
    and alert as a change. An edit keeps most of its headline or a good part of its
    sentences; a page that shares neither is something else.
    """
    old_words = set(title_key(old_title).split())
    new_words = set(title_key(new_title).split())
    if _share(old_words, new_words) >= OTHER_PAGE_TITLE:
        return False
    return _share(_trigrams(old_text), _trigrams(new_text)) < OTHER_PAGE_TEXT


def text_diff(old_title: str | None, old_text: str, new_title: str | None, new_text: str,
              *, max_lines: int = MAX_DIFF_LINES) -> str:
    """A unified diff of title and paragraphs, cut at ``max_lines`` changed lines."""
    old = [f"# {normalise(old_title or '')}", *stable_lines(old_text)]
    new = [f"# {normalise(new_title or '')}", *stable_lines(new_text)]
    lines = list(difflib.unified_diff(old, new, "before", "after", n=0, lineterm=""))
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… ({len(lines) - max_lines} more diff lines)"]
    return "\n".join(lines)


def _inline(old: str, new: str, context: int = 4) -> str:
    """One changed paragraph as its changed words in context: ``… đạt 64,5% → 65,1%, …``."""
    a, b = old.split(), new.split()
    parts: list[str] = []
    last = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        start = max(i1 - context, last)
        if start > last or (start == 0 and i1 > 0 and not parts):
            parts.append("…")
        parts.extend(a[start:i1])
        removed, added = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        parts.append(f"[{removed or '∅'} → {added or '∅'}]")
        tail = a[i2:i2 + context]
        parts.extend(tail)
        last = i2 + len(tail)
    if last < len(a):
        parts.append("…")
    return " ".join(parts)


SUMMARY_LINE_CHARS = 240  # one paragraph of a change summary


def change_summary(diff: str, *, max_chars: int = 600) -> str:
    """What changed, short: edited paragraphs as inline word changes, added/removed ones whole.

    ``~ … đạt [64,5% → 65,1%], tăng …`` for a paragraph edited in place; ``+ …`` for an added
    paragraph, ``- …`` for a removed one.
    """
    out: list[str] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        pairs = min(len(removed), len(added))
        for old, new in zip(removed[:pairs], added[:pairs], strict=True):
            ratio = difflib.SequenceMatcher(None, old.split(), new.split()).ratio()
            if ratio >= 0.5:
                out.append("~ " + clip(_inline(old, new), SUMMARY_LINE_CHARS))
            else:
                out.extend(["- " + clip(old, SUMMARY_LINE_CHARS),
                            "+ " + clip(new, SUMMARY_LINE_CHARS)])
        out.extend("- " + clip(line, SUMMARY_LINE_CHARS) for line in removed[pairs:])
        out.extend("+ " + clip(line, SUMMARY_LINE_CHARS) for line in added[pairs:])
        removed.clear()
        added.clear()

    for line in diff.split("\n"):
        if line.startswith(("+++", "---")):
            continue
        if line.startswith("-"):
            if added:
                flush()
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            flush()
    flush()
    text = "\n".join(out)
    return clip(text, max_chars)
