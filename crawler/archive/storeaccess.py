"""One Store per crawler, owned by one thread, shared by the components that need it.

Scrapy builds each component separately through ``from_crawler``; they all reach the same
SQLite connection through this accessor instead of opening one each.

The connection lives in a dedicated thread and every call runs there, in order. sqlite3
releases the GIL while SQLite works, so writing an article (B-trees, the search index, the
WAL) goes on beside the reactor instead of stopping it; a single owner also means a single
writer, so no component ever waits on another's open transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from crawler.archive.database import open_store
from crawler.core.futures import await_future
from store.db import Store

logger = logging.getLogger(__name__)
T = TypeVar("T")


class StoreThread:
    """A Store opened in, and only used from, its own thread."""

    def __init__(self, path: str) -> None:
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="provwatch-store")
        self.store: Store = self.executor.submit(open_store, path).result()

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(store, *args)`` in the store thread and wait for its result."""
        return self.executor.submit(fn, self.store, *args, **kwargs).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(store, *args)`` in the store thread; await it without blocking."""
        return await await_future(self.executor.submit(fn, self.store, *args, **kwargs))

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Run ``fn(store, *args)`` in the store thread; nobody waits, failures are logged."""
        self.executor.submit(fn, self.store, *args, **kwargs).add_done_callback(_log_failure)

    def close(self) -> None:
        """Commit what is pending, close the connection, end the thread."""
        try:
            self.executor.submit(self.store.close).result()
        finally:
            self.executor.shutdown(wait=True)


def _log_failure(future: Future[Any]) -> None:
    error = future.exception()
    if error is not None:
        logger.error("store update failed: %s", error)


_STORES: WeakKeyDictionary[Any, StoreThread] = WeakKeyDictionary()


def store_for(crawler: Any) -> StoreThread:
    """The store at the crawler's ``PROVWATCH_DB`` setting, opened once per crawler."""
    store = _STORES.get(crawler)
    if store is None:
        store = StoreThread(crawler.settings.get("PROVWATCH_DB"))
        _STORES[crawler] = store
    return store


def close_store(crawler: Any) -> None:
    store = _STORES.pop(crawler, None)
    if store is not None:
        store.close()
