"""Article analysis in worker processes: the CPU work of a crawl on the spare cores.

Extraction, classification and the dedup fingerprint of one page take a few milliseconds of
pure-Python work each. On the reactor thread they stall the downloads; in a thread they
still hold the GIL. A small ``ProcessPoolExecutor`` runs them beside the reactor process,
which keeps downloading, parsing listings and writing the store.

Workers are spawned (never forked: the crawl process runs a reactor and threads), load the
topics once, and get the page bytes and the per-source hints for each article. A worker
that dies on a page (a C-level crash in a parser) costs that page only: the pool is
replaced and the crawl goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from crawler.analysis.analyse import Analysis, analyse_page
from crawler.analysis.extract import ExtractHints
from crawler.analysis.relevance import Topic, load_topics
from crawler.core.futures import await_future
from crawler.core.workercount import worker_count

__all__ = ["AnalysisPool", "AnalysisTimeout", "WorkerDied", "analyse_page", "worker_count"]

logger = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0


class WorkerDied(RuntimeError):
    """The analysis worker process ended while handling a page."""


class AnalysisTimeout(RuntimeError):
    """A page's analysis took longer than PROVWATCH_ANALYSIS_TIMEOUT; its worker was killed."""


# -- worker side -----------------------------------------------------------------------------
_WORKER_TOPICS: list[Topic] = []


def _init_worker(topics_path: str | None) -> None:
    # Ctrl-C reaches the whole process group: the crawl process decides how to stop (Scrapy
    # finishes what is in flight), so a worker must not die under the pages it holds
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_TOPICS[:] = load_topics(topics_path)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                     name="provwatch-parent-watch").start()


def _exit_with_parent(parent: int) -> None:
    """End this worker when the crawl process is gone (killed with SIGKILL, say).

    A pool worker holds both ends of its task pipe, so it never sees the parent's end
    close: without this it would wait for work forever, one orphan per killed run.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _ready() -> int:
    return os.getpid()


def decoded(body: bytes, encoding: str | None) -> str | bytes:
    """A fetched page as text in the encoding Scrapy found, or its bytes if it found none."""
    return body.decode(encoding, errors="replace") if encoding else body


def _analyse_in_worker(body: bytes, encoding: str | None, url: str,
                       hints: ExtractHints | None) -> Analysis:
    # decoded here: decoding and pickling text would be reactor-process work
    return analyse_page(decoded(body, encoding), url, hints, _WORKER_TOPICS)


# -- reactor side ----------------------------------------------------------------------------
class AnalysisPool:
    """A process pool for ``analyse_page``, replaced whole if a worker dies."""

    def __init__(self, workers: int, topics_path: str | None,
                 timeout: float | None = None) -> None:
        self.workers = workers
        self.topics_path = topics_path
        self.timeout = timeout or None
        self.executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(self.topics_path,))

    def warm_up(self) -> None:
        """Start every worker now (imports take about a second) instead of on first use."""
        for _ in range(self.workers):
            self.executor.submit(_ready)

    async def analyse(self, body: bytes, encoding: str | None, url: str,
                      hints: ExtractHints | None) -> Analysis:
        """The page's analysis; a worker death is retried once on a fresh pool.

        A dying worker breaks every page in flight, not only the one that killed it: those
        get their second chance, and a page that kills a worker twice is given up. A page
        whose analysis outlasts the timeout (a pathological page) has its worker killed,
        and is given up at once.
        """
        for attempt in (1, 2):
            executor = self.executor
            try:
                future: Future[Analysis] = executor.submit(
                    _analyse_in_worker, body, encoding, url, hints)
                return await await_future(future, self.timeout)
            except TimeoutError as exc:
                logger.error("analysis of %s took over %s s: killing its worker", url,
                             self.timeout)
                self._replace(executor, kill=True)
                raise AnalysisTimeout(f"analysis took longer than {self.timeout} s"
                                      ) from exc
            except BrokenProcessPool as exc:
                if self.executor is executor:  # the first page to see it replaces the pool
                    logger.error("an analysis worker died (while %s was in flight); "
                                 "starting new workers", url)
                    self._replace(executor)
                if attempt == 2:
                    raise WorkerDied(f"an analysis worker died twice while handling {url}"
                                     ) from exc
        raise AssertionError("unreachable")

    def _replace(self, executor: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """A new pool for the pages to come; the old one's workers killed if asked."""
        if self.executor is not executor:
            return
        if kill:
            # ProcessPoolExecutor cannot cancel a running call: its processes are killed,
            # and the other pages in flight see a broken pool and are retried
            for process in list(getattr(executor, "_processes", {}).values()):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new_executor()

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
