"""Vietnam's 34 provincial units (from 1 July 2025) and the 63 → 34 merger.

Articles published before the merger name the old province; the monitoring team reports by
the new one. Filtering and routing use the current name and accept either name, with or
without diacritics.
"""

from __future__ import annotations

import re

from crawler.core.text import fold

CURRENT_PROVINCES: tuple[str, ...] = (
    "Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "TP Hồ Chí Minh", "Cần Thơ",
    "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An",
    "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh",
    "Hưng Yên", "Ninh Bình", "Quảng Trị", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng",
    "Đắk Lắk", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
)  # fmt: skip

FORMER_TO_CURRENT: dict[str, str] = {
    "Hà Giang": "Tuyên Quang", "Yên Bái": "Lào Cai", "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ", "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên", "Hải Dương": "Hải Phòng", "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình", "Quảng Bình": "Quảng Trị", "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi", "Bình Định": "Gia Lai", "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng", "Phú Yên": "Đắk Lắk",
    "Bình Dương": "TP Hồ Chí Minh", "Bà Rịa–Vũng Tàu": "TP Hồ Chí Minh",
    "Bình Phước": "Đồng Nai", "Long An": "Tây Ninh", "Sóc Trăng": "Cần Thơ",
    "Hậu Giang": "Cần Thơ", "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long",
    "Tiền Giang": "Đồng Tháp", "Bạc Liêu": "Cà Mau", "Kiên Giang": "An Giang",
    "Thừa Thiên Huế": "Huế",
}  # fmt: skip

# Other spellings people type; keys are folded (see ``province_key``).
_ALIASES: dict[str, str] = {
    "tphcm": "TP Hồ Chí Minh", "hcm": "TP Hồ Chí Minh",
    "ho chi minh": "TP Hồ Chí Minh", "thanh pho ho chi minh": "TP Hồ Chí Minh",
    "sai gon": "TP Hồ Chí Minh", "ba ria vung tau": "Bà Rịa–Vũng Tàu",
    "ba ria - vung tau": "Bà Rịa–Vũng Tàu", "brvt": "Bà Rịa–Vũng Tàu",
    "dak lak": "Đắk Lắk", "daklak": "Đắk Lắk", "dak nong": "Đắk Nông",
    "thua thien - hue": "Thừa Thiên Huế", "tt hue": "Thừa Thiên Huế",
}  # fmt: skip

_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")
_SEP = re.compile(r"[\s\-–—_.]+")


def _raw_key(name: str) -> str:
    key = _SEP.sub(" ", fold(name)).strip()
    return _PREFIX.sub("", key)


_ALIAS_KEYS: dict[str, str] = {_raw_key(k): _raw_key(v) for k, v in _ALIASES.items()}


def province_key(name: str) -> str:
    """Folded comparison key: no diacritics, lower case, no 'tỉnh'/'thành phố' prefix.

    ``Hòa``/``Hoà`` (old and new accent placement) fold to the same key; common
    abbreviations (``TP HCM``, ``BRVT``) map to their province's key.
    """
    key = _raw_key(name)
    return _ALIAS_KEYS.get(key, key)


_BY_KEY: dict[str, str] = {province_key(p): p for p in CURRENT_PROVINCES}
_BY_KEY.update({province_key(p): p for p in FORMER_TO_CURRENT})


def canonical_province(name: str) -> str | None:
    """The official spelling of a current or former province name, or None if unknown."""
    return _BY_KEY.get(province_key(name))


def is_current(name: str) -> bool:
    """True when ``name`` spells one of the 34 current units (any diacritics)."""
    return canonical_province(name) in CURRENT_PROVINCES


def current_province(name: str) -> str | None:
    """The current (post-2025) unit for a current or former name; None if unknown."""
    canonical = canonical_province(name)
    if canonical is None:
        return None
    return FORMER_TO_CURRENT.get(canonical, canonical)


def province_matches(query: str, current: str | None, former: list[str] | None = None) -> bool:
    """Whether a filter ``query`` selects an article of ``current`` (and ``former``) provinces.

    The query may name the current unit or a former one, with or without diacritics; a
    former name selects only articles that carry that former name, a current name selects
    everything now reported under it.
    """
    if not current:
        return False
    wanted = province_key(query)
    if wanted == province_key(current):
        return True
    return any(wanted == province_key(f) for f in former or [])


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])" + re.escape(_raw_key(name)) + r"(?![a-z])")


_DETECT = [(p, _name_pattern(p)) for p in (*CURRENT_PROVINCES, *FORMER_TO_CURRENT)
           if len(_raw_key(p)) > 4]


def detect_province(text: str) -> tuple[str | None, list[str]]:
    """The province a text is mostly about (current name, former names mentioned).

    Used for national outlets, whose sources carry no province: the most mentioned unit,
    counting former names towards their current unit, wins; ties and no mention give None.
    """
    folded = _SEP.sub(" ", fold(text))
    counts: dict[str, int] = {}
    former: dict[str, list[str]] = {}
    for name, pattern in _DETECT:
        hits = len(pattern.findall(folded))
        if not hits:
            continue
        current = FORMER_TO_CURRENT.get(name, name)
        counts[current] = counts.get(current, 0) + hits
        if name in FORMER_TO_CURRENT:
            former.setdefault(current, []).append(name)
    if not counts:
        return None, []
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, []
    best = ranked[0][0]
    return best, former.get(best, [])
