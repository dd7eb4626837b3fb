"""Joining concurrent lookups by key into one fetch (for stores across a network).

Under load, many threads ask a remote store for a few keys each at the same moment; each
round trip costs the client far more than the rows it returns. ``Coalescer.get`` queues the
keys and waits; a few dispatcher threads each take everything queued so far, fetch it in one
call and hand every caller its part. An idle coalescer fetches a lone request at once, so it
adds a thread hand-off, not a delay. Nothing is kept between calls: every lookup reads the
store.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_STOP = object()
# how a caller waits: a thread's future, or an event loop and its future
Waiter = Future | tuple[asyncio.AbstractEventLoop, asyncio.Future]


def _settle(settle: list[tuple[asyncio.Future, dict | None]], error: BaseException | None):
    for done, outcome in settle:
        if done.done():  # cancelled: the request went away
            continue
        if error is None:
            done.set_result(outcome)
        else:
            done.set_exception(error)


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

    async def get_async(self, keys: Sequence[K]) -> dict[K, V]:
        """``get`` for the event loop: it waits without holding a thread."""
        if not self._threads:
            self._start()
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._queue.put((list(keys), (loop, done)))
        return await done

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

    def _serve(self, batch: list[tuple[list[K], Waiter]]) -> None:
        keys = list(dict.fromkeys(k for ks, _ in batch for k in ks))
        try:
            found = self._fetch(keys)
            error = None
        except BaseException as e:  # every waiting caller gets the error
            found, error = {}, e
        loops: dict[asyncio.AbstractEventLoop, list] = {}
        for ks, done in batch:
            outcome = {k: found[k] for k in ks if k in found} if error is None else None
            if isinstance(done, Future):
                if error is None:
                    done.set_result(outcome)
                else:
                    done.set_exception(error)
            else:  # an event loop's future: settled by its loop, one wake-up per batch
                loops.setdefault(done[0], []).append((done[1], outcome))
        for loop, settle in loops.items():
            try:
                loop.call_soon_threadsafe(_settle, settle, error)
            except RuntimeError:  # the loop closed while its callers waited
                pass

    def close(self) -> None:
        """Stop the dispatchers once the queued lookups are answered."""
        with self._lock:
            self._closed = True
            threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(_STOP)
        for t in threads:
            t.join(timeout=30)
