"""Topic relevance, the way an analyst reads: title first, lead next, body last.

Topics are data (``crawler/data/topics.toml``); every decision carries its explanation.

Matching rules (the same for every topic):

* Text is compared in NFC; phrases are found on folded text (no case, no diacritics, đ→d),
  so NFD pages and text typed without accents match alike.
* Folding is lossy ("so" is số, sổ or sợ), so a folded hit is only accepted when each of its
  words is either spelt exactly as in the topic file or typed with no diacritics at all:
  "chuyen doi so" counts, "chuyển đổi sổ (đỏ)" does not. A one-word term with diacritics
  never matches unaccented text.
* Abbreviations (CĐS, IOC, VNeID …) are case-sensitive whole words on the original text; in
  an article typed without diacritics their folded form (CĐS → CDS) counts too.
* Look-alike phrases (chuyển đổi cơ cấu cây trồng, chuyển đổi năng lượng …) are blanked
  out before matching; guard words right after a term ("chuyển đổi số liệu", "… số lượng")
  cancel that occurrence. Both are reported as penalties.
* Title hits weigh most, lead hits next, body hits least with diminishing returns; body
  points are scaled down when topic terms are sparse (per 1000 words), and a story that
  mentions the topic once in its body only is a passing mention, scored below threshold.

Technology appearing in a story is not a story about the topic (issue 21):

* The subject: the first sentence of the title, the lead or the body's opening
  (``FRAME_CHARS``) that names an actor (a state body, a locality, a public service, a
  sector), an action (triển khai, số hóa, kết nối …) and a topic word of any strength is
  shown as the story's subject ("UBND tỉnh + triển khai + nền tảng số (lead)").
* Other subjects: words of the title or lead saying the story is about something else (a
  scam, an outage, a company's results, a product launch, an award, a biography, a list of
  policies taking effect, abroad …, the ``other_subjects`` table) multiply the score by
  ``other_subject_factor``, make title and lead terms count as body mentions and turn the
  practice rule off. A subject sentence in the title or lead overrules them, except the
  ``firm_subjects`` (a scam warning by the police names the police at work).
* The practice rule (everyday digital words) needs a subject sentence, and reads only the
  body's prose lines: share bars, menus and link lists, and a site's name after the title's
  last " - " or " | ", are page chrome (issue 17 item 7).

A trained model beside the rules (``crawler.analysis.relevance_model``): a topic that names
one (``model = "relevance_model.json"``) is relevant only when its rules say so *and* the
model's probability reaches the model's threshold; the explanation shows the probability and
the n-grams that weighed most for and against. A topic without ``model`` is decided by its
rules alone.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.analysis.relevance_model import (
    ModelFileError,
    ModelVerdict,
    RelevanceModel,
    bundled_model_dir,
    load_model,
)
from crawler.analysis.storyframe import FrameLists, StoryFrame
from crawler.core.files import read_text
from crawler.core.text import fold, marked_share, nfc
from crawler.core.tomltables import open_table

TITLE_FACTOR = 3.0  # a term in the title counts 3x its weight
LEAD_FACTOR = 2.0  # in the lead paragraph 2x
BODY_CAP = 3.0  # in the body weight x (1 + ln count), at most 3x
DENSITY_FULL = 5.0  # body occurrences per 1000 words at which body points count in full
SUPPORT_POINTS = 0.5  # each distinct supporting term, only when a strong term counted
SUPPORT_CAP = 2.0
PASSING_FACTOR = 0.5  # body-only, single-occurrence stories
LIST_ITEMS = 4  # a title/lead sentence of this many comma/"và" items is an agenda or list
LIST_ITEM_WORDS = 12  # an "item" longer than this is a clause of its own, not a list item
PROSE_WORDS = 8  # a body line of fewer words is chrome for the practice rule
FRAME_CHARS = 1500  # the body's opening, where the story says who does what
UNACCENTED_RATIO = 0.03  # below this share of letters with marks, text was typed without them

_PARTS = ("title", "lead", "body")
_FACTORS = {"title": TITLE_FACTOR, "lead": LEAD_FACTOR}
_WORD = re.compile(r"\w+")
_GAP = r"[^\S\n]+"  # words of a phrase are separated by spaces, never by a line break
_COMBINING = re.compile(r"[\u0300-\u036f]")
_CLAUSE_END = re.compile(r"[.;:!?\n]")
# on folded text; a comma between digits is a decimal comma (8,1%), not a separator
_LIST_SEPARATOR = re.compile(r"(?<!\d),|,(?!\d)|\s(?:va|cung|cung voi)\s")


class TopicFileError(ValueError):
    """The topics file is missing, not TOML, or a topic is malformed (file, topic, key named)."""


class TopicModelError(TopicFileError, ModelFileError):
    """A topic's model file is missing, not JSON, or not a model (topics file, topic and model
    file named)."""


def _is_unaccented(word: str) -> bool:
    return fold(word) == word.lower()


def _words_agree(found: list[str], wanted: list[str]) -> bool:
    """Folded-equal words also agree in spelling: exact, or typed without any diacritics.

    A one-word phrase with diacritics must be spelt exactly.
    """
    if len(found) != len(wanted):
        return False
    if len(wanted) == 1 and not _is_unaccented(wanted[0]):
        return found[0] == wanted[0]  # one short word: diacritics are the only evidence
    return all(f == w or (_is_unaccented(f) and fold(f) == fold(w))
               for f, w in zip(found, wanted, strict=True))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One alternation over folded phrases, longest first, whole words only."""
    folded = sorted({_GAP.join(re.escape(w) for w in fold(p).split()) for p in phrases},
                    key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(folded) + r")(?!\w)")


