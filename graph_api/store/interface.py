"""The store contract: what every store engine provides, named for the domain, not a query
language. This is the one place to read what an engine must do (as Datasette's hookspecs).

Two engines: ``store.oxigraph.OxigraphStore`` (embedded, on disk, the default) and
``store.neo4j.Neo4jStore``. SPARQL and SQL live only in the first package, Cypher only in the
second. Both must give identical answers to ``tests/test_store_contract.py``.

Named graphs decide ownership: the graph of a list document (IRI under ``id/list/``) holds
the facts that document publishes and is replaced as a whole when the document is loaded
again; every other graph (statute versions, code lists, ingest runs) is shared and survives
when a document is removed.

Every method raises only the errors of ``store.errors``: ``StoreUnavailable`` when the store
cannot be reached, ``StoreCorrupt`` when its files cannot be read, ``StoreInputError`` for
input it does not accept, ``StoreError`` for anything else. Reads of an IRI that is not in the
store (or is no IRI at all) answer ``None`` or an empty value, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from rdflib import Graph

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

#: a store that answers ``sparql`` (the read-only SPARQL endpoint)
SPARQL = "sparql"


@runtime_checkable
class Store(Protocol):
    kind: str  # "oxigraph" or "neo4j"
    #: what the store offers beyond the common contract (``SPARQL``)
    capabilities: frozenset[str]

    # ---------------------------------------------------------------- writes
    def load_graph(self, name: str, graph: Graph) -> None:
        """Put one named graph in the store. A list document's graph replaces everything that
        document published before, atomically (a reader sees the old or the new document,
        never a mix); a shared graph (statute version, code lists, run) is merged.

        :raises StoreInputError: a blank node, or a subject that is no IRI (nothing written)
        """

    def load_file(self, path: Path) -> int:
        """Load an N-Quads file written by ``prl ingest`` (each document replaced as above).
        Returns the number of quads read.

        :raises StoreInputError: the file is not N-Quads, or holds a triple outside a named
            graph or a blank node (the line is named; nothing is written)
        """

    def load_nquads(
        self, data: bytes, *, source: str = "upload", document: str | None = None
    ) -> int:
        """``load_file`` for N-Quads in memory (an upload); ``source`` names it in errors.
        With ``document`` (a list document's IRI), the data must hold that document's graph
        and no other document's; shared graphs may come with it.

        :raises StoreInputError: as ``load_file``, or a graph of another document
        """

    def remove_document(self, document: str) -> bool:
        """Remove a list document and the facts only it published; shared nodes (bodies,
        instruments, subdivisions) stay. False when the document was not there."""

    def clear(self) -> None:
        """Remove everything."""

    # ---------------------------------------------------------------- reads
    def find_powers(self, flt: PowerFilter, *, offset: int = 0, limit: int = 20) -> Page:
        """Powers matching all filters, ordered by IRI, one page of them and the total."""

    def search_powers(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[tuple[PowerSummary, int]]:
        """Powers whose name contains at least one of the terms, with how many terms it
        contains; ordered by that count (descending), then IRI; at most ``limit``."""

    def power_iris(self) -> Sequence[str]:
        """Every power's IRI, from memory. The same object is returned until a write changes
        the powers, so what a caller derives from it (the answers' text index) can be kept by
        identity and rebuilt when a new one comes back."""

    def get_power(self, iri: str) -> PowerDetail | None:
        """A power with its bodies, units, citations (with subdivision texts), duties,
        accountability and provenance."""

    def power_documents(self, iris: Sequence[str]) -> dict[str, bytes]:
        """The JSON document (``documents.power_json``) of each of these powers that exists,
        by IRI: what ``/v1/powers/{id}`` and each answer serve."""

    async def power_documents_async(self, iris: Sequence[str]) -> dict[str, bytes]:
        """``power_documents`` for the API's event loop: a store that would wait on the
        network waits here without blocking the loop."""

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        """Bodies ordered by IRI, and their total."""

    def get_body(self, iri: str) -> BodyView | None:
        """A body with its region, level and power counts by type."""

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        """Instrument versions ordered by IRI (label: title), and their total."""

    def get_instrument(self, iri: str) -> InstrumentView | None:
        """An instrument version with its metadata and top-level structure."""

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        """A subdivision's text, its children, and the powers that cite it."""

    def describe(self, iri: str) -> Graph:
        """The triples whose subject is ``iri`` (for Turtle and JSON-LD responses)."""

    def export_graphs(self) -> list[tuple[str, Graph]]:
        """Every named graph, by name: what was loaded, as RDF again."""

    def counts(self) -> Counts:
        """How many documents, powers, bodies, citations, versions and subdivisions."""

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
        """Run a read-only SPARQL query: the body, its media type and whether the cap cut
        it. The default graph is the union of the graphs unless the query names its
        dataset (FROM, FROM NAMED) or ``dataset`` gives (default-graph-uri,
        named-graph-uri) as the protocol does. At most ``limit`` rows or triples, and about ``max_bytes`` of them;
        ``accept`` picks the format.

        :raises Unsupported: the store has no ``SPARQL`` capability
        :raises QueryRefused: an update, or a feature the endpoint does not serve
        :raises QueryTimeout: not done within ``timeout`` seconds, or too many running
        :raises QueryInvalid: the query does not parse (the message says where)
        :raises QueryNotAcceptable: ``accept`` names no format these results come in
        """

    def modified(self) -> float | None:
        """The POSIX time of the last write this store knows of, without waiting on anything
        (None: not known yet). HTTP's ``Last-Modified``."""

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot answer."""

    def close(self) -> None:
        """Release files or connections."""
