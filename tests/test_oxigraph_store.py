"""What only the embedded store does: files on disk, the search index, the /sparql guard."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from prl.graph_api.store import (
    QueryInvalid,
    QueryRefused,
    QueryTimeout,
    StoreCorrupt,
    StoreUnavailable,
)
from prl.graph_api.store.models import PowerFilter
from prl.graph_api.store.oxigraph import OxigraphStore
from prl.graph_api.store.oxigraph.side_index import PowerIndex, PowerRow
from prl.ingest.vocab import PRL

DOC = "https://w3id.org/prl/id/list/test"


def tiny_document(names: list[str], doc: str = DOC) -> Graph:
    g = Graph()
    d = URIRef(doc)
    g.add((d, RDF.type, PRL.ListDocument))
    for i, name in enumerate(names):
        p = URIRef(f"https://w3id.org/prl/id/power/b/{i:04d}")
        g.add((p, RDF.type, PRL.Power))
        g.add((p, RDFS.label, Literal(name, lang="zh")))
        g.add((p, PRL.listedIn, d))
    return g


def test_persists_across_reopen(tmp_path, sample_nq):
    store = OxigraphStore(tmp_path)
    n = store.load_file(sample_nq)
    counts = store.counts()
    page = store.find_powers(PowerFilter(text="许可"), limit=5)
    store.close()
    again = OxigraphStore(tmp_path)
    try:
        assert n > 0 and again.counts() == counts
        assert again.find_powers(PowerFilter(text="许可"), limit=5) == page
    finally:
        again.close()


def test_reloading_a_file_replaces_its_documents(tmp_path, sample_nq):
    store = OxigraphStore(tmp_path)
    store.load_file(sample_nq)
    first = store.counts()
    store.load_file(sample_nq)  # every document is already there: the atomic-update path
    assert store.counts() == first
    store.close()


def test_second_open_of_a_folder_is_refused(tmp_path):
    store = OxigraphStore(tmp_path)
    try:
        with pytest.raises(StoreUnavailable, match=str(tmp_path)):
            OxigraphStore(tmp_path)
        code = (
            "import sys; from prl.graph_api.store.oxigraph.store import OxigraphStore\n"
            "from prl.graph_api.store import StoreUnavailable\n"
            f"try:\n    OxigraphStore({str(tmp_path)!r})\n"
            "except StoreUnavailable as e:\n    print(e); sys.exit(3)\n"
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=".")
        assert r.returncode == 3, r.stderr
        assert str(tmp_path) in r.stdout and "another process" in r.stdout
    finally:
        store.close()


def test_garbage_in_the_folder_is_a_clear_error(tmp_path):
    store = OxigraphStore(tmp_path)
    store.load_graph(DOC, tiny_document(["食品经营许可"]))
    store.close()
    for f in (tmp_path / "oxigraph").iterdir():
        if f.is_file():
            f.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(StoreCorrupt, match=str(tmp_path)):
        OxigraphStore(tmp_path)


def test_a_broken_index_file_is_rebuilt(tmp_path):
    store = OxigraphStore(tmp_path)
    store.load_graph(DOC, tiny_document(["食品经营许可", "餐饮服务许可"]))
    store.close()
    (tmp_path / "search.sqlite3").write_bytes(b"not a database" * 100)
    for extra in ("search.sqlite3-wal", "search.sqlite3-shm"):
        (tmp_path / extra).unlink(missing_ok=True)
    store = OxigraphStore(tmp_path)
    try:
        assert store.find_powers(PowerFilter(text="许可")).total == 2
    finally:
        store.close()


def test_an_interrupted_write_rebuilds_the_index(tmp_path):
    store = OxigraphStore(tmp_path)
    store.load_graph(DOC, tiny_document(["食品经营许可"]))
    store._index.mark_dirty()  # as if the process died between Oxigraph and the index
    store._index.write([], ["https://w3id.org/prl/id/power/b/0000"])
    store._index.mark_dirty()
    store.close()
    store = OxigraphStore(tmp_path)
    try:
        assert store.find_powers(PowerFilter(text="经营")).total == 1
    finally:
        store.close()


# ------------------------------------------------------------------ search index
ALPHABET = "许可经营餐饮食品处罚监督检查对的行政服务证核发"


def random_names(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def test_index_equals_a_substring_scan():
    rng = random.Random(5)
    names = random_names(rng, 400)
    index = PowerIndex(None)
    rows = []
    for i, name in enumerate(names):
        r = PowerRow(f"p{i:04d}")
        r.labels.add(name)
        rows.append(r)
    index.write(rows, rebuild=True)
    queries = ["许可", "许", "可许", "餐饮服务", "对对", "证核发", "x", "许可许可许可"]
    queries += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 5))) for _ in range(200)]
    for q in queries:
        expected = sorted(f"p{i:04d}" for i, name in enumerate(names) if q in name)
        got, total = index.find(q, [], 0, 1000)
        assert got == expected and total == len(expected), q
    terms = ["许可", "餐饮", "对"]
    got = index.search(terms, 1000)
    score = {f"p{i:04d}": sum(t in n for t in terms) for i, n in enumerate(names)}
    assert got == sorted(((p, s) for p, s in score.items() if s), key=lambda x: (-x[1], x[0]))


def test_index_follows_replacement_and_removal():
    store = OxigraphStore(None)
    store.load_graph(DOC, tiny_document(["食品经营许可", "餐饮服务许可", "对违法行为的处罚"]))
    assert store.find_powers(PowerFilter(text="许可")).total == 2
    store.load_graph(DOC, tiny_document(["食品经营许可"]))
    assert store.find_powers(PowerFilter(text="许可")).total == 1
    assert store.counts().powers == 1
    assert store.remove_document(DOC) is True
    assert store.find_powers(PowerFilter(text="许可")).total == 0
    assert store.counts().powers == 0


def test_user_text_is_data_not_query(sample):
    store = OxigraphStore(None)
    for name, g in sample.graphs:
        store.load_graph(str(name), g)
    names = [
        str(o)
        for _, g in sample.graphs
        for p in g.subjects(RDF.type, PRL.Power)
        for o in g.objects(p, RDFS.label)
    ]
    for text in ['") } DROP ALL #', "' OR 1=1 --", "%", "_", "\\", "\x1f"]:
        assert store.find_powers(PowerFilter(text=text)).total == len(
            {n for n in names if text in n}
        )
    assert store.find_powers(PowerFilter(body="> } DROP ALL { <")).total == 0
    assert store.find_powers(PowerFilter(region="not an iri")).total == 0
    assert store.remove_document("not an iri") is False
    assert store.counts().powers > 0


# ------------------------------------------------------------------ /sparql
@pytest.fixture(scope="module")
def loaded(sample_nq):
    store = OxigraphStore(None)
    store.load_file(sample_nq)
    yield store
    store.close()


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX x: <urn:x#> DROP ALL",
        "CLEAR GRAPH <urn:g>",
        "LOAD <http://example.org/data.ttl>",
    ],
)
def test_sparql_refuses_updates(loaded, update):
    before = loaded.counts()
    with pytest.raises(QueryRefused):
        loaded.sparql(update, timeout=5, limit=10)
    assert loaded.counts() == before


def test_sparql_refuses_service(loaded):
    with pytest.raises(QueryRefused):
        loaded.sparql(
            "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", timeout=5, limit=10
        )


def test_sparql_keywords_inside_strings_are_fine(loaded):
    body = loaded.sparql(
        'SELECT ?x WHERE { BIND("DROP ALL; SERVICE" AS ?x) }', timeout=5, limit=10
    ).body
    assert json.loads(body)["results"]["bindings"][0]["x"]["value"] == "DROP ALL; SERVICE"


def test_sparql_syntax_error_is_the_stores_query_invalid(loaded):
    with pytest.raises(QueryInvalid, match="1:"):
        loaded.sparql("SELEC ?x WHERE {", timeout=5, limit=10)


def test_sparql_caps_results(loaded):
    a = loaded.sparql("SELECT ?s WHERE { ?s ?p ?o }", timeout=10, limit=7)
    assert a.media_type == "application/sparql-results+json" and a.truncated
    assert len(json.loads(a.body)["results"]["bindings"]) == 7
    a = loaded.sparql("CONSTRUCT WHERE { ?s ?p ?o }", timeout=10, limit=5)
    assert a.media_type == "application/n-triples" and a.body.count(b"\n") == 5 and a.truncated
    a = loaded.sparql(
        "SELECT ?s WHERE { ?s a ?c }", timeout=10, limit=3, accept="text/tab-separated-values"
    )
    assert a.media_type == "text/tab-separated-values" and a.body.count(b"\n") == 4
    a = loaded.sparql("ASK { ?s a <https://w3id.org/prl/ontology#Power> }", timeout=5, limit=1)
    assert json.loads(a.body)["boolean"] is True and not a.truncated
    a = loaded.sparql("SELECT ?s WHERE { ?s a ?c } LIMIT 2", timeout=10, limit=3)
    assert not a.truncated  # fewer than the cap: nothing cut


def test_sparql_times_out(loaded):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    t = time.perf_counter()
    with pytest.raises(QueryTimeout):
        loaded.sparql(slow, timeout=0.3, limit=10)
    assert time.perf_counter() - t < 5


def test_pages_stay_in_iri_order_after_new_powers_sort_first():
    store = OxigraphStore(None)
    store.load_graph(DOC, tiny_document(["食品经营许可", "餐饮服务许可"]))
    g = Graph()
    d = URIRef(DOC + "2")
    g.add((d, RDF.type, PRL.ListDocument))
    p = URIRef("https://w3id.org/prl/id/power/a/0000")
    g.add((p, RDF.type, PRL.Power))
    g.add((p, RDFS.label, Literal("药品经营许可", lang="zh")))
    store.load_graph(str(d), g)
    iris = [x.iri for x in store.find_powers(PowerFilter(text="许可")).items]
    assert iris == sorted(iris) and len(iris) == 3


def test_reloading_a_document_rebuilds_only_what_changed(sample_nq, tmp_path):
    """A document sent again with the shared graphs it cites (statutes, organisations, code
    lists), none of which changed: only its own powers' documents are built again, not those
    of every other list citing the same statutes."""
    import re

    from prl.ontology.namespaces import is_document_graph

    store = OxigraphStore(tmp_path / "store")
    store.load_file(sample_nq)
    graph = re.compile(r"<([^>]+)> \.$")
    lines = sample_nq.read_text(encoding="utf-8").splitlines()
    docs = sorted(
        {g for line in lines if (m := graph.search(line)) and is_document_graph(g := m.group(1))}
    )
    target = docs[0]
    body = "".join(
        line + "\n"
        for line in lines
        if (m := graph.search(line)) and (m.group(1) == target or not is_document_graph(m.group(1)))
    )
    own = {
        line.split(" ", 1)[0][1:-1]
        for line in lines
        if line.endswith(f"<{target}> .") and "ontology#Power> <" in line.split(" ", 2)[2][:60]
    }
    built: list[str] = []
    real = store._documents

    def spy(rows):
        for iri, doc, touched in real(rows):
            built.append(iri)
            yield iri, doc, touched

    store._documents = spy
    before = store.counts()
    store.load_nquads(body.encode())
    assert store.counts() == before
    assert set(built) == own and len(own) > 0, (len(built), len(own))
    store.close()
