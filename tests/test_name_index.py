"""The in-memory name index equals a naive substring scan, and the Neo4j store refreshes it
when another process writes."""

from __future__ import annotations

import random
import time

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef

from prl.graph_api.store.name_index import Memo, NameIndex
from prl.graph_api.store.neo4j.reading import neo4j_order
from tests.conftest import neo4j_uri

ALPHABET = "许可证经营食品餐饮ab𝔸\uffff"
PRL = Namespace("https://w3id.org/prl/ontology#")


def naive_match(powers: dict[str, list[str]], term: str, key=None) -> list[str]:
    return sorted((i for i, ns in powers.items() if any(term in n for n in ns)), key=key)


def naive_search(powers, terms, limit, key=None) -> list[tuple[str, int]]:
    rows = [(i, sum(any(t in n for n in ns) for t in terms)) for i, ns in powers.items()]
    order = key or (lambda s: s)
    rows = sorted((r for r in rows if r[1] > 0), key=lambda r: (-r[1], order(r[0])))
    return rows[:limit]


def random_powers(rng: random.Random, n: int) -> dict[str, list[str]]:
    powers = {}
    for k in range(n):
        iri = f"https://w3id.org/prl/id/power/{rng.choice(ALPHABET)}{k:04d}"
        names = [
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
            for _ in range(rng.choice((0, 1, 1, 1, 1, 2, 3)))
        ]
        powers[iri] = names
    return powers


def random_term(rng: random.Random, powers) -> str:
    names = [n for ns in powers.values() for n in ns if n]
    if names and rng.random() < 0.5:
        name = rng.choice(names)
        i = rng.randrange(len(name))
        return name[i : i + rng.randint(0, 6)]
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 5)))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("key", [None, neo4j_order], ids=["str", "utf16"])
def test_equals_naive_scan(seed, key):
    rng = random.Random(seed)
    powers = random_powers(rng, rng.choice((1, 5, 60, 400)))
    index = NameIndex.build(powers.items(), key=key)
    assert index.iris == sorted(powers, key=key)
    for _ in range(60):
        term = random_term(rng, powers)
        expected = naive_match(powers, term, key)
        assert index.find(term) == (expected, len(expected)), term
        assert index.find(term, 2, 3) == (expected[2:5], len(expected))
        terms = [random_term(rng, powers) for _ in range(rng.randint(1, 8))]
        limit = rng.choice((1, 3, 50, 1000))
        assert index.search(terms, limit) == naive_search(powers, terms, limit, key), terms


def test_repeated_empty_and_single_character_terms():
    powers = {"a": ["许可证"], "b": ["经营许可"], "c": ["食品"], "d": [""], "e": []}
    index = NameIndex.build(powers.items())
    assert index.search(["许可", "许可"], 10) == [("a", 2), ("b", 2)]
    assert index.search(["许可", "许可", "食"], 10) == [("a", 2), ("b", 2), ("c", 1)]
    # the empty term is in every name, even the empty one, but not in a power with none
    assert index.search([""], 10) == [("a", 1), ("b", 1), ("c", 1), ("d", 1)]
    assert index.find("")[1] == 4
    assert index.find("许") == (["a", "b"], 2)
    assert index.find("证") == (["a"], 1)
    assert index.find("可证经") == ([], 0)  # bigrams present, but not as one substring
    assert index.find("营许可") == (["b"], 1)
    assert index.search([], 10) == []
    assert index.search(["许"], 0) == []
    assert index.search(["x"], 10) == []


def test_several_names_and_repeated_iris():
    index = NameIndex.build([("p", "甲乙"), ("p", ["丙丁戊"]), ("q", None), ("r", ["乙丙", 3])])
    assert index.find("丁戊") == (["p"], 1)
    assert index.find("乙丙") == (["r"], 1)  # not across two names of p
    assert index.find("甲乙") == (["p"], 1)
    assert index.search(["乙", "丙丁戊", "丙"], 5) == [("p", 3), ("r", 2)]
    assert len(index) == 3


def test_empty_index():
    index = NameIndex.build([])
    assert index.find("许可") == ([], 0)
    assert index.find("") == ([], 0)
    assert index.search(["许可", ""], 10) == []


def test_neo4j_order_is_utf16():
    iris = ["a\uffff", "a\U0001d538", "ab", "a"]
    assert sorted(iris, key=neo4j_order) == ["a", "ab", "a\U0001d538", "a\uffff"]


def test_memo_drops_values_of_another_index():
    memo, calls = Memo(size=3), []

    def fetch(keys):
        calls.append(list(keys))
        return {k: k.upper() for k in keys if k != "none"}

    one, two = object(), object()
    assert memo.get_many(one, ["a", "b", "none"], fetch) == {"a": "A", "b": "B"}
    assert memo.get_many(one, ["b", "a"], fetch) == {"b": "B", "a": "A"}
    assert calls == [["a", "b", "none"]]
    assert memo.get_many(two, ["a"], fetch) == {"a": "A"}
    assert calls[-1] == ["a"]
    assert memo.get_many(two, ["c", "d", "e"], fetch) == {"c": "C", "d": "D", "e": "E"}


# ------------------------------------------------------------------ Neo4j staleness
def _document(n: int, word: str) -> tuple[str, Graph]:
    doc = f"https://w3id.org/prl/id/list/name-index-{n}"
    g = Graph()
    p = URIRef(f"https://w3id.org/prl/id/power/name-index-{n}")
    g.add((p, RDF.type, PRL.Power))
    g.add((p, RDFS.label, Literal(f"{word}许可", lang="zh")))
    g.add((p, PRL.listedIn, URIRef(doc)))
    return doc, g


@pytest.mark.neo4j
def test_neo4j_sees_writes_of_another_instance_within_refresh():
    uri = neo4j_uri()
    if not uri:
        pytest.skip("neo4j: set PRL_TEST_NEO4J_URI")
    from prl.graph_api.store import StoreUnavailable
    from prl.graph_api.store.models import PowerFilter
    from prl.graph_api.store.neo4j import Neo4jStore
    from prl.graph_api.store.neo4j.reading import REFRESH

    reader, writer = Neo4jStore(uri), Neo4jStore(uri)
    try:
        try:
            reader.ping()
        except StoreUnavailable as e:
            pytest.skip(f"neo4j: no server at {uri}: {e}")
        reader.clear()
        doc, g = _document(1, "甲")
        reader.load_graph(doc, g)
        # own writes show at once
        assert [s.name for s, _ in reader.search_powers(["甲许"])] == ["甲许可"]
        doc2, g2 = _document(2, "乙")
        writer.load_graph(doc2, g2)
        t = time.monotonic()
        while not reader.search_powers(["乙许"]):
            assert time.monotonic() - t < REFRESH + 2, "a write by another instance not seen"
            time.sleep(0.05)
        assert reader.find_powers(PowerFilter(text="许可")).total == 2
        writer.remove_document(doc)
        t = time.monotonic()
        while reader.find_powers(PowerFilter(text="许可")).total != 1:
            assert time.monotonic() - t < REFRESH + 2, "a removal by another instance not seen"
            time.sleep(0.05)
        writer.clear()
        t = time.monotonic()
        while reader.search_powers(["许可"]):
            assert time.monotonic() - t < REFRESH + 2, "a clear by another instance not seen"
            time.sleep(0.05)
    finally:
        reader.clear()
        reader.close()
        writer.close()
