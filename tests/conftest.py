"""Shared fixtures: the bundled sample ingested once per session, the real documents in
../shared/data, and stores of every engine.

Store fixtures of the contract, API and gold suites are parametrised over ``BACKENDS``; a
test that needs a capability a store lacks says so with ``@pytest.mark.needs(SPARQL)`` (and
one about a store without it, ``@pytest.mark.lacks(SPARQL)``): ``skip_unless_capable``
skips it for the other stores, with the reason, instead of an ``if store.kind`` in the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"
BACKENDS = ["oxigraph", "neo4j"]


REAL_VALIDATION_TEST = "test_all_real_lists_conform_and_resolve"

# parsed statutes are cached for the session (and the processes it starts), not in the
# user's cache folder
os.environ.setdefault("PRL_CACHE_DIR", tempfile.mkdtemp(prefix="prl-cache-"))


def pytest_collection_modifyitems(session, config, items):
    """When the validation of the real lists is among the tests to run, start it now in a
    process of its own (tests/real_validation.py), beside the rest of the session."""
    if not (SHARED / "lists").is_dir() or config.option.collectonly:
        return
    if not any(getattr(item, "originalname", None) == REAL_VALIDATION_TEST for item in items):
        return
    out = Path(tempfile.mkdtemp(prefix="prl-validation-")) / "real.json"
    log = out.with_suffix(".log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.real_validation", str(out)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    config.stash[_VALIDATION] = (proc, out)


def pytest_unconfigure(config):
    started = config.stash.get(_VALIDATION, None)
    if started is not None and started[0].poll() is None:
        started[0].kill()


_VALIDATION = pytest.StashKey[tuple]()


@pytest.fixture(scope="session")
def real_validation(request) -> dict:
    """What tests/real_validation.py found in the real lists (started at collection;
    waited for here), or the validation run here when it was not started."""
    import json

    started = request.config.stash.get(_VALIDATION, None)
    if started is None:
        from tests.real_validation import main

        out = Path(tempfile.mkdtemp(prefix="prl-validation-")) / "real.json"
        main(out)
    else:
        proc, out = started
        code = proc.wait(timeout=1800)
        if code != 0 or not out.exists():
            log = out.with_suffix(".log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the validation process exited {code}:\n{log}")
    return json.loads(out.read_text(encoding="utf-8"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when that folder is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(
            f"real data not available: {p} is missing (../shared/data is not beside the checkout)"
        )
    return p


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_path()


# ------------------------------------------------------------------ ingested once
@pytest.fixture(scope="session")
def sample():
    """The bundled sample, ingested once for the whole session (tests must not change it)."""
    from prl.ingest.pipeline import ingest
    from prl.sample import LISTS_DIR, STATUTES_DIR

    return ingest([LISTS_DIR], [STATUTES_DIR])


@pytest.fixture(scope="session")
def sample_nquads(sample) -> bytes:
    """The sample as N-Quads, as written."""
    from prl.ingest.pipeline import nquads

    return "".join(nquads(sample)).encode("utf-8")


@pytest.fixture(scope="session")
def sample_report(sample_nquads):
    """One whole-graph pySHACL validation of the sample (the reference of the cut ones)."""
    from prl.ingest.validate import read_graph, validate_graph

    return validate_graph(read_graph(sample_nquads, ".nq"))


@pytest.fixture(scope="session")
def oracle(sample) -> Graph:
    """The sample as one rdflib graph: the independent oracle of the store tests."""
    return sample.union()


@pytest.fixture(scope="session")
def sample_nq(sample, tmp_path_factory) -> Path:
    """The sample written as N-Quads by ``prl ingest``'s writer."""
    from prl.ingest.pipeline import write_graph

    path = tmp_path_factory.mktemp("sample") / "sample.nq"
    write_graph(sample, path)
    return path


