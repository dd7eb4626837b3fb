"""Joining concurrent lookups by key into one fetch (for stores across a network).

Under load, many requests ask a remote store for a few keys each at the same moment; each
round trip costs the client far more than the rows it returns. Both coalescers queue the
keys of each caller; while a fetch is out, the keys that arrive wait, and the next fetch
takes everything queued so far in one call and hands every caller its part. An idle
coalescer fetches a lone request at once. Nothing is kept between calls: every lookup reads
the store.

``Coalescer`` serves threads (a few dispatcher threads make the fetches); ``AsyncCoalescer``
serves one event loop, whose callers wait without holding a thread.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_STOP = object()


class Coalescer(Generic[K, V]):
    def __init__(
        self,
        fetch: Callable[[list[K]], dict[K, V]],
        *,
        dispatchers: int = 2,
        max_keys: int = 1000,
    ) -> None:
        """``fetch(keys)`` returns the values of those keys that exist; ``dispatchers``
        fetches may run at once, each for at most ``max_keys`` keys (more when one caller
        asks for more)."""
        self._fetch = fetch
        self._max_keys = max_keys
        self._count = dispatchers
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def get(self, keys: Sequence[K]) -> dict[K, V]:
        """The values of ``keys`` that exist (raises what ``fetch`` raised)."""
        if not self._threads:
            self._start()
        done: Future = Future()
        self._queue.put((list(keys), done))
        return done.result()

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the coalescer is closed")
            while len(self._threads) < self._count:
                t = threading.Thread(target=self._run, name="prl-coalesce", daemon=True)
                t.start()
                self._threads.append(t)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            size = len(first[0])
            while size < self._max_keys:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)  # for the next dispatcher, after this batch
                    break
                batch.append(item)
                size += len(item[0])
            self._serve(batch)

    def _serve(self, batch: list[tuple[list[K], Future]]) -> None:
        keys = list(dict.fromkeys(k for ks, _ in batch for k in ks))
        try:
            found = self._fetch(keys)
        except BaseException as e:  # every waiting caller gets the error
            for _, done in batch:
                done.set_exception(e)
            return
        for ks, done in batch:
            done.set_result({k: found[k] for k in ks if k in found})

    def close(self) -> None:
        """Stop the dispatchers once the queued lookups are answered."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(_STOP)
        for t in threads:
            t.join(timeout=30)


class AsyncCoalescer(Generic[K, V]):
    """``Coalescer`` for the tasks of one event loop: ``await get(keys)``; one fetch (a
    coroutine) at a time, made by a task that takes everything queued while the last ran."""

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
