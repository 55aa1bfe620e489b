"""A small trained model beside the relevance rules (issue 21): stdlib only at run time.

The rules find the topic's words, its actor and its action; on real news they also flag
technology stories that are not digital transformation (a bank app's outage, a telecom's
record revenue, a police scam warning). A logistic regression over TF-IDF n-grams, trained
on the labelled real corpus by ``benchmarks/train_relevance_model.py``, reads the same
article and says how likely it is to be a DX story; a topic that names a model
(``model = "relevance_model.json"`` in topics.toml) gates its rule verdict on it.

What the model reads: the title, the lead and the first ``opening`` characters of the body
after the lead (the corpus's DX stories are mostly page excerpts, its other stories mostly
full bodies: reading the same opening of every article keeps length out of it). The text is
lower-cased in NFC (optionally folded), digits and web addresses are dropped, and n-grams
never cross punctuation or a line break. Nothing about length or the presence of a title is
a feature.

The model file is JSON: the tokenizer settings, ``terms`` (n-gram -> [idf, weight]), the
intercept, and ``checks``: texts with the probability scikit-learn gave them at training
time, which :func:`load_model` can verify (the tests do) so that this scorer is known to
compute what was trained.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.core.files import read_text
from crawler.core.text import fold, nfc

FORMAT = "provwatch-relevance-model/1"

_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w.-]+\.(?:vn|com|net|org)\b\S*")
# a segment: n-grams never cross punctuation, digits or a line break
_SEGMENT = re.compile(r"[^\W\d_]+(?:[^\S\n]+[^\W\d_]+)*")
_LETTERS = re.compile(r"[^\W\d_]+")
# a photo credit or caption label ("Ảnh: Thanh Hà", "(Ảnh: TTXVN)"): the page's, not the story's
_CREDIT = re.compile(r"\(?(?<!\w)ảnh(?: minh họa)?\s*:[^\n).;]{0,40}\)?", re.IGNORECASE)
_WITH_DIGITS = re.compile(r"\w*\d\w*")  # 14h30, 5G, F0: numbers and codes, a break


class ModelFileError(ValueError):
    """The model file is missing, not JSON, or not a model this scorer can read (file named)."""


@dataclass(frozen=True)
class Tokenizer:
    """How an article becomes n-grams; stored in the model file, applied alike at training
    and at run time."""

    ngram_max: int = 2
    folded: bool = False
    opening: int = 2000
    drop: frozenset[str] = frozenset()  # source artefacts (site names, credits): not words

    def document(self, title: str, lead: str, body: str) -> str:
        """Title, lead and the body's opening (after the lead, which bodies often repeat)."""
        title, lead, body = nfc(title or ""), nfc(lead or ""), nfc(body or "")
        rest = body
        if lead and body.startswith(lead):
            rest = body[len(lead):]
        elif lead:
            first, _, after = body.strip().partition("\n")
            if " ".join(first.split()) == " ".join(lead.split()):
                rest = after
        return "\n".join((title, lead, rest.strip()[:self.opening]))

    def grams(self, text: str) -> list[str]:
        """The n-grams (1..ngram_max) of ``text``, in order, repeats kept."""
        text = _WITH_DIGITS.sub("\n", _CREDIT.sub("\n", _URL.sub("\n", nfc(text)))).lower()
        if self.folded:
            text = fold(text)
        out: list[str] = []
        for seg in _SEGMENT.finditer(text):
            words = [w for w in _LETTERS.findall(seg.group(0)) if w not in self.drop]
            for n in range(1, self.ngram_max + 1):
                out += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
        return out

    def settings(self) -> dict[str, Any]:
        return {"ngram_max": self.ngram_max, "folded": self.folded, "opening": self.opening,
                "drop": sorted(self.drop)}


@dataclass(frozen=True)
class Contribution:
    term: str
    weight: float  # its share of the log-odds in this article (tf-idf x coefficient)


@dataclass(frozen=True)
class ModelVerdict:
    probability: float
    positive: tuple[Contribution, ...]  # strongest evidence for the topic, largest first
    negative: tuple[Contribution, ...]  # strongest evidence against it

    def describe(self, top: int = 5) -> str:
        """The ``top`` n-grams each way; one that is part of an n-gram already shown, or holds
        one ("ung" or "ung dung ngan" after "ung dung"), says little new and is skipped."""
        def shown(items: tuple[Contribution, ...]) -> str:
            picked: list[Contribution] = []
            for item in items:
                if len(picked) == top:
                    break
                if not any(_inside(item.term, p.term) or _inside(p.term, item.term)
                           for p in picked):
                    picked.append(item)
            return ", ".join(f"{c.term!r} {c.weight:+.2f}" for c in picked) or "-"
        return f"for: {shown(self.positive)}; against: {shown(self.negative)}"


def _inside(small: str, large: str) -> bool:
    """``small``'s words are a run of ``large``'s words."""
    return f" {small} " in f" {large} "


