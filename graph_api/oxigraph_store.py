"""The embedded store: Oxigraph (RocksDB on disk, or in memory) plus a SQLite side index.

Folder layout for ``OxigraphStore(path)``: ``path/oxigraph/`` holds the RDF store,
``path/search.sqlite3`` the power index (``power_index``). ``OxigraphStore(None)`` keeps both
in memory. One process at a time may open a folder; a second gets ``StoreUnavailable``.

Writes and what readers see:

- ``load_graph`` of a list document runs one SPARQL update, ``DROP SILENT GRAPH <g> ;
  INSERT DATA { GRAPH <g> { … } }``; Oxigraph applies an update as one transaction and reads
  run on snapshots, so a reader sees the old document or the new one, never a mix. A shared
  graph is merged with ``Store.extend`` (one transaction).
- ``load_file`` first parses the whole file (a syntax error changes nothing and is raised as
  ``SyntaxError`` with line and column), then: when none of its list documents is already in
  the store it runs Oxigraph's bulk loader (fastest; not transactional, so a concurrent
  reader may see part of the file until it ends); otherwise the graphs that are not
  replacements are bulk-loaded and each replaced document goes through the atomic update
  above. For a full reload of a large store, ``clear()`` then ``load_file`` is much faster.
- After each write the side index is brought up to date for the powers the written graphs
  held before and after (or rebuilt when most of the store changed). The index write is its
  own SQLite transaction, so a ``find_powers`` just after a load may, for a moment, still
  list the old version of a replaced document.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from graph_api import documents
from graph_api import oxigraph_views as v
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
from graph_api.name_index import Memo
from graph_api.power_index import PowerIndex, PowerRow, SummaryRow
from graph_api.sparql_endpoint import QueryRefused, QueryTimeout, run
from graph_api.store import StoreCorrupt, StoreError, StoreUnavailable, is_document_graph

__all__ = ["OxigraphStore", "QueryRefused", "QueryTimeout"]
BATCH = 500  # powers per index-refresh query
SHARED_PROPS = 100_000  # subjects whose statements a document build keeps at most


class OxigraphStore:
    kind = "oxigraph"

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self._write = threading.RLock()
        self._counts: Counts | None = None
        self._memo = Memo()  # summaries of found powers, for as long as the name index stands
        if self.path is None:
            self._store = ox.Store()
            self._index = PowerIndex(None)
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = self._open_rdf(self.path / "oxigraph")
            try:
                self._index = PowerIndex(self.path / "search.sqlite3")
            except Exception:  # derived data: a broken index file is rebuilt from the store
                (self.path / "search.sqlite3").unlink(missing_ok=True)
                self._index = PowerIndex(self.path / "search.sqlite3")
        self._look = v.Lookup(self._store)
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
    def _errors(self, action: str):
        try:
            yield
        except (OSError, RuntimeError) as e:
            where = self.path or "memory"
            if "lock" in str(e).lower():
                raise StoreUnavailable(f"{action} in the store at {where}: {e}") from e
            raise StoreError(f"{action} in the store at {where} failed: {e}") from e

    # ================================================================ writes
    def load_graph(self, name: str, graph: Graph) -> None:
        g = ox.NamedNode(name)
        triples = [(v.to_ox(s), v.to_ox(p), v.to_ox(o)) for s, p, o in graph]
        with self._write, self._errors(f"loading graph {name}"):
            before = self._powers_in([g])
            replace = is_document_graph(name)
            changed = {s.value for s, _, _ in triples if isinstance(s, ox.NamedNode)}
            if replace:  # the old statements go: their subjects change too
                changed |= self._subjects_in([g])
            self._index.mark_dirty()
            if replace:
                body = " .\n".join(f"{s} {p} {o}" for s, p, o in triples)
                self._store.update(
                    f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body} }} }}"
                )
            else:
                self._store.extend(ox.Quad(s, p, o, g) for s, p, o in triples)
            self._refresh(before | self._powers_in([g]), changed)

    def load_file(self, path: Path) -> int:
        path = Path(path)
        graphs: set = set()
        subjects: set[str] = set()  # the nodes the file says something about
        n = 0
        with self._write:
            with self._errors(f"reading the store before loading {path}"):
                empty = self._index.count() == 0 and next(self._store.named_graphs(), None) is None
            rows = v.FileRows() if empty else None
            for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
                n += 1
                graphs.add(quad.graph_name)
                if rows is not None:
                    rows.add(quad)
                elif isinstance(quad.subject, ox.NamedNode):
                    subjects.add(quad.subject.value)
            with self._errors(f"loading {path}"):
                self._load_parsed(path, graphs, rows, subjects)
        return n

    def _load_parsed(
        self, path: Path, graphs: set, rows: v.FileRows | None, subjects: set[str]
    ) -> None:
        named = [g for g in graphs if isinstance(g, ox.NamedNode)]
        present = [g for g in named if self._store.contains_named_graph(g)]
        replaced = {g for g in present if is_document_graph(g.value)}
        before = self._powers_in(present)
        changed = subjects | self._subjects_in(replaced)
        self._index.mark_dirty()
        if not replaced:
            self._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
        else:
            quads = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
            self._store.bulk_extend(q for q in quads if q.graph_name not in replaced)
            for g in replaced:
                self._replace_from_file(path, g)
        self._forget()
        if rows is not None:  # the store was empty: the file's rows are the whole truth
            found = rows.rows()
            self._index.rebuild(found, self._documents(found))
        elif len(named) > 0.5 * max(1, self._document_count()):
            self._rebuild_index()
        else:
            self._refresh(before | self._powers_in(named), changed)

    def _replace_from_file(self, path: Path, g: ox.NamedNode) -> None:
        quads = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS, lenient=True)
        body = " .\n".join(str(q.triple) for q in quads if q.graph_name == g)
        self._store.update(f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body} }} }}")

    def remove_document(self, document: str) -> bool:
        try:
            g = ox.NamedNode(document)
        except ValueError:
            return False
        with self._write, self._errors(f"removing {document}"):
            if not is_document_graph(document) or not self._store.contains_named_graph(g):
                return False
            before = self._powers_in([g])
            changed = self._subjects_in([g])
            self._index.mark_dirty()
            self._store.remove_graph(g)
            self._refresh(before, changed)
        return True

    def clear(self) -> None:
        with self._write, self._errors("clearing"):
            self._index.mark_dirty()
            self._store.clear()
            self._index.clear()
            self._forget()

    def _forget(self) -> None:
        self._counts = None
        self._look.forget()

    def _powers_in(self, graphs: Iterable) -> set[str]:
        found: set[str] = set()
        for g in graphs:
            found.update(s["p"].value for s in v.q(self._store, v.Q_POWERS_IN_GRAPH, g=g))
        return found

    def _subjects_in(self, graphs: Iterable) -> set[str]:
        found: set[str] = set()
        for g in graphs:
            found.update(
                q.subject.value
                for q in self._store.quads_for_pattern(None, None, None, g)
                if isinstance(q.subject, ox.NamedNode)
            )
        return found

    def _refresh(self, powers: set[str], changed: Iterable[str] = ()) -> None:
        """Bring the index up to date for these powers and for the powers whose documents
        were read from a ``changed`` node (clears the dirty flag)."""
        self._forget()
        ordered = sorted(powers | self._index.dependents(changed))
        rows = {}
        for i in range(0, len(ordered), BATCH):
            sols = self._store.query(
                v.values_query(ordered[i : i + BATCH]), use_default_graph_as_union=True
            )
            rows.update(v.power_rows(sols))
        # a power is one while some graph still types it prl:Power
        typed = [p for p in ordered if self._look.has_type(p, "Power")]
        gone = [p for p in ordered if p not in set(typed)]
        found = [rows.get(p) or PowerRow(p) for p in typed]
        self._index.update(found, gone, self._documents(found))

    def _rebuild_index(self) -> None:
        self._forget()
        found = list(v.power_rows(v.q(self._store, v.Q_ALL_POWER_ROWS)).values())
        self._index.rebuild(found, self._documents(found))

    def _documents(self, rows: Sequence[PowerRow]) -> Iterator[tuple[str, bytes, set[str]]]:
        """The JSON document of each power, and the nodes it was read from (built lazily,
        while the index takes them)."""
        shared: dict = {}  # statements of the nodes read so far (bodies, statutes … recur)
        for row in rows:
            if len(shared) > SHARED_PROPS:
                shared.clear()
            look = self._look.reading(shared)
            detail = self._detail(row.summary(), look, sub_items=False)
            yield row.iri, documents.power_json(detail), look.touched

    def _document_count(self) -> int:
        return sum(1 for g in self._store.named_graphs() if is_document_graph(g.value))

    # ================================================================ reads
    def _summaries(self, iris: Sequence[str]) -> list[PowerSummary]:
        rows = self._index.summaries(iris)
        return [self._summary(rows[i]) for i in iris if i in rows]

    def _summary(self, r: SummaryRow, look: v.Lookup | None = None) -> PowerSummary:
        look = look or self._look
        return PowerSummary(
            iri=r.iri,
            name=r.name,
            type=look.concept(r.type) if r.type else v.Concept("", None, ""),
            bodies=tuple(look.ref(b) for b in r.bodies),
            parent=look.ref(r.parent) if r.parent else None,
            document=r.document or "",
        )

    def _notation(self, notation: str) -> list[str]:
        sols = v.q(self._store, v.Q_CONCEPTS_WITH_NOTATION, n=ox.Literal(notation))
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
                region = v.node_or_none(flt.region)
                bodies = (
                    sorted({s["b"].value for s in v.q(self._store, v.Q_BODIES_IN_REGION, r=region)})
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

    def search_candidates(self, terms: Sequence[str], *, limit: int = 200) -> list[Candidate]:
        with self._errors("searching powers"):
            found = self._index.names().candidates(list(terms), limit)
            notation = {t: self._look.concept(t).notation for t in {r[2] for r in found} if t}
            return [Candidate(i, n, notation.get(t), c) for i, n, t, c in found]

    async def search_candidates_async(
        self, terms: Sequence[str], *, limit: int = 200
    ) -> list[Candidate]:
        return self.search_candidates(terms, limit=limit)  # in-process: as fast as a hand-off

    def _found_summaries(self, iris: Sequence[str]) -> dict[str, PowerSummary]:
        """Summaries by IRI, remembered until the next write (the name index is rebuilt after
        every write, so it marks what the memo may hold)."""
        token = self._index.names()
        return self._memo.get_many(token, iris, lambda m: {s.iri: s for s in self._summaries(m)})

    def get_power(self, iri: str) -> PowerDetail | None:
        if not v.valid_iri(iri):
            return None
        with self._errors("reading a power"):
            rows = self._index.summaries([iri])
            if iri not in rows:
                return None
            return self._detail(rows[iri], self._look.reading())

    def _detail(self, row: SummaryRow, look: v.Lookup, *, sub_items: bool = True) -> PowerDetail:
        """The power's detail; ``sub_items`` is left empty when not asked for (they are not
        part of its JSON document)."""
        iri = row.iri
        return PowerDetail(
            summary=self._summary(row, look),
            units=tuple(look.ref(u) for u in look.iris(iri, v.prl("handledBy"))),
            levels=tuple(look.concept(c) for c in look.iris(iri, v.prl("adminLevel"))),
            sub_items=tuple(
                self._look.ref(s)
                for s in self._look.subjects(v.prl("subItemOf"), iri)
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
            return self._index.documents([i for i in iris if v.valid_iri(i)])

    async def power_documents_async(self, iris: Sequence[str]) -> dict[str, bytes]:
        return self.power_documents(iris)

    def _typed(self, cls: str) -> list[str]:
        quads = self._store.quads_for_pattern(None, v.RDF_TYPE, v.prl(cls), None)
        return sorted({q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        with self._errors("listing bodies"):
            found = self._typed("Body")
            page = found[max(offset, 0) : max(offset, 0) + max(limit, 0)]
            return [self._look.ref(b) for b in page], len(found)

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        with self._errors("listing instruments"):
            found = self._typed("InstrumentVersion")
            page = found[max(offset, 0) : max(offset, 0) + max(limit, 0)]
            title = v.node(v.ELI + "title")
            return [Ref(i, v._text(self._look.value(i, title))) for i in page], len(found)

    def get_body(self, iri: str) -> BodyView | None:
        if not v.valid_iri(iri):
            return None
        with self._errors("reading a body"):
            look = self._look
            if not look.has_type(iri, "Body"):
                return None
            count, types = self._index.body_types(iri)
            by_type: dict[str, int] = {}
            for notations in (
                {look.concept(t).notation for t in ts} - {None} for ts in types.values()
            ):
                for n in notations:
                    by_type[n] = by_type.get(n, 0) + 1
            regions = look.iris(iri, v.prl("region"))
            return BodyView(
                iri=iri,
                label=look.label(iri),
                region=look.ref(regions[0]) if regions else None,
                level=look.first_concept(iri, v.prl("adminLevel")),
                power_count=count,
                counts_by_type=tuple(sorted(by_type.items())),
            )

    def get_instrument(self, iri: str) -> InstrumentView | None:
        if not v.valid_iri(iri):
            return None
        with self._errors("reading an instrument"):
            if not self._look.has_type(iri, "InstrumentVersion"):
                return None
            return self._look.instrument_view(iri)

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        if not v.valid_iri(iri):
            return None
        with self._errors("reading a subdivision"):
            look = self._look
            types = look.types(iri)
            kind = next((k for k in v.SUBDIVISION_KINDS if v.PRL + k in types), None)
            if kind is None:
                return None
            text = look.sub_text(iri)
            versions = look.iris(iri, v.prl("partOfInstrument"))
            parents = look.iris(iri, v.node(v.ELI + "is_part_of"))
            citing = {
                p
                for c in look.subjects(v.prl("citesSubdivision"), iri)
                for prop in ("hasCitation", "hasDutyCitation")
                for p in look.subjects(v.prl(prop), c)
            }
            return SubdivisionView(
                iri=iri,
                path=text.path,
                label=text.label,
                text=text.text,
                kind=kind,
                instrument=look.instrument_ref(versions[0])
                if versions
                else v.InstrumentRef("", "", None, None),
                parent=parents[0] if parents else "",
                children=look.parts(iri),
                cited_by=tuple(self._summaries(sorted(citing))),
            )

    def describe(self, iri: str) -> Graph:
        if not v.valid_iri(iri):
            return Graph()
        g = Graph()
        s = v.node_or_none(iri)
        if s is not None:
            with self._errors("describing a resource"):
                for quad in self._store.quads_for_pattern(s, None, None, None):
                    g.add(
                        (
                            v.to_rdflib(quad.subject),
                            v.to_rdflib(quad.predicate),
                            v.to_rdflib(quad.object),
                        )
                    )
        return g

    def counts(self) -> Counts:
        if self._counts is not None:
            return self._counts
        with self._errors("counting"):

            def count(cls: str) -> int:
                sols = list(v.q(self._store, v.Q_COUNT, **{"class": v.prl(cls)}))
                return int(sols[0]["n"].value) if sols else 0

            subdivisions = next(iter(v.q(self._store, v.Q_COUNT_SUBDIVISIONS)))["n"].value
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
                g.add(
                    (
                        v.to_rdflib(quad.subject),
                        v.to_rdflib(quad.predicate),
                        v.to_rdflib(quad.object),
                    )
                )
        return sorted(out.items(), key=lambda x: x[0])

    def sparql(
        self, query: str, *, timeout: float, limit: int, accept: str = ""
    ) -> tuple[bytes, str]:
        """Run a read-only query for ``/sparql``; see ``sparql_endpoint`` for formats,
        refusal (``QueryRefused``), timeout (``QueryTimeout``) and the result cap."""
        return run(self._store, query, timeout=timeout, limit=limit, accept=accept)

    def ping(self) -> None:
        with self._errors("reading"):
            next(iter(self._store.quads_for_pattern(None, v.RDF_TYPE, None, None)), None)

    def close(self) -> None:
        with self._write:
            with contextlib.suppress(OSError, RuntimeError):
                self._store.flush()
            self._index.close()
            # RocksDB releases the folder's lock only when the last reference goes
            self._look.store = None
            del self._store
            gc.collect()
