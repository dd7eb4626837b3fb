"""The store on a Neo4j 5 server (model: docs/neo4j-model.md): one connection, its writes
(``loading.Loader``) and its reads (``reading.Reader``), behind the store contract."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rdflib import Graph

from prl.graph_api.store.errors import Unsupported
from prl.graph_api.store.models import (
    NO_DATASET,
    RESULT_BYTES,
    BodyView,
    Counts,
    Dataset,
    InstrumentView,
    Page,
    PowerDetail,
    PowerFilter,
    PowerSummary,
    Ref,
    SparqlAnswer,
    SubdivisionView,
)
from prl.graph_api.store.neo4j.connection import Connection
from prl.graph_api.store.neo4j.loading import Loader
from prl.graph_api.store.neo4j.reading import Reader

__all__ = ["Neo4jStore"]


class Neo4jStore:
    kind = "neo4j"
    capabilities: frozenset[str] = frozenset()  # no SPARQL: Neo4j speaks Cypher

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        timeout: float = 30.0,
        writers: int = 2,
    ):
        self.uri, self.database, self.timeout = uri, database, timeout
        self._db = Connection(uri, auth, database, timeout)
        self._reader = Reader(self._db)
        self._loader = Loader(self._db, writers, on_write=self._reader.forget_names)

    @classmethod
    def from_settings(cls, settings) -> Neo4jStore:
        pw = settings.neo4j_password
        auth = (settings.neo4j_user, pw.get_secret_value()) if pw else None
        return cls(
            settings.neo4j_uri,
            auth,
            settings.neo4j_database,
            settings.neo4j_timeout,
            settings.neo4j_writers,
        )

    @property
    def writers(self) -> int:
        """Parallel write transactions of an N-Quads load."""
        return self._loader.writers

    # ---------------------------------------------------------------- writes
    def load_graph(self, name: str, graph: Graph) -> None:
        self._loader.load_graph(name, graph)

    def load_file(self, path: Path) -> int:
        path = Path(path)
        return self._loader.load_nquads(path, path.name)

    def load_nquads(
        self, data: bytes, *, source: str = "upload", document: str | None = None
    ) -> int:
        return self._loader.load_nquads(data, source, document)

    def remove_document(self, document: str) -> bool:
        return self._loader.remove_document(document)

    def clear(self) -> None:
        self._loader.clear()

    # ---------------------------------------------------------------- reads
    def find_powers(self, flt: PowerFilter, *, offset: int = 0, limit: int = 20) -> Page:
        return self._reader.find_powers(flt, offset=offset, limit=limit)

    def search_powers(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[tuple[PowerSummary, int]]:
        return self._reader.search_powers(terms, limit=limit)

    def power_iris(self) -> Sequence[str]:
        return self._reader.power_iris()

    def power_iris_fresh(self) -> bool:
        """Whether ``power_iris`` answers from memory, without a version check."""
        return self._reader._names_fresh()

    def get_power(self, iri: str) -> PowerDetail | None:
        return self._reader.get_power(iri)

    def power_documents(self, iris: Sequence[str]) -> dict[str, bytes]:
        return self._reader.power_documents(iris)

    async def power_documents_async(self, iris: Sequence[str]) -> dict[str, bytes]:
        return await self._reader.power_documents_async(iris)

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._reader.list_bodies(offset=offset, limit=limit)

    def get_body(self, iri: str) -> BodyView | None:
        return self._reader.get_body(iri)

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._reader.list_instruments(offset=offset, limit=limit)

    def get_instrument(self, iri: str) -> InstrumentView | None:
        return self._reader.get_instrument(iri)

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        return self._reader.get_subdivision(iri)

    def describe(self, iri: str) -> Graph:
        return self._reader.describe(iri)

    def export_graphs(self) -> list[tuple[str, Graph]]:
        return self._reader.export_graphs()

    def counts(self) -> Counts:
        return self._reader.counts()

    def sparql(
        self,
        query: str,
        *,
        timeout: float,
        limit: int,
        max_bytes: int = RESULT_BYTES,
        accept: str = "",
        dataset: Dataset = NO_DATASET,
    ) -> SparqlAnswer:
        raise Unsupported(
            "SPARQL is served by the embedded store only (this server's store is Neo4j)"
        )

    def modified(self) -> float | None:
        return self._reader.modified()

    def ping(self) -> None:
        self._db.ping()

    def close(self) -> None:
        self._db.close()
        self._reader.close()
