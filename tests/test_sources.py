"""The sources file loader: valid entries load, every malformed one is named precisely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crawler.config.sources import SourcesFileError, load_sources, parse_sources, select_sources

GOOD = """
[[sources]]
id = "baolaocai"
name = "Báo Lào Cai"
kind = "newspaper"
province = "Lào Cai"
former_provinces = ["Yên Bái"]
url = "https://baolaocai.vn/"
feeds = ["https://baolaocai.vn/rss/home.rss"]

[[sources]]
id = "hagiang"
name = "Cổng TTĐT tỉnh Hà Giang"
province = "Ha Giang"
url = "https://hagiang.gov.vn/"
"""


def test_good_file_loads_and_resolves_provinces(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(GOOD, encoding="utf-8")
    first, second = load_sources(path)
    assert first.id == "baolaocai" and first.province == "Lào Cai"
    assert first.former_provinces == ("Yên Bái",)
    assert first.feeds == ("https://baolaocai.vn/rss/home.rss",)
    # a former province given as `province` becomes the current one, kept as former
    assert second.province == "Tuyên Quang" and second.former_provinces == ("Hà Giang",)


@pytest.mark.parametrize(("snippet", "expected"), [
    ('id = "x"\nname = "X"\nurl = "htp:/x"', "sources[0] (id='x'): key 'url'"),
    ('id = "x"\nname = "X"', "sources[0] (id='x'): missing required key 'url'"),
    ('id = "x"\nname = "X"\nurl = "https://x.vn"\nprovince = "Atlantis"',
     "key 'province': unknown province 'Atlantis'"),
    ('id = "x"\nname = "X"\nurl = "https://x.vn"\nfeeds = "https://x.vn/rss"',
     "key 'feeds' must be a list of strings"),
    ('id = "x"\nname = "X"\nurl = "https://x.vn"\ncolour = "red"', "unknown key 'colour'"),
    ('id = "Bad Id"\nname = "X"\nurl = "https://x.vn"', "key 'id' must match"),
    ('id = "x"\nname = "X"\nurl = "https://x.vn"\nmax_pages = 0',
     "key 'max_pages' must be a positive integer"),
    ('id = "x"\nname = "X"\nurl = "https://x.vn"\narticle_pattern = "(["',
     "key 'article_pattern' is not a regex"),
])
def test_malformed_entry_names_file_entry_and_key(tmp_path: Path, snippet: str,
                                                 expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[[sources]]\n" + snippet + "\n", encoding="utf-8")
    with pytest.raises(SourcesFileError) as err:
        load_sources(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[[sources]]\nid = "x"\nname = "X\nurl = "https://x.vn"\n', "utf-8")
    with pytest.raises(SourcesFileError, match=r"broken\.toml: not valid TOML: .*line 3"):
        load_sources(path)


def test_duplicate_ids_are_refused() -> None:
    text = '[[sources]]\nid="a"\nname="A"\nurl="https://a.vn"\n' * 2
    with pytest.raises(SourcesFileError, match=r"sources\[1\] \(id='a'\): key 'id' duplicates"):
        parse_sources(text, Path("dup.toml"))


def test_missing_file_and_unknown_only_id(tmp_path: Path) -> None:
    with pytest.raises(SourcesFileError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")
    sources = parse_sources(GOOD, Path("s.toml"))
    assert [s.id for s in select_sources(sources, ["hagiang"])] == ["hagiang"]
    with pytest.raises(SourcesFileError, match="unknown source id\\(s\\): nope"):
        select_sources(sources, ["nope"])


def test_a_sources_file_is_parsed_once_per_state(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI, the spider and the TLS opt-outs all ask for the sources of a run: the file
    is parsed once, and again only when it changed."""
    import crawler.config.sources as sources_module

    parsed: list[Path] = []
    real_parse = sources_module.parse_sources_report

    def counting_parse(text: str, path: Path) -> tuple[list[Any], list[str]]:
        parsed.append(path)
        return real_parse(text, path)

    monkeypatch.setattr(sources_module, "parse_sources_report", counting_parse)
    path = tmp_path / "sources.toml"
    path.write_text(GOOD, encoding="utf-8")
    first = load_sources(path)
    assert load_sources(path, lenient=True) == first
    assert sources_module.load_sources_report(path)[0] == first
    assert len(parsed) == 1
    first.clear()  # a caller changing its list does not change the next caller's
    assert len(load_sources(path)) == 2
    path.write_text(GOOD.replace("Báo Lào Cai", "Báo Lào Cai điện tử"), encoding="utf-8")
    assert {s.name for s in load_sources(path)} == {"Báo Lào Cai điện tử",
                                                     "Cổng TTĐT tỉnh Hà Giang"}
    assert len(parsed) == 2


def test_the_crawl_process_adopts_the_runs_parse(tmp_path: Path) -> None:
    """The crawl runs in a spawned process: it is handed the CLI's parse (pickled, as
    multiprocessing does) and reads the file again only if it changed meanwhile."""
    import pickle
    import subprocess
    import sys

    import crawler.config.sources as sources_module

    path = tmp_path / "sources.toml"
    path.write_text(GOOD, encoding="utf-8")
    parsed = sources_module.load_sources(path)
    handed = tmp_path / "parsed.pickle"
    handed.write_bytes(pickle.dumps(sources_module.parsed_sources()))
    child = (
        "import pickle, sys\n"
        "import crawler.config.sources as s\n"
        "def refuse(text, path): raise SystemExit('parsed again')\n"
        "s.parse_sources_report = refuse\n"
        f"s.adopt_parsed_sources(pickle.loads(open({str(handed)!r}, 'rb').read()))\n"
        f"print(','.join(x.id for x in s.load_sources({str(path)!r})))\n")
    run = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ",".join(s.id for s in parsed)
    path.write_text(GOOD.replace("Báo Lào Cai", "Báo Lào Cai điện tử"), encoding="utf-8")
    changed = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert "parsed again" in changed.stderr  # an edited file is not taken from the handover
