"""A small thread-safe LRU cache with a time to live and a size in bytes, for answers the API
computes often (JSON bytes).

The graph changes only when a document is loaded or removed. Writes through this app clear
the cache at once; writes by another process (``prl load`` beside a running server) show
after at most ``ttl`` seconds. The cache holds at most ``max_bytes`` of answers (their
length plus a fixed charge per entry for the key and the bookkeeping); expired answers are
swept out at least every ``ttl`` seconds of use, so memory goes back to the allocator after
their lifetime, not only when the bound is reached. ``max_bytes=0`` or ``ttl=0`` turns
caching off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

#: bytes charged per entry beyond the answer: the key tuple, its strings, the dict slot
ENTRY_OVERHEAD = 400


class AnswerCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024, ttl: float = 60.0) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._data: OrderedDict[Hashable, tuple[float, bytes, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._next_sweep = 0.0
        self.bytes = 0  # what the entries are charged, now
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.ttl > 0

    def __len__(self) -> int:
        return len(self._data)

    def peek(self, key: Hashable) -> bytes | None:
        """The cached value, or None (cheap: for the event loop before going to a thread)."""
        if not self.enabled:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                if hit[0] > now:
                    self._data.move_to_end(key)
                    self.hits += 1
                    return hit[1]
                self._drop(key)
        return None

    def put(self, key: Hashable, value: bytes | None) -> bytes | None:
        """Keep ``value`` (computed after ``peek`` missed; None is not kept, nor an answer
        over an eighth of the bound) and return it."""
        if not self.enabled or value is None:
            return value
        size = len(value) + ENTRY_OVERHEAD
        now = time.monotonic()
        with self._lock:
            self.misses += 1
            if now >= self._next_sweep:
                self._sweep(now)
            if size > self.max_bytes // 8:
                return value
            if key in self._data:
                self._drop(key)
            self._data[key] = (now + self.ttl, value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._data)))
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.bytes = 0

    def _drop(self, key: Hashable) -> None:
        self.bytes -= self._data.pop(key)[2]

    def _sweep(self, now: float) -> None:
        for key in [k for k, (expires, _, _) in self._data.items() if expires <= now]:
            self._drop(key)
        self._next_sweep = now + self.ttl
