"""One contract suite for every store (embedded Oxigraph and Neo4j).

Each backend contributes only a fixture that yields an empty store; the tests are the same.
Expected answers come from the ingested rdflib graphs (an independent oracle), and where
both stores are available their answers are compared with each other exactly.

Neo4j runs when ``PRL_TEST_NEO4J_URI`` names a reachable server (``.ci/run`` starts one with
``scripts/neo4j-server``); otherwise its tests skip with the reason.
"""

from __future__ import annotations

import asyncio

import orjson
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from prl.graph_api.store import is_document_graph
from prl.graph_api.store.documents import power_json
from prl.graph_api.store.models import PowerFilter
from prl.graph_api.web.paths import POWER
from prl.ingest.vocab import CONCEPT, PRL, PROV
from tests.conftest import BACKENDS, citing_power, load_all, make_store, skip_unless_capable


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, sample, tmp_path_factory):
    """A store holding the whole sample, shared by the read-only tests of one backend."""
    store = make_store(request.param, tmp_path_factory.mktemp(request.param))
    load_all(store, sample)
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def empty(request, tmp_path):
    store = make_store(request.param, tmp_path)
    skip_unless_capable(request, store)
    yield store
    store.close()


def isomorphic(a: Graph, b: Graph) -> bool:
    """prl's graphs have no blank nodes (the stores refuse them), so two are isomorphic
    exactly when they hold the same triples: a set comparison, where rdflib's graph
    canonicalisation takes seconds per graph."""
    return set(a) == set(b)


def powers(oracle: Graph) -> set[str]:
    return {str(p) for p in oracle.subjects(RDF.type, PRL.Power)}


def docs(sample) -> list[tuple[str, Graph]]:
    return [(str(n), g) for n, g in sample.graphs if is_document_graph(str(n))]


# ------------------------------------------------------------------ counts and loading
def test_counts(loaded, oracle, sample):
    c = loaded.counts()
    assert c.powers == len(powers(oracle))
    assert c.documents == len(docs(sample))
    assert c.bodies == len(set(oracle.subjects(RDF.type, PRL.Body)))
    assert c.citations == len(set(oracle.subjects(RDF.type, PRL.Citation)))
    assert c.instruments == len(set(oracle.subjects(RDF.type, PRL.InstrumentVersion)))
    subdivision_classes = [
        PRL.Book,
        PRL.Chapter,
        PRL.Section,
        PRL.Article,
        PRL.Paragraph,
        PRL.Point,
    ]
    assert c.subdivisions == len(
        {s for k in subdivision_classes for s in oracle.subjects(RDF.type, k)}
    )


def test_load_is_idempotent(empty, sample):
    load_all(empty, sample)
    first = empty.counts()
    load_all(empty, sample)
    assert empty.counts() == first


def test_reload_replaces_a_document(empty, sample, oracle):
    load_all(empty, sample)
    name, g = next((n, g) for n, g in docs(sample) if len(set(g.subjects(RDF.type, PRL.Power))) > 5)
    victim = sorted(g.subjects(RDF.type, PRL.Power))[0]
    smaller = Graph()
    for t in g:
        if t[0] != victim and t[2] != victim:
            smaller.add(t)
    before = empty.counts()
    empty.load_graph(name, smaller)
    after = empty.counts()
    assert after.powers == before.powers - 1
    assert empty.get_power(str(victim)) is None
    assert after.bodies == before.bodies


def test_remove_document_keeps_shared_nodes(empty, sample):
    load_all(empty, sample)
    name, g = docs(sample)[0]
    doc_powers = {str(p) for p in g.subjects(RDF.type, PRL.Power)}
    bodies_before = empty.counts().bodies
    instruments_before = empty.counts().instruments
    assert empty.remove_document(name) is True
    assert empty.remove_document(name) is False
    for p in doc_powers:
        assert empty.get_power(p) is None
    after = empty.counts()
    assert after.documents == len(docs(sample)) - 1
    assert after.bodies == bodies_before
    assert after.instruments == instruments_before
    assert empty.find_powers(PowerFilter(document=name)).total == 0


