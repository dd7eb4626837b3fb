"""The HTTP API on both stores, through FastAPI's TestClient (the store is real)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef

from prl.graph_api.settings import Settings
from prl.graph_api.store import SPARQL
from prl.graph_api.web.app import create_app
from prl.ingest.pipeline import write_graph
from tests.conftest import BACKENDS, make_store, skip_unless_capable

TOKEN = "test-token-123"


@pytest.fixture(scope="module", params=BACKENDS)
def any_store(request, sample_nq, tmp_path_factory):
    s = make_store(request.param, tmp_path_factory.mktemp(f"api-{request.param}"))
    s.load_file(sample_nq)
    yield s
    s.close()


@pytest.fixture
def store(request, any_store):
    skip_unless_capable(request, any_store)
    return any_store


@pytest.fixture
def client(store, app_clients):
    return app_clients(store)


@pytest.fixture(scope="module")
def app_clients():
    """One TestClient per store for the module (the app is built once per store)."""
    made = {}

    def client_for(store):
        if store.kind not in made:
            made[store.kind] = TestClient(
                create_app(Settings(store=store.kind, api_token=TOKEN), store)
            )
        return made[store.kind]

    return client_for


def first_power_id(client, q="统计"):
    r = client.get("/v1/powers", params={"q": q, "page_size": 1})
    assert r.status_code == 200, r.text
    return r.json()["items"][0]["id"]


# ------------------------------------------------------------------ the main question
def test_question_names_body_and_article(client):
    r = client.get("/v1/responsibility", params={"q": "拒绝配合统计调查的由谁处罚，依据哪条法律"})
    assert r.status_code == 200
    data = r.json()
    assert data["query"].startswith("拒绝配合统计调查")
    top = data["answers"][0]
    assert top["bodies"][0]["label"] == "克拉玛依市统计局"
    assert top["power"]["type"]["notation"] == "02"
    laws = [
        c
        for c in top["citations"]
        if c["instrument"] and c["instrument"]["title"] == "中华人民共和国统计法"
    ]
    assert laws and laws[0]["subdivisions"] and laws[0]["subdivisions"][0]["text"]
    assert laws[0]["instrument"]["legal_force"]["label"] == "法律"
    assert top["duties"] and top["duties"][0]["phase"]["label"]
    assert top["provenance"][0]["file"].endswith(".xlsx") and top["provenance"][0]["row"]


def test_short_query(client):
    data = client.get("/v1/responsibility", params={"q": "许可"}).json()
    assert data["answers"]
    assert all("许可" in a["power"]["name"] for a in data["answers"][:3])


def test_exact_name_ranks_first(client):
    name = client.get("/v1/powers", params={"q": "统计", "page_size": 1}).json()["items"][0]["name"]
    data = client.get("/v1/responsibility", params={"q": name}).json()
    assert data["answers"][0]["power"]["name"] == name


@pytest.mark.parametrize(
    "q", ["拒绝配合统计调查谁处罚", "统计法第四十四条", "办护照去哪个部门", "许可"]
)
def test_answers_are_what_the_schema_says(client, q):
    from prl.graph_api.web.models import Answers

    data = client.get("/v1/responsibility", params={"q": q}).json()
    Answers.model_validate(data)
    for a in data["answers"]:
        assert 0 <= a["confidence"] <= 1 and len(a["matched"]) == len(data["terms"])


def test_an_article_question_gets_the_article(client):
    data = client.get("/v1/responsibility", params={"q": "中华人民共和国统计法第四十四条"}).json()
    assert data["article"]["label"] == "第四十四条" and data["article"]["text"]
    assert "克拉玛依市统计局" in {b["label"] for b in data["answers"][0]["bodies"]}


def test_no_match_says_so_and_suggests(client):
    data = client.get("/v1/responsibility", params={"q": "火星移民签证"}).json()
    assert data["answers"] == []
    assert data["message"]
    assert isinstance(data["suggestions"], list)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "许" * 201}, "q"),
        ({"q": "许可", "limit": 0}, "limit"),
        ({"q": "许可", "limit": "x"}, "limit"),
    ],
)
def test_bad_question_parameters(client, params, field):
    r = client.get("/v1/responsibility", params=params)
    assert r.status_code == 422
    assert field in json.dumps(r.json()["detail"])


# ------------------------------------------------------------------ browsing
def test_powers_paging_is_stable_and_capped(client):
    a = client.get("/v1/powers", params={"page": 1, "page_size": 5}).json()
    b = client.get("/v1/powers", params={"page": 2, "page_size": 5}).json()
    assert a["total"] == b["total"] > 10
    ids = [p["iri"] for p in a["items"] + b["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 10
    r = client.get("/v1/powers", params={"page_size": 1000})
    assert r.status_code == 422 and "page_size" in r.text


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "99"}, "type"), ({"level": "9"}, "level"), ({"page": 0}, "page")],
)
def test_powers_bad_filters(client, params, field):
    r = client.get("/v1/powers", params=params)
    assert r.status_code == 422 and field in r.text


def test_powers_filters(client):
    data = client.get(
        "/v1/powers", params={"type": "02", "body": "克拉玛依市统计局", "page_size": 100}
    ).json()
    assert data["total"] > 0
    assert all(p["type"]["notation"] == "02" for p in data["items"])
    assert all(p["bodies"][0]["label"] == "克拉玛依市统计局" for p in data["items"])


def test_power_json_turtle_jsonld(client):
    pid = first_power_id(client)
    r = client.get(f"/v1/powers/{pid}")
    assert r.status_code == 200 and r.json()["power"]["iri"].endswith(pid)
    iri = r.json()["power"]["iri"]
    t = client.get(f"/v1/powers/{pid}", headers={"Accept": "text/turtle"})
    assert t.status_code == 200 and t.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=t.text, format="turtle")
    assert (URIRef(iri), None, None) in g
    j = client.get(f"/v1/powers/{pid}", headers={"Accept": "application/ld+json"})
    assert j.headers["content-type"].startswith("application/ld+json")
    assert len(Graph().parse(data=j.text, format="json-ld")) == len(g)


def test_unknown_ids_404(client):
    for path in [
        "/v1/powers/nobody/000",
        "/v1/bodies/nobody",
        "/v1/instruments/none/2020-01-01",
        "/v1/subdivisions/none/2020-01-01/art_1",
        "/v1/bodies/nobody/powers",
    ]:
        assert client.get(path).status_code == 404, path


def test_iri_dereferences(client):
    pid = first_power_id(client)
    r = client.get(f"/id/power/{pid}", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] in (f"/v1/powers/{quote(pid, safe='/')}", f"/v1/powers/{pid}")
    assert client.get(f"/id/power/{pid}").status_code == 200


def test_body_and_its_powers(client):
    body = client.get("/v1/bodies/克拉玛依市统计局").json()
    assert body["label"] == "克拉玛依市统计局" and body["power_count"] > 0
    assert sum(body["counts_by_type"].values()) == body["power_count"]
    powers = client.get("/v1/bodies/克拉玛依市统计局/powers", params={"page_size": 100}).json()
    assert powers["total"] == body["power_count"]
    bodies = client.get("/v1/bodies", params={"page_size": 100}).json()
    assert "克拉玛依市统计局" in {b["label"] for b in bodies["items"]}


def test_instrument_and_subdivision_impact(client):
    data = client.get("/v1/responsibility", params={"q": "拒绝配合统计调查"}).json()
    cit = next(
        c
        for c in data["answers"][0]["citations"]
        if c["subdivisions"] and c["instrument"]["title"] == "中华人民共和国统计法"
    )
    sub_iri = cit["subdivisions"][0]["iri"]
    sub = client.get(f"/id/{sub_iri.split('/id/', 1)[1]}").json()
    assert sub["text"] and data["answers"][0]["power"]["iri"] in {p["iri"] for p in sub["cited_by"]}
    inst = client.get(f"/id/{cit['instrument']['iri'].split('/id/', 1)[1]}").json()
    assert inst["title"] == "中华人民共和国统计法" and inst["parts"]
    assert client.get("/v1/instruments").json()["total"] > 10


def test_health_and_docs(client):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["counts"]["powers"] > 0
    assert client.get("/docs").status_code == 200
    assert "/v1/responsibility" in client.get("/openapi.json").json()["paths"]


# ------------------------------------------------------------------ SPARQL and writes
COUNT_POWERS = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/prl/ontology#Power> }"


@pytest.mark.needs(SPARQL)
def test_sparql(client):
    r = client.get(
        "/sparql",
        params={"query": COUNT_POWERS},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 0
    upd = client.get("/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert upd.status_code == 403 and "read-only" in upd.json()["detail"]
    ins = client.post("/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert ins.status_code == 403
    bad = client.get("/sparql", params={"query": "SELEC nonsense"})
    assert bad.status_code == 400 and "query" in bad.json()["detail"]


@pytest.mark.lacks(SPARQL)
def test_sparql_is_501_on_a_store_without_it(client, store):
    r = client.get("/sparql", params={"query": COUNT_POWERS})
    assert r.status_code == 501 and store.kind in r.json()["detail"]


def test_writes_need_token(client, sample, tmp_path, store):
    name, g = next((n, g) for n, g in sample.quads if "/id/list/" in str(n))
    doc_id = str(name).split("/id/list/", 1)[1]
    assert client.delete(f"/v1/documents/{doc_id}").status_code == 401
    assert (
        client.delete(
            f"/v1/documents/{doc_id}", headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
    before = client.get("/health").json()["counts"]["powers"]
    ok = client.delete(f"/v1/documents/{doc_id}", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert client.get("/health").json()["counts"]["powers"] < before
    out = tmp_path / "doc.nq"
    write_graph(
        type(sample)(
            quads=[(name, g)],
            documents=[],
            quarantine=[],
            citations={},
            run=sample.run,
            statutes_loaded=0,
            statutes_included=0,
            seconds=0,
        ),
        out,
    )
    put = client.put(
        f"/v1/documents/{doc_id}",
        content=out.read_bytes(),
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert put.status_code == 200, put.text
    assert client.get("/health").json()["counts"]["powers"] == before


def test_writes_disabled_without_configured_token(store):
    c = TestClient(create_app(Settings(store=store.kind, api_token=None), store))
    assert c.delete("/v1/documents/x", headers={"Authorization": "Bearer x"}).status_code == 403


def test_store_unavailable_is_503():
    """A Neo4j store whose server is down: 503 with a clear message, not a traceback."""
    from prl.graph_api.store.neo4j.store import Neo4jStore

    dead = Neo4jStore("bolt://127.0.0.1:9", auth=None, database="neo4j", timeout=2)
    c = TestClient(create_app(Settings(store="neo4j"), dead))
    h = c.get("/health")
    assert h.status_code == 503 and h.json()["status"] == "unavailable"
    r = c.get("/v1/powers")
    assert r.status_code == 503 and "127.0.0.1:9" in r.json()["detail"]
    assert c.get("/v1/responsibility", params={"q": "许可"}).status_code == 503


def test_answers_are_cached_until_a_write(store):
    app = create_app(Settings(store=store.kind, api_token=TOKEN), store)
    c = TestClient(app)
    first = c.get("/v1/responsibility", params={"q": "统计调查"}).content
    assert c.get("/v1/responsibility", params={"q": "统计调查"}).content == first
    assert app.state.cache.hits == 1
    c.delete("/v1/documents/none-such", headers={"Authorization": f"Bearer {TOKEN}"})
    assert app.state.cache.peek(("responsibility", "统计调查", 10)) is None
    off = create_app(Settings(store=store.kind, cache_bytes=0), store)
    TestClient(off).get("/v1/responsibility", params={"q": "统计调查"})
    assert off.state.cache.hits == 0 and off.state.cache.misses == 0


def test_startup_builds_the_name_index_before_requests(tmp_path):
    from fastapi.testclient import TestClient

    from prl.graph_api.settings import Settings
    from prl.graph_api.store.oxigraph.store import OxigraphStore
    from prl.graph_api.web.app import create_app

    store = OxigraphStore(None)
    try:
        app = create_app(Settings(data_dir=tmp_path), store)
        assert store._index._names is None
        with TestClient(app) as client:  # runs the lifespan
            assert store._index._names is not None
            assert client.get("/v1/responsibility", params={"q": "许可"}).status_code == 200
    finally:
        store.close()


@pytest.mark.parametrize(
    "body",
    [b'<urn:s> <urn:p> "unterminated\n', b"<urn:s> <urn:p> <urn:o> .\n", b"\xff\xfe garbage"],
    ids=["syntax", "default graph", "not text"],
)
def test_a_malformed_upload_is_422_on_every_store(client, body):
    before = client.get("/health").json()["counts"]
    r = client.put("/v1/documents/bad", content=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422, r.text
    msg = r.json()["detail"][0]["msg"]
    assert "the request body, line 1" in msg and "/tmp" not in msg
    assert client.get("/health").json()["counts"] == before


def test_a_put_holds_only_its_own_document(client, sample):
    name, g = next((n, g) for n, g in sample.graphs if "/id/list/" in str(n))
    body = "".join(
        ln[:-2] + f" <{name}> .\n" for ln in g.serialize(format="nt").splitlines() if ln
    ).encode()
    before = client.get("/health").json()["counts"]
    r = client.put(
        "/v1/documents/another", content=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 422, r.text
    assert f"<{name}> is another list document" in r.json()["detail"][0]["msg"]
    assert client.get("/health").json()["counts"] == before


def test_citation_report_json_and_xlsx(client):
    r = client.get("/v1/reports/citations", params={"page_size": 100})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == sum(body["counts"].values()) and body["total"] > 0
    kinds = {i["kind"] for i in body["items"]}
    assert kinds <= {"mismatch", "version", "unresolved"}
    first = body["items"][0]
    assert first["file"] and first["text"] and first["why"]
    r = client.get("/v1/reports/citations", params={"kind": "mismatch"})
    mismatches = r.json()
    assert set(mismatches["counts"]) == {"mismatch"}
    assert all(i["kind"] == "mismatch" for i in mismatches["items"])
    assert mismatches["total"] == body["counts"]["mismatch"]
    r = client.get("/v1/reports/citations", params={"kind": "nonsense"})
    assert r.status_code == 422 and "kind" in r.json()["detail"][0]["loc"]
    r = client.get("/v1/reports/citations", params={"format": "xlsx"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    ws = load_workbook(BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("类别", "文件", "工作表", "行") and len(rows) == body["total"] + 1
