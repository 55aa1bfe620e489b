"""The run lock: a second run exits at once with its own code; a killed run leaves no lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from cli import EXIT_LOCKED, main
from crawler.run.runlock import RunLock
from tests.conftest import write_sources


def test_second_run_exits_locked_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/"}])
    with RunLock(db):
        result = CliRunner().invoke(main, ["--db", str(db), "run", "--no-notify",
                                           "--sources", str(sources)])
    assert result.exit_code == EXIT_LOCKED
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "another provwatch run holds" in lines[0]
    assert f"pid {os.getpid()}" in lines[0]
    assert not db.exists()  # nothing was done


def test_lock_of_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from crawler.run.runlock import RunLock; "
         f"lock = RunLock({str(db)!r}); lock.acquire(); print('held', flush=True); "
         "time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    lock = RunLock(db)
    try:
        lock.acquire()
        raise AssertionError("lock acquired while another process holds it")
    except RuntimeError as exc:
        assert f"pid {holder.pid}" in str(exc)
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    deadline = time.monotonic() + 5
    while True:
        try:
            lock.acquire()
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert f"pid {os.getpid()}" in Path(f"{db}.lock").read_text()
    lock.release()


def test_the_same_database_through_a_symlink_is_one_lock(tmp_path: Path) -> None:
    db = tmp_path / "real.db"
    link = tmp_path / "elsewhere"
    link.mkdir()
    (link / "alias.db").symlink_to(db)
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/"}])
    with RunLock(db):
        result = CliRunner().invoke(main, ["--db", str(link / "alias.db"), "run",
                                           "--no-notify", "--sources", str(sources)])
    assert result.exit_code == EXIT_LOCKED, result.output
    assert "another provwatch run holds" in result.output


def test_a_plain_scrapy_crawl_beside_a_cli_run_does_not_start(tmp_path: Path) -> None:
    """`scrapy crawl` takes the same lock: beside a CLI run it stops before the spider
    opens, writes no run row (so no live run is ever taken for a killed one)."""
    db = tmp_path / "p.db"
    sources = write_sources(tmp_path / "s.toml", [
        {"id": "a", "name": "A", "province": "Huế", "url": "http://127.0.0.1:9/"}])
    with RunLock(db):
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "provwatch", "-a",
             f"sources_file={sources}", "-s", f"PROVWATCH_DB={db}"],
            capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert done.returncode != 0
    assert "another provwatch run holds" in done.stderr
    assert not db.exists()
