"""The SPARQL 1.1 Protocol, checked with the W3C's own protocol tests and with real clients.

The query cases of the W3C test suite (``sparql/sparql11/protocol/manifest.ttl`` in
w3c/rdf-tests: requests, and the status and format or boolean expected) are replayed as the
manifest writes them, over its data: graphs ``http://kasei.us/2009/09/sparql/data/dataN.rdf``
each stating that the document is a ``foaf:Document`` (as the suite's update tests write
them). The update cases do not apply to a read-only endpoint, except that every update must
be refused with a 4xx, which they check. In ``query_multiple_dataset`` the manifest's path
escapes the ``&`` between its two ``named-graph-uri`` parameters (a known slip: as written it
names one graph whose IRI holds ``&named-graph-uri=``); it is sent as the two parameters the
test's name and expected answer mean.

Then SPARQLWrapper and rdflib's SPARQLStore read the endpoint over a real socket.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from prl.graph_api.settings import Settings
from prl.graph_api.store.oxigraph.store import OxigraphStore
from prl.graph_api.web.app import create_app

KASEI = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def d(n: int) -> str:
    return f"{KASEI}data{n}.rdf"


def q(text: str) -> str:
    return quote(text, safe="")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    store = OxigraphStore(tmp_path_factory.mktemp("protocol") / "store")
    data = "".join(f"<{d(n)}> <{RDF_TYPE}> <{FOAF_DOCUMENT}> <{d(n)}> .\n" for n in range(4))
    store.load_nquads(data.encode())
    settings = Settings(store="oxigraph", sparql_rate=0, sparql_per_client=0)
    with TestClient(create_app(settings, store)) as client:
        yield client
    store.close()


ASK_DEFAULT = f"ASK {{ <{d(1)}> a ?type . <{d(2)}> a ?type . }}"
ASK_NAMED = f"ASK {{ GRAPH ?g1 {{ <{d(1)}> a ?type }} GRAPH ?g2 {{ <{d(2)}> a ?type }} }}"
ASK_FULL = (
    f"ASK {{\n  <{d(3)}> a ?type\n  GRAPH ?g1 {{ <{d(1)}> a ?type }}\n"
    f"  GRAPH ?g2 {{ <{d(2)}> a ?type }}\n}}"
)
ASK_FROM = (
    f"ASK FROM <{d(3)}> {{ GRAPH ?g1 {{ <{d(1)}> a ?type }} GRAPH ?g2 {{ <{d(2)}> a ?type }} }}"
)
DG = lambda *ns: "&".join(f"default-graph-uri={q(d(n))}" for n in ns)  # noqa: E731
NG = lambda *ns: "&".join(f"named-graph-uri={q(d(n))}" for n in ns)  # noqa: E731
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"

# (name, method, path, content type, body, expected: True/False for a boolean, or a format)
QUERY_CASES = [
    ("query_post_form", "POST", f"/sparql?{DG(0)}", FORM, "query=ASK%20%7B%7D", True),
    ("query_dataset_default_graphs_get", "GET", f"/sparql?query={q(ASK_DEFAULT)}&{DG(1, 2)}",
     None, None, True),
    ("query_dataset_default_graphs_post", "POST", f"/sparql?{DG(1, 2)}", DIRECT, ASK_DEFAULT,
     True),
    ("query_dataset_named_graphs_post", "POST", f"/sparql?{NG(1, 2)}", DIRECT, ASK_NAMED, True),
    ("query_dataset_named_graphs_get", "GET", f"/sparql?query={q(ASK_NAMED)}&{NG(1, 2)}", None,
     None, True),
    ("query_dataset_full", "POST", f"/sparql?{DG(3)}&{NG(1, 2)}", DIRECT, ASK_FULL, True),
    ("query_multiple_dataset", "POST", f"/sparql?{NG(1, 2)}", DIRECT, ASK_FROM, True),
    ("query_get", "GET", f"/sparql?query=ASK%20%7B%7D&{DG(0)}", None, None, True),
    ("query_content_type_select", "POST", f"/sparql?{DG(0)}", DIRECT, "SELECT (1 AS ?value) {}",
     "tabular"),
    ("query_content_type_ask", "POST", f"/sparql?{DG(0)}", DIRECT, "ASK {}", "boolean"),
    ("query_content_type_describe", "POST", f"/sparql?{DG(0)}", DIRECT,
     "DESCRIBE <http://example.org/>", "RDF"),
    ("query_content_type_construct", "POST", f"/sparql?{DG(0)}", DIRECT,
     "CONSTRUCT { <s> <p> 1 } WHERE {}", "RDF"),
    ("query_post_direct", "POST", f"/sparql?{DG(0)}", DIRECT, "ASK {}", True),
]  # fmt: skip

TABULAR = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN = ("application/sparql-results+json", "application/sparql-results+xml")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")


@pytest.mark.parametrize("case", QUERY_CASES, ids=[c[0] for c in QUERY_CASES])
def test_w3c_protocol_query(endpoint, case):
    name, method, path, ctype, body, expected = case
    headers = {"content-type": ctype} if ctype else {}
    r = endpoint.request(method, path, content=body.encode() if body else None, headers=headers)
    assert 200 <= r.status_code < 400, (name, r.status_code, r.text[:300])
    media = r.headers["content-type"].split(";")[0]
    if isinstance(expected, bool) or expected == "boolean":
        assert media in BOOLEAN, media
        if isinstance(expected, bool) and media == "application/sparql-results+json":
            assert json.loads(r.content)["boolean"] is expected, name
    elif expected == "tabular":
        assert media in TABULAR, media
    else:
        assert media in RDF_TYPES, media
        fmt = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/rdf+xml": "xml", "application/ld+json": "json-ld"}[media]  # fmt: skip
        Graph().parse(data=r.content, format=fmt)


def test_w3c_protocol_query_boolean_answers_in_xml_too(endpoint):
    """The same boolean cases with ``Accept: application/sparql-results+xml``."""
    for name, method, path, ctype, body, expected in QUERY_CASES:
        if expected is not True:
            continue
        headers = {"accept": "application/sparql-results+xml"}
        if ctype:
            headers["content-type"] = ctype
        r = endpoint.request(method, path, content=body.encode() if body else None, headers=headers)
        assert r.headers["content-type"].startswith("application/sparql-results+xml"), name
        assert b"<boolean>true</boolean>" in r.content, name


BAD_CASES = [
    ("bad_query_method", "PUT", "/sparql?query=ASK%20%7B%7D", None, None),
    ("bad_multiple_queries", "GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D",
     None, None),
    ("bad_query_wrong_media_type", "POST", "/sparql", "text/plain", b"ASK {}"),
    ("bad_query_missing_form_type", "POST", "/sparql", None, b"query=ASK%20%7B%7D"),
    ("bad_query_missing_direct_type", "POST", "/sparql", None, b"ASK {}"),
    ("bad_query_non_utf8", "POST", "/sparql", "application/sparql-query; charset=UTF-16",
     "ASK {}".encode("utf-16")),
    ("bad_query_syntax", "GET", "/sparql?query=ASK%20%7B", None, None),
    ("bad_update_get", "GET", "/sparql?update=CLEAR%20ALL", None, None),
    ("bad_multiple_updates", "POST", "/sparql", FORM,
     b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"),
    ("bad_update_wrong_media_type", "POST", "/sparql", "text/plain", b"CLEAR NAMED"),
    ("bad_update_missing_form_type", "POST", "/sparql", None, b"update=CLEAR%20NAMED"),
    ("bad_update_non_utf8", "POST", "/sparql", "application/sparql-update; charset=UTF-16",
     "CLEAR NAMED".encode("utf-16")),
    ("bad_update_syntax", "POST", "/sparql", "application/sparql-update", b"CLEAR XYZ"),
    ("bad_update_dataset_conflict", "POST", f"/sparql?using-graph-uri={q(d(1))}",
     "application/sparql-update", f"CLEAR ALL ; INSERT DATA {{ <{d(1)}> a <x:T> }}".encode()),
    ("update_post_direct (read-only: refused)", "POST", "/sparql", "application/sparql-update",
     f"INSERT DATA {{ GRAPH <{d(9)}> {{ <{d(9)}> a <{FOAF_DOCUMENT}> }} }}".encode()),
    ("update_post_form (read-only: refused)", "POST", "/sparql", FORM,
     ("update=" + q(f"INSERT DATA {{ <{d(9)}> a <{FOAF_DOCUMENT}> }}")).encode()),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_w3c_protocol_refusals(endpoint, case):
    name, method, path, ctype, body = case
    headers = {"content-type": ctype} if ctype else {}
    r = endpoint.request(method, path, content=body, headers=headers)
    assert 400 <= r.status_code < 500, (name, r.status_code, r.text[:300])
    # nothing was written
    ask = endpoint.get("/sparql", params={"query": f"ASK {{ GRAPH ?g {{ <{d(9)}> ?p ?o }} }}"})
    assert ask.json()["boolean"] is False


# ------------------------------------------------------------------ real clients
@pytest.fixture(scope="module")
def served_url(endpoint):
    import uvicorn

    app = endpoint.app
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(10)
    sock.close()


SELECT_DOCS = (
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s a <http://xmlns.com/foaf/0.1/Document> } } ORDER BY ?g"
)


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select(served_url, method, fmt):
    from SPARQLWrapper import CSV, GET, JSON, POST, POSTDIRECTLY, TSV, XML, SPARQLWrapper

    w = SPARQLWrapper(served_url)
    w.setMethod({"GET": GET, "POST": POST, "POSTDIRECTLY": GET}[method])
    if method == "POSTDIRECTLY":
        w.setMethod(POST)
        w.setRequestMethod(POSTDIRECTLY)
    w.setReturnFormat({"json": JSON, "xml": XML, "csv": CSV, "tsv": TSV}[fmt])
    w.setQuery(SELECT_DOCS)
    result = w.query()
    assert result.response.status == 200
    converted = result.convert()
    if fmt == "json":
        rows = [(b["g"]["value"], b["s"]["value"]) for b in converted["results"]["bindings"]]
        assert rows == [(d(n), d(n)) for n in range(4)]
    elif fmt == "xml":
        values = [n.firstChild.data for n in converted.getElementsByTagName("uri")]
        assert values == [d(n) for n in range(4) for _ in (0, 1)]
    else:
        text = converted.decode()
        sep = "," if fmt == "csv" else "\t"
        lines = text.strip().splitlines()
        assert len(lines) == 5 and all(d(n) in lines[n + 1] for n in range(4))
        assert sep in lines[1]


@pytest.mark.parametrize("fmt", ["turtle", "xml", "json-ld", "nt"])
def test_sparqlwrapper_construct(served_url, fmt):
    from SPARQLWrapper import JSONLD, N3, RDFXML, TURTLE, SPARQLWrapper

    w = SPARQLWrapper(served_url)
    w.setQuery(f"CONSTRUCT {{ ?s a <{FOAF_DOCUMENT}> }} WHERE {{ GRAPH ?g {{ ?s a ?c }} }}")
    w.setReturnFormat({"turtle": TURTLE, "xml": RDFXML, "json-ld": JSONLD, "nt": N3}[fmt])
    g = w.query().convert()
    if not isinstance(g, Graph):
        g = Graph().parse(data=g, format="turtle" if fmt == "nt" else fmt)
    assert len(g) == 4


def test_sparqlwrapper_ask_and_errors(served_url):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

    w = SPARQLWrapper(served_url)
    w.setReturnFormat(JSON)
    w.setQuery(f"ASK {{ GRAPH <{d(2)}> {{ <{d(2)}> a ?t }} }}")
    assert w.query().convert()["boolean"] is True
    w.setQuery("SELECT * WHERE {")
    with pytest.raises(QueryBadFormed):
        w.query()
    w.setMethod(POST)
    w.setQuery("DROP ALL")  # SPARQLWrapper sends it as an update: refused (403)
    with pytest.raises((SPARQLWrapperException, Exception)) as e:
        w.query()
    assert "403" in str(e.value) or "read-only" in str(e.value)


def test_rdflib_sparqlstore_with_get_and_post(served_url):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    rows = {}
    for method in ("GET", "POST", "POST_FORM"):
        remote = SPARQLStore(served_url, method=method)
        rows[method] = [tuple(map(str, r)) for r in remote.query(SELECT_DOCS)]
    assert rows["GET"] == rows["POST"] == rows["POST_FORM"]
    assert rows["GET"] == [(d(n), d(n)) for n in range(4)]
