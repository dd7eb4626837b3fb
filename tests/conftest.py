"""Shared fixtures: paths to the real documents and the bundled sample."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


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


BACKENDS = ["oxigraph", "neo4j"]


def make_store(kind: str, folder: Path):
    """A store of the given kind: Oxigraph in ``folder``, or the Neo4j server named by
    ``PRL_TEST_NEO4J_URI`` (skips with the reason when none is reachable)."""
    if kind == "oxigraph":
        from graph_api.oxigraph_store import OxigraphStore

        return OxigraphStore(folder / "oxigraph")
    uri = os.environ.get("PRL_TEST_NEO4J_URI")
    if not uri:
        pytest.skip("neo4j: set PRL_TEST_NEO4J_URI (scripts/neo4j-server start --port 17687 ...)")
    from graph_api.neo4j_store import Neo4jStore
    from graph_api.store import StoreUnavailable

    store = Neo4jStore(uri, auth=None, database="neo4j", timeout=30)
    try:
        store.ping()
    except StoreUnavailable as e:
        pytest.skip(f"neo4j: no server reachable at {uri}: {e}")
    return store
