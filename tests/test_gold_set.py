"""The gold question set (tests/data/gold_questions.json) against the real graph.

Each entry is a question in ordinary Chinese with the answer a user should get: the power
(rdfs:label), the body exercising it (prl:exercisedBy, or any of ``expected_body_any``) and
an instrument its legal basis cites (prl:hasCitation / prl:citesInstrument, eli:title).
The shape checks run everywhere; the graph checks ingest ../shared/data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph

from prl.graph_api.answers.evaluation import title_key
from prl.ingest.vocab import ELI, PRL, PROV
from tests.conftest import TEST_DATA

GOLD = TEST_DATA / "gold_questions.json"
TUNED2 = TEST_DATA / "gold_questions_tuned2.json"
HELDOUT = TEST_DATA / "gold_questions_heldout.json"
KINDS = {"short", "partial", "question", "colloquial", "misspelt", "place", "article"}


def load_gold() -> list[dict]:
    """All gold files (the two tuning sets and the held-out one)."""
    return [e for f in (GOLD, TUNED2, HELDOUT) for e in json.loads(f.read_text(encoding="utf-8"))]


def answerable() -> list[dict]:
    return [e for e in load_gold() if e.get("answerable", True)]


def accepted_bodies(entry: dict) -> set[str]:
    """A power of two bodies is written "A|B": either answers."""
    named = set(entry.get("expected_body_any") or []) | {entry["expected_body"]}
    return {b for x in named for b in x.split("|")}


# ------------------------------------------------------------------ shape
def test_gold_file_shape():
    gold = load_gold()
    assert len(gold) >= 40
    questions = [e["question"] for e in gold]
    assert len(set(questions)) == len(questions), "questions must be unique"
    ids = [e["id"] for e in gold]
    assert len(set(ids)) == len(ids), "ids must be unique"
    for e in gold:
        if not e.get("answerable", True):  # the lists hold no such power: say why
            assert e["kind"] in KINDS and e["why"].strip(), e
            continue
        for key in ("question", "expected_body", "expected_instrument", "expected_power"):
            assert isinstance(e.get(key), str) and e[key].strip(), (e["id"], key)
        assert e["kind"] in KINDS, e
        assert {"file", "sheet", "row"} <= set(e["source"]), e
        if "expected_body_any" in e:
            assert e["expected_body"] in e["expected_body_any"], e
        if e["kind"] == "short":  # a keyword query, not a sentence
            assert 2 <= len(e["question"]) <= 16, e
    verbatim = [e["id"] for e in answerable() if e["expected_power"] in e["question"]]
    assert len(verbatim) <= 10, verbatim


# ------------------------------------------------------------------ against the graph
def power_index(g: Graph) -> dict[str, list[dict]]:
    """label -> [{bodies, instruments, sources}] for every prl:Power."""
    index: dict[str, list[dict]] = defaultdict(list)
    for p in set(g.subjects(RDF.type, PRL.Power)):
        bodies = {
            str(lbl) for b in g.objects(p, PRL.exercisedBy) for lbl in g.objects(b, RDFS.label)
        }
        instruments = {
            str(t)
            for c in g.objects(p, PRL.hasCitation)
            for iv in g.objects(c, PRL.citesInstrument)
            for t in g.objects(iv, ELI.title)
        }
        sources = {
            (
                str(g.value(sr, PRL.fileName)),
                None if g.value(sr, PRL.sheetName) is None else str(g.value(sr, PRL.sheetName)),
                None if g.value(sr, PRL.rowNumber) is None else int(g.value(sr, PRL.rowNumber)),
            )
            for sr in g.objects(p, PROV.wasDerivedFrom)
        }
        for lbl in g.objects(p, RDFS.label):
            index[str(lbl)].append(
                {"bodies": bodies, "instruments": instruments, "sources": sources}
            )
    return index


@pytest.mark.shared_data
@pytest.mark.slow
def test_gold_answers_exist_in_graph(real_graph):
    index = power_index(real_graph)
    problems = []
    for e in answerable():
        powers = index.get(e["expected_power"], [])
        if not powers:
            problems.append((e["id"], "no power with this label", e["expected_power"]))
            continue
        bodies = accepted_bodies(e)
        hits = [p for p in powers if p["bodies"] & bodies]
        if not hits:
            problems.append((e["id"], "power not exercised by", bodies))
        elif not any(
            title_key(e["expected_instrument"]) in {title_key(t) for t in p["instruments"]}
            for p in hits
        ):
            problems.append((e["id"], "power does not cite", e["expected_instrument"]))
        src = e["source"]
        expected_src = (Path(src["file"]).name, src["sheet"] or None, src["row"])  # JSON: no sheet
        mine = [p for p in powers if p["bodies"] & set(e["expected_body"].split("|"))]
        if not any(
            (Path(f).name, s, r) == expected_src for p in mine for (f, s, r) in p["sources"]
        ):
            problems.append((e["id"], "source record not found", expected_src))
    assert problems == [], problems
