"""The answer cache is bounded in bytes, least recently used first out, and lets expired
answers go (so memory comes back after their lifetime, not only at the bound)."""

from __future__ import annotations

import pytest

from prl.graph_api.web import cache as cache_module
from prl.graph_api.web.cache import ENTRY_OVERHEAD, AnswerCache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: now[0])
    return now


def test_bounded_in_bytes_lru_first(clock):
    c = AnswerCache(max_bytes=10 * (1000 + ENTRY_OVERHEAD), ttl=60)
    for i in range(30):
        c.put(i, bytes(1000))
        assert c.bytes <= c.max_bytes
    assert len(c) == 10 and c.bytes == 10 * (1000 + ENTRY_OVERHEAD)
    assert c.peek(20) is not None  # 20 is now the most recent
    c.put("new", bytes(1000))
    assert c.peek(21) is None and c.peek(20) is not None


def test_one_answer_over_an_eighth_of_the_bound_is_not_kept(clock):
    c = AnswerCache(max_bytes=80_000, ttl=60)
    big = bytes(20_000)
    assert c.put("big", big) is big and c.peek("big") is None and c.bytes == 0
    c.put("small", bytes(100))
    assert c.peek("small") == bytes(100)


def test_expired_answers_are_swept_out(clock):
    c = AnswerCache(max_bytes=1 << 30, ttl=60)
    for i in range(2000):
        c.put(i, bytes(1000))
    assert c.bytes > 2_000_000
    clock[0] += 61
    assert c.peek(5) is None  # expired: not served
    c.put("after", b"x")  # the first write after the lifetime sweeps the rest
    assert len(c) == 1 and c.bytes == 1 + ENTRY_OVERHEAD


def test_replacing_and_clearing_keep_the_count_right(clock):
    c = AnswerCache(max_bytes=1 << 20, ttl=60)
    c.put("k", bytes(10))
    c.put("k", bytes(30))
    assert len(c) == 1 and c.bytes == 30 + ENTRY_OVERHEAD and c.peek("k") == bytes(30)
    c.clear()
    assert len(c) == 0 and c.bytes == 0


@pytest.mark.parametrize("args", [(0, 60), (1 << 20, 0)])
def test_off(clock, args):
    c = AnswerCache(*args)
    assert not c.enabled
    c.put("k", b"v")
    assert c.peek("k") is None and len(c) == 0
