"""Writes to Neo4j: graphs and N-Quads in, documents removed, the database cleared.

Writes go in explicit transactions: a list document is unlinked and written again in one
transaction, so readers see the old or the new document; batches are ``UNWIND $rows``
statements. Every write transaction also rewrites the stored JSON documents (``(:_Doc)``)
of the powers that read a node it changed, or, when they are many, drops them (readers
then build them from the graph) to rewrite them after the commit: graph and documents never
disagree. Its last statement sets a new ``version`` on ``(:_Meta {key: 'powers'})``, which
tells readers of other processes to rebuild their name index.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from prl.graph_api.store.errors import StoreUnavailable
from prl.graph_api.store.inputs import check_graph, read_nquads
from prl.graph_api.store.neo4j import statements as S
from prl.graph_api.store.neo4j.connection import Connection, chunks, cycle_collection_paused
from prl.graph_api.store.neo4j.mapping import (
    ALL_LABELS,
    GraphBatch,
    decode_facts,
    documents_of,
    from_oxigraph,
    from_rdflib,
    rel_type,
    view,
)
from prl.ontology.namespaces import is_document_graph

SHARED_FLUSH = 200_000  # quads of a shared graph per transaction in load_file
DEADLOCK_RETRIES = 5
SCATTERED = 32  # graphs coming back in a file before load_file collects the rest whole
DOC_CHUNK = 500  # powers per document query
# documents a write rewrites in its own transaction; more (a code list every power links to)
# are dropped in it and rewritten after it commits, DOC_CHUNK per transaction, within one
# transaction's memory
INLINE_DOCS = 5_000


class Loader:
    """The writes of one store (``writers``: parallel write transactions of a file load);
    ``on_write`` is called after every write (the store's reader forgets its name index)."""

    def __init__(self, db: Connection, writers: int, on_write: Callable[[], None]) -> None:
        self.db = db
        self.writers = writers
        self.on_write = on_write
        self._types: dict[str, str] = {}  # predicate IRI -> relationship type
        self._types_lock = threading.Lock()

    @cycle_collection_paused()
    def load_graph(self, name: str, graph: Graph) -> None:
        check_graph(name, graph)
        batch = GraphBatch(name)
        for s, p, o in graph:
            batch.add(str(s), str(p), from_rdflib(o))
        self._rewrite_documents(self._load(batch, replace=is_document_graph(name)))

    @cycle_collection_paused()
    def load_nquads(self, source: Path | bytes, name: str, document: str | None = None) -> int:
        """Check the whole input (``read_nquads``: a bad one changes nothing), then stream it
        graph by graph into ``self.writers`` parallel write transactions. Documents a graph
        leaves to rewrite (``_write_documents``) are rewritten at the end.

        This thread parses; each writer thread owns the graphs handed to it (a graph's parts
        are written in order, by one writer), and a new graph goes to the writer with the
        fewest quads waiting. Each document is one transaction, so a reader sees the old or
        the new document. A document's quads need not be contiguous: shared-graph quads
        between them (a body's provenance, say) go to the shared graph's own batch, and the
        document is handed on when the next document starts. Only a document that comes back
        after another document is merged in a second transaction. On the first failure no
        new graph is started; documents already committed stay."""
        for _ in read_nquads(source, name, document):
            pass
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
            count = self._read_nquads(source, name, hand_on, failures)
        finally:
            for inbox in inboxes:
                inbox.put(None)
            for t in writers:
                t.join()
            self._rewrite_documents(later)  # of the graphs that went in, even after a failure
        if failures:
            raise failures[0]
        return count

    def _read_nquads(self, source: Path | bytes, name: str, hand_on, failures: list) -> int:
        """Parse checked N-Quads into graph batches for ``hand_on(batch, replace)``.

        Streaming: one open document and one open shared graph; a graph is handed on when
        another of its kind starts (a shared graph also every ``SHARED_FLUSH`` quads). A
        graph that comes back later is merged in another transaction. When more than
        ``SCATTERED`` graphs come back (a file sorted by subject, say), the rest of the
        file is collected graph by graph and handed on at the end, one transaction each."""
        open_: dict[str, GraphBatch] = {}
        handed: set[str] = set()  # graphs handed on (a document's later part merges)
        returns, collecting, count = 0, False, 0

        def done(g: str) -> None:
            hand_on(open_.pop(g), is_document_graph(g) and g not in handed)
            handed.add(g)

        for q in read_nquads(source, name):
            graph, subject = q.graph_name, q.subject
            # read_nquads: named graphs and IRI subjects only
            assert isinstance(graph, ox.NamedNode) and isinstance(subject, ox.NamedNode)
            g = graph.value
            batch = open_.get(g)
            if batch is not None and batch.size >= SHARED_FLUSH:
                if not is_document_graph(g):  # a shared graph may go in parts
                    done(g)
                    batch = None
            if batch is None:
                if failures:
                    return count
                if not collecting:
                    kind = is_document_graph(g)
                    for other in [n for n in open_ if is_document_graph(n) == kind]:
                        done(other)
                    if g in handed:
                        returns += 1
                        collecting = returns > SCATTERED
                batch = open_[g] = GraphBatch(g)
            batch.add(subject.value, q.predicate.value, from_oxigraph(q.object))
            count += 1
        for g in sorted(open_, key=is_document_graph):  # shared graphs first
            done(g)
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
                with self.db.tx("registering predicates", write=True) as tx:
                    self._register(tx, batch.links)
        with self.db.tx(f"loading graph {g}", write=True) as tx:
            types = self._register(tx, batch.links)  # again: another process may have cleared
            recompute: set[str] = set()
            candidates: set[str] = set()
            if replace:
                recompute, candidates = self._unlink(tx, g)
            new = tx.run(S.Q_GRAPH, g=g, d=is_document_graph(g)).single(strict=True)["new"]
            fresh = replace or new  # nothing of this graph is in the database
            if not fresh:  # a shared graph is merged with what it already said
                old = {}
                for chunk in chunks([r["iri"] for r in rows]):
                    for r in tx.run(S.Q_OLD_FACTS, g=g, iris=chunk):
                        old[r["iri"]] = decode_facts(r["facts"])
                rows = [batch.merged_row(r, old[r["iri"]]) if r["iri"] in old else r for r in rows]
            multi: set[str] = set()
            query = S.q_nodes(fresh)
            for chunk in chunks(rows):
                multi.update(r["iri"] for r in tx.run(query, g=g, rows=chunk))
            for chunk in chunks(batch.placeholders):
                tx.run(S.Q_OBJECTS, iris=chunk).consume()
            names = [S.safe_type(types[p]) for p in batch.predicates]
            created, other = [], defaultdict(list)
            for x in batch.link_rows:
                if fresh and batch.table[x[0]] not in multi:
                    created.append(x)
                else:
                    other[x[2]].append(x)
            for chunk in chunks(created):
                tx.run(S.Q_LINKS_NEW, g=g, rows=chunk, t=batch.table, types=names).consume()
            for k, part in sorted(other.items()):
                for chunk in chunks(part):
                    tx.run(S.q_links_merge(names[k]), g=g, rows=chunk, t=batch.table).consume()
            self._finish(tx, recompute | multi, candidates - batch.subjects)
            later = self._write_documents(tx, batch.subjects | recompute | candidates)
            tx.run(S.Q_BUMP).consume()
        self.on_write()
        return later

    def _register(self, tx, links: dict) -> dict[str, str]:
        if any(p not in self._types for p in links):
            for r in tx.run(S.Q_REGISTRY):
                self._types[r["iri"]] = r["type"]
        taken = {t: p for p, t in self._types.items()}
        rows = []
        for p in sorted(links):
            t = self._types.get(p) or rel_type(p, taken)
            taken[t] = p
            rows.append({"iri": p, "type": t})
        for r in tx.run(S.Q_PREDICATES, rows=rows):
            self._types[r["iri"]] = r["type"]
        return self._types

    def _unlink(self, tx, g: str) -> tuple[set[str], set[str]]:
        """Take back everything graph ``g`` stated; returns the nodes whose view must be
        rebuilt (still described by other graphs) and the nodes that may now be orphans."""
        objects = tx.run(S.Q_UNLINK, g=g).single(strict=True)["objects"]
        recompute: set[str] = set()
        candidates: set[str] = set(objects)
        for r in tx.run(S.Q_UNDESCRIBE, g=g, labels=ALL_LABELS):
            (recompute if r["k"] else candidates).add(r["iri"])
        return recompute, candidates

    def _finish(self, tx, recompute: set[str], candidates: set[str]) -> None:
        for chunk in chunks(sorted(candidates)):
            tx.run(S.Q_ORPHANS, iris=chunk).consume()
        for chunk in chunks(sorted(recompute)):
            rows = []
            for r in tx.run(S.Q_ALL_FACTS, iris=chunk):
                props, labels = view([decode_facts(f) for f in r["facts"]], r["iri"])
                rows.append({"iri": r["iri"], "props": props, "labels": labels})
            tx.run(S.Q_SET_VIEW, rows=rows, labels=ALL_LABELS).consume()

    def _write_documents(self, tx, changed: set[str]) -> set[str]:
        """Drop the documents of changed nodes that are no longer powers and rewrite those of
        the powers that read any of the ``changed`` nodes: in the write's transaction (readers
        see the graph and its documents change together) up to ``INLINE_DOCS``; more are
        dropped in it (readers build them from the graph meanwhile) and returned, for
        ``_rewrite_documents`` after the commit."""
        changed_list = sorted(changed)
        dependents: set[str] = set()
        for chunk in chunks(changed_list, DOC_CHUNK):
            tx.run(S.Q_DROP_DOCS, iris=chunk).consume()
            dependents.update(r["iri"] for r in tx.run(S.Q_DEPENDENTS, iris=chunk))
        if len(dependents) > INLINE_DOCS:
            for chunk in chunks(sorted(dependents), DOC_CHUNK):
                tx.run(S.Q_FORGET_DOCS, iris=chunk).consume()
            return dependents
        for chunk in chunks(sorted(dependents), DOC_CHUNK):
            self._put_documents(tx, chunk)
        return set()

    def _put_documents(self, tx, iris: list[str]) -> None:
        """Lock, read and write the documents of these powers (sorted: locks in one order);
        drop those of IRIs that are no longer powers (gone since the caller found them)."""
        tx.run(S.Q_LOCK_DOCS, iris=iris).consume()
        built = documents_of(tx.run(S.Q_DOCUMENTS, iris=iris))
        tx.run(S.Q_PUT_DOCS, rows=[{"iri": i, "json": d} for i, d in built.items()]).consume()
        gone = [i for i in iris if i not in built]
        if gone:
            tx.run(S.Q_DROP_DOCS, iris=gone).consume()

    def _rewrite_documents(self, powers: set[str]) -> None:
        """The documents a write left to rewrite, ``DOC_CHUNK`` per transaction."""
        for chunk in chunks(sorted(powers), DOC_CHUNK):

            def write(chunk=chunk) -> None:
                with self.db.tx("writing power documents", write=True) as tx:
                    self._put_documents(tx, chunk)

            self._retrying(write)

    def remove_document(self, document: str) -> bool:
        with self.db.tx(f"removing {document}", write=True) as tx:
            if tx.run(S.Q_HAS_GRAPH, g=document).single() is None:
                return False
            recompute, candidates = self._unlink(tx, document)
            self._finish(tx, recompute, candidates)
            later = self._write_documents(tx, recompute | candidates)
            tx.run(S.Q_DROP_GRAPH, g=document).consume()
            tx.run(S.Q_BUMP).consume()
        self.on_write()
        self._rewrite_documents(later)
        return True

    def clear(self) -> None:
        """Delete every node and relationship (the schema stays)."""
        with self.db.errors("clearing the database"):
            with self.db.driver.session(database=self.db.database) as session:
                session.run(S.Q_CLEAR_LINKS).consume()
                session.run(S.Q_CLEAR_NODES).consume()
                session.run(S.Q_BUMP).consume()
        self._types.clear()
        self.on_write()
