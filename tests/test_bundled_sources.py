"""The bundled source list: valid, unique, evidenced, covering the country."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from crawler.config.sources import bundled_sources_path, load_sources
from crawler.core.provinces import CURRENT_PROVINCES, FORMER_TO_CURRENT

# Units for which research found fewer than two evidenced sources (see the file's header).
KNOWN_GAPS: set[str] = set()


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def test_bundled_file_loads_strictly_with_unique_ids() -> None:
    sources = load_sources()  # strict: any malformed entry raises
    assert bundled_sources_path().is_file()
    ids = [s.id for s in sources]
    assert len(ids) == len(set(ids))
    assert len(sources) >= 70


def test_every_entry_is_evidenced_on_its_own_domain() -> None:
    for source in load_sources():
        assert source.evidence, source.id
        assert urlsplit(source.url).scheme in ("http", "https"), source.id
        assert _host(source.evidence) == _host(source.url), source.id
        # evidence is an article page, not the home page
        assert urlsplit(source.evidence).path.strip("/") or urlsplit(source.evidence).query, \
            source.id


def test_provinces_are_current_units_and_former_names_are_merged_ones() -> None:
    for source in load_sources():
        if source.kind == "national":
            assert source.province is None
            continue
        assert source.province in CURRENT_PROVINCES, source.id
        for former in source.former_provinces:
            assert FORMER_TO_CURRENT[former] == source.province, source.id


def test_all_34_units_present_with_two_sources_except_the_documented_gaps() -> None:
    counts = Counter(s.province for s in load_sources() if s.province)
    assert set(counts) == set(CURRENT_PROVINCES)
    short = {p for p in CURRENT_PROVINCES if counts[p] < 2}
    assert short == KNOWN_GAPS  # a gap closed or a new one opened: update the file's header
    assert any(s.kind == "national" for s in load_sources())


def test_the_seed_sites_are_bundled() -> None:
    hosts = {_host(s.url) for s in load_sources()}
    assert {"baolaocai.vn", "baothuathienhue.vn", "dangcongsan.vn"} <= hosts