@pytest.mark.parametrize("layout", ["contiguous", "interleaved", "shuffled"])
def test_load_file_matches_load_graph(empty, sample, tmp_path, layout):
    """Whatever the order of the quads, a file load gives back every named graph. In the
    interleaved file shared-graph quads sit inside each document (as in a file whose
    writer emits a body's provenance while writing a list); the shuffled one scatters
    every graph."""
    import random

    from prl.ingest.pipeline import write_graph

    out = tmp_path / "sample.nq"
    write_graph(sample, out)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    if layout == "interleaved":
        shared = [x for x in lines if not is_document_graph(x.rsplit("<", 1)[1][:-4])]
        documents = [x for x in lines if is_document_graph(x.rsplit("<", 1)[1][:-4])]
        step = max(1, len(documents) // max(1, len(shared)))
        lines = []
        for i, line in enumerate(documents):
            lines.append(line)
            if i % step == 0 and shared:
                lines.append(shared.pop())
        lines += shared
    elif layout == "shuffled":
        random.Random(7).shuffle(lines)
    out.write_text("".join(lines), encoding="utf-8")

    n = empty.load_file(out)
    assert n == sum(len(g) for _, g in sample.graphs)
    assert empty.counts().powers == len(
        {p for _, g in sample.graphs for p in g.subjects(RDF.type, PRL.Power)}
    )
    exported = dict(empty.export_graphs())
    for name, g in sample.graphs:
        assert isomorphic(exported[str(name)], g), f"{layout}: graph {name} differs"


def test_round_trip_is_isomorphic(loaded, sample):
    """RDF -> store -> RDF gives back every named graph."""
    exported = dict(loaded.export_graphs())
    for name, g in sample.graphs:
        back = exported.get(str(name))
        assert back is not None, f"graph {name} missing after export"
        assert isomorphic(back, g), f"graph {name} differs after the round trip"


# ------------------------------------------------------------------ finding powers
@pytest.mark.parametrize("text", ["许可", "处罚", "对", "统计", "监督检查", "不存在的事项名称"])
def test_find_powers_by_text(loaded, oracle, text):
    expected = sorted(p for p in powers(oracle) if text in str(oracle.value(URIRef(p), RDFS.label)))
    page = loaded.find_powers(PowerFilter(text=text), offset=0, limit=1000)
    assert [p.iri for p in page.items] == expected
    assert page.total == len(expected)


def test_pagination_is_stable(loaded, oracle):
    everything = sorted(powers(oracle))
    seen = []
    offset = 0
    while True:
        page = loaded.find_powers(PowerFilter(), offset=offset, limit=7)
        assert page.total == len(everything)
        if not page.items:
            break
        seen.extend(p.iri for p in page.items)
        offset += 7
    assert seen == everything


def test_find_powers_filters(loaded, oracle):
    some = sorted(powers(oracle))[0]
    body = str(oracle.value(URIRef(some), PRL.exercisedBy))
    expected = sorted(
        p for p in powers(oracle) if (URIRef(p), PRL.exercisedBy, URIRef(body)) in oracle
    )
    page = loaded.find_powers(PowerFilter(body=body), limit=1000)
    assert [p.iri for p in page.items] == expected

    penalties = sorted(
        p for p in powers(oracle) if (URIRef(p), PRL.powerType, CONCEPT["power-type-02"]) in oracle
    )
    page = loaded.find_powers(PowerFilter(type="02"), limit=1000)
    assert [p.iri for p in page.items] == penalties
    assert all(p.type.notation == "02" for p in page.items)

    city = sorted(
        p for p in powers(oracle) if (URIRef(p), PRL.adminLevel, CONCEPT["admin-level-3"]) in oracle
    )
    assert [p.iri for p in loaded.find_powers(PowerFilter(level="3"), limit=1000).items] == city

    cit = next(iter(oracle.subjects(PRL.citesInstrument, None)))
    instrument = oracle.value(cit, PRL.citesInstrument)
    citing = sorted(
        p
        for p in powers(oracle)
        if any(
            (c, PRL.citesInstrument, instrument) in oracle
            for c in oracle.objects(URIRef(p), PRL.hasCitation)
        )
    )
    assert [
        p.iri for p in loaded.find_powers(PowerFilter(instrument=str(instrument)), limit=1000).items
    ] == citing

    both = loaded.find_powers(PowerFilter(type="02", text="统计"), limit=1000)
    assert {p.iri for p in both.items} == {
        p for p in penalties if "统计" in str(oracle.value(URIRef(p), RDFS.label))
    }


def test_search_powers_orders_by_matched_terms(loaded, oracle):
    terms = ["统计", "处罚", "许可"]
    got = loaded.search_powers(terms, limit=1000)

    def score(p):
        label = str(oracle.value(URIRef(p), RDFS.label))
        return sum(t in label for t in terms)

    expected = sorted((p for p in powers(oracle) if score(p)), key=lambda p: (-score(p), p))
    assert [(s.iri, n) for s, n in got] == [(p, score(p)) for p in expected]
    assert loaded.search_powers(terms, limit=3) == got[:3]


def test_power_iris_are_every_power_and_stable_until_a_write(loaded, oracle):
    first = loaded.power_iris()
    assert sorted(first) == sorted(powers(oracle))
    assert loaded.power_iris() is first  # the answers' text index is kept by this identity


# ------------------------------------------------------------------ one power
def test_get_power_detail(loaded, oracle):
    p = next(
        p
        for p in sorted(powers(oracle))
        if "统计局" in p and (URIRef(p), PRL.powerType, CONCEPT["power-type-02"]) in oracle
    )
    d = loaded.get_power(p)
    assert d is not None
    assert d.summary.iri == p
    assert d.summary.name == str(oracle.value(URIRef(p), RDFS.label))
    assert d.summary.bodies[0].label == "克拉玛依市统计局"
    assert d.summary.type.notation == "02"
    assert d.citations and d.citations[0].role == "basis"
    resolved = [c for c in d.citations if c.resolution == "subdivision"]
    assert resolved and all(
        s.text for c in resolved for s in c.subdivisions if s.path.startswith("art_")
    )
    assert any(c.instrument and c.instrument.title == "中华人民共和国统计法" for c in resolved)
    assert [x.order for x in d.duties] == sorted(x.order for x in d.duties)
    assert d.provenance[0].file.endswith(".xlsx") and d.provenance[0].row >= 3
    assert {c.iri for c in d.citations} == {
        str(c)
        for prop in (PRL.hasCitation, PRL.hasDutyCitation)
        for c in oracle.objects(URIRef(p), prop)
    }


def test_get_power_unknown(loaded):
    assert loaded.get_power("https://w3id.org/prl/id/power/none/000000000000") is None


def test_power_documents_are_the_details_as_json(loaded, oracle):
    """The stored documents (materialised at load time in the embedded store) are exactly the
    JSON of ``get_power`` for every power; unknown and malformed IRIs are left out."""
    every = sorted(powers(oracle))
    found = loaded.power_documents(every + [every[0], POWER + "none/0", POWER + "bad iri>"])
    assert sorted(found) == every
    for p in every:
        assert found[p] == power_json(loaded.get_power(p)), p
    # what the API's event loop awaits: the same, also when many ask at once
    asked = [every[i:] + [POWER + "none/0"] for i in range(min(len(every), 30))]

    async def many():
        return await asyncio.gather(*(loaded.power_documents_async(a) for a in asked))

    assert asyncio.run(many()) == [{p: found[p] for p in a if p in found} for a in asked]


def test_documents_follow_writes_to_shared_nodes(empty, sample, oracle, tmp_path):
    """A power's document shows what other graphs later say about the nodes it was read from
    (a body's label, an article's text), and stops showing it when they are removed: through
    ``load_graph`` of a shared graph, ``load_file``, and a list document that is loaded and
    removed again."""
    load_all(empty, sample)
    power, sub, body = citing_power(oracle)
    others = [p for p in powers(oracle) if str(oracle.value(URIRef(p), PRL.exercisedBy)) == body]

    def doc(p: str = power) -> dict:
        return orjson.loads(empty.power_documents([p])[p])

    def sub_texts() -> set[str]:
        return {s["text"] for c in doc()["citations"] for s in c["subdivisions"] if s["iri"] == sub}

    # shared graph: a smaller literal wins (the smallest value of a single-valued field shows)
    amendment = Graph()
    amendment.add((URIRef(sub), PRL.text, Literal("A 修改后的条文", lang="zh")))
    empty.load_graph("https://w3id.org/prl/id/test/amendment", amendment)
    assert sub_texts() == {"A 修改后的条文"}

    # N-Quads file
    nq = tmp_path / "label.nq"
    nq.write_text(
        f'<{body}> <{RDFS.label}> "A 新名称"@zh <https://w3id.org/prl/id/test/labels> .\n',
        encoding="utf-8",
    )
    empty.load_file(nq)
    for p in others:
        assert doc(p)["bodies"][0]["label"] == "A 新名称", p

    # a list document that says something about a shared node, then its removal
    extra = "https://w3id.org/prl/id/list/test-extra"
    g = Graph()
    g.add((URIRef(body), RDFS.label, Literal("0 临时名称", lang="zh")))
    empty.load_graph(extra, g)
    assert doc(others[0])["bodies"][0]["label"] == "0 临时名称"
    assert empty.remove_document(extra)
    assert doc(others[0])["bodies"][0]["label"] == "A 新名称"


def test_sub_items_link_to_parent(loaded, oracle):
    child = next((s for s in oracle.subjects(PRL.subItemOf, None)), None)
    if child is None:
        pytest.skip("sample has no sub-items")
    parent = str(oracle.value(child, PRL.subItemOf))
    d = loaded.get_power(str(child))
    assert d.summary.parent is not None and d.summary.parent.iri == parent
    assert str(child) in {r.iri for r in loaded.get_power(parent).sub_items}


# ------------------------------------------------------------------ bodies, instruments, articles
def test_bodies(loaded, oracle):
    refs, total = loaded.list_bodies(offset=0, limit=1000)
    expected = sorted(str(b) for b in set(oracle.subjects(RDF.type, PRL.Body)))
    assert [r.iri for r in refs] == expected and total == len(expected)
    b = loaded.get_body(expected[0])
    n = len({p for p in oracle.subjects(PRL.exercisedBy, URIRef(expected[0]))})
    assert b.power_count == n
    assert sum(c for _, c in b.counts_by_type) == n
    assert loaded.get_body("https://w3id.org/prl/id/body/nobody") is None


def test_instrument_and_subdivision_impact(loaded, oracle):
    sub = next(iter(oracle.objects(None, PRL.citesSubdivision)))
    view = loaded.get_subdivision(str(sub))
    assert view is not None and view.path == str(oracle.value(sub, PRL.path))
    citing = sorted(
        {
            str(p)
            for c in oracle.subjects(PRL.citesSubdivision, sub)
            for prop in (PRL.hasCitation, PRL.hasDutyCitation)
            for p in oracle.subjects(prop, c)
        }
    )
    assert [p.iri for p in view.cited_by] == citing
    inst = loaded.get_instrument(view.instrument.iri)
    assert inst.title == view.instrument.title and inst.parts
    refs, total = loaded.list_instruments(offset=0, limit=1000)
    assert view.instrument.iri in {r.iri for r in refs}
    assert loaded.get_subdivision(str(sub) + "x") is None


# ------------------------------------------------------------------ both stores agree
def test_stores_agree_on_every_power(sample, oracle, tmp_path):
    stores = []
    for kind in BACKENDS:
        try:
            s = make_store(kind, tmp_path)
        except pytest.skip.Exception as e:
            pytest.skip(f"needs both stores: {e}")
        s.clear()
        load_all(s, sample)
        stores.append(s)
    a, b = stores
    try:
        every = sorted(powers(oracle))
        for p in every:
            assert a.get_power(p) == b.get_power(p), p
        assert a.power_documents(every) == b.power_documents(every)
        assert a.counts().powers == b.counts().powers
        for body in sorted(str(x) for x in set(oracle.subjects(RDF.type, PRL.Body))):
            assert a.get_body(body) == b.get_body(body)
    finally:
        for s in stores:
            s.clear()
            s.close()


def test_describe(loaded, oracle):
    for p in sorted(powers(oracle))[:5]:
        expected = Graph()
        for t in oracle.triples((URIRef(p), None, None)):
            expected.add(t)
        assert isomorphic(loaded.describe(p), expected), p
    assert len(loaded.describe("https://w3id.org/prl/id/power/none")) == 0


# ------------------------------------------------------------------ bad input, failed writes
GOOD = b'<https://w3id.org/prl/id/x> <https://w3id.org/prl/ontology#p> "v" <urn:g> .\n'
BAD_INPUTS = {
    "syntax": (GOOD + b'# a comment\n<https://w3id.org/prl/id/y> <urn:p> "unterminated\n', 3),
    "default graph": (GOOD + b"<urn:s> <urn:p> <urn:o> .\n", 2),
    "blank subject": (GOOD + GOOD + b"_:b <urn:p> <urn:o> <urn:g> .\n", 3),
    "blank object": (b"\n" + GOOD + b"<urn:s> <urn:p> _:b <urn:g> .\n", 3),
}


def state(store) -> tuple:
    """Everything a reader can see: the quads, the counts, every power's document."""
    quads = {(name, t) for name, g in store.export_graphs() for t in g}
    every = store.find_powers(PowerFilter(), limit=100_000).items
    iris = [p.iri for p in every]
    return quads, store.counts(), store.power_documents(iris), tuple(every)


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_the_same_way_and_changes_nothing(empty, sample, case, tmp_path):
    from prl.graph_api.store import StoreInputError

    name, g = docs(sample)[0]
    empty.load_graph(name, g)
    before = state(empty)
    data, line = BAD_INPUTS[case]
    with pytest.raises(StoreInputError) as bytes_error:
        empty.load_nquads(data, source="upload.nq")
    assert bytes_error.value.source == "upload.nq" and bytes_error.value.line == line
    path = tmp_path / "bad.nq"
    path.write_bytes(data)
    with pytest.raises(StoreInputError) as file_error:
        empty.load_file(path)
    assert str(file_error.value).startswith(f"bad.nq, line {line}")
    assert str(tmp_path) not in str(file_error.value)  # no server path in the message
    assert state(empty) == before


def test_a_graph_with_a_blank_node_is_refused(empty):
    from rdflib import BNode

    from prl.graph_api.store import StoreInputError

    g = Graph()
    g.add((URIRef("urn:s"), RDFS.label, BNode()))
    with pytest.raises(StoreInputError, match="blank node"):
        empty.load_graph("https://w3id.org/prl/id/list/blank", g)
    assert empty.counts().powers == 0


@pytest.fixture
def write_fails(empty, monkeypatch):
    """Make the next write of ``empty`` fail after its graph was written and while its side
    index is written (the embedded store's SQLite rows, after the old ones are deleted; Neo4j's
    node views, in the write's transaction): each engine contributes its point of failure."""
    from prl.graph_api.store.neo4j.loading import Loader
    from prl.graph_api.store.oxigraph.side_index import PowerIndex

    owner, method = {"oxigraph": (PowerIndex, "_insert"), "neo4j": (Loader, "_finish")}[empty.kind]
    original = getattr(owner, method)
    armed = []

    def failing(self, *args, **kwargs):
        if armed:
            raise RuntimeError("injected failure half-way through the write")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, method, failing)
    return lambda: armed.append(True)


