"""Awaiting a ``concurrent.futures.Future`` from Scrapy code, on whichever reactor runs.

The analysis worker pool and the store thread both hand work to an executor and await the
result from a pipeline coroutine; this is the one place that knows how.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


async def await_future(future: Future[T], timeout: float | None = None) -> T:
    """The future's result (TimeoutError after ``timeout`` seconds, if given).

    With the asyncio reactor the future is awaited on the event loop; with another Twisted
    reactor a reactor pool thread waits for it instead.
    """
    # imported here: worker processes import modules that import this one, and need
    # neither Scrapy nor Twisted
    from scrapy.utils.asyncio import is_asyncio_available

    if is_asyncio_available():
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)
    from scrapy.utils.defer import deferred_to_future
    from twisted.internet import threads

    result: T = await deferred_to_future(threads.deferToThread(future.result, timeout))
    return result
