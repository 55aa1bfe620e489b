"""Alert messages in Vietnamese: plain text, and HTML for Telegram and email.

Telegram accepts a small HTML subset and 4,096 characters a message; messages are built
from self-contained blocks (one per article) and split between blocks, so a split never
cuts an entity or leaves a tag open.
"""

from __future__ import annotations

import html
import re
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


def _fit(text: str, limit: int, *, markup: bool) -> str:
    """A block that alone exceeds ``limit``: cut as plain (escaped) text, never mid-tag."""
    if len(text) <= limit:
        return text
    if markup:  # drop the markup rather than risk an unclosed tag or a split entity
        plain = html.unescape(re.sub(r"<[^>]+>", "", text))
        return html.escape(plain[: max(limit // 2, 1)]) + "…"
    return text[: limit - 1] + "…"


def digest_parts(alerts: Sequence[dict[str, Any]], *, limit: int = TELEGRAM_LIMIT,
                 ) -> list[tuple[list[int], Message]]:
    """A digest grouped by province, split between article blocks under ``limit`` characters.

    Returns each part with the ids of the alerts it carries, so that every part can be
    recorded as delivered on its own: a failure in part 3 never re-sends parts 1 and 2.
    The limit leaves room for the title apprise puts in front of the body.
    """
    by_province: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        province = alert["payload"].get("province") or "Không rõ tỉnh"
        by_province.setdefault(province, []).append(alert)
    title = f"Bản tin provwatch: {len(alerts)} tin"
    room = limit - len(title) - 40
    parts: list[tuple[list[int], list[str], list[str]]] = []
    ids: list[int] = []
    texts: list[str] = []
    htmls: list[str] = []

    def flush() -> None:
        nonlocal ids, texts, htmls
        if texts:
            parts.append((ids, texts, htmls))
        ids, texts, htmls = [], [], []

    for province in sorted(by_province):
        group = by_province[province]
        head_text = f"== {province} ({len(group)}) =="
        head_html = f"<b>== {html.escape(province)} ({len(group)}) ==</b>"
        for index, alert in enumerate(group):
            t = _fit(block_text(alert["payload"]), room - len(head_text) - 4, markup=False)
            h = _fit(block_html(alert["payload"]), room - len(head_html) - 4, markup=True)
            new_t, new_h = [t], [h]
            if index == 0 or not texts:
                new_t.insert(0, head_text)
                new_h.insert(0, head_html)
            joined_t = "\n\n".join([*texts, *new_t])
            joined_h = "\n\n".join([*htmls, *new_h])
            if texts and (len(joined_t) > room or len(joined_h) > room):
                flush()
                new_t, new_h = [head_text, t], [head_html, h]
            ids.append(int(alert["id"]))
            texts += new_t
            htmls += new_h
    flush()
    n = len(parts)
    return [(part_ids, Message(title=title if i == 0 else f"{title} ({i + 1}/{n})",
                               text="\n\n".join(t), html="\n\n".join(h)))
            for i, (part_ids, t, h) in enumerate(parts)]