def test_a_write_failing_half_way_leaves_graph_and_index_as_they_were(
    empty, small, small_nq, write_fails
):
    empty.load_nquads(small_nq)
    before = state(empty)
    name, g = docs(small)[0]
    victim, kept = sorted(g.subjects(RDF.type, PRL.Power))[:2]
    changed = Graph()
    for s, p, o in g:
        if s != victim:
            changed.add((s, p, o))
    changed.add((kept, RDFS.label, Literal("改过的名称", lang="zh")))
    changed.add((URIRef(str(kept) + "-new"), RDF.type, PRL.Power))
    changed.add((URIRef(str(kept) + "-new"), RDFS.label, Literal("新增的事项", lang="zh")))
    write_fails()
    with pytest.raises(Exception, match="injected failure"):
        empty.load_graph(name, changed)
    assert state(empty) == before
    lines = changed.serialize(format="nt").splitlines()
    nq = "".join(f"{ln[:-2]} <{name}> .\n" for ln in lines if ln.endswith(" .")).encode()
    with pytest.raises(Exception, match="injected failure"):
        empty.load_nquads(nq)
    assert state(empty) == before
    with pytest.raises(Exception, match="injected failure"):
        empty.remove_document(name)
    assert state(empty) == before


# ------------------------------------------------------------------ citation checks
def _opt(v) -> str | None:
    return None if v is None else str(v)


