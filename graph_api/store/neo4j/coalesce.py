"""Joining concurrent lookups by key into one fetch (for stores across a network).

Under load, many requests ask a remote store for a few keys each at the same moment; each
round trip costs the client far more than the rows it returns. ``AsyncCoalescer`` queues the
keys of each caller of one event loop; while a fetch is out, the keys that arrive wait, and
the next fetch takes everything queued so far in one call and hands every caller its part.
An idle coalescer fetches a lone request at once. Nothing is kept between calls: every
lookup reads the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class AsyncCoalescer(Generic[K, V]):
    """Lookups of the tasks of one event loop: ``await get(keys)``; one fetch (a coroutine)
    at a time, made by a task that takes everything queued while the last ran."""

    def __init__(self, fetch: Callable[[list[K]], Awaitable[dict[K, V]]]) -> None:
        self._fetch = fetch
        self._queued: list[tuple[list[K], asyncio.Future]] = []
        self._fetching = False

    async def get(self, keys: Sequence[K]) -> dict[K, V]:
        """The values of ``keys`` that exist (raises what ``fetch`` raised)."""
        done = asyncio.get_running_loop().create_future()
        self._queued.append((list(keys), done))
        if not self._fetching:
            self._fetching = True
            asyncio.get_running_loop().create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                keys = list(dict.fromkeys(k for ks, _ in batch for k in ks))
                try:
                    found = await self._fetch(keys)
                except Exception as e:  # every waiting caller gets the error
                    for _, done in batch:
                        if not done.done():  # not cancelled: the request is still there
                            done.set_exception(e)
                    continue
                for ks, done in batch:
                    if not done.done():
                        done.set_result({k: found[k] for k in ks if k in found})
        finally:
            self._fetching = False
