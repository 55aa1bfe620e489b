"""Topic relevance, the way an analyst reads: title first, lead next, body last.

Topics are data (``crawler/data/topics.toml``). Phrases are matched on folded text (no
case, no diacritics, đ→d), so NFD pages and text typed without accents match alike;
abbreviations (CĐS, IOC, VNeID) are matched case-sensitively as whole words. Look-alike
phrases (chuyển đổi cơ cấu cây trồng, chuyển đổi năng lượng …) are blanked out before
matching, and a story that mentions the topic once in passing is discounted. Every
decision carries its explanation.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.text import fold, nfc
from crawler.tomltables import open_table

TITLE_FACTOR = 3.0
LEAD_FACTOR = 2.0
BODY_CAP = 3.0
SUPPORT_POINTS = 0.5
SUPPORT_CAP = 2.0
PASSING_FACTOR = 0.5


class TopicFileError(ValueError):
    """The topics file is missing, not TOML, or a topic is malformed."""


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    threshold: float
    terms: tuple[tuple[str, float], ...]
    abbreviations: tuple[tuple[str, float], ...] = ()
    supporting: tuple[str, ...] = ()
    lookalikes: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, compare=False,
                                                 hash=False, repr=False)

    def __post_init__(self) -> None:
        guard = ""
        if self.not_followed_by:
            guard = r"(?!\s+(?:" + "|".join(re.escape(fold(w)) for w in self.not_followed_by) \
                + r")\b)"
        for term, _ in self.terms:
            self.patterns[term] = re.compile(r"(?<!\w)" + _phrase(term) + r"(?!\w)" + guard)
        for term in self.supporting:
            self.patterns["+" + term] = re.compile(r"(?<!\w)" + _phrase(term) + r"(?!\w)")
        for abbr, _ in self.abbreviations:
            self.patterns["#" + abbr] = re.compile(r"(?<![\w-])" + re.escape(nfc(abbr))
                                                   + r"(?![\w-])")
        for phrase in self.lookalikes:
            self.patterns["-" + phrase] = re.compile(r"(?<!\w)" + _phrase(phrase) + r"(?!\w)")


def _phrase(term: str) -> str:
    return r"\s+".join(re.escape(w) for w in fold(term).split())


@dataclass(frozen=True)
class TermHit:
    term: str
    where: str  # "title" | "lead" | "body"
    count: int
    points: float


@dataclass(frozen=True)
class Classification:
    relevant: bool
    score: float
    threshold: float
    topic: str | None
    topic_name: str | None
    matched: list[str]
    hits: list[TermHit]
    penalties: list[str]
    per_topic: dict[str, float]

    def explain(self) -> str:
        """A plain-language account of the decision."""
        verdict = "RELEVANT" if self.relevant else "not relevant"
        lines = [f"{verdict}: topic {self.topic_name or self.topic or '-'} "
                 f"score {self.score:.2f} (threshold {self.threshold:.2f})"]
        if self.hits:
            lines.append("terms that counted:")
            for hit in sorted(self.hits, key=lambda h: -h.points):
                lines.append(f"  {hit.term!r} in {hit.where} ×{hit.count}: +{hit.points:.2f}")
        else:
            lines.append("no topic term found in title, lead or body")
        for penalty in self.penalties:
            lines.append(f"penalty: {penalty}")
        others = {k: v for k, v in self.per_topic.items() if k != self.topic}
        if others:
            lines.append("other topics: " + ", ".join(f"{k} {v:.2f}" for k, v in others.items()))
        return "\n".join(lines)


# -- loading ---------------------------------------------------------------------------------
_TOPIC_KEYS = {"id", "name", "threshold", "terms", "abbreviations", "supporting", "lookalikes",
               "not_followed_by"}


def bundled_topics_path() -> Path:
    return Path(__file__).parent / "data" / "topics.toml"


def _weights(raw: Any, label: str, key: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, dict):
        raise TopicFileError(f"{label}: key {key!r} must be a table of phrase = weight")
    out = []
    for phrase, weight in raw.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise TopicFileError(f"{label}: key {key!r}: weight of {phrase!r} must be a "
                                 f"positive number")
        out.append((nfc(phrase), float(weight)))
    return tuple(out)


def _strings(raw: Any, label: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise TopicFileError(f"{label}: key {key!r} must be a list of strings")
    return tuple(nfc(v) for v in raw)


def _parse_topic(raw: Any, index: int, path: Path) -> Topic:
    label = open_table(raw, index, path, "topics", known=_TOPIC_KEYS,
                       required=("id", "name", "threshold", "terms"), error=TopicFileError)
    if not isinstance(raw["id"], str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", raw["id"]):
        raise TopicFileError(f"{label}: key 'id' must match [a-z0-9][a-z0-9_-]*")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise TopicFileError(f"{label}: key 'name' must be a non-empty string")
    threshold = raw["threshold"]
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or threshold <= 0:
        raise TopicFileError(f"{label}: key 'threshold' must be a positive number")
    terms = _weights(raw["terms"], label, "terms")
    for term, _ in terms:
        if len(fold(term).split()) < 2:
            raise TopicFileError(f"{label}: key 'terms': {term!r} is a single word; put single "
                                 f"words under 'abbreviations' (matched case-sensitively)")
    return Topic(
        id=raw["id"], name=nfc(raw["name"]), threshold=float(threshold), terms=terms,
        abbreviations=_weights(raw.get("abbreviations", {}), label, "abbreviations"),
        supporting=_strings(raw.get("supporting", []), label, "supporting"),
        lookalikes=_strings(raw.get("lookalikes", []), label, "lookalikes"),
        not_followed_by=_strings(raw.get("not_followed_by", []), label, "not_followed_by"),
    )


def load_topics(path: str | Path | None = None) -> list[Topic]:
    """Topics from a TOML file; None loads the bundled file (cached)."""
    if path is None:
        return list(_bundled())
    return _load(Path(path))


@lru_cache(maxsize=1)
def _bundled() -> tuple[Topic, ...]:
    return tuple(_load(bundled_topics_path()))


def _load(file: Path) -> list[Topic]:
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TopicFileError(f"{file}: topics file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicFileError(f"{file}: cannot read topics file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TopicFileError(f"{file}: not valid TOML: {exc}") from exc
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise TopicFileError(f"{file}: no [[topics]] tables found")
    topics = [_parse_topic(raw, i, file) for i, raw in enumerate(raw_topics)]
    ids = [t.id for t in topics]
    if len(set(ids)) != len(ids):
        raise TopicFileError(f"{file}: topic ids must be unique")
    return topics


# -- scoring ---------------------------------------------------------------------------------
@dataclass
class _Part:
    name: str
    original: str
    folded: str
    factor: float


def _blank(pattern: re.Pattern[str], text: str) -> tuple[str, int]:
    count = 0

    def repl(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return " " * len(m.group(0))

    return pattern.sub(repl, text), count


def _body_points(weight: float, count: int) -> float:
    return weight * min(1.0 + math.log(count), BODY_CAP) if count else 0.0


def _score_topic(topic: Topic, parts: list[_Part], words: int
                 ) -> tuple[float, list[TermHit], list[str]]:
    penalties: list[str] = []
    folded_parts = []
    for part in parts:
        text = part.folded
        for phrase in topic.lookalikes:
            text, n = _blank(topic.patterns["-" + phrase], text)
            if n:
                penalties.append(f"look-alike {phrase!r} in {part.name} ×{n} ignored")
        folded_parts.append(text)
    hits: list[TermHit] = []
    for part, text in zip(parts, folded_parts, strict=True):
        for term, weight in topic.terms:
            n = len(topic.patterns[term].findall(text))
            if n:
                points = weight * part.factor if part.factor else _body_points(weight, n)
                hits.append(TermHit(term, part.name, n, round(points, 2)))
        for abbr, weight in topic.abbreviations:
            n = len(topic.patterns["#" + abbr].findall(part.original))
            if n:
                points = weight * part.factor if part.factor else _body_points(weight, n)
                hits.append(TermHit(abbr, part.name, n, round(points, 2)))
    score = sum(h.points for h in hits)
    if hits:
        support = 0.0
        for term in topic.supporting:
            if any(topic.patterns["+" + term].search(t) for t in folded_parts):
                support += SUPPORT_POINTS
        if support:
            support = min(support, SUPPORT_CAP)
            hits.append(TermHit("(supporting vocabulary)", "any", 1, round(support, 2)))
            score += support
    headline = any(h.where in ("title", "lead") for h in hits if h.where != "any")
    body_hits = [h for h in hits if h.where == "body"]
    distinct = {h.term for h in body_hits}
    occurrences = sum(h.count for h in body_hits)
    density = occurrences * 1000 / max(words, 1)
    if hits and not headline and (len(distinct) < 2 and (occurrences < 3 or density < 4)):
        score *= PASSING_FACTOR
        penalties.append(f"passing mention: no topic term in title or lead, {occurrences} "
                         f"body occurrence(s) of {len(distinct)} term(s) in {words} words")
    return round(score, 2), hits, penalties


def classify(title: str, lead: str, body: str,
             topics: Sequence[Topic] | None = None) -> Classification:
    """Score an extracted article against each topic; the best relevant topic wins."""
    topic_list = list(topics) if topics is not None else load_topics()
    title, lead, body = nfc(title or ""), nfc(lead or ""), nfc(body or "")
    rest = body[len(lead):] if lead and body.startswith(lead) else body
    parts = [_Part("title", title, fold(title), TITLE_FACTOR),
             _Part("lead", lead, fold(lead), LEAD_FACTOR),
             _Part("body", rest, fold(rest), 0.0)]
    words = max(len(body.split()), 1)
    results = []
    for topic in topic_list:
        score, hits, penalties = _score_topic(topic, parts, words)
        results.append((topic, score, hits, penalties))
    per_topic = {t.id: s for t, s, _, _ in results}
    if not results:
        return Classification(False, 0.0, 0.0, None, None, [], [], [], {})
    relevant = [r for r in results if r[1] >= r[0].threshold]
    best = max(relevant or results, key=lambda r: r[1] / r[0].threshold)
    topic, score, hits, penalties = best
    order: dict[str, float] = {}
    for hit in hits:
        if hit.where != "any":
            order[hit.term] = order.get(hit.term, 0.0) + hit.points
    matched = sorted(order, key=lambda t: -order[t])
    return Classification(
        relevant=bool(relevant), score=score, threshold=topic.threshold, topic=topic.id,
        topic_name=topic.name, matched=matched, hits=hits, penalties=penalties,
        per_topic=per_topic)
