"""The command surface: every command explains itself; settings overrides are validated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import FAST, write_sources
from tests.localservers import SiteServer

ROOT = Path(__file__).parent.parent

COMMANDS = [
    ["run"], ["crawl"], ["recrawl"], ["extract"], ["export"], ["search"], ["explain"],
    ["history"], ["diff"], ["status"], ["notify"], ["notify", "test"], ["notify", "pending"],
    ["notify", "send"], ["sources"], ["sources", "list"], ["sources", "check"],
]


def test_top_level_help_lists_every_command_and_exit_codes() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("run", "crawl", "recrawl", "extract", "export", "search", "explain",
                 "history", "diff", "notify", "sources", "status"):
        assert f"  {name} " in result.output
    assert "Exit codes" in result.output and "75" in result.output
    assert "PROVWATCH_DB" in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_help_says_what_it_does(command: list[str]) -> None:
    secret = "tgram://123456789:AAHsecretBotTokenValue/98765"
    result = CliRunner().invoke(main, [*command, "--help"], env={"PROVWATCH_NOTIFY": secret})
    assert result.exit_code == 0, result.output
    usage, _, rest = result.output.partition("\n\n")
    assert usage.startswith("Usage: ")
    description = rest.strip().splitlines()[0]
    assert len(description.split()) >= 3, description
    assert "AAHsecretBotTokenValue" not in result.output


def test_bad_setting_override_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["-s", "DOWNLOAD_DELAY", "status"])
    assert result.exit_code == 2 and "expected NAME=VALUE" in result.output
    result = CliRunner().invoke(main, ["-s", "not_a_setting=1", "status"])
    assert result.exit_code == 2 and "unknown setting" in result.output


def _provwatch(*args: str, cwd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_progress_lines_only_when_asked(tmp_path: Path, portal: SiteServer) -> None:
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "thu-nghiem", "name": "Thử nghiệm", "province": "Huế",
         "url": f"{portal.base}/tin-tuc"}])
    quiet = _provwatch("--db", str(tmp_path / "a.db"), *FAST, "crawl", "--sources",
                       str(sources), cwd=str(tmp_path))
    assert quiet.returncode == 0, quiet.stderr
    assert "progress |" not in quiet.stderr  # not a terminal: silent, as under cron
    shown = _provwatch("--db", str(tmp_path / "b.db"), *FAST, "-s", "PROVWATCH_PROGRESS=true",
                       "-s", "PROVWATCH_PROGRESS_INTERVAL=0.1", "crawl", "--sources",
                       str(sources), cwd=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "progress | thu-nghiem: " in shown.stderr
    assert "3 new" in shown.stderr.split("progress |")[-1] or "3 new" in shown.stdout
