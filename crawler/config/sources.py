"""The sources file: TOML ``[[sources]]`` tables, validated into ``Source`` objects.

Every error names the file, the entry (index and id) and the key, so that an operator
can fix a malformed line at 3 a.m. without reading code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.core.files import read_text
from crawler.core.provinces import canonical_province, current_province
from crawler.core.tomltables import open_table

SOURCE_KINDS = ("newspaper", "portal", "department", "national", "other")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class SourcesFileError(ValueError):
    """The sources file is missing, is not TOML, or an entry is malformed."""


class EntryProblem(str):
    """The message of one malformed entry, with the entry's id when it has a usable one:
    a run reports that source as failed (and its operators are told), not just skipped."""

    source_id: str | None = None

    @classmethod
    def of(cls, message: str, raw: Any) -> EntryProblem:
        problem = cls(message)
        sid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(sid, str) and _ID.match(sid.strip()):
            problem.source_id = sid.strip()
        return problem


@dataclass(frozen=True)
class Source:
    """One site to crawl, as declared in the sources file."""

    id: str
    name: str
    url: str
    province: str | None = None
    former_provinces: tuple[str, ...] = ()
    kind: str = "other"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    evidence: str | None = None
    article_pattern: str | None = None
    content_selector: str | None = None
    exclude_selectors: tuple[str, ...] = ()
    max_pages: int | None = None
    page_budget: int | None = None
    insecure_tls: bool = False
    allow_private: bool = False  # may reach loopback/private/link-local addresses (netguard)
    enabled: bool = True
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def domain(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


def bundled_sources_path() -> Path:
    """The source list shipped with provwatch."""
    return Path(str(resources.files("crawler") / "data" / "sources.toml"))


_STR_KEYS = ("id", "name", "url", "province", "kind", "evidence", "article_pattern",
             "content_selector")  # fmt: skip
_LIST_KEYS = ("former_provinces", "feeds", "sitemaps", "listings", "exclude_selectors")
_INT_KEYS = ("max_pages", "page_budget")
_BOOL_KEYS = ("insecure_tls", "allow_private", "enabled")
_KNOWN = set(_STR_KEYS) | set(_LIST_KEYS) | set(_INT_KEYS) | set(_BOOL_KEYS) | {"notes"}


def _check_url(value: str, where: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourcesFileError(f"{where}: {value!r} is not an http(s) URL")
    return value


def _parse_entry(raw: Any, index: int, path: Path) -> Source:
    label = open_table(raw, index, path, "sources", known=_KNOWN,
                       required=("id", "name", "url"), error=SourcesFileError)
    values: dict[str, Any] = {}
    for key in _STR_KEYS:
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise SourcesFileError(f"{label}: key {key!r} must be a non-empty string")
            values[key] = raw[key].strip()
    for key in _LIST_KEYS:
        if key in raw:
            val = raw[key]
            if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
                raise SourcesFileError(f"{label}: key {key!r} must be a list of strings")
            values[key] = tuple(v.strip() for v in val)
    for key in _INT_KEYS:
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 1:
                raise SourcesFileError(f"{label}: key {key!r} must be a positive integer")
            values[key] = raw[key]
    for key in _BOOL_KEYS:
        if key in raw:
            if not isinstance(raw[key], bool):
                raise SourcesFileError(f"{label}: key {key!r} must be true or false")
            values[key] = raw[key]
    if not _ID.match(values["id"]):
        raise SourcesFileError(f"{label}: key 'id' must match [a-z0-9][a-z0-9_-]*")
    for key in ("url", "evidence"):
        if key in values:
            _check_url(values[key], f"{label}: key {key!r}")
    for key in ("feeds", "sitemaps", "listings"):
        for item in values.get(key, ()):
            _check_url(item, f"{label}: key {key!r}")
    if values.get("kind", "other") not in SOURCE_KINDS:
        raise SourcesFileError(f"{label}: key 'kind' must be one of {', '.join(SOURCE_KINDS)}")
    if "province" in values:
        canonical = canonical_province(values["province"])
        if canonical is None:
            raise SourcesFileError(
                f"{label}: key 'province': unknown province {values['province']!r}")
        current = current_province(canonical)
        former = list(values.get("former_provinces", ()))
        if current != canonical and canonical not in former:
            former.insert(0, canonical)  # a pre-2025 name given as province: keep both
        values["province"] = current
        values["former_provinces"] = tuple(former)
    for name in values.get("former_provinces", ()):
        if canonical_province(name) is None:
            raise SourcesFileError(f"{label}: key 'former_provinces': unknown province {name!r}")
    values["former_provinces"] = tuple(
        canonical_province(n) or n for n in values.get("former_provinces", ()))
    if values.get("article_pattern"):
        try:
            re.compile(values["article_pattern"])
        except re.error as exc:
            raise SourcesFileError(f"{label}: key 'article_pattern' is not a regex: {exc}") from exc
    for key in ("content_selector", "exclude_selectors"):
        value = values.get(key)
        for selector in (value,) if isinstance(value, str) else value or ():
            _check_selector(selector, f"{label}: key {key!r}")
    values["extra"] = {"notes": raw["notes"]} if "notes" in raw else {}
    return Source(**values)


def _check_selector(selector: str, where: str) -> None:
    """A CSS selector that extraction could not use fails when the file is read, naming
    the entry, not on every article page of the night."""
    from cssselect import SelectorError
    from lxml.cssselect import CSSSelector

    try:
        CSSSelector(selector)
    except SelectorError as exc:
        raise SourcesFileError(f"{where}: {selector!r} is not a CSS selector: {exc}") from exc


def parse_sources_report(text: str, path: Path) -> tuple[list[Source], list[str]]:
    """Parse a sources file, keeping the valid entries and the message of each bad one.

    A file that is not TOML at all, or has no entries, is an error (nothing can run).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{path}: not valid TOML: {exc}") from exc
    entries = data.get("sources")
    if not isinstance(entries, list) or not entries:
        raise SourcesFileError(f"{path}: no [[sources]] entries found")
    sources: list[Source] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(entries):
        try:
            src = _parse_entry(raw, i, path)
        except SourcesFileError as exc:
            errors.append(EntryProblem.of(str(exc), raw))
            continue
        if src.id in seen:
            errors.append(f"{path}: sources[{i}] (id={src.id!r}): key 'id' "
                          f"duplicates sources[{seen[src.id]}]")
            continue
        seen[src.id] = i
        sources.append(src)
    return sources, errors


