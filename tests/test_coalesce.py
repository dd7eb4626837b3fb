"""AsyncCoalescer: concurrent lookups share fetches, each caller gets its own keys or the error."""

from __future__ import annotations

import asyncio

import pytest

from prl.graph_api.store.neo4j.coalesce import AsyncCoalescer


def test_event_loop_callers_share_fetches_and_get_their_part_or_the_error():
    calls: list[list[int]] = []
    release = asyncio.Event()

    async def fetch(keys):
        calls.append(sorted(keys))
        if len(calls) == 1:
            await release.wait()
        if 13 in keys:
            raise ConnectionError("store down")
        return {k: k * 10 for k in keys if k != 5}

    c = AsyncCoalescer(fetch)

    async def main():
        first = asyncio.ensure_future(c.get([0]))
        while not calls:
            await asyncio.sleep(0)
        later = [asyncio.ensure_future(c.get([k, k + 100])) for k in range(1, 6)]
        gone = asyncio.ensure_future(c.get([6]))
        await asyncio.sleep(0)  # all queued behind the first fetch
        gone.cancel()  # its request went away: the others are still answered
        release.set()
        assert await first == {0: 0}
        assert await asyncio.gather(*later) == [
            {k: k * 10, k + 100: (k + 100) * 10} if k != 5 else {105: 1050} for k in range(1, 6)
        ]
        with pytest.raises(ConnectionError, match="store down"):
            await c.get([13])
        assert await c.get([]) == {}
        return await c.get([7, 7])  # after an error, later calls go on

    assert asyncio.run(main()) == {7: 70}
    assert calls[:2] == [[0], [1, 2, 3, 4, 5, 6, 101, 102, 103, 104, 105]]
