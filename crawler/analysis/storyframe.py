"""Whose story is it? The actor and the setting of a title, read before its topic words.

A story framed with the topic's words is still not the topic's story when (issue 21):

* **a firm is the subject, at its own business**: the title's first sentence (the lead's,
  when there is no title) opens with a company, a known name ("FPT", "Viettel", "Cisco") or
  a company form ("Tập đoàn …", "Công ty …", "… Group"), and either it is selling or
  showing its own wares (``firm_actions``: giới thiệu, ra mắt, ưu đãi, đạt doanh thu …) or
  no state body (``state_actors``: tỉnh, UBND, Bộ …, Chính phủ) or province is named in
  the title or lead as the one it works for ("Việt Nam" is not: a market, not a client).
  "Viettel hỗ trợ tỉnh Khánh Hòa chuyển đổi số" keeps its province; "UBND tỉnh … ký kết
  với Viettel" does not open with the firm at all.
* **the setting is abroad**: the title (the lead, when there is no title) names a foreign
  country or city (``foreign_places``) and neither the title nor the lead names a
  Vietnamese place or body (``home_places``, the provinces old and new, ``state_actors``).
  A state actor right before a foreign name ("Chính phủ Sierra Leone", "tỉnh Gyeonggi")
  is that country's, not ours.
* **a how-to or a question of an individual**: the title opens with an instruction
  (``howto``: "Cách …", "Hướng dẫn cách …", "Phải làm gì khi …") or is a question asked with
  an individual's words (``howto_questions``: "… như thế nào?", "… cần gì?"), unless the
  lead's first sentence is a state body's decision or launch (``state_actors`` with
  ``state_decisions``: ban hành, triển khai, chính thức …); or, whatever the title, a lead
  whose first sentence instructs an individual or explains an app's feature to one
  (``howto_leads``: "người dân phải …", "bạn có thể …", "… là một tiện ích") and names no
  state body, nor does the title.
* **an event is the story**: the title opens with an event's format (``formats``: "Đối
  thoại trực tuyến", "Giao lưu trực tuyến", "Talkshow" …); its "trực tuyến" is how the Q&A
  was held, not a service moved online.

Names are matched as written: an entry with a capital letter is case-sensitive ("Bộ",
"FPT"), one in lower case is not ("tỉnh" finds "Tỉnh"); an entry ending in " *" needs a
capitalised word after it ("Tập đoàn *" is "Tập đoàn Cisco", not "các tập đoàn tài
chính"), one starting with "* " a capitalised word before it ("* Group"). In an article
typed without diacritics the entries' forms without diacritics count too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.core.provinces import CURRENT_PROVINCES, FORMER_TO_CURRENT
from crawler.core.text import fold, nfc

_WORD = re.compile(r"\w+")
_GAP = r"[^\S\n]+"
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")
QUESTION_END = re.compile(r"\?\s*$")


def _case_fold(text: str) -> str:
    """Diacritics off, case kept (Đ → D)."""
    return "".join(fold(c).upper() if c.isupper() else fold(c) for c in text)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: str  # as written in the topic file
    text: str  # as found


class Names:
    """A list of names compiled for matching as written (see the module docstring)."""

    def __init__(self, entries: Sequence[str]) -> None:
        self.entries = tuple(entries)
        self._patterns: list[tuple[re.Pattern[str], re.Pattern[str], str, bool, bool]] = []
        for entry in entries:
            before, after = entry.startswith("* "), entry.endswith(" *")
            core = entry.removeprefix("* ").removesuffix(" *").strip()
            flags = 0 if any(c.isupper() for c in core) else re.IGNORECASE

            def compile_(words: str, flags: int = flags) -> re.Pattern[str]:
                return re.compile(r"(?<!\w)" + _GAP.join(map(re.escape, words.split()))
                                  + r"(?!\w)", flags)

            self._patterns.append((compile_(nfc(core)), compile_(_case_fold(nfc(core))),
                                   entry, before, after))

    def find(self, text: str, unaccented: bool = False) -> list[Match]:
        """Every match in ``text``, by position; a longer match hides one inside it."""
        found: list[Match] = []
        for pattern, plain, entry, before, after in self._patterns:
            for regex in (pattern, plain) if unaccented else (pattern,):
                for m in regex.finditer(text):
                    start, end = m.start(), m.end()
                    if after:
                        word = _capital_after(text, end)
                        if word is None:
                            continue
                        end = word.end()  # "Tập đoàn Cisco", the name shown
                    if before:
                        word = _capital_before(text, start)
                        if word is None:
                            continue
                        start = word.start()
                    found.append(Match(start, end, entry, text[start:end]))
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Match] = []
        for hit in found:
            if out and hit.start < out[-1].end:
                continue
            out.append(hit)
        return out


def _capital_after(text: str, end: int) -> re.Match[str] | None:
    """The capitalised word right after ``end`` (same line), if any."""
    word = _WORD.search(text, end)
    if word and not text[end:word.start()].strip(" \t") and word.group(0)[0].isupper():
        return word
    return None


def _capital_before(text: str, start: int) -> re.Match[str] | None:
    """The capitalised word right before ``start`` (same line), if any."""
    words = list(_WORD.finditer(text, max(0, start - 40), start))
    if words and not text[words[-1].end():start].strip(" \t") \
            and words[-1].group(0)[0].isupper():
        return words[-1]
    return None


@dataclass(frozen=True)
class FrameLists:
    """The lists a topic gives (topics.toml); empty lists turn a rule off."""

    firms: tuple[str, ...] = ()
    firm_actions: tuple[str, ...] = ()
    state_actors: tuple[str, ...] = ()
    state_decisions: tuple[str, ...] = ()
    foreign_places: tuple[str, ...] = ()
    home_places: tuple[str, ...] = ()
    howto: tuple[str, ...] = ()
    howto_questions: tuple[str, ...] = ()
    howto_leads: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    kind: str  # "firm_subject" | "foreign" | "howto" | "format"
    evidence: str  # what was found, for the explanation

    def __str__(self) -> str:
        return f"{self.kind}: {self.evidence}"


def _first_sentence(text: str) -> str:
    text = text.strip()
    stop = _SENTENCE_END.search(text)
    return text[:stop.end()] if stop else text


class StoryFrame:
    """The three readings of one topic's lists, compiled once."""

    def __init__(self, lists: FrameLists) -> None:
        self.lists = lists
        self.firms = Names(lists.firms)
        self.firm_actions = Names(lists.firm_actions)
        self.state = Names(lists.state_actors)
        self.decisions = Names(lists.state_decisions)
        self.foreign = Names(lists.foreign_places)
        provinces = list(CURRENT_PROVINCES) + list(FORMER_TO_CURRENT)
        self.provinces = Names(provinces if lists.home_places else [])
        self.home = Names(list(lists.home_places) + (provinces if lists.home_places else []))
        self.howto = Names(lists.howto)
        self.questions = Names(lists.howto_questions)
        self.howto_leads = Names(lists.howto_leads)
        self.formats = Names(lists.formats)

    def reasons(self, title: str, lead: str, unaccented: bool = False) -> list[Reason]:
        """Why the story is someone else's (empty: nothing says so)."""
        title, lead = nfc(title or "").strip(), nfc(lead or "").strip()
        headline, where = (title, "title") if title else (lead, "lead")
        if not headline:
            return []
        sentence = _first_sentence(headline)
        out = [r for r in (self._firm(sentence, where, title, lead, unaccented),
                           self._abroad(headline, where, title, lead, unaccented),
                           self._howto(sentence, title, lead, unaccented)
                           or self._instructs(title, lead, unaccented),
                           self._format(title, unaccented)) if r is not None]
        return out

    def _ours(self, text: str, names: Names, unaccented: bool) -> list[Match]:
        """Matches of ``names`` that are not followed by a foreign place (that place's)."""
        foreign = {m.start for m in self.foreign.find(text, unaccented)}
        out = []
        for m in names.find(text, unaccented):
            nxt = _WORD.search(text, m.end)
            if nxt is not None and nxt.start() in foreign:
                continue
            out.append(m)
        return out

    def _firm(self, sentence: str, where: str, title: str, lead: str, unaccented: bool
              ) -> Reason | None:
        firms = self.firms.find(sentence, unaccented)
        if not firms:
            return None
        firm = firms[0]
        if _WORD.search(sentence[:firm.start]):
            return None  # "CEO FPT Nguyễn Văn Khoa: …" is a person's speech, "Bến Tre và FPT …"
        states = self._ours(sentence, self.state, unaccented)
        homes = self._ours(sentence, self.home, unaccented)
        # a state body or a place before the firm is the subject ("Bến Tre và FPT ký kết")
        if any(m.start < firm.start for m in states + homes):
            return None
        # a state body whose name holds the form ("Ngân hàng Nhà nước") is not a firm
        if any(m.start <= firm.start < m.end for m in self.state.find(sentence, unaccented)):
            return None
        actions = [m for m in self.firm_actions.find(sentence, unaccented)
                   if m.start >= firm.end]
        if actions:
            return Reason("firm_subject", f"{firm.text!r} opens the {where} and "
                          f"{actions[0].text!r} its own wares (a firm's story, not a state "
                          f"body deploying)")
        named = [m for text in (title, _first_sentence(lead))
                 for names in (self.state, self.provinces)
                 for m in self._ours(text, names, unaccented)]
        if named:
            return None  # "Viettel hỗ trợ tỉnh Khánh Hòa …", "FPT … cho Bến Tre"
        return Reason("firm_subject", f"{firm.text!r} opens the {where} and no state body "
                      f"or province (tỉnh, UBND, Bộ …) is named in the title or lead as the "
                      f"one it works for")

    def _abroad(self, headline: str, where: str, title: str, lead: str, unaccented: bool
                ) -> Reason | None:
        places = self.foreign.find(headline, unaccented)
        if not places:
            return None
        for text in (title, lead):
            if self._ours(text, self.home, unaccented) or \
                    self._ours(text, self.state, unaccented):
                return None
        return Reason("foreign", f"{places[0].text!r} in the {where} is the setting, and the "
                      f"title and lead name no Vietnamese place or state body")

    def _howto(self, sentence: str, title: str, lead: str, unaccented: bool
               ) -> Reason | None:
        if not title:
            return None
        opener = next((m for m in self.howto.find(sentence, unaccented)
                       if not sentence[:m.start].strip(" \t\"'“‘")), None)
        question = None
        if opener is None and QUESTION_END.search(title):
            question = next(iter(self.questions.find(title, unaccented)), None)
        found = opener or question
        if found is None:
            return None
        first = _first_sentence(lead)
        if self._ours(first, self.state, unaccented) and \
                self.decisions.find(first, unaccented):
            return None
        what = (f"{found.text!r} opens the title" if opener else
                f"the title asks {found.text!r}")
        return Reason("howto", f"{what}: a how-to or question for an individual, not a "
                      f"state body's decision")

    def _instructs(self, title: str, lead: str, unaccented: bool) -> Reason | None:
        """A lead that instructs an individual or explains an app's feature to one
        (``howto_leads``: "người dân phải …", "bạn có thể …", "… là một tiện ích"), whatever
        the title says, unless the title or that sentence names a state body (then it is the
        body's decision, told for the people it concerns)."""
        first = _first_sentence(lead)
        found = next(iter(self.howto_leads.find(first, unaccented)), None)
        if found is None:
            return None
        if self._ours(first, self.state, unaccented) or \
                (title and self._ours(title, self.state, unaccented)):
            return None
        return Reason("howto", f"the lead's first sentence says {found.text!r} and names no "
                      f"state body: instructions or a feature explained to an individual, not "
                      f"a state body's decision")

    def _format(self, title: str, unaccented: bool) -> Reason | None:
        """A title opening with an event's format (``formats``: "Đối thoại trực tuyến",
        "Giao lưu trực tuyến", "Talkshow" …): the story is the event, and its "trực tuyến" is
        how the session was held, not a service moved online."""
        opener = next((m for m in self.formats.find(_first_sentence(title), unaccented)
                       if not title[:m.start].strip(" \t\"'“‘")), None)
        if opener is None:
            return None
        return Reason("format", f"{opener.text!r} opens the title: the event (an online Q&A "
                      f"session, a talk show) is the story, its theme what is talked about")
