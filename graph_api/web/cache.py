"""A small thread-safe LRU cache with a time to live, for answers the API computes often.

The graph changes only when a document is loaded or removed. Writes through this app clear
the cache at once; writes by another process (``prl load`` beside a running server) show
after at most ``ttl`` seconds. ``maxsize=0`` or ``ttl=0`` turns caching off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import TypeVar

T = TypeVar("T")


class AnswerCache:
    def __init__(self, maxsize: int = 10_000, ttl: float = 60.0) -> None:
        self.maxsize, self.ttl = maxsize, ttl
        self._data: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.maxsize > 0 and self.ttl > 0

    def peek(self, key: Hashable) -> object | None:
        """The cached value, or None (cheap: for the event loop before going to a thread)."""
        if not self.enabled:
            return None
        with self._lock:
            hit = self._data.get(key)
            if hit is not None and hit[0] > time.monotonic():
                self._data.move_to_end(key)
                self.hits += 1
                return hit[1]
        return None

    def put(self, key: Hashable, value: T) -> T:
        """Keep ``value`` (computed after ``peek`` missed; None is not kept) and return it."""
        if not self.enabled or value is None:
            return value
        with self._lock:
            self.misses += 1
            self._data[key] = (time.monotonic() + self.ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
