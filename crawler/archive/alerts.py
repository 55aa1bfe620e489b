"""What an alert carries: built when the article is stored, queued in the same transaction.

The payload holds everything a message needs, so sending never depends on the article
row (which a later version may change) and a queued alert survives any crash.
"""

from __future__ import annotations

import json
from typing import Any

from crawler.analysis.relevance import Classification
from crawler.analysis.versions import change_summary
from crawler.core.provinces import province_key

LEAD_CHARS = 320


def _lead(text: str) -> str:
    lines = [line for line in (text or "").split("\n") if line.strip()][:2]
    lead = " ".join(lines)
    return lead if len(lead) <= LEAD_CHARS else lead[: LEAD_CHARS - 1].rstrip() + "…"


def tag_for(value: str) -> str:
    """An apprise-friendly tag: folded, hyphenated (``Hà Tĩnh`` → ``ha-tinh``)."""
    return province_key(value).replace(" ", "-")


def article_alert(kind: str, row: dict[str, Any], verdict: Classification, source_name: str,
                  *, diff: str | None = None) -> dict[str, Any]:
    """An outbox row for a new (``kind='new'``) or changed (``'changed'``) article."""
    former = row.get("former_provinces") or []
    if isinstance(former, str):
        former = json.loads(former)
    province = row.get("province")
    topic = verdict.topic
    payload = {
        "kind": kind,
        "title": row.get("title") or "",
        "url": row.get("link") or row.get("url"),
        "source": source_name,
        "province": province,
        "former_provinces": list(former),
        "published": row.get("published"),
        "topic": topic,
        "topic_name": verdict.topic_name,
        "score": verdict.score,
        "matched": list(verdict.matched)[:8],
        "lead": _lead(row.get("text") or ""),
        "changes": change_summary(diff) if diff else None,
    }
    tags = [kind]
    if topic:
        tags.append(f"topic-{topic}")
    for name in [province, *former]:
        if name:
            tags.append(tag_for(name))
    return {"kind": kind, "topic": topic, "province": province, "payload": payload,
            "tags": tags}
