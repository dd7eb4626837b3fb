"""Neo4j store: faults (server down, server killed mid-load) and the RDF mapping helpers.

The fault test starts its own server with ``scripts/neo4j-server`` on a free port and a
temporary data folder, so it never touches a server other tests use.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from prl.graph_api.store import StoreError, StoreUnavailable, is_document_graph
from prl.graph_api.store.documents import power_json
from prl.graph_api.store.models import PowerFilter
from prl.graph_api.store.neo4j import Neo4jStore
from prl.graph_api.store.neo4j.mapping import decode_facts, encode_facts, rel_type
from prl.graph_api.store.neo4j.reading import REFRESH
from prl.ingest.vocab import PRL as PRL_NS
from tests.conftest import citing_power, load_all, make_store

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j-server"
PRL = "https://w3id.org/prl/ontology#"
DOC = "https://w3id.org/prl/id/list/fault-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server(action: str, data: Path, port: int | None = None) -> subprocess.CompletedProcess:
    args = [str(SCRIPT), action, "--data", str(data)]
    if port:
        args += ["--port", str(port)]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


@pytest.fixture
def own_server(tmp_path):
    """A dedicated Neo4j server: (uri, data folder, port); skips when none can start."""
    if not shutil.which("java") or not shutil.which("javac"):
        pytest.skip("neo4j: no Java 17+ JDK on PATH (scripts/neo4j-server needs java and javac)")
    data, port = tmp_path / "neo4j", free_port()
    started = server("start", data, port)
    if started.returncode != 0:
        pytest.skip(f"neo4j: scripts/neo4j-server could not start: {started.stderr[-500:]}")
    yield f"bolt://127.0.0.1:{port}", data, port
    server("stop", data)


def write_document(path: Path, powers: int) -> int:
    """A list document of ``powers`` synthetic powers as N-Quads; returns the quad count."""
    g, n = f"<{DOC}>", 0
    with open(path, "w", encoding="utf-8") as f:

        def q(s: str, p: str, o: str) -> None:
            nonlocal n
            f.write(f"{s} <{p}> {o} {g} .\n")
            n += 1

        q(f"<{DOC}>", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{PRL}ListDocument>")
        for i in range(powers):
            p = f"<https://w3id.org/prl/id/power/fault/{i:07d}>"
            q(p, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{PRL}Power>")
            q(p, "http://www.w3.org/2000/01/rdf-schema#label", f'"第{i}项行政许可"@zh')
            q(p, PRL + "listedIn", f"<{DOC}>")
            for k in range(3):
                c = f"<https://w3id.org/prl/id/power/fault/{i:07d}/basis/{k}>"
                q(p, PRL + "hasCitation", c)
                q(c, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{PRL}Citation>")
                q(c, PRL + "citationText", f'"《某某条例》第{k + 1}条"@zh')
                q(c, PRL + "reference", f'"art_{k + 1}"')
    return n


def test_server_down_is_unavailable():
    uri = f"bolt://127.0.0.1:{free_port()}"
    store = Neo4jStore(uri, timeout=3)
    try:
        with pytest.raises(StoreUnavailable, match=uri):
            store.ping()
        with pytest.raises(StoreUnavailable, match=uri):
            store.counts()
    finally:
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_kill_mid_load_leaves_no_partial_document(own_server, tmp_path):
    """The server dies while a document's write transaction is open (held open there by the
    test, after the old version was unlinked): afterwards the old version is whole and
    nothing of the new one shows; the same load then succeeds."""
    uri, data, port = own_server
    small, big = tmp_path / "small.nq", tmp_path / "big.nq"
    write_document(small, 10)
    n_big = write_document(big, 300)

    store = Neo4jStore(uri, timeout=10)
    store.load_file(small)
    assert store.counts().powers == 10

    writing, killed = threading.Event(), threading.Event()
    original = store._loader._unlink

    def unlink(tx, g):  # inside the document's write transaction, which stays open
        found = original(tx, g)
        writing.set()
        killed.wait(120)
        return found

    store._loader._unlink = unlink
    failure: list[BaseException] = []

    def load() -> None:
        try:
            store.load_file(big)
        except BaseException as e:  # noqa: BLE001 - handed to the test thread
            failure.append(e)

    t = threading.Thread(target=load)
    t.start()
    assert writing.wait(120), "the load never began writing"
    os.kill(int((data / "neo4j.pid").read_text().strip()), signal.SIGKILL)
    time.sleep(0.5)
    killed.set()
    t.join(120)
    assert not t.is_alive()
    assert failure and isinstance(failure[0], StoreError), failure
    assert uri in str(failure[0]) and "loading graph" in str(failure[0])
    store.close()

    assert server("start", data, port).returncode == 0
    store = Neo4jStore(uri, timeout=30)
    try:
        # the old version of the document is intact, nothing of the new one is visible
        assert store.counts().powers == 10
        assert store.find_powers(PowerFilter(document=DOC), limit=100).total == 10
        assert store.get_power("https://w3id.org/prl/id/power/fault/0000020") is None
        # and the same load now succeeds
        assert store.load_file(big) == n_big
        c = store.counts()
        assert (c.powers, c.citations, c.documents) == (300, 900, 1)
    finally:
        store.clear()
        store.close()


# ------------------------------------------------------------------ mapping helpers
def test_rel_type_names_and_collisions():
    assert rel_type(PRL + "exercisedBy", {}) == "EXERCISED_BY"
    assert rel_type("http://data.europa.eu/eli/ontology#is_part_of", {}) == "IS_PART_OF"
    taken = {"IS_PART_OF": "http://data.europa.eu/eli/ontology#is_part_of"}
    other = rel_type("http://purl.org/dc/terms/isPartOf", taken)
    assert other.startswith("IS_PART_OF_") and other != "IS_PART_OF"


def test_facts_round_trip_keeps_datatypes_and_languages():
    facts = {
        "t": [PRL + "Power", "http://example.org/Other"],
        "l": sorted(
            [
                ("http://www.w3.org/2000/01/rdf-schema#label", "名称", "@zh"),
                ("http://www.w3.org/2000/01/rdf-schema#label", "name", "@en"),
                (PRL + "rowNumber", "7", "http://www.w3.org/2001/XMLSchema#integer"),
                (PRL + "fileName", "a.xlsx", ""),
                ("urn:x:p", "x", "http://www.w3.org/2001/XMLSchema#string"),
            ]
        ),
    }
    assert decode_facts(encode_facts(facts)) == facts


def test_bad_file_is_a_store_error(tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    store = Neo4jStore(f"bolt://127.0.0.1:{free_port()}", timeout=3)
    try:
        with pytest.raises(StoreError, match="bad.nq"):
            store.load_file(bad)
    finally:
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_api_answers_503_while_down_and_recovers(own_server, tmp_path):
    """The API over Neo4j: 503 with the reason while the server is stopped (once the name
    index's version check is due), answers again as soon as it is back (same app, driver)."""
    from fastapi.testclient import TestClient

    from prl.graph_api.settings import Settings
    from prl.graph_api.web.app import create_app

    uri, data, port = own_server
    doc = tmp_path / "doc.nq"
    write_document(doc, 5)
    store = Neo4jStore(uri, auth=None, database="neo4j", timeout=5)
    store.load_file(doc)
    client = TestClient(create_app(Settings(store="neo4j", cache_bytes=0), store))
    assert client.get("/v1/powers", params={"q": "许可"}).json()["total"] == 5
    one = client.get("/v1/powers", params={"q": "许可"}).json()["items"][0]["href"]
    assert client.get(one).status_code == 200  # through the async driver
    assert server("stop", data).returncode == 0
    # name matches come from memory until the next version check (at most REFRESH seconds)
    time.sleep(REFRESH)
    down = client.get("/v1/powers", params={"q": "许可"})
    assert down.status_code == 503 and uri.split("//")[1] in down.json()["detail"]
    assert client.get("/health").status_code == 503
    gone = client.get(one)
    assert gone.status_code == 503 and uri.split("//")[1] in gone.json()["detail"]
    assert server("start", data, port).returncode == 0
    deadline = time.time() + 60
    while client.get("/health").status_code != 200 and time.time() < deadline:
        time.sleep(1)
    assert client.get("/v1/powers", params={"q": "许可"}).json()["total"] == 5
    assert client.get(one).status_code == 200
    store.close()


# ------------------------------------------------------------------ reading N-Quads
def read_batches(path: Path) -> tuple[int, list[tuple[str, bool, int]]]:
    """What load_file would write, without a server: (quads, [(graph, replace, quads)])."""
    handed: list[tuple[str, bool, int]] = []
    store = Neo4jStore(f"bolt://127.0.0.1:{free_port()}", timeout=3)
    try:
        n = store._loader._read_nquads(
            path, path.name, lambda b, r: handed.append((b.name, r, b.size)), []
        )
    finally:
        store.close()
    return n, handed


def quad(i: int, graph: str) -> str:
    return f'<urn:s:{graph}:{i}> <urn:p> "{i}" <https://w3id.org/prl/id/{graph}> .\n'


def test_a_document_split_by_shared_quads_is_one_transaction(tmp_path):
    path = tmp_path / "interleaved.nq"
    lines = [quad(i, "list/a") for i in range(3)] + [quad(0, "graph/organisations")]
    lines += [quad(i, "list/a") for i in range(3, 6)] + [quad(1, "graph/organisations")]
    lines += [quad(i, "list/b") for i in range(2)] + [quad(2, "graph/organisations")]
    path.write_text("".join(lines), encoding="utf-8")
    n, handed = read_batches(path)
    assert n == len(lines)
    docs = [h for h in handed if "/list/" in h[0]]
    assert docs == [
        ("https://w3id.org/prl/id/list/a", True, 6),
        ("https://w3id.org/prl/id/list/b", True, 2),
    ]
    assert [h[1:] for h in handed if "/graph/" in h[0]] == [(False, 3)]


def test_a_scattered_file_is_collected_graph_by_graph(tmp_path):
    path = tmp_path / "sorted-by-subject.nq"
    graphs = [f"list/d{k}" for k in range(4)] + ["graph/organisations"]
    lines = [quad(i, g) for i in range(200) for g in graphs]  # every graph, round robin
    path.write_text("".join(lines), encoding="utf-8")
    n, handed = read_batches(path)
    assert n == len(lines) == sum(size for _, _, size in handed)
    # a few parts before the reader notices, then one part per graph for the rest
    assert len(handed) <= 32 + 2 * len(graphs)
    for g in graphs:
        parts = [(r, size) for name, r, size in handed if name.endswith(g)]
        assert parts[0][0] == g.startswith("list/")  # the first part of a document replaces
        assert not any(r for r, _ in parts[1:])  # later parts merge
        assert parts[-1][1] > 100  # the collected rest


def test_a_deadlocked_load_is_retried(monkeypatch):
    """Parallel writers can deadlock; Neo4j rolls one back and that graph is loaded again."""
    from prl.graph_api.store.neo4j.mapping import GraphBatch

    class ServerError(Exception):  # what the driver raises carries Neo4j's status code
        def __init__(self, code: str) -> None:
            super().__init__(code)
            self.code = code

    store = Neo4jStore(f"bolt://127.0.0.1:{free_port()}", timeout=3)
    calls: list[str] = []

    def load(batch, *, replace):
        calls.append(batch.name)
        if len(calls) < 3:
            cause = ServerError("Neo.TransientError.Transaction.DeadlockDetected")
            raise StoreUnavailable("deadlock") from cause
        if batch.name == "other":
            cause = ServerError("Neo.TransientError.General.DatabaseUnavailable")
            raise StoreUnavailable("unavailable") from cause

    monkeypatch.setattr(store._loader, "_load", load)
    monkeypatch.setattr("prl.graph_api.store.neo4j.loading.time.sleep", lambda s: None)
    try:
        store._loader._load_retrying(GraphBatch("g"), replace=True)
        assert calls == ["g", "g", "g"]
        with pytest.raises(StoreUnavailable, match="unavailable"):  # not a deadlock: no retry
            store._loader._load_retrying(GraphBatch("other"), replace=True)
        assert calls[3:] == ["other"]
    finally:
        store.close()


# ------------------------------------------------------------------ stored documents
def docs(sample) -> list[tuple[str, Graph]]:
    return [(str(n), g) for n, g in sample.graphs if is_document_graph(str(n))]


def powers(oracle: Graph) -> set[str]:
    return {str(p) for p in oracle.subjects(RDF.type, PRL_NS.Power)}


@pytest.mark.parametrize("inline", [5_000, 0], ids=["in the write", "after the write"])
def test_serves_documents_it_stored_and_keeps_them_in_step(
    tmp_path, sample, oracle, inline, monkeypatch
):
    """Neo4j answers ``power_documents`` from its stored (:_Doc) nodes, which every write
    rewrites (in its transaction, or after it when they are many): none is left to the
    per-request fallback, before or after writes to shared nodes, and removing a list takes
    its powers' documents away."""
    from prl.graph_api.store.neo4j import loading, reading, statements

    empty = make_store("neo4j", tmp_path)
    monkeypatch.setattr(loading, "INLINE_DOCS", inline)
    load_all(empty, sample)
    every = sorted(powers(oracle))
    power, sub, body = citing_power(oracle)

    def stored_documents(iris: list[str]) -> dict[str, bytes]:
        with empty._db.session() as session:
            return reading._stored_documents(
                session.run(statements.Q_STORED_DOCS, iris=iris).single()
            )

    def check(iris: list[str]) -> None:
        stored = stored_documents(iris)
        assert sorted(stored) == iris
        assert stored == {p: power_json(empty.get_power(p)) for p in iris}

    check(every)
    amendment = Graph()
    amendment.add((URIRef(sub), PRL_NS.text, Literal("A 修改后的条文", lang="zh")))
    amendment.add((URIRef(body), RDFS.label, Literal("A 新名称", lang="zh")))
    empty.load_graph("https://w3id.org/prl/id/test/amendment", amendment)
    check(every)
    assert "A 修改后的条文" in empty.power_documents([power])[power].decode()
    name, g = docs(sample)[0]
    listed = sorted({str(p) for p in g.subjects(RDF.type, PRL_NS.Power)})
    assert listed and empty.remove_document(name)
    assert stored_documents(listed) == {} == empty.power_documents(listed)
    check(sorted(set(every) - set(listed)))
    empty.clear()
    empty.close()
