"""The store layer: the contract every engine honours (``interface``), its errors, the values
it returns (``models``, ``documents``), the rules both engines share (``ordering``,
``name_index``), and the engines themselves (``oxigraph/``, ``neo4j/``).

Nothing here imports the answers or web layers; engines import only this layer and
``prl.ontology``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prl.graph_api.store.errors import (
    QueryInvalid,
    QueryNotAcceptable,
    QueryRefused,
    QueryTimeout,
    StoreCorrupt,
    StoreError,
    StoreInputError,
    StoreUnavailable,
    Unsupported,
)
from prl.graph_api.store.interface import SPARQL, Store
from prl.ontology.namespaces import is_document_graph

if TYPE_CHECKING:
    from prl.graph_api.settings import Settings

__all__ = [
    "SPARQL",
    "QueryInvalid",
    "QueryNotAcceptable",
    "QueryRefused",
    "QueryTimeout",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreInputError",
    "StoreUnavailable",
    "Unsupported",
    "is_document_graph",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """The store the settings name (each engine imported only when used: the Neo4j driver is
    needed only for Neo4j)."""
    if settings.store == "neo4j":
        from prl.graph_api.store.neo4j import Neo4jStore

        return Neo4jStore.from_settings(settings)
    from prl.graph_api.store.oxigraph import OxigraphStore

    return OxigraphStore(settings.data_dir)
