"""Reads from Neo4j: powers, bodies, the law, their documents, and RDF out again.

Name matching (``search_powers`` and the ``text`` filter of ``find_powers``) is answered by a
``NameIndex`` held in this process, built from every power's IRI and labels. Every write
transaction sets a new random ``version`` on the single ``(:_Meta {key: 'powers'})`` node (as
its last statement); a reader checks that version at most every ``REFRESH`` seconds and
rebuilds the index when it changed, so writes by other processes show within ``REFRESH``
seconds, and this instance's own writes at once (``forget_names``).

The API reads documents through the async driver on its own event loop, joining the
requests that arrive while a fetch is out into the next one (``coalesce``).
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from neo4j import AsyncDriver, Query, Record
from rdflib import Graph, URIRef

from prl.graph_api.store.models import (
    BodyView,
    Counts,
    InstrumentView,
    Page,
    PowerDetail,
    PowerFilter,
    PowerSummary,
    Ref,
    SubdivisionView,
)
from prl.graph_api.store.name_index import Memo, NameIndex
from prl.graph_api.store.neo4j import mapping as views
from prl.graph_api.store.neo4j import statements as S
from prl.graph_api.store.neo4j.coalesce import AsyncCoalescer
from prl.graph_api.store.neo4j.connection import Connection
from prl.graph_api.store.neo4j.mapping import (
    RDF_TYPE,
    decode_facts,
    documents_of,
    to_rdflib_literal,
)

REFRESH = 1.0  # seconds between checks of the powers' version by a reader
FILTER_CACHE = 256  # id sets of non-text filters kept per name index


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

    def __init__(self, index: NameIndex, version: str | None, modified: int | None) -> None:
        self.index, self.version = index, version
        self.modified = modified / 1000 if modified is not None else None  # POSIX seconds
        self.filters: dict[tuple, np.ndarray] = {}


def _stored_documents(record: Record) -> dict[str, bytes]:
    """The documents by IRI in the one record of ``Q_STORED_DOCS``."""
    return dict(zip(record["iris"], map(bytes, record["docs"]), strict=True))


@dataclass
class _LoopReads:
    driver: AsyncDriver
    documents: AsyncCoalescer


class Reader:
    """The reads of one store."""

    def __init__(self, db: Connection) -> None:
        self.db = db
        # the async reads of each event loop that asked (the API's: one)
        self._loops: dict[asyncio.AbstractEventLoop, _LoopReads] = {}
        self._loops_lock = threading.Lock()
        self._names: _Names | None = None
        self._names_checked = 0.0  # time.monotonic() of the last version check
        self._names_generation = 0  # counts this instance's writes
        self._names_lock = threading.Lock()
        self._memo = Memo()  # summaries of found powers, per name index (= per version)

    def export_graphs(self) -> list[tuple[str, Graph]]:
        """The named graphs as RDF again, rebuilt from the ``_DESCRIBES`` facts and the
        relationships' ``graphs`` lists."""
        out: dict[str, Graph] = {}
        with self.db.tx("exporting") as tx:
            for r in tx.run(S.Q_GRAPHS):
                out[r["g"]] = Graph()
            for r in tx.run(S.Q_ALL_DESCRIBED):
                g, s, facts = out[r["g"]], URIRef(r["s"]), decode_facts(r["f"])
                for t in facts["t"]:
                    g.add((s, URIRef(RDF_TYPE), URIRef(t)))
                for p, lex, code in facts["l"]:
                    g.add((s, URIRef(p), to_rdflib_literal(lex, code)))
            preds = {r["t"]: URIRef(r["iri"]) for r in tx.run(S.Q_PREDICATE_TYPES)}
            for r in tx.run(S.Q_ALL_LINKS):
                triple = (URIRef(r["s"]), preds[r["t"]], URIRef(r["o"]))
                for name in r["gs"]:
                    out.setdefault(name, Graph()).add(triple)
        return sorted(out.items(), key=lambda x: x[0])

    def describe(self, iri: str) -> Graph:
        """The triples whose subject is ``iri``, from every graph (empty when unknown)."""
        g = Graph()
        with self.db.tx("describing a resource") as tx:
            for r in tx.run(S.Q_DESCRIBED, iri=iri):
                facts = decode_facts(r["f"])
                for t in facts["t"]:
                    g.add((URIRef(iri), URIRef(RDF_TYPE), URIRef(t)))
                for p, lex, code in facts["l"]:
                    g.add((URIRef(iri), URIRef(p), to_rdflib_literal(lex, code)))
            preds = {r["t"]: URIRef(r["iri"]) for r in tx.run(S.Q_PREDICATE_TYPES)}
            for r in tx.run(S.Q_LINKS_OF, iri=iri):
                if r["t"] in preds:
                    g.add((URIRef(iri), preds[r["t"]], URIRef(r["o"])))
        return g

    # ---------------------------------------------------------------- reads
    def _summaries(self, iris: Sequence[str]) -> list[PowerSummary]:
        rows = self.db.rows(S.Q_SUMMARY, "reading powers", iris=list(iris))
        by_iri = {r["iri"]: views.summary(r) for r in rows}
        return [by_iri[i] for i in iris if i in by_iri]

    def forget_names(self) -> None:
        self._names_generation += 1
        self._names = None

    def _names_fresh(self) -> bool:
        """Whether ``_name_index`` answers from memory, without a version check."""
        return self._names is not None and time.monotonic() - self._names_checked < REFRESH

    def modified(self) -> float | None:
        """The last write's time as of the last version check (no round trip here)."""
        names = self._names
        return names.modified if names is not None else None

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
            with self.db.tx("reading the power names") as tx:
                # the version first: a write committed in between makes the next check rebuild
                meta = tx.run(S.Q_VERSION).single(strict=True)
                version = meta["version"]
                if names is None or names.version != version:
                    rows = tx.run(S.Q_NAMES).single(strict=True)["rows"]
                    index = NameIndex.build(map(_name_row, rows), key=neo4j_order)
                    names = _Names(index, version, meta["modified"])
            if generation != self._names_generation:  # this instance wrote meanwhile
                checked = float("-inf")  # check the version again on the next call
            self._names, self._names_checked = names, checked
            return names

    def _filter_ids(self, names: _Names, flt: PowerFilter) -> np.ndarray:
        """Sorted name-index ids of the powers matching the filters other than ``text``."""
        key = tuple((f, getattr(flt, f)) for f in S.FILTERS)
        found = names.filters.get(key)
        if found is None:
            rows = self.db.rows(S.q_filtered_iris(flt), "finding powers", **S.filter_params(flt))
            found = names.index.ids_of(rows[0]["iris"])
            if len(names.filters) >= FILTER_CACHE:
                names.filters.clear()
            names.filters[key] = found
        return found

    def find_powers(self, flt: PowerFilter, *, offset: int = 0, limit: int = 20) -> Page:
        if flt.text is not None:  # matched in memory, the other filters cached per version
            names = self._name_index()
            found = names.index.match(flt.text)
            if any(getattr(flt, f) is not None for f in S.FILTERS):
                found = np.intersect1d(found, self._filter_ids(names, flt), assume_unique=True)
            start = max(offset, 0)
            page = names.index.to_iris(found[start : start + max(limit, 0)])
            summaries = self._found_summaries(names, page)
            return Page(
                tuple(summaries[i] for i in page if i in summaries), len(found), offset, limit
            )
        params = S.filter_params(flt) | {"offset": max(offset, 0), "limit": max(limit, 0)}
        r = self.db.rows(S.q_filtered_page(flt), "finding powers", **params)[0]
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

    def power_iris(self) -> Sequence[str]:
        return self._name_index().index.iris

    def _found_summaries(self, names: _Names, iris: Sequence[str]) -> dict[str, PowerSummary]:
        """Summaries by IRI, remembered while the powers' version stays the same."""
        return self._memo.get_many(names, iris, lambda m: {s.iri: s for s in self._summaries(m)})

    def get_power(self, iri: str) -> PowerDetail | None:
        rows = self.db.rows(S.Q_POWER, "reading a power", iri=iri)
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
        thread, so no hand-offs of the GIL between the loop and a reading thread (they cost
        more than the reads: docs/performance.md)."""
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
                driver = self.db.async_driver()
                fetch = functools.partial(self._read_documents_async, driver)
                mine = self._loops[loop] = _LoopReads(driver, AsyncCoalescer(fetch))
        return mine

    async def _read_documents_async(self, driver, iris: list[str]) -> dict[str, bytes]:
        """``_read_documents`` with the async driver."""
        if not self.db.schema_ready:
            await asyncio.get_running_loop().run_in_executor(None, self.db.ensure_schema)
        with self.db.errors("reading powers"):
            async with driver.session(database=self.db.database) as session:
                result = await session.run(
                    Query(S.Q_STORED_DOCS, timeout=self.db.timeout), iris=iris
                )
                got = _stored_documents(await result.single(strict=True))
                missing = [i for i in iris if i not in got]
                if missing:
                    q = Query(S.Q_DOCUMENTS, timeout=self.db.timeout)
                    result = await session.run(q, iris=missing)
                    got.update(documents_of([x async for x in result]))
                return got

    def _read_documents(self, iris: list[str]) -> dict[str, bytes]:
        """Stored documents, and documents built from the graph for powers without one (a
        database written before documents were stored). Auto-commit reads: one round trip
        each, where a transaction takes three."""
        with self.db.errors("reading powers"), self.db.session() as session:
            got = _stored_documents(
                session.run(Query(S.Q_STORED_DOCS, timeout=self.db.timeout), iris=iris).single(
                    strict=True
                )
            )
            missing = [i for i in iris if i not in got]
            if missing:
                rows = session.run(Query(S.Q_DOCUMENTS, timeout=self.db.timeout), iris=missing)
                got.update(documents_of(rows))
            return got

    def list_bodies(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._refs("Body", offset, limit)

    def list_instruments(self, *, offset: int = 0, limit: int = 50) -> tuple[list[Ref], int]:
        return self._refs("InstrumentVersion", offset, limit)

    def _refs(self, label: str, offset: int, limit: int) -> tuple[list[Ref], int]:
        q = S.q_refs(label)
        r = self.db.rows(q, f"listing {label}", offset=max(offset, 0), limit=max(limit, 0))[0]
        return [views.ref(x) for x in r["page"]], r["total"]

    def get_body(self, iri: str) -> BodyView | None:
        rows = self.db.rows(S.Q_BODY, "reading a body", iri=iri)
        return views.body_view(rows[0]) if rows else None

    def get_instrument(self, iri: str) -> InstrumentView | None:
        rows = self.db.rows(S.Q_INSTRUMENT, "reading an instrument", iri=iri)
        return views.instrument_view(rows[0]) if rows else None

    def get_subdivision(self, iri: str) -> SubdivisionView | None:
        rows = self.db.rows(S.Q_SUBDIVISION, "reading a subdivision", iri=iri)
        if not rows:
            return None
        citing = sorted(set(rows[0]["citing"]))
        return views.subdivision_view(rows[0], tuple(self._summaries(citing)))

    def counts(self) -> Counts:
        r = self.db.rows(S.Q_COUNTS, "counting")[0]
        return Counts(**r)

    def close(self) -> None:
        """Close the async drivers of the event loops still open (on their own loops, not
        waited for); those of closed loops went with their loops."""
        with self._loops_lock:
            loops, self._loops = self._loops, {}
        for loop, mine in loops.items():
            if not loop.is_closed():
                try:
                    asyncio.run_coroutine_threadsafe(mine.driver.close(), loop)
                except RuntimeError:  # the loop closed meanwhile
                    pass
