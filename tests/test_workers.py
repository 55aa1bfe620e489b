"""Analysis worker processes: same results as in-process analysis, and a dead worker costs
no more than its pages (the pool is replaced, pages in flight are retried once)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.analysis.analyse import analyse_page
from crawler.analysis.relevance import load_topics
from crawler.crawl.workers import AnalysisPool, AnalysisTimeout, worker_count

FIXTURES = Path(__file__).parent / "fixtures" / "extraction"
PAGE = FIXTURES / "baothuathienhue.html"
URL = "https://baothuathienhue.vn/bai.html"


@pytest.fixture()
def pool() -> AnalysisPool:
    pool = AnalysisPool(1, None)
    yield pool
    pool.close()


def test_a_worker_analyses_a_page_as_this_process_does(pool: AnalysisPool) -> None:
    body = PAGE.read_bytes()
    here = analyse_page(body, URL, None, load_topics())
    there = asyncio.run(pool.analyse(body, None, URL, None))
    assert there.record == here.record and there.record["text"]
    assert there.fingerprint == here.fingerprint and there.digest == here.digest


def test_a_killed_worker_is_replaced_and_the_page_retried(pool: AnalysisPool) -> None:
    body = PAGE.read_bytes()
    first = asyncio.run(pool.analyse(body, None, URL, None))  # the worker is up
    old = pool.executor
    for pid in list(old._processes):  # the worker process, as the OOM killer would
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not old._broken and time.monotonic() < deadline:  # the pool has noticed
        time.sleep(0.05)
    assert old._broken
    again = asyncio.run(pool.analyse(body, None, URL, None))
    assert pool.executor is not old
    assert again.record == first.record


def test_a_page_over_the_time_limit_is_given_up_and_its_worker_killed() -> None:
    body = PAGE.read_bytes()
    pool = AnalysisPool(1, None, timeout=0.001)  # no real page is analysed this fast
    try:
        old = pool.executor
        with pytest.raises(AnalysisTimeout, match="longer than 0.001 s"):
            asyncio.run(pool.analyse(body, None, URL, None))
        assert pool.executor is not old
        pool.timeout = None  # the next page, on the new worker, goes through
        assert asyncio.run(pool.analyse(body, None, URL, None)).record["text"]
    finally:
        pool.close()


def test_worker_count_setting() -> None:
    assert worker_count("auto") == max(1, min((os.cpu_count() or 1) - 1, 4))
    assert worker_count("0") == 0 and worker_count(3) == 3
    with pytest.raises(ValueError, match="PROVWATCH_WORKERS"):
        worker_count("many")
    with pytest.raises(ValueError, match="0 or more"):
        worker_count(-1)


OWNER = """
import sys, time
from crawler.crawl.workers import AnalysisPool
pool = AnalysisPool(1, None)
pool.warm_up()
time.sleep(3)  # the worker is up and waiting for work
print(*pool.executor._processes, flush=True)
time.sleep(600)
"""


def test_workers_end_when_the_crawl_process_is_killed() -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).parent.parent)
    try:
        assert owner.stdout is not None
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        owner.kill()  # SIGKILL: no clean-up code runs in the owner
        owner.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "orphaned analysis workers"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