def test_citations_carry_their_check_against_the_quote(loaded, oracle):
    """Verification, match score, why the version was chosen, the meant version and the
    list's own numbers: served as the graph holds them."""
    seen: set[str | None] = set()
    for p in sorted(powers(oracle)):
        for c in loaded.get_power(p).citations:
            ci = URIRef(c.iri)
            assert c.verification == _opt(oracle.value(ci, PRL.verification)), c.iri
            score = oracle.value(ci, PRL.matchScore)
            assert c.match_score == (None if score is None else float(score)), c.iri
            assert c.version_basis == _opt(oracle.value(ci, PRL.versionBasis)), c.iri
            assert c.meant_version == _opt(oracle.value(ci, PRL.meantVersion)), c.iri
            listed = tuple(sorted(str(x) for x in oracle.objects(ci, PRL.listedReference)))
            assert c.listed == listed, c.iri
            seen.add(c.verification)
            if c.unresolved_reason == "version-not-in-corpus":
                # the version the note names, known from the citation only
                assert c.instrument is not None and not c.subdivisions
                assert c.meant_version and c.instrument.iri.endswith("/" + c.meant_version)
    assert {"verified", "unverified", "mismatch"} <= seen


def test_citation_findings_are_the_graphs_mismatches(loaded, oracle):
    from prl.graph_api.answers.findings import citation_findings

    parents = {str(o) for o in oracle.objects(None, PRL.subItemOf)}
    expected = set()
    for ci in oracle.subjects(PRL.verification, Literal("mismatch")):
        text = str(oracle.value(ci, PRL.citationText))
        for prop, role in ((PRL.hasCitation, "basis"), (PRL.hasDutyCitation, "duty-basis")):
            for p in oracle.subjects(prop, ci):
                if str(p) in parents:
                    continue
                for src in oracle.objects(p, PROV.wasDerivedFrom):
                    row = oracle.value(src, PRL.rowNumber)
                    file = oracle.value(src, PRL.fileName)
                    if file is not None:
                        expected.add((str(file), row.toPython() if row else None, role, text))
    found = citation_findings(loaded, ["mismatch"])
    assert expected and {(f.file, f.row, f.role, f.text) for f in found} == expected
    assert all(f.why and f.kind == "mismatch" for f in found)
    every = citation_findings(loaded)
    assert {f.kind for f in every} == {"mismatch", "version", "unresolved"}