def _abbr_variants(abbr: str) -> tuple[str, str]:
    """The abbreviation and its form without diacritics, case kept (CĐS → CDS)."""
    plain = "".join(fold(c).upper() if c.isupper() else fold(c) for c in abbr)
    return abbr, plain


def _abbr_pattern(abbrs: Sequence[str]) -> re.Pattern[str] | None:
    if not abbrs:
        return None
    alts = sorted({re.escape(a) for a in abbrs}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)")


def _key(folded_match: str) -> str:
    return " ".join(folded_match.split())


@dataclass(frozen=True)
class Term:
    """A strong term: phrase (folded match) or abbreviation (case-sensitive)."""

    text: str
    weight: float
    abbreviation: bool = False
    not_followed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    threshold: float
    terms: tuple[Term, ...]
    supporting: tuple[str, ...] = ()
    supporting_abbreviations: tuple[str, ...] = ()
    lookalikes: tuple[str, ...] = ()
    practice: tuple[str, ...] = ()
    practice_words: int = 0
    practice_label: str = "practice"
    off_subject: tuple[str, ...] = ()
    other_subjects: tuple[tuple[str, tuple[str, ...]], ...] = ()
    other_subject_factor: float = 1.0
    story_factor: float = 1.0
    firm_subjects: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    egov_actions: tuple[str, ...] = ()
    egov_objects: tuple[str, ...] = ()
    frame: FrameLists = FrameLists()
    model: RelevanceModel | None = field(default=None, compare=False, hash=False)
    _index: _TopicIndex = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _TopicIndex(self))


class _Phrases:
    """One list of phrases compiled for folded matching (spelling checked per hit)."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.table: dict[str, list[str]] = {}
        for phrase in phrases:
            self.table.setdefault(_key(fold(phrase)), []).append(phrase)
        self.regex = _phrase_pattern(phrases)

    def spans(self, part: _Text) -> list[tuple[int, int, str]]:
        """(start, end, phrase as written in the topic file) of each occurrence in ``part``."""
        out: list[tuple[int, int, str]] = []
        if self.regex is None:
            return out
        for m in self.regex.finditer(part.folded):
            words = _words(part.lower[m.start():m.end()])
            for phrase in self.table[_key(m.group(0))]:
                if _words_agree(words, _words(phrase)):
                    out.append((m.start(), m.end(), phrase))
                    break
        return out

    def found(self, part: _Text) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, _, phrase in self.spans(part):
            counts[phrase] = counts.get(phrase, 0) + 1
        return counts


class _TopicIndex:
    """Compiled matchers of one topic, built once when the topic is loaded."""

    def __init__(self, topic: Topic) -> None:
        phrases = [t for t in topic.terms if not t.abbreviation]
        self.phrases: dict[str, list[Term]] = {}
        for term in phrases:
            self.phrases.setdefault(_key(fold(term.text)), []).append(term)
        self.phrase_re = _phrase_pattern([t.text for t in phrases])
        self.abbrs: dict[str, Term] = {}
        self.plain_abbrs: dict[str, Term] = {}
        for term in topic.terms:
            if term.abbreviation:
                exact, plain = _abbr_variants(term.text)
                self.abbrs[exact] = term
                self.plain_abbrs[plain] = term
        self.abbr_re = _abbr_pattern(list(self.abbrs))
        self.plain_abbr_re = _abbr_pattern(list(self.plain_abbrs))
        self.support: dict[str, list[str]] = {}
        for phrase in topic.supporting:
            self.support.setdefault(_key(fold(phrase)), []).append(phrase)
        self.support_re = _phrase_pattern(topic.supporting)
        self.support_abbr_re = _abbr_pattern(topic.supporting_abbreviations)
        self.lookalike: dict[str, list[str]] = {}
        for phrase in topic.lookalikes:
            self.lookalike.setdefault(_key(fold(phrase)), []).append(phrase)
        self.lookalike_re = _phrase_pattern(topic.lookalikes)
        self.practice: dict[str, list[str]] = {}
        for phrase in topic.practice:
            self.practice.setdefault(_key(fold(phrase)), []).append(phrase)
        self.practice_re = _phrase_pattern(topic.practice)
        self.off_subject: dict[str, list[str]] = {}
        for phrase in topic.off_subject:
            self.off_subject.setdefault(_key(fold(phrase)), []).append(phrase)
        self.off_subject_re = _phrase_pattern(topic.off_subject)
        self.other_subjects = [(label, _Phrases(phrases))
                               for label, phrases in topic.other_subjects]
        self.actors = _Phrases(topic.actors)
        self.actions = _Phrases(topic.actions)
        self.egov_actions = _Phrases(list(topic.actions) + list(topic.egov_actions))
        self.egov_objects = _Phrases(topic.egov_objects)
        self.term_phrases = _Phrases([t.text for t in phrases])  # spelling checked per hit
        self.term_guards = {t.text: t.not_followed_by for t in phrases}
        self.story = StoryFrame(topic.frame)


@dataclass(frozen=True)
class TermHit:
    term: str  # canonical form as written in the topic file
    where: str  # "title" | "lead" | "body"
    count: int
    points: float  # contribution to the score


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
    subject: str | None = None  # the sentence naming who does the topic's work, if any
    probability: float | None = None  # the topic's model, when it has one
    model_threshold: float | None = None
    model_name: str | None = None
    evidence: ModelVerdict | None = None  # the n-grams that weighed most, for and against

    @property
    def refused_by_model(self) -> bool:
        """The rules reached the threshold but the topic's model refused the story."""
        return (not self.relevant and self.score >= self.threshold
                and self.probability is not None and self.model_threshold is not None
                and self.probability < self.model_threshold)

    def explain(self) -> str:
        """A plain-language account of the decision (English, with the Vietnamese terms)."""
        verdict = "RELEVANT (liên quan)" if self.relevant else "not relevant (không liên quan)"
        cmp = ">=" if self.score >= self.threshold else "<"
        name = self.topic_name or self.topic or "-"
        first = (f"{verdict}: topic {name!r} [{self.topic or '-'}] score {self.score:.2f} "
                 f"{cmp} threshold {self.threshold:.2f}")
        if self.refused_by_model:
            first += (f", but the model says it is not the topic's story (probability "
                      f"{self.probability:.2f} < {self.model_threshold:.2f})")
        lines = [first]
        if self.hits:
            lines.append("terms that counted:")
            for hit in sorted(self.hits, key=lambda h: -h.points):
                lines.append(f"  {hit.term!r} in {hit.where} x{hit.count}: +{hit.points:.2f}")
        else:
            lines.append("no topic term found in title, lead or body")
        if self.subject:
            lines.append(f"subject (actor + action + topic word): {self.subject}")
        for penalty in self.penalties:
            lines.append(f"penalty: {penalty}")
        if self.probability is not None and self.evidence is not None:
            lines.append(f"model {self.model_name}: probability {self.probability:.2f} "
                         f"(needs >= {self.model_threshold:.2f}); {self.evidence.describe()}")
        others = {k: v for k, v in self.per_topic.items() if k != self.topic}
        if others:
            lines.append("other topics: " + ", ".join(f"{k} {v:.2f}" for k, v in others.items()))
        return "\n".join(lines)


