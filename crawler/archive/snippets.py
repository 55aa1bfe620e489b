"""Search snippets cut from the original text, so they keep their diacritics.

The full-text index holds folded text (``chuyen doi so``); FTS5's own ``snippet()`` can
only quote that. Here the query's folded words are found in the folded text and the same
character positions are cut from the original, matches between ``[`` and ``]`` (the
convention of ``provwatch search``).
"""

from __future__ import annotations

import re

from crawler.core.text import fold, nfc, words

_WORD_SPAN = re.compile(r"\S+")
_SPACES = re.compile(r"\s+")
OPEN, CLOSE = "[", "]"


def _folded_with_positions(text: str) -> tuple[str, list[int] | range]:
    """``fold(text)`` and, for each folded character, the index of its original character.

    Folding maps one character to one almost always (NFC letters to their base letter);
    when it does not (stray combining marks, a lower-case form longer than its capital),
    the map is built character by character.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded, range(len(text))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    return "".join(pieces), origin


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """(start, end) spans of ``text`` where ``query`` occurs, diacritics optional.

    Where the query's words occur together as a phrase only those places are marked
    (``chuyen doi so`` marks ``chuyển đổi số``, not the ``sơ`` of ``hồ sơ``); otherwise
    each word wherever it occurs.
    """
    terms = words(query)
    if not terms or not text:
        return []
    folded, origin = _folded_with_positions(text)
    phrase = r"\W+".join(re.escape(t) for t in terms)
    alternatives = "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))
    for pattern in (phrase, alternatives):
        found = list(re.finditer(r"(?<!\w)(?:" + pattern + r")(?!\w)", folded))
        if found:
            break
    spans: list[tuple[int, int]] = []
    for m in found:
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        if spans and not text[spans[-1][1]:start].strip():  # "[chuyển đổi số]", one mark
            start = spans.pop()[0]
        spans.append((start, end))
    return spans


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None
         ) -> str:
    """``text[start:end]`` with each span inside it between ``[`` and ``]``."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        out += [text[cursor:s], OPEN, text[s:e], CLOSE]
        cursor = e
    out.append(text[cursor:end])
    return "".join(out)


def snippet(text: str | None, query: str, *, size: int = 24) -> str:
    """About ``size`` words of ``text`` around the densest matches of ``query``, marked.

    Without a match (the words were in the title only) the opening words are returned.
    """
    text = nfc(text or "")
    spans_of_words = [(m.start(), m.end()) for m in _WORD_SPAN.finditer(text)]
    if not spans_of_words:
        return ""
    matches = match_spans(text, query)
    first = 0
    if matches:
        starts = [s for s, _ in spans_of_words]
        hits = [_word_index(starts, s) for s, _ in matches]  # ascending
        lead = max(2, size // 6)
        best, most, stop = 0, 0, 0
        for i, hit in enumerate(hits):  # the window of size - lead words with most hits
            while stop < len(hits) and hits[stop] < hit + size - lead:
                stop += 1
            if stop - i > most:
                best, most = i, stop - i
        first = max(0, hits[best] - lead)
    last = min(len(spans_of_words), first + size) - 1
    start, end = spans_of_words[first][0], spans_of_words[last][1]
    body = _SPACES.sub(" ", mark(text, matches, start, end))
    return ("…" if first > 0 else "") + body + ("…" if last < len(spans_of_words) - 1 else "")


def _word_index(starts: list[int], position: int) -> int:
    """Index of the word that holds ``position`` (``starts``: each word's first index)."""
    low, high = 0, len(starts) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if starts[mid] <= position:
            low = mid
        else:
            high = mid - 1
    return low
