"""Per-client limits for the expensive routes (SPARQL, reports): a rate (a token bucket:
``rate`` requests a second, ``burst`` at once) and a number in flight, per client address.

A client over either gets ``429 Too Many Requests`` with ``Retry-After`` (seconds), at once
and without touching the store, so one client cannot hold every SPARQL worker or keep the
report builder busy for the others. Clients are told apart by the peer address of the
connection (behind a reverse proxy, set the proxy's own limits: ``X-Forwarded-For`` is
whatever a client writes). At most ``max_clients`` addresses are remembered, the longest
idle forgotten first, so a flood of addresses costs a bounded amount of memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi import HTTPException, Request


@dataclass
class _Client:
    tokens: float
    at: float
    running: int = 0


class ClientLimits:
    def __init__(
        self,
        name: str,
        *,
        rate: float,
        burst: int,
        concurrent: int,
        max_clients: int = 10_000,
    ) -> None:
        self.name, self.rate, self.burst, self.concurrent = name, rate, burst, concurrent
        self.max_clients = max_clients
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()
        self.refused = 0

    def acquire(self, client: str) -> float | None:
        """None when ``client`` may go on (then ``release`` it), else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            c = self._clients.get(client)
            if c is None:
                c = self._clients[client] = _Client(float(self.burst), now)
                while len(self._clients) > self.max_clients:
                    oldest = next(iter(self._clients))
                    if self._clients[oldest].running:
                        self._clients.move_to_end(oldest)  # in flight: kept
                        if oldest == client:
                            break
                        continue
                    del self._clients[oldest]
            self._clients.move_to_end(client)
            if self.rate > 0:
                c.tokens = min(float(self.burst), c.tokens + (now - c.at) * self.rate)
                c.at = now
                if c.tokens < 1:
                    self.refused += 1
                    return (1 - c.tokens) / self.rate
            if self.concurrent > 0 and c.running >= self.concurrent:
                self.refused += 1
                return 1.0
            if self.rate > 0:
                c.tokens -= 1
            c.running += 1
            return None

    def release(self, client: str) -> None:
        with self._lock:
            c = self._clients.get(client)
            if c is not None and c.running:
                c.running -= 1


def client_of(request: Request) -> str:
    return request.client.host if request.client else "-"


def limited(name: str):
    """A FastAPI dependency holding the app's ``ClientLimits`` called ``name`` for the
    request (429 with ``Retry-After`` when the client is over it)."""

    async def hold(request: Request) -> AsyncIterator[None]:
        limits: ClientLimits = request.app.state.limits[name]
        client = client_of(request)
        wait = limits.acquire(client)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise HTTPException(
                429,
                f"too many {name} requests from {client}: at most {limits.burst} at once and "
                f"{limits.rate:g} a second, {limits.concurrent} running; retry after "
                f"{seconds} s",
                headers={"Retry-After": str(seconds)},
            )
        try:
            yield
        finally:
            limits.release(client)

    return hold