# -- loading ---------------------------------------------------------------------------------
_TOPIC_KEYS = {"id", "name", "threshold", "terms", "abbreviations", "supporting",
               "supporting_abbreviations", "lookalikes", "not_followed_by", "practice",
               "practice_words", "practice_label", "off_subject", "other_subjects",
               "other_subject_factor", "story_factor", "firm_subjects", "actors", "actions",
               "egov_actions", "egov_objects", "model",
               *(f.name for f in dataclasses.fields(FrameLists))}
_TERM_KEYS = {"weight", "not_followed_by"}


def bundled_topics_path() -> Path:
    return Path(str(resources.files("crawler") / "data" / "topics.toml"))


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _strings(raw: Any, label: str, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise TopicFileError(f"{label}: key {key!r} must be a list of non-empty strings")
    return tuple(" ".join(nfc(v).split()) for v in raw)


def _terms(raw: Any, label: str, key: str, default_guard: tuple[str, ...],
           abbreviation: bool) -> list[Term]:
    if not isinstance(raw, dict):
        raise TopicFileError(f"{label}: key {key!r} must be a table of \"term\" = weight")
    out = []
    for text, spec in raw.items():
        where = f"{label}: key {key!r}: term {text!r}"
        if not text.strip():
            raise TopicFileError(f"{label}: key {key!r}: empty term")
        if abbreviation and (len(text.split()) != 1 or not _WORD.fullmatch(text.replace("&", ""))):
            raise TopicFileError(f"{where}: an abbreviation is one word (letters and digits)")
        guard = default_guard
        if isinstance(spec, dict):
            unknown = sorted(set(spec) - _TERM_KEYS)
            if unknown:
                raise TopicFileError(f"{where}: unknown key {unknown[0]!r}")
            if "weight" not in spec:
                raise TopicFileError(f"{where}: missing required key 'weight'")
            if "not_followed_by" in spec:
                guard = _strings(spec["not_followed_by"], where, "not_followed_by")
            weight = spec["weight"]
        else:
            weight = spec
        if not _positive(weight):
            raise TopicFileError(f"{where}: weight must be a positive number")
        clean = nfc(text).strip() if abbreviation else " ".join(nfc(text).split())
        out.append(Term(clean, float(weight), abbreviation, guard))
    return out


def _parse_topic(raw: Any, index: int, path: Path) -> Topic:
    label = open_table(raw, index, path, "topics", known=_TOPIC_KEYS,
                       required=("id", "name", "threshold"), error=TopicFileError)
    if not isinstance(raw["id"], str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", raw["id"]):
        raise TopicFileError(f"{label}: key 'id' must be a string matching [a-z0-9][a-z0-9_-]*")
    if not isinstance(raw["name"], str) or not raw["name"].strip():
        raise TopicFileError(f"{label}: key 'name' must be a non-empty string")
    if not _positive(raw["threshold"]):
        raise TopicFileError(f"{label}: key 'threshold' must be a positive number")
    guard = _strings(raw.get("not_followed_by", []), label, "not_followed_by")
    terms = _terms(raw.get("terms", {}), label, "terms", guard, abbreviation=False)
    terms += _terms(raw.get("abbreviations", {}), label, "abbreviations", (), abbreviation=True)
    if not terms:
        raise TopicFileError(f"{label}: key 'terms' (or 'abbreviations') must name at least "
                             f"one term")
    support_abbrs = _strings(raw.get("supporting_abbreviations", []), label,
                             "supporting_abbreviations")
    practice = _strings(raw.get("practice", []), label, "practice")
    practice_words = raw.get("practice_words", 4)
    if not isinstance(practice_words, int) or isinstance(practice_words, bool) \
            or practice_words < 1:
        raise TopicFileError(f"{label}: key 'practice_words' must be a whole number >= 1")
    practice_label = raw.get("practice_label", "practice")
    if not isinstance(practice_label, str) or not practice_label.strip():
        raise TopicFileError(f"{label}: key 'practice_label' must be a non-empty string")
    return Topic(
        id=raw["id"], name=nfc(raw["name"]).strip(), threshold=float(raw["threshold"]),
        terms=tuple(terms),
        supporting=_strings(raw.get("supporting", []), label, "supporting"),
        supporting_abbreviations=support_abbrs,
        lookalikes=_strings(raw.get("lookalikes", []), label, "lookalikes"),
        practice=practice, practice_words=practice_words,
        practice_label=nfc(practice_label).strip(),
        off_subject=_strings(raw.get("off_subject", []), label, "off_subject"),
        other_subjects=_subjects(raw.get("other_subjects", {}), label),
        other_subject_factor=_factor(raw, "other_subject_factor", label),
        story_factor=_factor(raw, "story_factor", label),
        firm_subjects=_strings(raw.get("firm_subjects", []), label, "firm_subjects"),
        actors=_strings(raw.get("actors", []), label, "actors"),
        actions=_strings(raw.get("actions", []), label, "actions"),
        egov_actions=_strings(raw.get("egov_actions", []), label, "egov_actions"),
        egov_objects=_strings(raw.get("egov_objects", []), label, "egov_objects"),
        frame=FrameLists(**{f.name: _strings(raw.get(f.name, []), label, f.name)
                            for f in dataclasses.fields(FrameLists)}),
        model=_topic_model(raw.get("model"), label, path),
    )


def _topic_model(value: Any, label: str, topics_file: Path) -> RelevanceModel | None:
    """The model a topic names: a path relative to the topics file's directory, else to the
    bundled data directory (a copied topics file keeps using the shipped model)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TopicFileError(f"{label}: key 'model' must be the path of a model file")
    file = Path(value.strip())
    if not file.is_absolute():
        beside, bundled = topics_file.parent / file, bundled_model_dir() / file
        if not beside.exists() and not bundled.exists():
            raise TopicModelError(f"{label}: key 'model': {value.strip()!r}: model file not "
                                  f"found beside the topics file ({beside.resolve()}) nor in "
                                  f"the bundled data ({bundled.resolve()})")
        file = beside if beside.exists() else bundled
    try:
        return load_model(file)
    except ModelFileError as exc:
        raise TopicModelError(f"{label}: key 'model': {exc}") from exc


def _subjects(raw: Any, label: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, dict):
        raise TopicFileError(f"{label}: key 'other_subjects' must be a table of "
                             f"subject = [phrases]")
    return tuple((name, _strings(phrases, label, f"other_subjects.{name}"))
                 for name, phrases in raw.items())


def _factor(raw: dict[str, Any], key: str, label: str) -> float:
    value = raw.get(key, 1.0)
    if not _positive(value) or value > 1:
        raise TopicFileError(f"{label}: key {key!r} must be a number above 0, at most 1")
    return float(value)


def load_topics(path: str | Path | None = None) -> list[Topic]:
    """Topics from a TOML file; None loads the bundled file (parsed once)."""
    if path is None:
        return list(_bundled())
    return _load(Path(path))


@lru_cache(maxsize=1)
def _bundled() -> tuple[Topic, ...]:
    return tuple(_load(bundled_topics_path()))


def _load(file: Path) -> list[Topic]:
    text = read_text(file, "topics", TopicFileError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicFileError(f"{file}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"topics"})
    if unknown:
        raise TopicFileError(f"{file}: unknown top-level key {unknown[0]!r} (expected "
                             f"[[topics]] tables)")
    raw_topics = data.get("topics")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise TopicFileError(f"{file}: no [[topics]] tables found")
    topics = [_parse_topic(raw, i, file) for i, raw in enumerate(raw_topics)]
    seen: set[str] = set()
    for i, topic in enumerate(topics):
        if topic.id in seen:
            raise TopicFileError(f"{file}: topics[{i}] (id={topic.id!r}): key 'id' repeats an "
                                 f"earlier topic")
        seen.add(topic.id)
    return topics


# -- text preparation ------------------------------------------------------------------------
@dataclass
class _Text:
    """One part of the article in three aligned forms (same length, same offsets)."""

    name: str
    original: str  # NFC
    lower: str
    folded: str

    @classmethod
    def of(cls, name: str, text: str) -> _Text:
        original = text
        lower = original.lower()
        if len(lower) != len(original):
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in original)
        folded = fold(lower)
        if len(folded) != len(original):
            folded = "".join(f if len(f := fold(c)) == 1 else c for c in lower)
        return cls(name, original, lower, folded)

    def blank(self, spans: Sequence[tuple[int, int]]) -> None:
        """Replace each span by spaces in all three forms (offsets stay aligned).

        Each form is rebuilt once for all spans: blanking span by span copied the whole
        text per match.
        """
        if not spans:
            return
        ordered = sorted(spans)

        def blanked(text: str) -> str:
            pieces: list[str] = []
            pos = 0
            for start, end in ordered:
                start = max(start, pos)
                if end <= start:
                    continue
                pieces.append(text[pos:start])
                pieces.append(" " * (end - start))
                pos = end
            pieces.append(text[pos:])
            return "".join(pieces)

        self.original = blanked(self.original)
        self.lower = blanked(self.lower)
        self.folded = blanked(self.folded)

    def copy(self) -> _Text:
        return _Text(self.name, self.original, self.lower, self.folded)


def _prepare(text: str) -> str:
    text = nfc(text or "")
    if _COMBINING.search(text):  # marks NFC could not attach to a letter
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def _unaccented(texts: Sequence[str]) -> bool:
    letters, marked = marked_share(texts)
    return letters > 0 and marked / letters < UNACCENTED_RATIO


def _split_lead(lead: str, body: str) -> str:
    """The body without its lead paragraph (extractors usually repeat it)."""
    if lead and body.startswith(lead):
        return body[len(lead):]
    squeezed_lead = " ".join(lead.split())
    if squeezed_lead:
        first, _, rest = body.strip().partition("\n")
        if " ".join(first.split()) == squeezed_lead:
            return rest
    return body


# -- scoring ---------------------------------------------------------------------------------
def _guarded(part: _Text, end: int, guards: tuple[str, ...], unaccented: bool) -> str | None:
    """The guard word(s) right after a term ending at ``end``, if any.

    Guards are spelt exactly; only in a text typed without diacritics do folded forms count
    (in accented text "du" is the "du" of du lịch, not "dư").
    """
    if not guards or not part.lower[end:end + 1].isspace():
        return None  # punctuation ends the phrase: "chuyển đổi số, số liệu" is not guarded
    after = _WORD.findall(part.lower[end:end + 40].split("\n", 1)[0])
    for guard in guards:
        wanted = _words(guard)
        found = after[:len(wanted)]
        if found == wanted or (unaccented and list(map(fold, found)) == list(map(fold, wanted))):
            return guard
    return None


_TITLE_SEPARATOR = re.compile(r"\s[-|–—]\s")
# on folded text: what a site's name says it is
_SITE_NAME = re.compile(r"(?<!\w)(?:bao|cong thong tin|trang thong tin|cong ttdt|tap chi|"
                        r"dien tu|online|news|portal|website)(?!\w)|\.vn\b|\.com\b")


def _drop_site_name(title: _Text, penalties: list[str]) -> None:
    """Blank a site's name after the last " - " or " | " of a title ("… - Cổng thông tin
    điện tử tỉnh", "… | Báo Lào Cai"): page chrome, not the headline."""
    separators = list(_TITLE_SEPARATOR.finditer(title.folded))
    if not separators:
        return
    start = separators[-1].start()
    tail = title.folded[start:]
    if _SITE_NAME.search(tail) and len(_WORD.findall(tail)) <= 10:
        penalties.append(f"site name {title.original[start:].strip(' -|–—')!r} in the title: "
                         f"ignored")
        title.blank([(start, len(title.folded))])


def _neutralise(index: _TopicIndex, parts: list[_Text], penalties: list[str]) -> None:
    if index.lookalike_re is None:
        return
    for part in parts:
        counts: dict[str, int] = {}
        spans: list[tuple[int, int]] = []
        for m in index.lookalike_re.finditer(part.folded):
            found = _words(part.lower[m.start():m.end()])
            for phrase in index.lookalike[_key(m.group(0))]:
                if _words_agree(found, _words(phrase)):
                    spans.append((m.start(), m.end()))
                    counts[phrase] = counts.get(phrase, 0) + 1
                    break
        part.blank(spans)
        for phrase, n in counts.items():
            penalties.append(f"look-alike {phrase!r} (not this topic) in {part.name} x{n}: "
                             f"ignored")


def _listed(part: _Text, start: int, end: int, spans: list[tuple[int, int]]) -> int:
    """Items in the list that the match at start:end is one item of (0: not in a list).

    A lead like "thảo luận kinh tế - xã hội, thu ngân sách, cải cách hành chính, chuyển đổi
    số và công tác cán bộ" names the topic as one agenda item among many: that is a passing
    mention, not the subject. A list whose other items are topic terms too (chính quyền số,
    kinh tế số và xã hội số) is about the topic and is not counted as a list.
    """
    text = part.folded
    begin = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    stop = _CLAUSE_END.search(text, end)
    finish = stop.start() if stop else len(text)
    bounds = [begin] + [m.start() for m in _LIST_SEPARATOR.finditer(text, begin, finish)]
    if len(bounds) < LIST_ITEMS:
        return 0
    bounds.append(finish)
    items = list(zip(bounds, bounds[1:], strict=False))
    own = next((i for i, (a, b) in enumerate(items) if a <= start < b), None)
    if own is not None and len(_WORD.findall(text[slice(*items[own])])) > LIST_ITEM_WORDS:
        return 0  # a clause of its own ("Bộ … xây dựng cơ sở dữ liệu … để …"), not an item
    others_on_topic = any(a <= s0 < b for i, (a, b) in enumerate(items) if i != own
                          for s0, _ in spans)
    return 0 if others_on_topic else len(items)


def _strong_counts(index: _TopicIndex, part: _Text, unaccented: bool,
                   penalties: list[str]) -> tuple[dict[Term, int], dict[Term, int]]:
    """Occurrences of each strong term in ``part``, and of those that are one item of a
    list in a title or lead (see ``_listed``); the spans are blanked afterwards."""
    counts: dict[Term, int] = {}
    spans: list[tuple[int, int]] = []
    terms: list[Term] = []
    if index.phrase_re is not None:
        for m in index.phrase_re.finditer(part.folded):
            found = _words(part.lower[m.start():m.end()])
            spelt = part.original[m.start():m.end()]
            term = next((t for t in index.phrases[_key(m.group(0))]
                         if _words_agree(found, _words(t.text))), None)
            if term is None:
                penalties.append(f"{spelt!r} in {part.name} is spelt differently from the "
                                 f"topic term (folding alone is not enough): ignored")
                continue
            guard = _guarded(part, m.end(), term.not_followed_by, unaccented)
            if guard is not None:
                penalties.append(f"{term.text!r} followed by {guard!r} in {part.name} "
                                 f"(another meaning of the words): ignored")
                continue
            counts[term] = counts.get(term, 0) + 1
            spans.append((m.start(), m.end()))
            terms.append(term)
    for regex, table in ((index.abbr_re, index.abbrs),
                         (index.plain_abbr_re if unaccented else None, index.plain_abbrs)):
        if regex is None:
            continue
        for m in regex.finditer(part.original):
            term = table[m.group(0)]
            counts[term] = counts.get(term, 0) + 1
            spans.append((m.start(), m.end()))
            terms.append(term)
    listed: dict[Term, int] = {}
    if part.name != "body":
        for (start, end), term in zip(spans, terms, strict=True):
            items = _listed(part, start, end, spans)
            if items:
                listed[term] = listed.get(term, 0) + 1
                penalties.append(f"{term.text!r} in {part.name} is one item of a list of "
                                 f"{items} (an agenda, not the subject): counts as a body "
                                 f"mention")
    part.blank(spans)  # supporting words inside a strong term do not count again
    return counts, listed


def _phrases_found(regex: re.Pattern[str] | None, table: dict[str, list[str]], part: _Text,
                   spans: list[tuple[int, int]] | None = None) -> dict[str, int]:
    """Phrases of one list found in a part (spelt as written or without diacritics)."""
    found: dict[str, int] = {}
    if regex is not None:
        for m in regex.finditer(part.folded):
            words = _words(part.lower[m.start():m.end()])
            for phrase in table[_key(m.group(0))]:
                if _words_agree(words, _words(phrase)):
                    found[phrase] = found.get(phrase, 0) + 1
                    if spans is not None:
                        spans.append((m.start(), m.end()))
                    break
    return found


def _support_found(index: _TopicIndex, part: _Text) -> dict[str, int]:
    spans: list[tuple[int, int]] = []
    found = _phrases_found(index.support_re, index.support, part, spans)
    if index.support_abbr_re is not None:
        for m in index.support_abbr_re.finditer(part.original):
            # "QR" inside a counted "mã QR" is the same mention, not a second one
            if not any(start <= m.start() and m.end() <= end for start, end in spans):
                found[m.group(0)] = found.get(m.group(0), 0) + 1
    return found


def _score_topic(topic: Topic, prepared: list[_Text], unaccented: bool, body_words: int
                 ) -> tuple[float, list[TermHit], list[str], str | None]:
    """(score, hits, penalties, the subject sentence if any) of one topic."""
    index = topic._index
    penalties: list[str] = []
    parts = [part.copy() for part in prepared]  # each topic blanks its own copy
    _drop_site_name(parts[0], penalties)
    _neutralise(index, parts, penalties)
    hits: list[TermHit] = []
    body_hits: dict[Term, tuple[int, list[str]]] = {}  # term -> (count, parts it is in)
    listed_mentions = 0
    headline = False  # strong terms in title or lead, other than list items
    strong_found: dict[str, str] = {}  # strong term -> the first part it is in (for practice)
    frame = _frame(index, parts)
    crime_title, other = _elsewhere(topic, parts, frame)
    title_text, lead_text = _without_terms(index, parts[:2])
    story = [str(r) for r in index.story.reasons(title_text, lead_text, unaccented)]
    elsewhere = crime_title + other + story
    if crime_title or other:
        penalties.append(f"the title or lead is about another subject "
                         f"({', '.join(crime_title + other)}): title and lead terms count as "
                         f"body mentions, no {topic.practice_label} rule" + (
                             f", score x{topic.other_subject_factor:g}"
                             if other and topic.other_subject_factor < 1 else ""))
    for reason in story:
        penalties.append(f"not the topic's story, {reason}: title and lead terms count as "
                         f"body mentions, no {topic.practice_label} rule, score "
                         f"x{topic.story_factor:g}")
    body = parts[2].copy()  # before its strong terms are blanked: the practice rule reads it
    unblanked = [part.copy() for part in parts]  # and the e-government reading, all parts
    for part in parts:
        counts, listed = _strong_counts(index, part, unaccented, penalties)
        for term, n in counts.items():
            if n > listed.get(term, 0) and part.name != "body":
                strong_found.setdefault(term.text, part.name)
            if part.name == "body" or elsewhere:
                so_far, where = body_hits.get(term, (0, []))
                body_hits[term] = (so_far + n, where + [part.name])
                continue
            if listed.get(term):  # a list item in the title or lead: body weight, once
                hits.append(TermHit(term.text, part.name, listed[term], term.weight))
                listed_mentions += listed[term]
                n -= listed[term]
            if n:
                headline = True
                hits.append(TermHit(term.text, part.name, n,
                                    round(term.weight * _FACTORS[part.name], 2)))
    occurrences = sum(n for n, _ in body_hits.values()) + listed_mentions
    density = occurrences * 1000 / max(body_words, 1)
    scale = min(1.0, density / DENSITY_FULL)
    if body_hits and scale < 1.0:
        penalties.append(f"sparse: {occurrences} topic term(s) in {body_words} body words "
                         f"({density:.1f} per 1000), body points x{scale:.2f}")
    for term, (n, where) in body_hits.items():
        points = term.weight * min(1.0 + math.log(n), BODY_CAP) * scale
        hits.append(TermHit(term.text, "+".join(where), n, round(points, 2)))
    score = sum(h.points for h in hits)
    if hits:
        seen: set[str] = set()
        support = 0.0
        for part in parts:
            for phrase, n in _support_found(index, part).items():
                if phrase in seen or support >= SUPPORT_CAP:
                    continue
                seen.add(phrase)
                support += SUPPORT_POINTS
                hits.append(TermHit(phrase, part.name, n, SUPPORT_POINTS))
        score += support
    if (body_hits or listed_mentions) and not headline and occurrences < 2:
        score *= PASSING_FACTOR
        penalties.append(f"passing mention: no topic term in title or lead (a list item "
                         f"aside) and one mention in all; score x{PASSING_FACTOR}")
    if other and topic.other_subject_factor < 1:
        score *= topic.other_subject_factor
    if story:
        score *= topic.story_factor
    if score < topic.threshold and index.practice_re is not None and not elsewhere \
            and (frame is not None or index.actors.regex is None):
        practice = _practice(topic, parts[:2] + [body], strong_found, unaccented)
        if practice is not None:
            hits.append(TermHit(practice[0], practice[1], practice[2],
                                round(topic.threshold - score, 2)))
            score = topic.threshold
    if score < topic.threshold and not elsewhere:
        egov = _egov(index, unblanked)
        if egov is not None:
            hits.append(TermHit(f"{EGOV_LABEL} ({egov[0]})", egov[1], 1,
                                round(topic.threshold - score, 2)))
            score = topic.threshold
    return round(score, 2), hits, penalties, frame


def _without_terms(index: _TopicIndex, parts: list[_Text]) -> tuple[str, str]:
    """The parts' text with the topic's phrases blanked: "Chính phủ" inside "chính phủ điện
    tử" is the topic's concept, not a state body at work."""
    out = []
    for part in parts:
        blanked = part.copy()
        if index.phrase_re is not None:
            blanked.blank([m.span() for m in index.phrase_re.finditer(part.folded)])
        out.append(blanked.original)
    return out[0], out[1]


def _elsewhere(topic: Topic, parts: list[_Text], frame: str | None
               ) -> tuple[list[str], list[str]]:
    """What the title (``off_subject``) and the title or lead (``other_subjects``: "crime:
    lừa đảo", "outage: sự cố" ...) say the story is about instead. A title or lead sentence
    naming a public actor at the topic's work (``frame``) keeps the story on topic against
    the other subjects that are not in ``firm_subjects``."""
    index = topic._index
    title = list(_phrases_found(index.off_subject_re, index.off_subject, parts[0]))
    framed = frame is not None and not frame.endswith("(body)")
    other: list[str] = []
    for label, phrases in index.other_subjects:
        if framed and label not in topic.firm_subjects:
            continue
        for part in parts[:2]:
            other += [f"{label}: {p}" for p in phrases.found(part) if f"{label}: {p}" not in other]
    return title, other


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")  # not the dot of 18.400 or 1.5
EGOV_LABEL = "e-government practice (chính phủ điện tử)"


def _frame(index: _TopicIndex, parts: list[_Text]) -> str | None:
    """The first sentence of the title, lead or body opening (FRAME_CHARS) that names an
    actor (a state body, a locality, a public service, a sector) and an action of the topic
    (triển khai, số hóa, kết nối dữ liệu …): "UBND tỉnh + số hóa (lead)". None when the topic
    lists no actors or no sentence has both."""
    if index.actors.regex is None or index.actions.regex is None:
        return None
    for part in parts:
        if part.name == "body":  # the opening only
            part = _Text(part.name, part.original[:FRAME_CHARS], part.lower[:FRAME_CHARS],
                         part.folded[:FRAME_CHARS])
        actors = index.actors.spans(part)
        if not actors:
            continue
        actions = index.actions.spans(part)
        digital = _digital_spans(index, part)
        for a_start, _, actor in actors:
            begin = max((m.end() for m in _SENTENCE_END.finditer(part.folded, 0, a_start)),
                        default=0)
            stop = _SENTENCE_END.search(part.folded, a_start)
            finish = stop.start() if stop else len(part.folded)
            for s0, _, action in actions:
                if not begin <= s0 < finish:
                    continue
                what = next((p for s1, _, p in digital if begin <= s1 < finish), None)
                if what is not None:
                    return f"{actor} + {action} + {what} ({part.name})"
    return None


def _sentences(part: _Text, limit: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of the sentences of ``part`` (the first ``limit`` of them)."""
    out: list[tuple[int, int]] = []
    begin = 0
    for m in _SENTENCE_END.finditer(part.folded):
        if part.folded[begin:m.start()].strip():
            out.append((begin, m.start()))
        begin = m.end()
    if part.folded[begin:].strip():
        out.append((begin, len(part.folded)))
    return out[:limit] if limit is not None else out


def _egov(index: _TopicIndex, parts: list[_Text]) -> tuple[str, str] | None:
    """E-government told in its own words (issue 21: stories of 2014-2018 say "giao dịch
    điện tử", "hệ thống thông tin", "ứng dụng CNTT", not "chuyển đổi số"): a sentence of the
    title or lead naming an action (``actions``, ``egov_actions``) and what a state body
    deploys, connects or moves (``egov_objects``, or a topic term), with a state body or
    sector (``actors``) in the same sentence, or, for a title, in the lead or the body's
    first two sentences. Returns ("actor + action + object", where) or None."""
    if index.egov_objects.regex is None:
        return None
    title, lead, body = parts
    around = [(lead, (0, len(lead.folded)))] + [(body, s) for s in _sentences(body, 2)]
    for part in (title, lead):
        for begin, end in _sentences(part):
            objects = [s for s in index.egov_objects.spans(part) if begin <= s[0] < end]
            objects += [span for span in index.term_phrases.spans(part)
                        if begin <= span[0] < end and _guarded(
                            part, span[1], index.term_guards[span[2]], False) is None]
            actions = [s for s in index.egov_actions.spans(part) if begin <= s[0] < end
                       and not any(o[0] < s[1] and s[0] < o[1] for o in objects)]
            if not objects or not actions:
                continue
            actors = [a for s0, _, a in index.actors.spans(part) if begin <= s0 < end]
            if not actors and part.name == "title":
                actors = [a for other, (b, e) in around
                          for s0, _, a in index.actors.spans(other) if b <= s0 < e]
            if actors:
                return (f"{actors[0]} + {actions[0][2]} + {min(objects)[2]}", part.name)
    return None


def _digital_spans(index: _TopicIndex, part: _Text) -> list[tuple[int, int, str]]:
    """Topic words of any strength (terms, supporting, practice phrases) in ``part``."""
    out: list[tuple[int, int, str]] = []
    for regex in (index.phrase_re, index.support_re, index.practice_re):
        if regex is not None:
            out += [(m.start(), m.end(), " ".join(part.original[m.start():m.end()].split()))
                    for m in regex.finditer(part.folded)]
    for regex in (index.abbr_re, index.support_abbr_re):
        if regex is not None:
            out += [(m.start(), m.end(), m.group(0)) for m in regex.finditer(part.original)]
    return sorted(out)


_LINK_SEPARATOR = re.compile(r"[|·•»›]")


def _prose_only(part: _Text) -> _Text:
    """A copy of ``part`` without its short lines (under PROSE_WORDS words, or link lists
    whose items are all that short): share bars ("Chia sẻ: Facebook Zalo Email"), menus and
    "Trang chủ | Liên hệ | Sơ đồ website" are page chrome, not the story told in everyday
    words."""
    out = part.copy()
    spans = []
    pos = 0
    for line in part.original.split("\n"):
        if max(len(_WORD.findall(piece)) for piece in _LINK_SEPARATOR.split(line)) < PROSE_WORDS:
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    out.blank(spans)
    return out


def _practice(topic: Topic, parts: list[_Text], strong_found: dict[str, str],
              unaccented: bool) -> tuple[str, str, int] | None:
    """A story told in everyday words: a practice phrase ("quét mã", "trên phần mềm") in the
    title or lead, and at least ``practice_words`` distinct practice, supporting or strong
    phrases in the whole article. A strong term that fell short of the threshold ("bệnh án
    điện tử" once in the body) is evidence of the same kind, and in the title or lead (not
    as a list item) it is a cue too. Returns (what to show, where the cue was, how many)."""
    index = topic._index
    words: dict[str, None] = {}
    cue_in: list[str] = []
    for part in parts:
        if part.name == "body":  # its prose lines only, strong terms found and blanked there
            part = _prose_only(part)
            strong_here = [t.text for t in _strong_counts(index, part, unaccented, [])[0]]
        else:
            strong_here = [t for t, where in strong_found.items() if where == part.name]
        found = _phrases_found(index.practice_re, index.practice, part)
        if (found or strong_here) and part.name != "body":
            cue_in.append(part.name)
        words.update(dict.fromkeys(strong_here))
        words.update(dict.fromkeys(found))
        words.update(dict.fromkeys(_support_found(index, part)))
    if not cue_in or len(words) < topic.practice_words:
        return None
    shown = f"{topic.practice_label} ({', '.join(list(words)[:6])})"
    return shown, "+".join(cue_in), len(words)


def classify(title: str, lead: str, body: str,
             topics: Sequence[Topic] | None = None) -> Classification:
    """Score an extracted article against each topic; the best relevant topic wins.

    ``lead`` is the first paragraph; ``body`` the full text, which may start with the lead
    (then the lead is not counted twice).
    """
    topic_list = list(topics) if topics is not None else load_topics()
    title, lead, body = _prepare(title), _prepare(lead), _prepare(body)
    rest = _split_lead(lead, body)
    texts = {"title": title, "lead": lead, "body": rest}
    unaccented = _unaccented((title, lead, body))
    body_words = max(len(_WORD.findall(rest)), 1)
    prepared = [_Text.of(name, texts[name]) for name in _PARTS]
    results = [(topic, *_score_topic(topic, prepared, unaccented, body_words))
               for topic in topic_list]
    if not results:
        return Classification(False, 0.0, 0.0, None, None, [], [], [], {})
    per_topic = {t.id: s for t, s, _, _, _ in results}
    verdicts: dict[int, ModelVerdict] = {}  # one scoring per model file, however many topics
    for topic, *_ in results:
        if topic.model is not None and id(topic.model) not in verdicts:
            verdicts[id(topic.model)] = topic.model.score(title, lead, body)

    def passes(topic: Topic, score: float) -> bool:
        if score < topic.threshold:
            return False
        return topic.model is None or \
            verdicts[id(topic.model)].probability >= topic.model.threshold

    relevant = [r for r in results if passes(r[0], r[1])]
    best = max(relevant or results, key=lambda r: r[1])
    topic, score, hits, penalties, subject = best
    order: dict[str, float] = {}
    for hit in hits:
        order[hit.term] = order.get(hit.term, 0.0) + hit.points
    matched = sorted(order, key=lambda t: -order[t])
    evidence = verdicts.get(id(topic.model)) if topic.model is not None else None
    return Classification(
        relevant=bool(relevant), score=score, threshold=topic.threshold, topic=topic.id,
        topic_name=topic.name, matched=matched, hits=hits, penalties=penalties,
        per_topic=per_topic, subject=subject,
        probability=evidence.probability if evidence else None,
        model_threshold=topic.model.threshold if topic.model else None,
        model_name=topic.model.path.name if topic.model else None, evidence=evidence)
