"""The gold questions (tests/data/gold_questions.json), written from the real lists: the
expected body and instrument must be in the top 3 answers for at least 90% of them, on
every store loaded with all real lists and the statutes they cite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prl.graph_api.answers.responsibility import responsibility
from tests.conftest import BACKENDS, make_store

GOLD = Path(__file__).parent / "data" / "gold_questions.json"


def gold() -> list[dict]:
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=BACKENDS)
def real_store(request, real_nq, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp(f"gold-{request.param}"))
    store.load_file(real_nq)
    yield store
    store.close()


def hit(entry: dict, answer: dict) -> bool:
    bodies = {b["label"] for b in answer["bodies"]}
    expected = set(entry.get("expected_body_any") or [entry["expected_body"]])
    titles = {
        c["instrument"]["title"]
        for c in answer["citations"]
        if c["role"] == "basis" and c["instrument"]
    }
    return bool(bodies & expected) and entry["expected_instrument"] in titles


@pytest.mark.shared_data
@pytest.mark.slow
def test_gold_top3(real_store):
    entries = gold()
    assert len(entries) >= 40
    misses = []
    for e in entries:
        answers = responsibility(real_store, e["question"], limit=3)["answers"]
        if not any(hit(e, a) for a in answers):
            misses.append((e["id"], e["question"], [a["power"]["name"] for a in answers]))
    share = 1 - len(misses) / len(entries)
    print(
        f"{real_store.kind}: top-3 hit rate {share:.1%} ({len(entries) - len(misses)}/{len(entries)})"
    )
    for m in misses:
        print("  miss:", m)
    assert share >= 0.9, misses
