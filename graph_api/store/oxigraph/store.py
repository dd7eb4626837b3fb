"""The embedded store: Oxigraph (RocksDB on disk, or in memory) plus a SQLite side index.

Folder layout for ``OxigraphStore(path)``: ``path/oxigraph/`` holds the RDF store,
``path/search.sqlite3`` the power index (``side_index``). ``OxigraphStore(None)`` keeps the
RDF store in memory (and its index in a temporary file). One process at a time may open a
folder; a second gets ``StoreUnavailable``.

Writes, and what readers and failures see:

- Input is checked before anything is written (``inputs``): a bad file changes nothing.
- ``load_graph`` of a list document runs one SPARQL update, ``DROP SILENT GRAPH <g> ;
  INSERT DATA { GRAPH <g> { … } }``; Oxigraph applies an update as one transaction and reads
  run on snapshots, so a reader sees the old document or the new one, never a mix. A shared
  graph is merged with ``Store.extend`` (one transaction).
- ``load_file`` / ``load_nquads`` read the input once, checking it and keeping the new
  content of the documents it replaces; each replaced document is then swapped by the atomic
  update above, and Oxigraph's bulk loader adds the rest (fastest; not transactional, so a
  concurrent reader may see part of it until it ends). For a full reload of a large store,
  ``clear()`` then a load is much faster.
- After the RDF write the side index is brought up to date, in one SQLite transaction, for
  the powers the written graphs held before and after and for every power whose document
  was read from a node the write changed (or rebuilt when most of the store changed).
  Readers see the old index until it commits, so a ``find_powers`` just after a load may,
  for a moment, still list the old version of a replaced document.
- When the index write fails, the RDF write is undone (each graph put back as it was), so a
  failed load leaves graph and side index as they were.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from prl.graph_api.store import documents
from prl.graph_api.store.errors import StoreCorrupt, StoreError, StoreUnavailable
from prl.graph_api.store.inputs import check_graph, read_nquads
from prl.graph_api.store.interface import SPARQL
from prl.graph_api.store.models import (
    NO_DATASET,
    RESULT_BYTES,
    BodyView,
    Concept,
    Counts,
    Dataset,
    InstrumentRef,
    InstrumentView,
    Page,
    PowerDetail,
    PowerFilter,
    PowerSummary,
    Ref,
    SparqlAnswer,
    SubdivisionView,
)
from prl.graph_api.store.name_index import Memo
from prl.graph_api.store.oxigraph import queries as Q
from prl.graph_api.store.oxigraph.query_pool import QueryPool
from prl.graph_api.store.oxigraph.reads import Lookup
from prl.graph_api.store.oxigraph.side_index import PowerIndex, PowerRow, SummaryRow
from prl.graph_api.store.oxigraph.sparql import MAX_RUNNING, run
from prl.graph_api.store.oxigraph.terms import (
    RDF_TYPE,
    node,
    node_or_none,
    prl,
    to_ox,
    triple_to_rdflib,
    valid_iri,
)
from prl.ontology import namespaces as ns

__all__ = ["OxigraphStore"]
BATCH = 500  # powers per index-refresh query
SHARED_PROPS = 100_000  # subjects whose statements a document build keeps at most


@dataclass
class _Undo:
    """How to put the graphs of one write back as they were."""

    restore: dict[ox.NamedNode, list[ox.Triple]] = field(default_factory=dict)  # old content
    drop: set[ox.NamedNode] = field(default_factory=set)  # graphs that were not there
    added: list[ox.Quad] = field(default_factory=list)  # quads new to merged graphs
    clear: bool = False  # the store was empty

    def apply(self, store: ox.Store) -> None:
        if self.clear:
            store.clear()
            return
        for g in self.drop:
            store.remove_graph(g)
        for q in self.added:
            store.remove(q)
        for g, triples in self.restore.items():
            store.update(Q.replace_graph(g, triples))


@dataclass
class _Plan:
    """What one load read from its input: graph names, the documents it replaces with their
    new content, the subjects it writes, and (into an empty store) the power rows."""

    graphs: set[ox.NamedNode] = field(default_factory=set)
    replaced: dict[ox.NamedNode, list[ox.Triple]] = field(default_factory=dict)
    subjects: set[str] = field(default_factory=set)
    rows: Q.FileRows | None = None
    quads: int = 0


def _subject_iris(triples: Iterable[ox.Triple]) -> set[str]:
    """The subjects of triples read from the store (IRIs: it holds checked input only)."""
    return {s.value for t in triples if isinstance(s := t.subject, ox.NamedNode)}


def _in_graph(t: ox.Triple, g: ox.NamedNode) -> ox.Quad:
    return ox.Quad(t.subject, t.predicate, t.object, g)


class OxigraphStore:
    kind = "oxigraph"
    capabilities = frozenset({SPARQL})

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._write = threading.RLock()
        self._counts: Counts | None = None
        self._memo = Memo()  # summaries of found powers, for as long as the name index stands
        self._modified: float | None = time.time()
        if self.path is None:
            self._store = ox.Store()
            self._index = PowerIndex(None)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            # the last write before this process: the side index is written with each one
            self._modified = _last_written(self.path)
            self._store = self._open_rdf(self.path / "oxigraph")
            try:
                self._index = PowerIndex(self.path / "search.sqlite3")
            except Exception:  # derived data: a broken index file is rebuilt from the store
                for suffix in ("", "-wal", "-shm"):
                    (self.path / f"search.sqlite3{suffix}").unlink(missing_ok=True)
                self._index = PowerIndex(self.path / "search.sqlite3")
        self._look = Lookup(self._store)
        self._generation = 0  # counts writes: the SPARQL snapshot is retaken after one
        # snapshots beside the store (same file system: a checkpoint is hard links)
        self._pool = QueryPool(self.path / "sparql" if self.path else Path("."), MAX_RUNNING)
        if self._index.dirty:
            with self._errors("rebuilding the search index"):
                self._rebuild_index()

    def _open_rdf(self, folder: Path) -> ox.Store:
        try:
            return ox.Store(str(folder))
        except (OSError, RuntimeError) as e:
            msg = str(e)
            if "lock" in msg.lower():
                raise StoreUnavailable(
                    f"the store folder {self.path} is in use by another process or another open "
                    f"store (Oxigraph allows one at a time): {msg}"
                ) from None
            raise StoreCorrupt(
                f"the store folder {self.path} cannot be read ({msg}); move it away or delete it "
                "and load the data again"
            ) from None

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except (OSError, RuntimeError, sqlite3.Error) as e:
            where = self.path or "memory"
            if "lock" in str(e).lower():
                raise StoreUnavailable(f"{action} in the store at {where}: {e}") from e
            raise StoreError(f"{action} in the store at {where} failed: {e}") from e

    # ================================================================ writes
    def load_graph(self, name: str, graph: Graph) -> None:
        check_graph(name, graph)
        g = node(name)
        triples: list[ox.Triple] = []
        changed: set[str] = set()  # the subjects the write changes
        for s, p, o in graph:  # check_graph: subject and predicate are IRIs
            subject = node(str(s))
            triples.append(ox.Triple(subject, node(str(p)), to_ox(o)))
            changed.add(subject.value)
        with self._write, self._errors(f"loading graph {name}"):
            before = self._powers_in([g])
            replace = ns.is_document_graph(name)
            undo = _Undo()
            if replace:  # the old statements go: their subjects change too
                old = self._triples_of(g)
                changed |= _subject_iris(old)
                undo.restore[g] = old
            elif self._store.contains_named_graph(g):
                undo.added = [q for t in triples if (q := _in_graph(t, g)) not in self._store]
            else:
                undo.drop.add(g)
            self._index.mark_dirty()
            if replace:
                self._store.update(Q.replace_graph(g, triples))
            else:
                self._store.extend(_in_graph(t, g) for t in triples)
            self._indexed(undo, lambda: self._refresh(before | self._powers_in([g]), changed))

    def load_file(self, path: Path) -> int:
        path = Path(path)
        return self._load(path, path.name)

    def load_nquads(
        self, data: bytes, *, source: str = "upload", document: str | None = None
    ) -> int:
        return self._load(data, source, document)

    def _load(self, source: Path | bytes, name: str, document: str | None = None) -> int:
        with self._write:
            with self._errors(f"reading the store before loading {name}"):
                empty = self._index.count() == 0 and next(self._store.named_graphs(), None) is None
            if empty:
                return self._load_empty(source, name, document)
            plan, undo = self._read(source, name, empty, document)
            with self._errors(f"loading {name}"):
                before = self._powers_in(g for g in plan.graphs if g not in undo.drop)
                self._index.mark_dirty()
                for g, triples in plan.replaced.items():
                    self._store.update(Q.replace_graph(g, triples))
                src = {"path": str(source)} if isinstance(source, Path) else {"input": source}
                self._store.bulk_load(format=ox.RdfFormat.N_QUADS, lenient=True, **src)
                self._indexed(undo, lambda: self._index_load(plan, undo, before))
        return plan.quads

    def _load_empty(self, source: Path | bytes, name: str, document: str | None) -> int:
        """A load into an empty store: pyoxigraph's bulk load (which lets go of the GIL) runs
        in a thread while the input is checked and its power rows and statements are read
        here; input found wrong empties the store again (what it was) before the error
        goes up."""
        src = {"path": str(source)} if isinstance(source, Path) else {"input": source}
        failed: list[BaseException] = []

        def bulk() -> None:
            try:
                self._store.bulk_load(format=ox.RdfFormat.N_QUADS, lenient=True, **src)
            except BaseException as e:  # handed to the caller's thread below
                failed.append(e)

        self._index.mark_dirty()
        loader = threading.Thread(target=bulk, name="prl-bulk-load", daemon=True)
        loader.start()
        try:
            plan, undo = self._read(source, name, True, document)
        except BaseException:
            loader.join()
            with self._errors(f"emptying the store after a bad input {name}"):
                self._store.clear()
            self._index.mark_clean()
            raise
        loader.join()
        with self._errors(f"loading {name}"):
            if failed:
                self._store.clear()
                self._index.mark_clean()
                raise failed[0]
            self._indexed(undo, lambda: self._index_load(plan, undo, set()))
        return plan.quads

    def _read(
        self, source: Path | bytes, name: str, empty: bool, document: str | None = None
    ) -> tuple[_Plan, _Undo]:
        """Read and check the whole input before anything is written: the plan of the load
        and how to undo it."""
        plan, undo = _Plan(rows=Q.FileRows() if empty else None), _Undo(clear=empty)
        state: dict[ox.NamedNode, str] = {}  # graph -> "new", "replaced" or "merged"
        with self._errors(f"reading the store while loading {name}"):
            for quad in read_nquads(source, name, document):
                plan.quads += 1
                g = quad.graph_name
                assert isinstance(g, ox.NamedNode)  # read_nquads: named graphs only
                kind = state.get(g)
                if kind is None:
                    plan.graphs.add(g)
                    if empty or not self._store.contains_named_graph(g):
                        kind = "new"
                        undo.drop.add(g)
                    elif ns.is_document_graph(g.value):
                        kind = "replaced"
                        plan.replaced[g] = []
                        undo.restore[g] = self._triples_of(g)
                    else:
                        kind = "merged"
                    state[g] = kind
                if kind == "merged":
                    if quad in self._store:
                        continue  # the store states it already: no document changes by it
                    undo.added.append(quad)
                elif kind == "replaced":
                    plan.replaced[g].append(quad.triple)
                if plan.rows is not None:
                    plan.rows.add(quad)
                else:
                    subject = quad.subject
                    assert isinstance(subject, ox.NamedNode)  # read_nquads: IRI subjects only
                    # the documents that read this node are built again
                    plan.subjects.add(subject.value)
        return plan, undo

    def _index_load(self, plan: _Plan, undo: _Undo, before: set[str]) -> None:
        """The index after a load: ``before``, the powers the loaded graphs held."""
        self._forget()
        if plan.rows is not None:  # the store was empty: the input's rows are the whole truth
            found = plan.rows.rows()
            statements = plan.rows.statements()  # the input is all the store holds
            self._index.write(found, (), self._documents(found, statements), rebuild=True)
        elif sum(ns.is_document_graph(g.value) for g in plan.graphs) > 0.5 * max(
            1, self._document_count()
        ):  # most lists anew: one pass over the store beats looking up what each changed
            self._rebuild_index()
        else:
            old = {s for ts in undo.restore.values() for s in _subject_iris(ts)}
            self._refresh(before | self._powers_in(plan.graphs), plan.subjects | old)

    def _indexed(self, undo: _Undo, update) -> None:
        """Run the index ``update`` of a write; when it fails, undo the RDF write too."""
        self._generation += 1
        try:
            update()
        except BaseException as e:
            try:
                undo.apply(self._store)
            except Exception as again:
                raise StoreError(
                    f"the search index could not be updated ({e}) and the graph could not be "
                    f"put back ({again}); the index is rebuilt when the store is opened again"
                ) from e
            finally:
                self._forget()
            self._index.mark_clean()
            raise

    def remove_document(self, document: str) -> bool:
        g = node_or_none(document)
        if g is None:
            return False
        with self._write, self._errors(f"removing {document}"):
            if not ns.is_document_graph(document) or not self._store.contains_named_graph(g):
                return False
            before = self._powers_in([g])
            old = self._triples_of(g)
            self._index.mark_dirty()
            self._store.remove_graph(g)
            undo = _Undo(restore={g: old})
            changed = _subject_iris(old)
            self._indexed(undo, lambda: self._refresh(before, changed))
        return True

    def clear(self) -> None:
        with self._write, self._errors("clearing"):
            self._generation += 1
            self._index.mark_dirty()
            self._store.clear()
            self._index.clear()
            self._forget()

    def _forget(self) -> None:
        self._modified = time.time()
        self._counts = None
        self._look.forget()

    def _triples_of(self, g: ox.NamedNode) -> list[ox.Triple]:
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, g)]

    def _powers_in(self, graphs: Iterable) -> set[str]:
        found: set[str] = set()
        for g in graphs:
            found.update(s["p"].value for s in Q.q(self._store, Q.Q_POWERS_IN_GRAPH, g=g))
        return found

    def _refresh(self, powers: set[str], changed: Iterable[str] = ()) -> None:
        """Bring the index up to date for these powers and for the powers whose documents
        were read from a ``changed`` node (clears the dirty flag)."""
        self._forget()
        ordered = sorted(powers | self._index.dependents(changed))
        rows = {}
        for i in range(0, len(ordered), BATCH):
            rows.update(Q.power_rows(Q.q(self._store, Q.values_query(ordered[i : i + BATCH]))))
        # a power is one while some graph still types it prl:Power
        typed = [p for p in ordered if self._look.has_type(p, "Power")]
        gone = [p for p in ordered if p not in set(typed)]
        found = [rows.get(p) or PowerRow(p) for p in typed]
        self._index.write(found, gone, self._documents(found))

    def _rebuild_index(self) -> None:
        self._forget()
        found = list(Q.power_rows(Q.q(self._store, Q.Q_ALL_POWER_ROWS)).values())
        self._index.write(found, (), self._documents(found), rebuild=True)

    def _documents(
        self, rows: Sequence[PowerRow], known: dict | None = None
    ) -> Iterator[tuple[str, bytes, set[str]]]:
        """The JSON document of each power, and the nodes it was read from (built lazily,
        while the index takes them). ``known``: statements by subject already read (from
        the input of a load into an empty store); the others are read from the store."""
        # statements of the nodes read so far (bodies, statutes … recur)
        shared: dict = known if known is not None else {}
        limit = len(shared) + SHARED_PROPS
        for row in rows:
            if len(shared) > limit:
                shared.clear()
            look = self._look.reading(shared)
            detail = self._detail(row.summary(), look, sub_items=False)
            yield row.iri, documents.power_json(detail), look.touched

    def _document_count(self) -> int:
        return sum(1 for g in self._store.named_graphs() if ns.is_document_graph(g.value))

    # ================================================================ reads
    def _summaries(self, iris: Sequence[str]) -> list[PowerSummary]:
        rows = self._index.summaries(iris)
        return [self._summary(rows[i]) for i in iris if i in rows]

    def _summary(self, r: SummaryRow, look: Lookup | None = None) -> PowerSummary:
        look = look or self._look
        return PowerSummary(
            iri=r.iri,
            name=r.name,
            type=look.concept(r.type) if r.type else Concept("", None, ""),
            bodies=tuple(look.ref(b) for b in r.bodies),
            parent=look.ref(r.parent) if r.parent else None,
            document=r.document or "",
        )

    def _notation(self, notation: str) -> list[str]:
        sols = Q.q(self._store, Q.Q_CONCEPTS_WITH_NOTATION, n=ox.Literal(notation))
        return sorted({s["c"].value for s in sols})

    def find_powers(self, flt: PowerFilter, *, offset: int = 0, limit: int = 20) -> Page:
        attrs: list[tuple[str, list[str]]] = []
        with self._errors("finding powers"):
            for key, value in (("b", flt.body), ("i", flt.instrument), ("d", flt.document)):
                if value is not None:
                    attrs.append((key, [value]))
            if flt.type is not None:
                attrs.append(("t", self._notation(flt.type)))
            if flt.level is not None:
                attrs.append(("v", self._notation(flt.level)))
            if flt.region is not None:
                region = node_or_none(flt.region)
                bodies = (
                    sorted({s["b"].value for s in Q.q(self._store, Q.Q_BODIES_IN_REGION, r=region)})
                    if region
                    else []
                )
                attrs.append(("b", bodies))
            iris, total = self._index.find(flt.text, attrs, max(offset, 0), max(limit, 0))
            found = self._found_summaries(iris)
            return Page(tuple(found[i] for i in iris if i in found), total, offset, limit)

    def search_powers(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[tuple[PowerSummary, int]]:
        with self._errors("searching powers"):
            found = self._index.search(list(terms), limit)
            summaries = self._found_summaries([i for i, _ in found])
            return [(summaries[i], n) for i, n in found if i in summaries]

    def power_iris(self) -> Sequence[str]:
        with self._errors("listing powers"):
            return self._index.names().iris

    def _found_summaries(self, iris: Sequence[str]) -> dict[str, PowerSummary]:
        """Summaries by IRI, remembered until the next write (the name index is rebuilt after
        every write, so it marks what the memo may hold)."""
        token = self._index.names()
        return self._memo.get_many(token, iris, lambda m: {s.iri: s for s in self._summaries(m)})

    def get_power(self, iri: str) -> PowerDetail | None:
        if not valid_iri(iri):
            return None
        with self._errors("reading a power"):
            rows = self._index.summaries([iri])
            if iri not in rows:
                return None
            return self._detail(rows[iri], self._look.reading())

    def _detail(self, row: SummaryRow, look: Lookup, *, sub_items: bool = True) -> PowerDetail:
        """The power's detail; ``sub_items`` is left empty when not asked for (they are not
        part of its JSON document)."""
        iri = row.iri
        return PowerDetail(
            summary=self._summary(row, look),
            units=tuple(look.ref(u) for u in look.iris(iri, prl("handledBy"))),
            levels=tuple(look.concept(c) for c in look.iris(iri, prl("adminLevel"))),
            sub_items=tuple(
                self._look.ref(s)
                for s in self._look.subjects(prl("subItemOf"), iri)
                if self._index.has(s)
            )
            if sub_items
            else (),
            citations=look.citations(iri),
            duties=look.duties(iri),
            accountability=look.accountability(iri),
            provenance=look.provenance(iri),
        )

    def power_documents(self, iris: Sequence[str]) -> dict[str, bytes]:
        with self._errors("reading powers"):
            return self._index.documents([i for i in iris if valid_iri(i)])

    async def power_documents_async(self, iris: Sequence[str]) -> dict[str, bytes]:
        return self.power_documents(iris)

    def _typed(self, cls: str) -> list[str]:
        quads = self._store.quads_for_pattern(None, RDF_TYPE, prl(cls), None)
        return sorted({q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})

    def _page(self, cls: str, offset: int, limit: int) -> tuple[list[str], int]:
        found = self._typed(cls)
        return found[max(offset, 0) : max(offset, 0) + max(limit, 0)], len(found)

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        with self._errors("listing bodies"):
            page, total = self._page("Body", offset, limit)
            return [self._look.ref(b) for b in page], total

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        with self._errors("listing instruments"):
            page, total = self._page("InstrumentVersion", offset, limit)
            return [Ref(i, self._look.title(i)) for i in page], total

    def get_body(self, iri: str) -> BodyView | None:
        if not valid_iri(iri):
            return None
        with self._errors("reading a body"):
            look = self._look
            if not look.has_type(iri, "Body"):
                return None
            count, types = self._index.body_types(iri)
            by_type: dict[str, int] = {}
            for notations in (
                {n for t in ts if (n := look.concept(t).notation) is not None}
                for ts in types.values()
            ):
                for n in notations:
                    by_type[n] = by_type.get(n, 0) + 1
            regions = look.iris(iri, prl("region"))
            return BodyView(
                iri=iri,
                label=look.label(iri),
                region=look.ref(regions[0]) if regions else None,
                level=look.first_concept(iri, prl("adminLevel")),
                power_count=count,
                counts_by_type=tuple(sorted(by_type.items())),
            )

    def get_instrument(self, iri: str) -> InstrumentView | None:
        if not valid_iri(iri):
            return None
        with self._errors("reading an instrument"):
            if not self._look.has_type(iri, "InstrumentVersion"):
                return None
            return self._look.instrument_view(iri)

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        if not valid_iri(iri):
            return None
        with self._errors("reading a subdivision"):
            look = self._look
            types = look.types(iri)
            kind = next((k for k in ns.SUBDIVISION_KINDS if ns.PRL + k in types), None)
            if kind is None:
                return None
            text = look.sub_text(iri)
            versions = look.iris(iri, prl("partOfInstrument"))
            parents = look.iris(iri, node(ns.ELI + "is_part_of"))
            citing = {
                p
                for c in look.subjects(prl("citesSubdivision"), iri)
                for prop in ("hasCitation", "hasDutyCitation")
                for p in look.subjects(prl(prop), c)
            }
            return SubdivisionView(
                iri=iri,
                path=text.path,
                label=text.label,
                text=text.text,
                kind=kind,
                instrument=look.instrument_ref(versions[0])
                if versions
                else InstrumentRef("", "", None, None),
                parent=parents[0] if parents else "",
                children=look.parts(iri),
                cited_by=tuple(self._summaries(sorted(citing))),
            )

    def describe(self, iri: str) -> Graph:
        g = Graph()
        s = node_or_none(iri)
        if s is not None:
            with self._errors("describing a resource"):
                for quad in self._store.quads_for_pattern(s, None, None, None):
                    g.add(triple_to_rdflib(quad))
        return g

    def counts(self) -> Counts:
        if self._counts is not None:
            return self._counts
        with self._errors("counting"):

            def count(cls: str) -> int:
                sols = list(Q.q(self._store, Q.Q_COUNT, **{"class": prl(cls)}))
                return int(sols[0]["n"].value) if sols else 0

            subdivisions = next(iter(Q.q(self._store, Q.Q_COUNT_SUBDIVISIONS)))["n"].value
            self._counts = Counts(
                documents=self._document_count(),
                powers=self._index.count(),
                bodies=count("Body"),
                citations=count("Citation"),
                instruments=count("InstrumentVersion"),
                subdivisions=int(subdivisions),
            )
            return self._counts

    def export_graphs(self) -> list[tuple[str, Graph]]:
        """Every named graph as an rdflib graph, by name (the default graph, if it holds
        anything, under the name ``""``)."""
        out: dict[str, Graph] = {}
        with self._errors("exporting"):
            for quad in self._store:
                name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
                g = out.get(name)
                if g is None:
                    g = out[name] = Graph()
                g.add(triple_to_rdflib(quad))
        return sorted(out.items(), key=lambda x: x[0])

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
        """Run a read-only query for ``/sparql``; see ``oxigraph.sparql`` for formats,
        refusal, timeout and the result cap, and ``query_pool`` for where it runs."""
        if self.path is None:
            return run(
                self._store,
                query,
                timeout=timeout,
                limit=limit,
                max_bytes=max_bytes,
                accept=accept,
                dataset=dataset,
            )
        with self._write:  # a snapshot of what the store holds now (taken once per write)
            with self._errors("taking a snapshot for SPARQL"):
                folder = self._pool.snapshot(self._store, self._generation)
        return self._pool.run(
            folder,
            query,
            timeout=timeout,
            limit=limit,
            max_bytes=max_bytes,
            accept=accept,
            dataset=dataset,
        )

    def modified(self) -> float | None:
        return self._modified

    def ping(self) -> None:
        with self._errors("reading"):
            next(iter(self._store.quads_for_pattern(None, RDF_TYPE, None, None)), None)

    def close(self) -> None:
        with self._write:
            self._pool.close()
            with contextlib.suppress(OSError, RuntimeError):
                self._store.flush()
            self._index.close()
            # RocksDB releases the folder's lock only when the last reference goes
            del self._look.store
            del self._store


def _last_written(folder: Path) -> float | None:
    """When the store in ``folder`` was last written (its side index files' time)."""
    times = [
        p.stat().st_mtime
        for p in (folder / "search.sqlite3", folder / "search.sqlite3-wal")
        if p.exists()
    ]
    return max(times) if times else None
