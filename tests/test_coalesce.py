"""Coalescer: concurrent lookups share fetches, each caller gets its own keys or the error."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from graph_api.coalesce import AsyncCoalescer, Coalescer


def test_lookups_waiting_behind_a_fetch_share_the_next_one():
    calls: list[list[int]] = []
    release = threading.Event()

    def fetch(keys):
        calls.append(sorted(keys))
        if len(calls) == 1:
            assert release.wait(10)
        return {k: k * 10 for k in keys if k % 2 == 0}

    c = Coalescer(fetch, dispatchers=1)
    with ThreadPoolExecutor(9) as ex:
        first = ex.submit(c.get, [0])
        while not calls:
            pass
        later = [ex.submit(c.get, [k, k + 1]) for k in range(2, 18, 2)]
        while c._queue.qsize() < len(later):  # all queued behind the first fetch
            pass
        release.set()
        assert first.result() == {0: 0}
        assert [f.result() for f in later] == [{k: k * 10} for k in range(2, 18, 2)]
    assert calls == [[0], list(range(2, 18))]  # eight lookups, one fetch
    c.close()


def test_errors_reach_every_caller_of_the_fetch_and_later_calls_go_on():
    fail = threading.Event()
    fail.set()

    def fetch(keys):
        if fail.is_set():
            raise ConnectionError("store down")
        return dict.fromkeys(keys, "ok")

    c = Coalescer(fetch)
    with pytest.raises(ConnectionError, match="store down"):
        c.get(["a"])
    fail.clear()
    assert c.get(["a", "b", "a"]) == {"a": "ok", "b": "ok"}
    assert c.get([]) == {}
    c.close()
    with pytest.raises(RuntimeError, match="closed"):
        c.get(["a"])


def test_many_threads_get_their_own_answers():
    c = Coalescer(lambda keys: {k: -k for k in keys}, dispatchers=2, max_keys=7)
    with ThreadPoolExecutor(16) as ex:
        got = list(ex.map(lambda k: c.get([k, k + 1000]), range(500)))
    assert got == [{k: -k, k + 1000: -(k + 1000)} for k in range(500)]
    c.close()


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