@dataclass(frozen=True)
class RelevanceModel:
    path: Path
    tokenizer: Tokenizer
    terms: dict[str, tuple[float, float]]  # n-gram -> (idf, coefficient)
    intercept: float
    threshold: float  # below this probability a rule verdict is refused
    meta: dict[str, Any]
    checks: tuple[tuple[dict[str, str], float], ...]

    def score(self, title: str, lead: str, body: str) -> ModelVerdict:
        """The probability that the article is a story of the topic, and why."""
        counts: dict[str, int] = {}
        for gram in self.tokenizer.grams(self.tokenizer.document(title, lead, body)):
            if gram in self.terms:
                counts[gram] = counts.get(gram, 0) + 1
        values = {g: (1.0 + math.log(n)) * self.terms[g][0] for g, n in counts.items()}
        norm = math.sqrt(math.fsum(v * v for v in values.values()))
        parts = {g: (v / norm) * self.terms[g][1] for g, v in values.items()} if norm else {}
        logit = math.fsum(sorted(parts.values())) + self.intercept
        probability = 1.0 / (1.0 + math.exp(-logit)) if logit >= 0 else \
            math.exp(logit) / (1.0 + math.exp(logit))
        ranked = sorted(parts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
        return ModelVerdict(
            probability=probability,
            positive=tuple(Contribution(g, w) for g, w in ranked if w > 0),
            negative=tuple(Contribution(g, w) for g, w in ranked if w < 0))

    def verify(self, tolerance: float = 1e-9) -> None:
        """Raise ModelFileError unless every stored check text scores as at training time."""
        for text, expected in self.checks:
            got = self.score(text.get("title", ""), text.get("lead", ""),
                             text.get("body", "")).probability
            if abs(got - expected) > tolerance:
                raise ModelFileError(f"{self.path}: check {text.get('title', '')[:40]!r} "
                                     f"scores {got!r}, trained {expected!r}")


def bundled_model_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data"


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], file: Path) -> Any:
    if key not in data:
        raise ModelFileError(f"{file}: missing key {key!r}")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ModelFileError(f"{file}: key {key!r} has the wrong type")
    return value


def _parse(data: Any, file: Path) -> RelevanceModel:
    if not isinstance(data, dict):
        raise ModelFileError(f"{file}: not a model (expected a JSON object)")
    if data.get("format") != FORMAT:
        raise ModelFileError(f"{file}: not a relevance model of format {FORMAT!r}")
    raw_tok = _field(data, "tokenizer", dict, file)
    try:
        tokenizer = Tokenizer(ngram_max=int(raw_tok["ngram_max"]),
                              folded=bool(raw_tok["folded"]), opening=int(raw_tok["opening"]),
                              drop=frozenset(str(w) for w in raw_tok.get("drop", [])))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{file}: bad tokenizer settings: {exc}") from exc
    raw_terms = _field(data, "terms", dict, file)
    terms: dict[str, tuple[float, float]] = {}
    for gram, pair in raw_terms.items():
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)):
            raise ModelFileError(f"{file}: term {gram!r} must be [idf, weight]")
        terms[gram] = (float(pair[0]), float(pair[1]))
    if not terms:
        raise ModelFileError(f"{file}: the model has no terms")
    checks = []
    for check in data.get("checks", []):
        if not (isinstance(check, dict) and isinstance(check.get("probability"), float)):
            raise ModelFileError(f"{file}: a check must hold texts and a probability")
        texts = {k: str(check.get(k, "")) for k in ("title", "lead", "body")}
        checks.append((texts, float(check["probability"])))
    if not checks:
        raise ModelFileError(f"{file}: the model has no check texts (it cannot be verified)")
    threshold = float(_field(data, "threshold", (int, float), file))
    if not 0.0 < threshold < 1.0:
        raise ModelFileError(f"{file}: key 'threshold' must lie between 0 and 1")
    return RelevanceModel(
        path=file, tokenizer=tokenizer, terms=terms,
        intercept=float(_field(data, "intercept", (int, float), file)),
        threshold=threshold, meta=dict(data.get("meta", {})), checks=tuple(checks))


def load_model(path: str | Path) -> RelevanceModel:
    """A model file, checked: its stored check texts must score as they did at training
    (a model edited by hand or cut short is refused, not used). Parsed once per file
    version (path, size and modification time)."""
    file = Path(path).resolve()
    try:
        stat = file.stat()
    except FileNotFoundError as exc:
        raise ModelFileError(f"{file}: model file not found") from exc
    except OSError as exc:
        raise ModelFileError(f"{file}: cannot read model file: {exc}") from exc
    return _load(file, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _load(file: Path, size: int, mtime: int) -> RelevanceModel:
    text = read_text(file, "model", ModelFileError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{file}: not valid JSON: {exc}") from exc
    model = _parse(data, file)
    model.verify()
    return model
