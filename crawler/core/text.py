"""Vietnamese text normalisation shared by extraction, relevance, dedup and search.

Pages mix NFC and NFD and numeric entities; people search with and without diacritics.
Everything that compares, hashes or indexes text goes through these functions so that
the same word is always the same bytes.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_WORD = re.compile(r"\w+", re.UNICODE)


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC with HTML entities (named and numeric) decoded."""
    if "&" in text:
        text = html.unescape(text)
    return unicodedata.normalize("NFC", text)


def tidy_whitespace(text: str) -> str:
    """Collapse runs of spaces inside lines, strip lines, keep single blank-line-free paragraphs.

    Paragraphs are separated by exactly one newline; empty lines are dropped.
    """
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def normalise(text: str) -> str:
    """NFC + entity decoding + tidy whitespace: the canonical form of stored text."""
    return tidy_whitespace(nfc(text))


def _fold_table() -> dict[int, str | None]:
    """Per-character folding for every Latin letter with marks, built once.

    Vietnamese uses precomposed letters from Latin-1, Latin Extended-A/B and Latin Extended
    Additional; mapping each to its base letter with ``str.translate`` is an order of
    magnitude faster than decomposing every string.
    """
    table: dict[int, str | None] = {}
    for block in ((0x00C0, 0x0250), (0x1E00, 0x1F00)):
        for code in range(*block):
            ch = chr(code)
            base = "".join(c for c in unicodedata.normalize("NFD", ch)
                           if not unicodedata.combining(c))
            if base != ch:
                table[code] = base
    for code in range(0x0300, 0x0370):  # stray combining marks (NFD input)
        table[code] = None
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    return table


_FOLD = _fold_table()
# letters that carry a mark (or are đ): what folding changes, found at C speed
_MARKED = re.compile("[" + "".join(re.escape(chr(c)) for c, base in sorted(_FOLD.items())
                                   if base is not None) + "]")
_LETTER = re.compile(r"[^\W\d_]")


def fold(text: str) -> str:
    """Lower-case ASCII folding for diacritic-insensitive matching.

    Marks removed, ``đ``/``Đ`` mapped to ``d`` (a separate letter, not a base letter with a
    mark, so decomposition alone leaves it alone).
    """
    return nfc(text).translate(_FOLD).lower()


def marked_share(texts: Iterable[str]) -> tuple[int, int]:
    """(letters, letters with a diacritic or đ) over ``texts``, already in NFC."""
    letters = marked = 0
    for text in texts:
        letters += len(_LETTER.findall(text))
        marked += len(_MARKED.findall(text))
    return letters, marked


def words(text: str) -> list[str]:
    """Folded word tokens of ``text``."""
    return _WORD.findall(fold(text))


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
