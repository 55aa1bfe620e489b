"""One Store per crawler, shared by the components that need it.

Scrapy builds each component separately through ``from_crawler``; they all reach the same
SQLite connection through this accessor instead of opening one each.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

from store.db import Store

_STORES: WeakKeyDictionary[Any, Store] = WeakKeyDictionary()


def store_for(crawler: Any) -> Store:
    """The Store at the crawler's ``PROVWATCH_DB`` setting, opened once per crawler."""
    store = _STORES.get(crawler)
    if store is None:
        store = Store(crawler.settings.get("PROVWATCH_DB", "provwatch.db"))
        _STORES[crawler] = store
    return store


def close_store(crawler: Any) -> None:
    store = _STORES.pop(crawler, None)
    if store is not None:
        store.close()