@pytest.fixture(scope="session")
def small():
    """One small real list (科学技术局, 4 powers) and the sample statutes it cites: for the
    tests that need a real document but not the whole sample."""
    from prl.ingest.pipeline import ingest
    from prl.sample import LISTS_DIR, STATUTES_DIR

    return ingest([LISTS_DIR / "克拉玛依市科学技术局2024年权责清单.xls"], [STATUTES_DIR])


@pytest.fixture(scope="session")
def small_nq(small) -> bytes:
    from prl.ingest.pipeline import nquads

    return "".join(nquads(small)).encode()


@pytest.fixture(scope="session")
def real_result():
    """The 17 real workbooks and the JSON sample in ../shared/data, ingested once with the
    whole statute corpus (skips when the folder is absent)."""
    from prl.ingest.pipeline import ingest

    return ingest([shared_path("lists")], [shared_path("statutes")], jobs=2)


@pytest.fixture(scope="session")
def real_graph(real_result):
    """All graphs of ``real_result`` as one rdflib graph (built once: some seconds)."""
    return real_result.union()


@pytest.fixture(scope="session")
def real_nq(real_result, tmp_path_factory) -> Path:
    from prl.ingest.pipeline import write_graph

    path = tmp_path_factory.mktemp("real") / "real.nq"
    write_graph(real_result, path)
    return path


# ------------------------------------------------------------------ stores
def neo4j_uri() -> str | None:
    """The test Neo4j server, named by ``PRL_TEST_NEO4J_URI`` (``.ci/run`` starts one)."""
    return os.environ.get("PRL_TEST_NEO4J_URI") or None


def make_store(kind: str, folder: Path):
    """An empty store of the given kind: Oxigraph in ``folder``, or the Neo4j server named
    by ``PRL_TEST_NEO4J_URI`` (skips with the reason when none is reachable). It is emptied
    here, so fixtures need not clear it when they are done (closing is enough)."""
    if kind == "oxigraph":
        from prl.graph_api.store.oxigraph import OxigraphStore

        store = OxigraphStore(folder / "oxigraph")
    else:
        uri = neo4j_uri()
        if not uri:
            pytest.skip(
                "neo4j: set PRL_TEST_NEO4J_URI (scripts/neo4j-server start --port 17687 ...)"
            )
        from prl.graph_api.store import StoreUnavailable
        from prl.graph_api.store.neo4j import Neo4jStore

        store = Neo4jStore(uri, auth=None, database="neo4j", timeout=30)
        try:
            store.ping()
        except StoreUnavailable as e:
            pytest.skip(f"neo4j: no server reachable at {uri}: {e}")
    store.clear()
    return store


def skip_unless_capable(request, store) -> None:
    """Skip the requesting test when its ``needs``/``lacks`` markers exclude this store."""
    for mark in request.node.iter_markers("needs"):
        missing = [c for c in mark.args if c not in store.capabilities]
        if missing:
            pytest.skip(f"{store.kind} has no {', '.join(missing)} capability")
    for mark in request.node.iter_markers("lacks"):
        present = [c for c in mark.args if c in store.capabilities]
        if present:
            pytest.skip(f"about stores without {', '.join(present)}; {store.kind} has it")


def citing_power(oracle: Graph) -> tuple[str, str, str]:
    """A power whose basis cites a subdivision with text, the subdivision, and a body of it."""
    from prl.ingest.vocab import PRL

    for c, sub in sorted(oracle.subject_objects(PRL.citesSubdivision)):
        p = oracle.value(None, PRL.hasCitation, c)
        if p is not None and oracle.value(sub, PRL.text) is not None:
            return str(p), str(sub), str(oracle.value(p, PRL.exercisedBy))
    raise AssertionError("the sample has no cited subdivision with text")


def load_all(store, result) -> None:
    """Every graph of an ingest result, loaded one by one (``load_graph``)."""
    for name, g in result.graphs:
        store.load_graph(str(name), g)