def test_a_document_upload_holds_that_document_only(empty, sample, small_nq):
    """``load_nquads(…, document=…)``: the graph of another list document, or none of this
    one's, is refused before anything is written; shared graphs may come along."""
    from prl.graph_api.store import StoreInputError

    (a, _), (b, _) = docs(sample)[:2]
    data = "".join(nquads_of(sample, a)).encode()
    before = state(empty)
    with pytest.raises(StoreInputError) as error:
        empty.load_nquads(data, source="upload.nq", document=b)
    assert f"<{a}> is another list document" in str(error.value) and error.value.line == 1
    shared = "".join(nquads_of(sample, None)).encode()  # no list document at all
    with pytest.raises(StoreInputError, match="no quad in the graph of the document"):
        empty.load_nquads(shared, source="upload.nq", document=a)
    assert state(empty) == before
    assert empty.load_nquads(data + shared, source="upload.nq", document=a) > 0
    assert empty.counts().documents == 1


def nquads_of(sample, document: str | None) -> list[str]:
    """N-Quads lines of one document's graph, or (``None``) of the shared graphs."""
    out = []
    for name, g in sample.graphs:
        if (str(name) == document) if document else not is_document_graph(str(name)):
            suffix = f" <{name}> .\n"
            out += [ln[:-2] + suffix for ln in g.serialize(format="nt").splitlines() if ln]
    return out
