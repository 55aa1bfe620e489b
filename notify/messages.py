"""Alert messages in Vietnamese: plain text, and HTML for Telegram and email.

Telegram accepts a small HTML subset and 4,096 characters a message; messages are built
from self-contained blocks (one per article) and split between blocks, so a split never
cuts an entity or leaves a tag open.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

TELEGRAM_LIMIT = 4096
KIND_TITLES = {"new": "Tin mới", "changed": "Bài viết được cập nhật", "health": "Cảnh báo nguồn",
               "recovered": "Nguồn hoạt động lại", "test": "Tin nhắn thử"}


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    html: str


def format_time(value: str | None) -> str:
    """``2023-05-08T18:14:00+07:00`` → ``18:14 08/05/2023`` (day first, local time)."""
    if not value:
        return "không rõ"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    return when.strftime("%H:%M %d/%m/%Y") if (when.hour or when.minute) else \
        when.strftime("%d/%m/%Y")


def _province_line(p: dict[str, Any]) -> str | None:
    province = p.get("province")
    if not province:
        return None
    former = [f for f in p.get("former_provinces") or [] if f != province]
    return f"{province} (trước 2025: {', '.join(former)})" if former else province


def _fields(p: dict[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    province = _province_line(p)
    if province:
        rows.append(("Tỉnh/thành", province))
    if p.get("source"):
        rows.append(("Nguồn", p["source"]))
    if p.get("kind") in ("new", "changed", "test"):
        rows.append(("Đăng lúc", format_time(p.get("published"))))
    if p.get("topic_name") or p.get("topic"):
        rows.append(("Chủ đề", p.get("topic_name") or p["topic"]))
    if p.get("matched"):
        rows.append(("Từ khóa", ", ".join(p["matched"])))
    return rows


def block_text(p: dict[str, Any]) -> str:
    lines = [p.get("title") or "(không có tiêu đề)"]
    lines += [f"{k}: {v}" for k, v in _fields(p)]
    if p.get("lead"):
        lines.append(p["lead"])
    if p.get("changes"):
        lines += ["Thay đổi:", p["changes"]]
    if p.get("detail"):
        lines.append(p["detail"])
    if p.get("url"):
        lines.append(f"Đọc bài: {p['url']}")
    return "\n".join(lines)


def block_html(p: dict[str, Any]) -> str:
    e = html.escape
    title = e(p.get("title") or "(không có tiêu đề)")
    head = f'<b><a href="{e(p["url"], quote=True)}">{title}</a></b>' if p.get("url") \
        else f"<b>{title}</b>"
    lines = [head] + [f"<b>{e(k)}:</b> {e(str(v))}" for k, v in _fields(p)]
    if p.get("lead"):
        lines.append(f"<i>{e(p['lead'])}</i>")
    if p.get("changes"):
        lines.append(f"<b>Thay đổi:</b>\n<pre>{e(p['changes'])}</pre>")
    if p.get("detail"):
        lines.append(e(p["detail"]))
    return "\n".join(lines)


def heading(kind: str, p: dict[str, Any]) -> str:
    topic = p.get("topic_name") or p.get("topic")
    prefix = f"[{topic}] " if topic else ""
    return f"{prefix}{KIND_TITLES.get(kind, kind)}: {p.get('title') or ''}".strip()


def article_message(payload: dict[str, Any]) -> Message:
    """One message for one alert."""
    kind = payload.get("kind", "new")
    return Message(title=heading(kind, payload), text=block_text(payload),
                   html=block_html(payload))


def digest_messages(payloads: Sequence[dict[str, Any]], *, limit: int = TELEGRAM_LIMIT,
                    ) -> list[Message]:
    """One digest grouped by province, split between article blocks under ``limit`` chars."""
    by_province: dict[str, list[dict[str, Any]]] = {}
    for p in payloads:
        by_province.setdefault(p.get("province") or "Không rõ tỉnh", []).append(p)
    text_blocks: list[str] = []
    html_blocks: list[str] = []
    for province in sorted(by_province):
        items = by_province[province]
        text_blocks.append(f"== {province} ({len(items)}) ==")
        html_blocks.append(f"<b>== {html.escape(province)} ({len(items)}) ==</b>")
        for p in items:
            text_blocks.append(block_text(p))
            html_blocks.append(block_html(p))
    title = f"Bản tin provwatch: {len(payloads)} tin"
    texts = split_blocks(text_blocks, limit)
    htmls = split_blocks(html_blocks, limit)
    # Text and HTML split separately; pair them by index and pad the shorter list.
    n = max(len(texts), len(htmls))
    texts += [""] * (n - len(texts))
    htmls += [""] * (n - len(htmls))
    return [Message(title=title if i == 0 else f"{title} ({i + 1}/{n})", text=t, html=h)
            for i, (t, h) in enumerate(zip(texts, htmls, strict=True))]


def split_blocks(blocks: Sequence[str], limit: int) -> list[str]:
    """Join blocks with blank lines into chunks of at most ``limit`` characters.

    A block longer than the limit on its own is cut at a line boundary (its lines are
    self-contained: every tag opens and closes on one line, except <pre>, which is kept whole
    or dropped to its first ``limit`` characters as plain escaped text).
    """
    chunks: list[str] = []
    current = ""
    for block in blocks:
        pieces = [block] if len(block) <= limit else _cut_block(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _cut_block(block: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in block.split("\n"):
        if len(line) > limit:
            line = line[: limit - 1] + "…"
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out
