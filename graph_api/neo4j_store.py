"""The store on a Neo4j 5 server; all Cypher of prl lives here (model: docs/neo4j-model.md).

Writes go in explicit transactions: a list document is unlinked and written again in one
transaction, so readers see the old or the new document; batches are ``UNWIND $rows``
statements. Values always travel as parameters.

Name matching (``search_powers`` and the ``text`` filter of ``find_powers``) is answered by a
``NameIndex`` held in this process, built from every power's IRI and labels. Every write
transaction sets a new random ``version`` on the single ``(:_Meta {key: 'powers'})`` node (as
its last statement); a reader checks that version at most every ``REFRESH`` seconds and
rebuilds the index when it changed, so writes by other processes show within ``REFRESH``
seconds, and this instance's own writes at once.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import queue
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyoxigraph as ox
from neo4j import AsyncDriver, AsyncGraphDatabase, GraphDatabase, Query, Session
from neo4j.exceptions import (
    DatabaseUnavailable,
    DriverError,
    IncompleteCommit,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from rdflib import Graph, URIRef

from graph_api import documents
from graph_api import neo4j_mapping as views
from graph_api.coalesce import AsyncCoalescer
from graph_api.models import (
    BodyView,
    Candidate,
    Counts,
    InstrumentView,
    Page,
    PowerDetail,
    PowerFilter,
    PowerSummary,
    Ref,
    SubdivisionView,
)
from graph_api.name_index import Memo, NameIndex
from graph_api.neo4j_mapping import (
    ALL_LABELS,
    RDF_TYPE,
    GraphBatch,
    decode_facts,
    from_oxigraph,
    from_rdflib,
    rel_type,
    to_rdflib_literal,
    view,
)
from graph_api.store import StoreError, StoreUnavailable, is_document_graph

BATCH = 10_000  # rows per UNWIND statement
SHARED_FLUSH = 200_000  # quads of a shared graph per transaction in load_file
DEADLOCK_RETRIES = 5
SCATTERED = 32  # graphs coming back in a file before load_file collects the rest whole
FULLTEXT = "prl_power_name"
SUBDIVISION = "s:Book|Chapter|Section|Article|Paragraph|Point"

SCHEMA = [
    "CREATE CONSTRAINT prl_resource_iri IF NOT EXISTS FOR (n:Resource) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_graph_iri IF NOT EXISTS FOR (n:_Graph) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_predicate_iri IF NOT EXISTS FOR (n:_Predicate) REQUIRE n.iri IS UNIQUE",
    "CREATE CONSTRAINT prl_meta_key IF NOT EXISTS FOR (n:_Meta) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT prl_doc_iri IF NOT EXISTS FOR (n:_Doc) REQUIRE n.iri IS UNIQUE",
    f"CREATE FULLTEXT INDEX {FULLTEXT} IF NOT EXISTS FOR (n:Power) ON EACH [n.label] "
    "OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}",
]
REFRESH = 1.0  # seconds between checks of the powers' version by a reader
FILTER_CACHE = 256  # id sets of non-text filters kept per name index
Q_BUMP = "MERGE (m:_Meta {key: 'powers'}) SET m.version = randomUUID()"
Q_VERSION = "OPTIONAL MATCH (m:_Meta {key: 'powers'}) RETURN m.version AS version"
# one record (fast): IRI, name(s) and type concepts of every power
Q_NAMES = """MATCH (p:Power) RETURN collect([p.iri, p.label,
  [(p)-[:POWER_TYPE]->(t) | t {.iri, .notation}]]) AS rows"""
Q_PREDICATES = """UNWIND $rows AS r MERGE (x:_Predicate {iri: r.iri})
ON CREATE SET x.type = r.type RETURN x.iri AS iri, x.type AS type"""
Q_UNLINK = """MATCH (:_Graph {iri: $g})-[:_DESCRIBES]->(s)-[r]->(o) WHERE $g IN r.graphs
SET r.graphs = [x IN r.graphs WHERE x <> $g]
FOREACH (_ IN CASE WHEN size(r.graphs) = 0 THEN [1] ELSE [] END | DELETE r)
RETURN collect(DISTINCT o.iri) AS objects"""
Q_UNDESCRIBE = """MATCH (:_Graph {iri: $g})-[m:_DESCRIBES]->(s) DELETE m
WITH s, COUNT { (s)<-[:_DESCRIBES]-() } AS k
FOREACH (_ IN CASE WHEN k = 0 THEN [1] ELSE [] END | SET s = {iri: s.iri} REMOVE s:$($labels))
RETURN s.iri AS iri, k"""
Q_OLD_FACTS = """MATCH (g:_Graph {iri: $g}) UNWIND $iris AS i MATCH (n:Resource {iri: i})
MATCH (g)-[m:_DESCRIBES]->(n) RETURN i AS iri, m.facts AS facts"""
Q_GRAPH = """OPTIONAL MATCH (old:_Graph {iri: $g}) WITH old IS NULL AS new
MERGE (x:_Graph {iri: $g}) SET x.document = $d RETURN new"""
# Statement texts do not depend on the graph (planning one with a clause per predicate took
# 0.1-0.5 s, and every schema change empties Neo4j's plan cache); rows name subjects and
# objects by position in the graph's IRI table $t.
Q_NODES = """MATCH (g:_Graph {iri: $g}) UNWIND $rows AS r MERGE (n:Resource {iri: r.iri})
%s (g)-[m:_DESCRIBES]->(n) SET m.facts = r.facts
WITH n, r, COUNT { (n)<-[:_DESCRIBES]-() } AS k
FOREACH (_ IN CASE WHEN k = 1 THEN [1] ELSE [] END | SET n += r.props SET n:$(r.labels))
WITH n, k WHERE k > 1 RETURN n.iri AS iri"""
Q_OBJECTS = "UNWIND $iris AS i MERGE (:Resource {iri: i})"
# A subject no other graph describes, in a graph written from scratch, has no relationships
# yet: CREATE is safe, and with a dynamic type as fast as a static one. MERGE needs a static
# type (a dynamic one makes Neo4j 5.26 scan every relationship of the node per row).
Q_LINKS_NEW = """UNWIND $rows AS r MATCH (s:Resource {iri: $t[r[0]]})
MATCH (o:Resource {iri: $t[r[1]]}) CREATE (s)-[:$($types[r[2]]) {graphs: [$g]}]->(o)"""
Q_LINKS_MERGE = """UNWIND $rows AS r MATCH (s:Resource {iri: $t[r[0]]})
MATCH (o:Resource {iri: $t[r[1]]}) MERGE (s)-[x:`%s`]->(o) ON CREATE SET x.graphs = [$g]
ON MATCH SET x.graphs = CASE WHEN $g IN x.graphs THEN x.graphs ELSE x.graphs + $g END"""
Q_ALL_FACTS = """UNWIND $iris AS i MATCH (:_Graph)-[m:_DESCRIBES]->(:Resource {iri: i})
RETURN i AS iri, collect(m.facts) AS facts"""
Q_SET_VIEW = """UNWIND $rows AS r MATCH (n:Resource {iri: r.iri})
SET n = r.props REMOVE n:$($labels) SET n:$(r.labels)"""
Q_ORPHANS = """UNWIND $iris AS i MATCH (n:Resource {iri: i}) WHERE NOT EXISTS { (n)--() }
DELETE n"""

# ------------------------------------------------------------------ read queries
CONCEPT = "{.iri, .notation, .prefLabel}"
SUBDIV = "{.iri, .path, .label, .text, .ordinal, .ordinalSuffix}"
VERSION = f"""{{.iri, .title, .label, .date_document,
    force: [(v)-[:LEGAL_FORCE]->(f) | f {CONCEPT}]}}"""
FILTERS = {
    "body": "EXISTS { (p)-[:EXERCISED_BY]->(:Resource {iri: $body}) }",
    "type": "EXISTS { (p)-[:POWER_TYPE]->(c) WHERE c.notation = $type }",
    "level": "EXISTS { (p)-[:ADMIN_LEVEL]->(c) WHERE c.notation = $level }",
    "region": "EXISTS { (p)-[:EXERCISED_BY]->()-[:REGION]->(:Resource {iri: $region}) }",
    "instrument": "EXISTS { (p)-[:HAS_CITATION]->()-[:CITES_INSTRUMENT]->(:Resource {iri: $instrument}) }",
    "document": "EXISTS { (p)-[:LISTED_IN]->(:Resource {iri: $document}) }",
}
Q_SUMMARY = f"""UNWIND $iris AS i MATCH (p:Resource {{iri: i}}) WHERE p:Power
RETURN p.iri AS iri, p.label AS name, [(p)-[:POWER_TYPE]->(t) | t {CONCEPT}] AS types,
  [(p)-[:EXERCISED_BY]->(b) | b {{.iri, .label}}] AS bodies,
  [(p)-[:SUB_ITEM_OF]->(q) | q {{.iri, .label}}] AS parents,
  [(p)-[:LISTED_IN]->(d) | d.iri] AS documents"""
POWER_PARTS = f"""[(p)-[:HANDLED_BY]->(u) | u {{.iri, .label}}] AS units,
  [(p)-[:ADMIN_LEVEL]->(c) | c {CONCEPT}] AS levels,
  [(p)-[r:HAS_CITATION|HAS_DUTY_CITATION]->(c) | c {{.iri, .citationText, .citedTitle,
    .resolution, .unresolvedReason, rel: type(r),
    instruments: [(c)-[:CITES_INSTRUMENT]->(v) | v {VERSION}],
    subs: [(c)-[:CITES_SUBDIVISION]->(s) | s {SUBDIV}]}}] AS citations,
  [(p)-[:HAS_RESPONSIBILITY]->(d) | d {{.iri, .order, .text, .dutyCategory,
    phase: [(d)-[:PHASE]->(c) | c {CONCEPT}]}}] AS duties,
  [(p)-[:HAS_ACCOUNTABILITY]->(a) | a {{.iri, .accountableTarget, .circumstances,
    methods: [(a)-[:METHOD]->(m) | m {CONCEPT}]}}] AS accountability,
  [(p)-[:WAS_DERIVED_FROM]->(s) WHERE s:SourceRecord | s {{.fileName, .sheetName, .rowNumber,
    docs: [(s)-[:IN_DOCUMENT]->(d) | d.iri]}}] AS provenance"""
Q_POWER = f"""MATCH (p:Resource {{iri: $iri}}) WHERE p:Power
RETURN [(q)-[:SUB_ITEM_OF]->(p) WHERE q:Power | q {{.iri, .label}}] AS subs, {POWER_PARTS}"""
# the summaries and the details (but sub-items: not in the documents) in one round trip
Q_DOCUMENTS = f"""{Q_SUMMARY}, [] AS subs, {POWER_PARTS}"""
# Materialised documents: one (:_Doc {iri, json}) node per power, beside the graph (not a
# Resource: exports, views and counts never see it), rewritten in the transaction of every
# write for the powers whose document reads a node the write changed. The relationships a
# document follows from its power, at most three deep (power -> citation -> version ->
# legal force), walked backwards from the changed nodes:
DOCUMENT_PATHS = (
    "HANDLED_BY|ADMIN_LEVEL|POWER_TYPE|EXERCISED_BY|SUB_ITEM_OF|LISTED_IN|HAS_CITATION|"
    "HAS_DUTY_CITATION|CITES_INSTRUMENT|LEGAL_FORCE|CITES_SUBDIVISION|HAS_RESPONSIBILITY|"
    "PHASE|HAS_ACCOUNTABILITY|METHOD|WAS_DERIVED_FROM|IN_DOCUMENT"
)
Q_DEPENDENTS = f"""UNWIND $iris AS i MATCH (n:Resource {{iri: i}})
MATCH (p:Power)-[:{DOCUMENT_PATHS}*0..3]->(n) RETURN DISTINCT p.iri AS iri"""
Q_PUT_DOCS = """UNWIND $rows AS r MERGE (d:_Doc {iri: r.iri}) SET d.json = r.json"""
# taken before a document's parts are read: a concurrent write that rewrites the same
# document waits, or is waited for and then read
Q_LOCK_DOCS = "UNWIND $iris AS i MATCH (d:_Doc {iri: i}) SET d._lock = true REMOVE d._lock"
Q_DROP_DOCS = """UNWIND $iris AS i MATCH (d:_Doc {iri: i})
WHERE NOT EXISTS { MATCH (p:Resource {iri: i}) WHERE p:Power } DELETE d"""
# in one record: the driver reads each record with a few socket calls of its own
Q_STORED_DOCS = """UNWIND $iris AS i MATCH (d:_Doc {iri: i})
RETURN collect(d.iri) AS iris, collect(d.json) AS docs"""
DOC_CHUNK = 500  # powers per document query
# documents a write rewrites in its own transaction; more (a code list every power links to)
# are rewritten after it commits, DOC_CHUNK per transaction, within one transaction's memory
INLINE_DOCS = 5_000
Q_BODY = f"""MATCH (b:Resource {{iri: $iri}}) WHERE b:Body
RETURN b.iri AS iri, b.label AS label, [(b)-[:REGION]->(r) | r {{.iri, .label}}] AS regions,
  [(b)-[:ADMIN_LEVEL]->(c) | c {CONCEPT}] AS levels,
  [(p)-[:EXERCISED_BY]->(b) WHERE p:Power |
    {{iri: p.iri, types: [(p)-[:POWER_TYPE]->(t) | t.notation]}}] AS powers"""
Q_INSTRUMENT = f"""MATCH (v:Resource {{iri: $iri}}) WHERE v:InstrumentVersion
RETURN v {{.iri, .title, .label, .title_short, .date_document, .first_date_entry_in_force}} AS v,
  [(v)-[:LEGAL_FORCE]->(f) | f {CONCEPT}] AS force, [(v)-[:IN_FORCE]->(c) | c.notation] AS status,
  [(s)-[:IS_PART_OF]->(v) WHERE {SUBDIVISION} | s {SUBDIV}] AS parts"""
Q_SUBDIVISION = f"""MATCH (s:Resource {{iri: $iri}}) WHERE {SUBDIVISION}
RETURN s {SUBDIV} AS s, labels(s) AS labels,
  [(s)-[:PART_OF_INSTRUMENT]->(v) | v {VERSION}] AS instruments,
  [(s)-[:IS_PART_OF]->(x) | x.iri] AS parents,
  [(c)-[:IS_PART_OF]->(s) WHERE {SUBDIVISION.replace("s:", "c:")} | c {SUBDIV}] AS children,
  [(p)-[:HAS_CITATION|HAS_DUTY_CITATION]->()-[:CITES_SUBDIVISION]->(s) WHERE p:Power | p.iri]
    AS citing"""
Q_COUNTS = f"""RETURN COUNT {{ MATCH (g:_Graph) WHERE g.document }} AS documents,
  COUNT {{ MATCH (n:Power) }} AS powers, COUNT {{ MATCH (n:Body) }} AS bodies,
  COUNT {{ MATCH (n:Citation) }} AS citations,
  COUNT {{ MATCH (n:InstrumentVersion) }} AS instruments,
  COUNT {{ MATCH (s) WHERE {SUBDIVISION} }} AS subdivisions"""


def _safe_type(t: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]*", t):
        raise StoreError(f"unsafe relationship type {t!r} in the _Predicate registry")
    return t


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a load builds millions of small containers:
    its repeated full passes over them cost more than the rest of the work (building the
    rows of 10,000 synthetic powers: 2.4 s with it, 0.55 s without). Reference counting
    still frees everything acyclic; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(rows: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def neo4j_order(iri: str) -> bytes:
    """The sort key of Neo4j's string order (UTF-16 code units)."""
    return iri.encode("utf-16-be", "surrogatepass")


