"""Vietnamese publication dates: day first, local time (+07:00), weekday names optional.

htmldate and dateparser guess month-first on ambiguous numeric dates unless told, and
neither knows the shapes Vietnamese CMSs print (``Thứ tư - 06/10/2021 21:08``,
``Cập nhật: 14:32 ngày 12/03/2024``, ``Sáng 6/4/2022``); a small explicit parser is both
stricter and faster, so these shapes are parsed here and nowhere else.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from crawler.core.text import fold

VN_TZ = timezone(timedelta(hours=7), "+07:00")

_DMY = r"(?P<d>\d{1,2})\s*[/.\-]\s*(?P<m>\d{1,2})\s*[/.\-]\s*(?P<y>\d{4})"
# "14:10", "14h10", "14g10", "14 giờ 10 phút", "12:30:05 PM", "12:30 CH" (chiều: afternoon)
_HM = (r"(?P<H>\d{1,2})\s*(?:(?:[:hg]|gio)\s*(?P<M>\d{2})(?:\s*phut)?)(?:\s*:\s*(?P<S>\d{2}))?"
       r"\s*(?P<ampm>(?:am|pm|a\.m\.|p\.m\.|sa|ch|sang|trua|chieu|toi|dem)(?![a-z]))?")
# "ngày 6 tháng 4 năm 2022", "6 tháng 4, 2022", "6 tháng 4 năm 2022"
_VERBAL = (r"(?:ngay\s+)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s*(?:,|nam)\s*"
           r"(?P<y>\d{4})")
# "10:15, Thứ Năm 03/12/2026": a weekday may sit between a time and its date
_WEEKDAY = r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat)"
# "24/12/12 11:05 tối" (Zing 2012), "ngày 24/12/12": a two-digit year is read only with a
# time after it or "ngày" before it, where it cannot be a fraction or a document number
_DMY2 = r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y2>\d{2})(?![\d/])"
# time before or after the date, with optional separators/words between them
_PATTERNS = [
    re.compile(_DMY + r"(?:\s*(?:[|,\-–—]|luc|vao luc)?\s*" + _HM + r")?"),
    re.compile(_DMY2 + r"\s*(?:[|,\-–—]|luc|vao luc)?\s*" + _HM),
    re.compile(r"\bngay\s*" + _DMY2 + r"(?:\s*(?:[|,\-–—]|luc|vao luc)?\s*" + _HM + r")?"),
    re.compile(_HM + r"\s*(?:[|,\-–—]|ngay)?\s*(?:" + _WEEKDAY + r"\s*[|,\-–—]?\s*)?"
               r"(?:ngay\s*)?(?:" + _DMY + ")"),
    re.compile(_VERBAL + r"(?:\s*(?:[|,\-–—]|luc)?\s*" + _HM + r")?"),
]
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?:\.\d+)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")

_ISO_AMPM = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2})?\s*([AaPp]\.?[Mm]\.?)$")

# Words that introduce a publication date in visible text (folded), at the start of a line.
_DATE_CUE = re.compile(
    r"^\W*(ngay dang|dang luc|dang ngay|cap nhat|thu (hai|ba|tu|nam|sau|bay|[2-7])|chu nhat|"
    r"ngay|sang|trua|chieu|toi|dem|published|posted|updated|date|\d{1,2}\s*[/.\-]|"
    r"\d{1,2}\s*[:hg]\s*\d{2})\b")
# A line that cites a document ("Kế hoạch số 54/KH-UBND ngày 09/3/2022") dates the document.
_DOCUMENT_REF = re.compile(
    r"\bso\s*:?\s*\d+\s*/|\b(quyet dinh|nghi quyet|ke hoach|thong tu|chi thi|cong van|"
    r"nghi dinh|van ban|luat|de an|chuong trinh)\b")  # "Số: 486/QĐ-UBND Ngày: 06/04/2018" too


def _build(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime | None:
    if not 1990 <= y <= 2100:
        return None
    try:
        return datetime(y, m, d, hh, mm, ss, tzinfo=VN_TZ)
    except ValueError:
        return None


def _from_match(match: re.Match[str]) -> datetime | None:
    g = match.groupdict()
    hh = int(g["H"]) if g.get("H") else 0
    mm = int(g["M"]) if g.get("M") else 0
    ss = int(g["S"]) if g.get("S") else 0
    hh = _twelve_hour(hh, g.get("ampm") or "")
    if hh > 23 or mm > 59 or ss > 59:
        hh = mm = ss = 0
    year = int(g["y"]) if g.get("y") else 2000 + int(g["y2"])
    return _build(year, int(g["m"]), int(g["d"]), hh, mm, ss)


def _twelve_hour(hh: int, marker: str) -> int:
    """The 24-hour hour of a 12-hour clock reading: 12 PM is 12, 12 AM is 0, 1 PM is 13.

    ``SA``/``CH`` are the Vietnamese locale's AM/PM; the words of the day (``4:30 chiều``,
    ``9 giờ tối``, ``1 giờ trưa``, ``11 giờ đêm``) move the hour the same way, and ``12:30
    sáng``/``trưa`` stays 12:30.
    """
    marker = marker.lower().replace(".", "")
    if marker in ("pm", "ch", "chieu", "toi") and hh < 12:
        return hh + 12
    if marker == "trua" and hh <= 4 or marker == "dem" and 6 <= hh < 12:
        return hh + 12
    if marker in ("am", "sa") and hh == 12:
        return 0
    return hh


def parse_iso(text: str) -> datetime | None:
    """An ISO 8601 date (meta tags, JSON-LD); naive values are taken as Vietnamese time."""
    match = _ISO.search(text.strip())
    if not match:
        return None
    g = match.groupdict()
    result = _build(int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0),
                    int(g["S"] or 0))
    if result is None:
        return None
    tz = g.get("tz")
    if tz:
        if tz == "Z":
            offset = UTC
        else:
            sign = 1 if tz[0] == "+" else -1
            digits = tz[1:].replace(":", "")
            offset = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        result = result.replace(tzinfo=offset).astimezone(VN_TZ)
    return result


def parse_vietnamese_date(text: str) -> datetime | None:
    """Parse one date string, day first, into an aware datetime at +07:00 (or None).

    Accepts ``Thứ hai, 08/05/2023 18:14``, ``06/10/2021 | 21:08``, ``14:32 ngày 12/03/2024``,
    ``Sáng 6/4/2022``, ``ngày 6 tháng 4 năm 2022``, ``6 tháng 4, 2022``, and ISO 8601.
    """
    if not text:
        return None
    folded = fold(text)
    if _ISO.fullmatch(text.strip()) or re.match(r"^\s*\d{4}-\d{2}-\d{2}", text):
        value = parse_iso(text)
        marker = _ISO_AMPM.match(text.strip())  # "2024-03-05 12:30 AM" (ASP.NET, IIS logs)
        if value is not None and marker:
            value = value.replace(hour=_twelve_hour(value.hour, marker.group(1)))
        return value
    best: tuple[int, datetime, re.Match[str]] | None = None
    for pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            value = _from_match(match)
            if value is not None and (best is None or match.start() < best[0]):
                best = (match.start(), value, match)
    if best is None:
        return None
    return _english_order(folded, best[2]) or best[1]


# "Published on 03-08-2011 01:00 AM": an English label and a 12-hour clock are the en-US
# locale of a CMS left untranslated (vBulletin, Joomla defaults), which prints month first;
# Vietnamese locales and themes print the day first, in words or with a 24-hour or SA/CH
# clock ("Thứ Hai, 24/12/2012, 03:04 AM" keeps day first: its label is Vietnamese)
_ENGLISH_LABEL = re.compile(r"^\W*(published|posted|last updated|updated|created|date)"
                            r"(\s+on)?\b\W*$")


def _english_order(folded: str, match: re.Match[str]) -> datetime | None:
    """The month-first reading of ``match`` when the line prints a date the en-US way."""
    g = match.groupdict()
    ampm = (g.get("ampm") or "").replace(".", "")
    if ampm not in ("am", "pm") or not g.get("y") or not _ENGLISH_LABEL.match(
            folded[:match.start()]):
        return None
    swapped = {**g, "d": g["m"], "m": g["d"]}
    hh = _twelve_hour(int(swapped["H"]), ampm) if swapped.get("H") else 0
    mm = int(swapped["M"]) if swapped.get("M") else 0
    ss = int(swapped["S"]) if swapped.get("S") else 0
    return _build(int(swapped["y"]), int(swapped["m"]), int(swapped["d"]), hh, mm, ss)


def find_published_in_text(text: str, *, max_lines: int = 60) -> datetime | None:
    """The publication date printed in visible text: the first date line.

    A date line is short (at most 60 characters) or starts with a date cue (weekday name,
    "Cập nhật", "Ngày đăng", "Sáng", the date itself). A line that cites a document
    ("Quyết định số … ngày …") dates the document, not the page, and is skipped. Failing a
    date line, the first dated sentence of the first lines is used (``Sáng 6/4/2022, …``).
    """
    fallback: datetime | None = None
    for raw in text.split("\n")[:max_lines]:
        line = raw.strip()
        if not line or len(line) > 160:
            continue
        value = parse_vietnamese_date(line)
        if value is None:
            continue
        folded = fold(line)
        if _DOCUMENT_REF.search(folded):
            continue
        if len(line) <= 60 or _DATE_CUE.match(folded):
            return value
        fallback = fallback or value
    return fallback