def parse_sources(text: str, path: Path) -> list[Source]:
    """Parse the TOML text of a sources file; the first malformed entry is an error."""
    sources, errors = parse_sources_report(text, path)
    if errors:
        raise SourcesFileError(errors[0])
    return sources


def _read(path: str | Path | None) -> tuple[str, Path]:
    file = Path(path) if path is not None else bundled_sources_path()
    return read_text(file, "sources", SourcesFileError), file


def load_sources(path: str | Path | None = None, *, lenient: bool = False) -> list[Source]:
    """Load and validate a sources file (the bundled list when ``path`` is None).

    With ``lenient`` malformed entries are skipped (``load_sources_report`` says which);
    otherwise the first one raises.
    """
    sources, problems = load_sources_report(path)
    if problems and not lenient:
        raise SourcesFileError(problems[0])
    return sources


# A run asks for the sources file in several places (the CLI's selection, the spider, the
# TLS opt-outs): it is read and parsed once per process and file state (path, size,
# modification time); an edited file is read again.
_PARSED: dict[tuple[str, int, int], tuple[tuple[Source, ...], tuple[str, ...]]] = {}


def load_sources_report(path: str | Path | None = None) -> tuple[list[Source], list[str]]:
    """The valid sources of a file and one message per malformed entry."""
    file = Path(path) if path is not None else bundled_sources_path()
    try:
        state = file.stat()
        key = (str(file.resolve()), state.st_size, state.st_mtime_ns)
    except OSError:
        key = None  # _read says what is wrong with the file
    if key is None or key not in _PARSED:
        text, file = _read(path)
        sources, problems = parse_sources_report(text, file)
        if key is None:
            return sources, problems
        _PARSED.clear()  # one file state at a time: a long-lived process never grows
        _PARSED[key] = (tuple(sources), tuple(problems))
    sources_t, problems_t = _PARSED[key]
    return list(sources_t), list(problems_t)


def parsed_sources() -> dict[tuple[str, int, int], tuple[tuple[Source, ...], tuple[str, ...]]]:
    """This process's parse of the sources file, to hand to the crawl process it starts."""
    return dict(_PARSED)


def adopt_parsed_sources(parsed: dict[tuple[str, int, int],
                                      tuple[tuple[Source, ...], tuple[str, ...]]]) -> None:
    """Use another process's parse (kept only while the file's size and time still match),
    so a run reads its sources file once although the crawl runs in a process of its own."""
    _PARSED.clear()
    _PARSED.update(parsed)


def select_sources(sources: Sequence[Source], only: Iterable[str] = ()) -> list[Source]:
    """The enabled sources, or exactly those named by ``only`` (unknown ids are an error)."""
    wanted = list(only)
    if not wanted:
        return [s for s in sources if s.enabled]
    by_id = {s.id: s for s in sources}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise SourcesFileError(f"unknown source id(s): {', '.join(unknown)}")
    return [by_id[w] for w in wanted]