def _name_row(row: list) -> tuple:
    """(IRI, names, type notation) of a power as its summary has them: the smallest name
    first, the notation of the type with the smallest IRI."""
    iri, names, types = row
    kind = views.concept(min(types, key=lambda m: m["iri"])) if types else None
    names = sorted(n for n in views.as_list(names) if isinstance(n, str))
    return iri, names, kind.notation if kind else None


class _Names:
    """A name index and the filter id sets computed against it (same version)."""

    def __init__(self, index: NameIndex, version: str | None) -> None:
        self.index, self.version = index, version
        self.filters: dict[tuple, object] = {}


def _stored_documents(record) -> dict[str, bytes]:
    """The documents by IRI in the one record of ``Q_STORED_DOCS``."""
    return dict(zip(record["iris"], map(bytes, record["docs"]), strict=True))


@dataclass
class _LoopReads:
    driver: AsyncDriver
    documents: AsyncCoalescer


class Neo4jStore:
    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        auth=None,
        database: str = "neo4j",
        timeout: float = 30.0,
        writers: int = 2,
    ):
        self.uri, self.database, self.timeout = uri, database, timeout
        self.writers = writers  # parallel write transactions of load_file
        self._auth = auth
        self._options = dict(
            connection_timeout=timeout,
            max_transaction_retry_time=timeout,
            notifications_min_severity="OFF",
        )
        self._driver = GraphDatabase.driver(uri, auth=auth, **self._options)
        # the async reads of each event loop that asked (the API's: one)
        self._loops: dict[asyncio.AbstractEventLoop, _LoopReads] = {}
        self._loops_lock = threading.Lock()
        self._types: dict[str, str] = {}  # predicate IRI -> relationship type
        self._types_lock = threading.Lock()
        self._schema_ready = False
        self._names: _Names | None = None
        self._names_checked = 0.0  # time.monotonic() of the last version check
        self._names_generation = 0  # counts this instance's writes
        self._names_lock = threading.Lock()
        self._memo = Memo()  # summaries of found powers, per name index (= per version)

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

    # ---------------------------------------------------------------- plumbing
    @contextmanager
    def _errors(self, action: str):
        where = f"Neo4j at {self.uri} (database {self.database})"
        try:
            yield
        except IncompleteCommit as e:
            raise StoreUnavailable(
                f"{where}: connection lost while committing ({action}); the outcome is "
                f"unknown, run it again: {e}"
            ) from e
        except TransientError as e:
            if "MemoryPoolOutOfMemoryError" in (e.code or ""):
                raise StoreError(
                    f"{where}: {action} needs more memory than one transaction may use "
                    f"(dbms.memory.transaction.total.max, heap): {e.message}"
                ) from e
            raise StoreUnavailable(f"{where} is unavailable while {action}: {e}") from e
        except (ServiceUnavailable, SessionExpired, DatabaseUnavailable) as e:
            raise StoreUnavailable(f"{where} is unavailable while {action}: {e}") from e
        except Neo4jError as e:
            raise StoreError(f"{where} failed while {action}: {e.code}: {e.message}") from e
        except DriverError as e:
            raise StoreError(f"{where} failed while {action}: {e}") from e

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if not self._schema_ready:
            self._ensure_schema()
        with self._driver.session(database=self.database) as session:
            yield session

    @contextmanager
    def _tx(self, action: str, *, write: bool = False):
        with self._errors(action):
            with self._session() as session:
                with session.begin_transaction(timeout=None if write else self.timeout) as tx:
                    yield tx
                    tx.commit()

    def _ensure_schema(self) -> None:
        with self._driver.session(database=self.database) as session:
            for statement in SCHEMA:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes($s)", s=int(self.timeout)).consume()
        self._schema_ready = True

    def _rows(self, query: str, action: str, **params) -> list[dict]:
        with self._tx(action) as tx:
            return [r.data() for r in tx.run(query, params)]

    # ---------------------------------------------------------------- writes
    @_cycle_collection_paused()
    def load_graph(self, name: str, graph: Graph) -> None:
        batch = GraphBatch(name)
        for s, p, o in graph:
            if not isinstance(s, URIRef):
                raise StoreError(f"graph {name}: subject {s!r} is not an IRI (no blank nodes)")
            try:
                batch.add(str(s), str(p), from_rdflib(o))
            except ValueError as e:
                raise StoreError(f"graph {name}: {e}") from e
        self._rewrite_documents(self._load(batch, replace=is_document_graph(name)))

    @_cycle_collection_paused()
    def load_file(self, path: Path) -> int:
        """Stream N-Quads graph by graph into ``self.writers`` parallel write transactions.
        Documents a graph leaves to rewrite (``_write_documents``) are rewritten at the end.

        This thread parses; each writer thread owns the graphs handed to it (a graph's parts
        are written in order, by one writer), and a new graph goes to the writer with the
        fewest quads waiting. Each document is one transaction, so a reader sees the old or
        the new document. A document's quads need not be contiguous: shared-graph quads
        between them (a body's provenance, say) go to the shared graph's own batch, and the
        document is handed on when the next document starts. Only a document that comes back
        after another document is merged in a second transaction. On the first failure no
        new graph is started; documents already committed stay."""
        n = max(1, self.writers)
        inboxes: list[queue.Queue] = [queue.Queue(maxsize=2) for _ in range(n)]
        waiting = [0] * n  # quads handed to each writer and not yet written
        owner: dict[str, int] = {}
        failures: list[BaseException] = []
        later: set[str] = set()  # documents to rewrite once every graph is in (once each)
        lock = threading.Lock()

        def write(i: int) -> None:
            while (item := inboxes[i].get()) is not None:
                batch, replace = item
                try:
                    if not failures:
                        left = self._load_retrying(batch, replace=replace)
                        with lock:
                            later.update(left)
                except BaseException as e:  # noqa: BLE001 - raised by load_file
                    with lock:
                        failures.append(e)
                with lock:
                    waiting[i] -= batch.size

        def hand_on(batch: GraphBatch, replace: bool) -> None:
            batch.rows()  # built here, while the writers wait on the server
            with lock:
                if batch.name not in owner:
                    owner[batch.name] = min(range(n), key=waiting.__getitem__)
                i = owner[batch.name]
                waiting[i] += batch.size
            while not failures:
                try:
                    inboxes[i].put((batch, replace), timeout=0.1)
                    return
                except queue.Full:
                    pass

        writers = [
            threading.Thread(target=write, args=(i,), name=f"prl-neo4j-writer-{i}", daemon=True)
            for i in range(n)
        ]
        for t in writers:
            t.start()
        try:
            count = self._read_nquads(path, hand_on, failures)
        finally:
            for inbox in inboxes:
                inbox.put(None)
            for t in writers:
                t.join()
            self._rewrite_documents(later)  # of the graphs that went in, even after a failure
        if failures:
            raise failures[0]
        return count

    def _read_nquads(self, path: Path, hand_on, failures: list) -> int:
        """Parse ``path`` into graph batches for ``hand_on(batch, replace)``.

        Streaming: one open document and one open shared graph; a graph is handed on when
        another of its kind starts (a shared graph also every ``SHARED_FLUSH`` quads). A
        graph that comes back later is merged in another transaction. When more than
        ``SCATTERED`` graphs come back (a file sorted by subject, say), the rest of the
        file is collected graph by graph and handed on at the end, one transaction each."""
        open_: dict[str, GraphBatch] = {}
        handed: set[str] = set()  # graphs handed on (a document's later part merges)
        returns, collecting, count = 0, False, 0

        def done(name: str) -> None:
            hand_on(open_.pop(name), is_document_graph(name) and name not in handed)
            handed.add(name)

        try:
            for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
                if not isinstance(q.graph_name, ox.NamedNode):
                    raise StoreError(f"{path}: quad {count + 1} is not in a named graph")
                if not isinstance(q.subject, ox.NamedNode):
                    raise StoreError(f"{path}: quad {count + 1} has a blank-node subject")
                name = q.graph_name.value
                batch = open_.get(name)
                if batch is not None and batch.size >= SHARED_FLUSH:
                    if not is_document_graph(name):  # a shared graph may go in parts
                        done(name)
                        batch = None
                if batch is None:
                    if failures:
                        return count
                    if not collecting:
                        kind = is_document_graph(name)
                        for other in [n for n in open_ if is_document_graph(n) == kind]:
                            done(other)
                        if name in handed:
                            returns += 1
                            collecting = returns > SCATTERED
                    batch = open_[name] = GraphBatch(name)
                batch.add(q.subject.value, q.predicate.value, from_oxigraph(q.object))
                count += 1
        except (SyntaxError, OSError, ValueError) as e:
            raise StoreError(f"cannot read {path}: {e}") from e
        for name in sorted(open_, key=is_document_graph):  # shared graphs first
            done(name)
        return count

    def _load_retrying(self, batch: GraphBatch, *, replace: bool) -> set[str]:
        """``_load``, again after a deadlock with another writer (Neo4j rolled it back)."""
        return self._retrying(lambda: self._load(batch, replace=replace))

    @staticmethod
    def _retrying(write):
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                return write()
            except StoreUnavailable as e:
                code = getattr(e.__cause__, "code", None) or ""
                if not code.endswith(".DeadlockDetected") or attempt == DEADLOCK_RETRIES:
                    raise
                time.sleep(0.05 * 2**attempt)

    def _load(self, batch: GraphBatch, *, replace: bool) -> set[str]:
        """Write one graph; returns the powers whose documents are left to rewrite."""
        g = batch.name
        rows = batch.rows()
        with self._types_lock:  # parallel writers must agree on a new predicate's type
            if any(p not in self._types for p in batch.links):
                with self._tx("registering predicates", write=True) as tx:
                    self._register(tx, batch.links)
        with self._tx(f"loading graph {g}", write=True) as tx:
            types = self._register(tx, batch.links)  # again: another process may have cleared
            recompute, candidates = set(), set()
            if replace:
                recompute, candidates = self._unlink(tx, g)
            new = tx.run(Q_GRAPH, g=g, d=is_document_graph(g)).single()["new"]
            fresh = replace or new  # nothing of this graph is in the database
            if not fresh:  # a shared graph is merged with what it already said
                old = {}
                for chunk in _chunks([r["iri"] for r in rows]):
                    for r in tx.run(Q_OLD_FACTS, g=g, iris=chunk):
                        old[r["iri"]] = decode_facts(r["facts"])
                rows = [batch.merged_row(r, old[r["iri"]]) if r["iri"] in old else r for r in rows]
            multi = set()
            query = Q_NODES % ("CREATE" if fresh else "MERGE")
            for chunk in _chunks(rows):
                multi.update(r["iri"] for r in tx.run(query, g=g, rows=chunk))
            for chunk in _chunks(batch.placeholders):
                tx.run(Q_OBJECTS, iris=chunk).consume()
            names = [_safe_type(types[p]) for p in batch.predicates]
            created, other = [], defaultdict(list)
            for x in batch.link_rows:
                if fresh and batch.table[x[0]] not in multi:
                    created.append(x)
                else:
                    other[x[2]].append(x)
            for chunk in _chunks(created):
                tx.run(Q_LINKS_NEW, g=g, rows=chunk, t=batch.table, types=names).consume()
            for k, part in sorted(other.items()):
                for chunk in _chunks(part):
                    tx.run(Q_LINKS_MERGE % names[k], g=g, rows=chunk, t=batch.table).consume()
            self._finish(tx, recompute | multi, candidates - batch.subjects)
            later = self._write_documents(tx, batch.subjects | recompute | candidates)
            tx.run(Q_BUMP).consume()
        self._forget_names()
        return later

    def _register(self, tx, links: dict) -> dict[str, str]:
        if any(p not in self._types for p in links):
            for r in tx.run("MATCH (x:_Predicate) RETURN x.iri AS iri, x.type AS type"):
                self._types[r["iri"]] = r["type"]
        taken = {t: p for p, t in self._types.items()}
        rows = []
        for p in sorted(links):
            t = self._types.get(p) or rel_type(p, taken)
            taken[t] = p
            rows.append({"iri": p, "type": t})
        for r in tx.run(Q_PREDICATES, rows=rows):
            self._types[r["iri"]] = r["type"]
        return self._types

    def _unlink(self, tx, g: str) -> tuple[set[str], set[str]]:
        """Take back everything graph ``g`` stated; returns the nodes whose view must be
        rebuilt (still described by other graphs) and the nodes that may now be orphans."""
        objects = tx.run(Q_UNLINK, g=g).single()["objects"]
        recompute, candidates = set(), set(objects)
        for r in tx.run(Q_UNDESCRIBE, g=g, labels=ALL_LABELS):
            (recompute if r["k"] else candidates).add(r["iri"])
        return recompute, candidates

    def _finish(self, tx, recompute: set[str], candidates: set[str]) -> None:
        for chunk in _chunks(sorted(candidates)):
            tx.run(Q_ORPHANS, iris=chunk).consume()
        for chunk in _chunks(sorted(recompute)):
            rows = []
            for r in tx.run(Q_ALL_FACTS, iris=chunk):
                props, labels = view([decode_facts(f) for f in r["facts"]], r["iri"])
                rows.append({"iri": r["iri"], "props": props, "labels": labels})
            tx.run(Q_SET_VIEW, rows=rows, labels=ALL_LABELS).consume()

    def _write_documents(self, tx, changed: set[str]) -> set[str]:
        """Drop the documents of changed nodes that are no longer powers and rewrite those of
        the powers that read any of the ``changed`` nodes: in the write's transaction (readers
        see the graph and its documents change together) up to ``INLINE_DOCS``; more are
        returned, for ``_rewrite_documents`` after the commit."""
        changed_list = sorted(changed)
        dependents: set[str] = set()
        for chunk in _chunks(changed_list, DOC_CHUNK):
            tx.run(Q_DROP_DOCS, iris=chunk).consume()
            dependents.update(r["iri"] for r in tx.run(Q_DEPENDENTS, iris=chunk))
        if len(dependents) > INLINE_DOCS:
            return dependents
        for chunk in _chunks(sorted(dependents), DOC_CHUNK):
            self._put_documents(tx, chunk)
        return set()

    def _put_documents(self, tx, iris: list[str]) -> None:
        """Lock, read and write the documents of these powers (sorted: locks in one order);
        drop those of IRIs that are no longer powers (gone since the caller found them)."""
        tx.run(Q_LOCK_DOCS, iris=iris).consume()
        built = self._built_documents(tx.run(Q_DOCUMENTS, iris=iris))
        tx.run(Q_PUT_DOCS, rows=[{"iri": i, "json": d} for i, d in built.items()]).consume()
        gone = [i for i in iris if i not in built]
        if gone:
            tx.run(Q_DROP_DOCS, iris=gone).consume()

    def _rewrite_documents(self, powers: set[str]) -> None:
        """The documents a write left to rewrite, ``DOC_CHUNK`` per transaction."""
        for chunk in _chunks(sorted(powers), DOC_CHUNK):

            def write(chunk=chunk) -> None:
                with self._tx("writing power documents", write=True) as tx:
                    self._put_documents(tx, chunk)

            self._retrying(write)

    @staticmethod
    def _built_documents(records) -> dict[str, bytes]:
        out = {}
        for rec in records:
            r = rec.data()
            out[r["iri"]] = documents.power_json(views.power_detail(views.summary(r), r))
        return out

    def remove_document(self, document: str) -> bool:
        with self._tx(f"removing {document}", write=True) as tx:
            if tx.run("MATCH (x:_Graph {iri: $g}) RETURN x", g=document).single() is None:
                return False
            recompute, candidates = self._unlink(tx, document)
            self._finish(tx, recompute, candidates)
            later = self._write_documents(tx, recompute | candidates)
            tx.run("MATCH (x:_Graph {iri: $g}) DETACH DELETE x", g=document).consume()
            tx.run(Q_BUMP).consume()
        self._forget_names()
        self._rewrite_documents(later)
        return True

    def clear(self) -> None:
        """Delete every node and relationship (the schema stays)."""
        with self._errors("clearing the database"):
            with self._driver.session(database=self.database) as session:
                # relationships first: detaching dense nodes (a code list concept, a graph)
                # in one inner transaction can exceed the transaction memory limit
                session.run(
                    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
                ).consume()
                session.run(
                    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                ).consume()
                session.run(Q_BUMP).consume()
        self._types.clear()
        self._forget_names()

    def export_graphs(self) -> list[tuple[str, Graph]]:
        """The named graphs as RDF again, rebuilt from the ``_DESCRIBES`` facts and the
        relationships' ``graphs`` lists."""
        out: dict[str, Graph] = {}
        with self._tx("exporting") as tx:
            for r in tx.run("MATCH (g:_Graph) RETURN g.iri AS g"):
                out[r["g"]] = Graph()
            q = "MATCH (g:_Graph)-[m:_DESCRIBES]->(s) RETURN g.iri AS g, s.iri AS s, m.facts AS f"
            for r in tx.run(q):
                g, s, facts = out[r["g"]], URIRef(r["s"]), decode_facts(r["f"])
                for t in facts["t"]:
                    g.add((s, URIRef(RDF_TYPE), URIRef(t)))
                for p, lex, code in facts["l"]:
                    g.add((s, URIRef(p), to_rdflib_literal(lex, code)))
            preds = {
                r["t"]: URIRef(r["iri"])
                for r in tx.run("MATCH (x:_Predicate) RETURN x.type AS t, x.iri AS iri")
            }
            q = """MATCH (s:Resource)-[r]->(o:Resource)
            RETURN s.iri AS s, type(r) AS t, o.iri AS o, r.graphs AS gs"""
            for r in tx.run(q):
                triple = (URIRef(r["s"]), preds[r["t"]], URIRef(r["o"]))
                for name in r["gs"]:
                    out.setdefault(name, Graph()).add(triple)
        return sorted(out.items(), key=lambda x: x[0])

    def describe(self, iri: str) -> Graph:
        """The triples whose subject is ``iri``, from every graph (empty when unknown)."""
        g = Graph()
        with self._tx("describing a resource") as tx:
            q = "MATCH (:_Graph)-[m:_DESCRIBES]->(s:Resource {iri: $iri}) RETURN m.facts AS f"
            for r in tx.run(q, iri=iri):
                facts = decode_facts(r["f"])
                for t in facts["t"]:
                    g.add((URIRef(iri), URIRef(RDF_TYPE), URIRef(t)))
                for p, lex, code in facts["l"]:
                    g.add((URIRef(iri), URIRef(p), to_rdflib_literal(lex, code)))
            preds = {
                r["t"]: URIRef(r["iri"])
                for r in tx.run("MATCH (x:_Predicate) RETURN x.type AS t, x.iri AS iri")
            }
            q = "MATCH (s:Resource {iri: $iri})-[r]->(o:Resource) RETURN type(r) AS t, o.iri AS o"
            for r in tx.run(q, iri=iri):
                if r["t"] in preds:
                    g.add((URIRef(iri), preds[r["t"]], URIRef(r["o"])))
        return g

    # ---------------------------------------------------------------- reads
    def _summaries(self, iris: Sequence[str]) -> list[PowerSummary]:
        rows = self._rows(Q_SUMMARY, "reading powers", iris=list(iris))
        by_iri = {r["iri"]: views.summary(r) for r in rows}
        return [by_iri[i] for i in iris if i in by_iri]

    def _forget_names(self) -> None:
        self._names_generation += 1
        self._names = None

    def _names_fresh(self) -> bool:
        """Whether ``_name_index`` answers from memory, without a version check."""
        return self._names is not None and time.monotonic() - self._names_checked < REFRESH

    def _name_index(self) -> _Names:
        """The name index, rebuilt when this instance wrote, or when the powers' version in
        the database changed (checked at most every ``REFRESH`` seconds)."""
        names = self._names
        if names is not None and time.monotonic() - self._names_checked < REFRESH:
            return names
        with self._names_lock:
            names = self._names
            if names is not None and time.monotonic() - self._names_checked < REFRESH:
                return names
            checked, generation = time.monotonic(), self._names_generation
            with self._tx("reading the power names") as tx:
                # the version first: a write committed in between makes the next check rebuild
                version = tx.run(Q_VERSION).single()["version"]
                if names is None or names.version != version:
                    rows = tx.run(Q_NAMES).single()["rows"]
                    names = _Names(NameIndex.build(map(_name_row, rows), key=neo4j_order), version)
            if generation != self._names_generation:  # this instance wrote meanwhile
                checked = float("-inf")  # check the version again on the next call
            self._names, self._names_checked = names, checked
            return names

    @staticmethod
    def _filtered(flt: PowerFilter) -> tuple[str, dict]:
        """``MATCH … WITH DISTINCT p WHERE …`` for every filter of ``flt`` but ``text`` (the
        name index matches names), and its parameters."""
        conds, params = [], {}
        for f, cond in FILTERS.items():
            if getattr(flt, f) is not None:
                params[f] = getattr(flt, f)
                conds.append(cond)
        source = "MATCH (p:Power)"
        anchors = [("document", "LISTED_IN"), ("body", "EXERCISED_BY")]
        anchor = next(((f, t) for f, t in anchors if getattr(flt, f)), None)
        if anchor:
            source = f"MATCH (:Resource {{iri: ${anchor[0]}}})<-[:{anchor[1]}]-(p:Power)"
        where = f"WHERE {' AND '.join(conds)}" if conds else ""
        return f"{source} WITH DISTINCT p {where}", params

    def _filter_ids(self, names: _Names, flt: PowerFilter) -> object:
        """Sorted name-index ids of the powers matching the filters other than ``text``."""
        key = tuple((f, getattr(flt, f)) for f in FILTERS)
        found = names.filters.get(key)
        if found is None:
            match, params = self._filtered(flt)
            rows = self._rows(f"{match} RETURN collect(p.iri) AS iris", "finding powers", **params)
            found = names.index.ids_of(rows[0]["iris"])
            if len(names.filters) >= FILTER_CACHE:
                names.filters.clear()
            names.filters[key] = found
        return found

    def find_powers(self, flt: PowerFilter, *, offset: int = 0, limit: int = 20) -> Page:
        if flt.text is not None:  # matched in memory, the other filters cached per version
            names = self._name_index()
            found = names.index.match(flt.text)
            if any(getattr(flt, f) is not None for f in FILTERS):
                found = np.intersect1d(found, self._filter_ids(names, flt), assume_unique=True)
            start = max(offset, 0)
            page = names.index.to_iris(found[start : start + max(limit, 0)])
            summaries = self._found_summaries(names, page)
            return Page(
                tuple(summaries[i] for i in page if i in summaries), len(found), offset, limit
            )
        match, params = self._filtered(flt)
        q = f"""{match} WITH p ORDER BY p.iri WITH collect(p.iri) AS found
        RETURN size(found) AS total, found[$offset..$offset + $limit] AS page"""
        params |= {"offset": max(offset, 0), "limit": max(limit, 0)}
        r = self._rows(q, "finding powers", **params)[0]
        return Page(tuple(self._summaries(r["page"])), r["total"], offset, limit)

    def search_powers(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[tuple[PowerSummary, int]]:
        terms = list(terms)
        if not terms or limit <= 0:
            return []
        names = self._name_index()
        hits = names.index.search(terms, limit)
        found = self._found_summaries(names, [iri for iri, _ in hits])
        return [(found[iri], n) for iri, n in hits if iri in found]

    def search_candidates(self, terms: Sequence[str], *, limit: int = 200) -> list[Candidate]:
        terms = list(terms)
        if not terms or limit <= 0:
            return []
        found = self._name_index().index.candidates(terms, limit)
        return [Candidate(*row) for row in found]

    def _found_summaries(self, names: _Names, iris: Sequence[str]) -> dict[str, PowerSummary]:
        """Summaries by IRI, remembered while the powers' version stays the same."""
        return self._memo.get_many(names, iris, lambda m: {s.iri: s for s in self._summaries(m)})

    def get_power(self, iri: str) -> PowerDetail | None:
        rows = self._rows(Q_POWER, "reading a power", iri=iri)
        summaries = self._summaries([iri])
        if not rows or not summaries:
            return None
        return views.power_detail(summaries[0], rows[0])

    def power_documents(self, iris: Sequence[str]) -> dict[str, bytes]:
        """The stored documents (the API reads them with ``power_documents_async``, which
        joins concurrent requests into one round trip)."""
        iris = list(dict.fromkeys(iris))
        return self._read_documents(iris) if iris else {}

    async def power_documents_async(self, iris: Sequence[str]) -> dict[str, bytes]:
        """``power_documents`` through the async driver, on the caller's event loop: no
        thread, so no hand-offs of the GIL between the loop and a reading thread (questions
        at concurrency 50 went from about 520 to about 800 per second with 2 workers)."""
        iris = list(dict.fromkeys(iris))
        return await self._on_loop().documents.get(iris) if iris else {}

    def _on_loop(self) -> _LoopReads:
        """The async driver and document coalescer of the running event loop."""
        loop = asyncio.get_running_loop()
        mine = self._loops.get(loop)
        if mine is None:
            with self._loops_lock:
                for gone in [x for x in self._loops if x.is_closed()]:
                    del self._loops[gone]  # its connections went with it
                driver = AsyncGraphDatabase.driver(self.uri, auth=self._auth, **self._options)
                fetch = functools.partial(self._read_documents_async, driver)
                mine = self._loops[loop] = _LoopReads(driver, AsyncCoalescer(fetch))
        return mine

    async def _read_documents_async(self, driver, iris: list[str]) -> dict[str, bytes]:
        """``_read_documents`` with the async driver."""
        if not self._schema_ready:
            await asyncio.get_running_loop().run_in_executor(None, self._ensure_schema)
        with self._errors("reading powers"):
            async with driver.session(database=self.database) as session:
                result = await session.run(Query(Q_STORED_DOCS, timeout=self.timeout), iris=iris)
                got = _stored_documents(await result.single())
                missing = [i for i in iris if i not in got]
                if missing:
                    q = Query(Q_DOCUMENTS, timeout=self.timeout)
                    result = await session.run(q, iris=missing)
                    got.update(self._built_documents([x async for x in result]))
                return got

    async def search_candidates_async(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[Candidate]:
        if self._names_fresh():
            return self.search_candidates(terms, limit=limit)
        # the version check (or a rebuild) waits on the network: not on the event loop
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, functools.partial(self.search_candidates, terms, limit=limit)
        )

    def _read_documents(self, iris: list[str]) -> dict[str, bytes]:
        """Stored documents, and documents built from the graph for powers without one (a
        database written before documents were stored). Auto-commit reads: one round trip
        each, where a transaction takes three."""
        with self._errors("reading powers"), self._session() as session:
            got = _stored_documents(
                session.run(Query(Q_STORED_DOCS, timeout=self.timeout), iris=iris).single()
            )
            missing = [i for i in iris if i not in got]
            if missing:
                rows = session.run(Query(Q_DOCUMENTS, timeout=self.timeout), iris=missing)
                got.update(self._built_documents(rows))
            return got

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._refs("Body", "label", offset, limit)

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._refs("InstrumentVersion", "title", offset, limit)

    def _refs(self, label: str, prop: str, offset: int, limit: int) -> tuple[list[Ref], int]:
        q = f"""MATCH (n:{label}) WITH n ORDER BY n.iri WITH collect(n) AS found
        RETURN size(found) AS total, [x IN found[$offset..$offset + $limit] |
        {{iri: x.iri, label: x.{prop}}}] AS page"""
        r = self._rows(q, f"listing {label}", offset=max(offset, 0), limit=max(limit, 0))[0]
        return [views.ref(x) for x in r["page"]], r["total"]

    def get_body(self, iri: str) -> BodyView | None:
        rows = self._rows(Q_BODY, "reading a body", iri=iri)
        return views.body_view(rows[0]) if rows else None

    def get_instrument(self, iri: str) -> InstrumentView | None:
        rows = self._rows(Q_INSTRUMENT, "reading an instrument", iri=iri)
        return views.instrument_view(rows[0]) if rows else None

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        rows = self._rows(Q_SUBDIVISION, "reading a subdivision", iri=iri)
        if not rows:
            return None
        citing = sorted(set(rows[0]["citing"]))
        return views.subdivision_view(rows[0], tuple(self._summaries(citing)))

    def counts(self) -> Counts:
        r = self._rows(Q_COUNTS, "counting")[0]
        return Counts(**r)

    def ping(self) -> None:
        with self._errors("connecting"):
            self._driver.verify_connectivity()
            with self._driver.session(database=self.database) as session:
                session.run("RETURN 1").consume()

    def close(self) -> None:
        self._driver.close()
        with self._loops_lock:
            loops, self._loops = self._loops, {}
        for loop, mine in loops.items():  # closed on their own loops, not waited for
            if not loop.is_closed():
                try:
                    asyncio.run_coroutine_threadsafe(mine.driver.close(), loop)
                except RuntimeError:  # the loop closed meanwhile
                    pass
