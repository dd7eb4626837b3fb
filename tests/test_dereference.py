"""Every IRI prl mints dereferences, on both stores: ``/id/…`` and ``/concept/…`` answer 303
to a route that answers 200 (JSON, and Turtle holding the IRI's statements), and the ``href``
of every value in those answers leads somewhere too. The statements served are checked
against the ingested graph (the oracle), not against the store that serves them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph, Literal, URIRef

from prl.graph_api.settings import Settings
from prl.graph_api.web.app import create_app
from prl.graph_api.web.routes.resources import curie
from prl.ontology.namespaces import PRL, SPACE
from tests.conftest import BACKENDS, make_store


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, small_nq, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp(request.param))
    store.load_nquads(small_nq)
    with TestClient(create_app(Settings(store=store.kind), store)) as c:
        yield c
    store.close()


@pytest.fixture(scope="module")
def small_graph(small) -> Graph:
    return small.union()


def shape(iri: str) -> str:
    """One IRI of each kind: hashes and names replaced, the segment words kept."""
    rest = iri[len(SPACE) :]
    parts = rest.split("/")
    words = [p for p in parts[2:] if re.fullmatch(r"[a-z-]+", p)]
    return "/".join([*parts[:2], *words, str(len(parts))])


@pytest.fixture(scope="module")
def minted(small_nq) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for iri in re.findall(rb"<(https://w3id\.org/prl/[^>]*)>", small_nq):
        iri = iri.decode()
        if not iri.startswith(PRL):
            kinds.setdefault(shape(iri), iri)
    assert len(kinds) > 20, kinds  # powers, duties, citations, units, rows, concepts …
    return kinds


def values(g: Graph, iri: str) -> set:
    """The statements about ``iri`` by value (Turtle writes the decimal "1" as ``1.0``)."""
    return {
        (p, (o.datatype, o.language, o.toPython()) if isinstance(o, Literal) else o)
        for p, o in g.predicate_objects(URIRef(iri))
    }


def test_every_kind_of_minted_iri_dereferences(client, minted, small_graph):
    for kind, iri in minted.items():
        r = client.get(iri[len(SPACE) - 1 :], follow_redirects=False)
        assert r.status_code == 303, (kind, iri, r.status_code)
        target = r.headers["location"]
        got = client.get(target)
        assert got.status_code == 200, (kind, iri, target, got.text[:200])
        ttl = client.get(target, headers={"Accept": "text/turtle"})
        assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle")
        served = Graph().parse(data=ttl.text, format="turtle")
        facts = values(small_graph, iri)
        if facts:  # what the oracle states about it is served (a shared graph states nothing)
            assert facts <= values(served, iri), (kind, iri)


def test_a_duty_is_described_as_the_oracle_states_it(client, minted, small_graph):
    duty = next(iri for kind, iri in minted.items() if "/duty/" in iri and "basis" not in kind)
    r = client.get(f"/v1/resources/{duty[len(SPACE) :]}")
    assert r.status_code == 200
    body = r.json()
    assert body["iri"] == duty
    assert body["types"] == sorted(str(t) for t in small_graph.objects(URIRef(duty), RDF.type))
    served = {
        (k, v.get("iri") or v["value"]) for k, values in body["properties"].items() for v in values
    }
    expected = set()
    for p, o in small_graph.predicate_objects(URIRef(duty)):
        if str(p).endswith("#type"):
            continue
        expected.add((curie(str(p)), str(o)))
    expected_names = {n for n, _ in expected}
    assert {x for x in served if x[0] in expected_names} == expected
    literal = next(v for values in body["properties"].values() for v in values if "value" in v)
    assert literal["value"]
    for values in body["properties"].values():  # every resource value leads somewhere
        for v in values:
            if v.get("href"):
                assert client.get(v["href"]).status_code == 200, v


def test_every_iri_in_a_power_document_dereferences(client):
    pid = client.get("/v1/powers", params={"page_size": 1}).json()["items"][0]["id"]
    iris: set[str] = set()

    def walk(x):
        if isinstance(x, dict):
            x = list(x.values())
        if isinstance(x, list):
            for v in x:
                walk(v)
        elif isinstance(x, str) and x.startswith(SPACE):
            iris.add(x)

    walk(client.get(f"/v1/powers/{pid}").json())
    assert len(iris) > 5, iris  # the power, its body, unit, citations, duties, source row …
    for iri in sorted(iris):
        r = client.get(iri[len(SPACE) - 1 :])
        assert r.status_code == 200, (iri, r.status_code)


def test_the_ontology_is_served(client):
    r = client.get("/ontology")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=r.text, format="turtle")
    assert (URIRef(PRL + "Power"), None, None) in g
    ld = client.get("/ontology", headers={"Accept": "application/ld+json"})
    assert ld.status_code == 200 and ld.json()


def test_unknown_resources_are_404(client):
    assert client.get("/v1/resources/id/list/no-such-list").status_code == 404
    assert client.get("/id/power/nobody/000000000000", follow_redirects=False).status_code in (
        303,
        404,
    )
    r = client.get("/id/power/nobody/000000000000")
    assert r.status_code == 404
    assert client.get("/concept/no-such-concept").status_code == 404
