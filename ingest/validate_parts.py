"""SHACL validation one list document at a time, with the results of one whole-graph run.

pySHACL validates a graph in one pass whose time and memory grow with the whole graph, and
spends most of it on nodes that conform. ``validate_documents`` reads the graph once into
an index by subject, keeping only the triples the shapes can read (``validate_screen.
read_predicates``), and then:

1. cuts it into *units*: a node belongs to the unit of the one named graph that states its
   triples (a list document, a statute version, the organisations, the code lists, the
   run); a node whose triples several graphs state (a body that several lists add to, a
   power two documents both list) belongs to the *shared* unit. A unit's key is the
   SHA-256 of its nodes' triples and of every triple reachable from them (forwards, and
   backwards over the predicates the shapes follow backwards, ``sh:inversePath``); a unit
   whose key is in the cache folder (``statute_cache.cache_dir``'s sibling
   ``validation``) keeps its cached results and is not validated again;
2. *screens* the rest (``validate_screen``): the shapes compiled to SPARQL, run on an
   in-memory pyoxigraph store, give for each shape the nodes that may fail it. No node it
   passes can fail (the compiled conditions are exact or stricter than SHACL's);
3. runs pySHACL, in parallel batches, on the flagged nodes only: each batch holds the
   triples within ``reach()`` steps of its nodes (the deepest nesting of property shapes,
   so every path a shape follows from a node finds the same triples as in the whole
   graph), and each shape's targets are replaced by ``sh:targetNode`` of the nodes flagged
   for it, so pySHACL checks each node against the shapes it may fail and nothing else.

The results are pySHACL's own: which unit a node belongs to, and which nodes the screen
passes, decide how much work is done, not what is found. This is exact for shapes whose
paths are predicates, inverse predicates and alternatives of those (what
``shapes/shapes.ttl`` uses); for any other path ``validate_documents`` falls back to one
whole-graph run rather than guess, and shapes the screen cannot compile are checked on
every target. ``tests/test_validate_parts.py`` compares both on broken copies of the
lists, ``tests/test_validate_screen.py`` the screen on randomly mutated ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import multiprocessing as mp
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH

from prl.ingest.validate import (
    Result,
    ValidationReport,
    ontology_graph,
    read_graph,
    shapes_graph,
    sort_results,
    validate_graph,
)
from prl.ingest.validate_screen import compile_shapes, read_predicates
from prl.shapes import SHAPES_TTL

log = logging.getLogger(__name__)
SHARED = -1
RDF_TYPE = f"<{RDF.type}>"


def inverse_predicates(shapes=None) -> set[str] | None:
    """The predicates the shapes follow backwards (as ``<iri>``), or ``None`` when some
    path is neither a predicate, an inverse predicate nor an alternative of those."""
    g = shapes if shapes is not None else shapes_graph()
    inverse: set[str] = set()

    def step(path) -> bool:
        if isinstance(path, URIRef):
            return True
        inv = g.value(path, SH.inversePath)
        if isinstance(inv, URIRef):
            inverse.add(f"<{inv}>")
            return True
        return False

    for path in g.objects(None, SH.path):
        if step(path):
            continue
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is None or not isinstance(path, BNode):
            return None
        members = list(g.items(alternatives))
        if not members or not all(step(m) for m in members):
            return None
    return inverse


#: the constraint parameters whose values are shapes checked on the same value nodes
NESTED = (SH.node, SH["not"], SH.qualifiedValueShape)
NESTED_LISTS = (SH["or"], SH["and"], SH.xone)


def reach(shapes=None) -> int | None:
    """How many steps from a focus node the shapes look: the deepest stack of property
    shapes (each a path step to its value nodes, whose triples ``sh:class`` and nested
    shapes read), or ``None`` when shapes nest without end."""
    g = shapes if shapes is not None else shapes_graph()

    def depth(shape, seen: frozenset) -> int | None:
        if shape in seen:
            return None  # recursive shapes: no bound
        seen = seen | {shape}
        subs = [o for p in NESTED for o in g.objects(shape, p)]
        subs += [m for p in NESTED_LISTS for x in g.objects(shape, p) for m in g.items(x)]
        best = 0
        for sub in subs + list(g.objects(shape, SH.property)):
            d = depth(sub, seen)
            if d is None:
                return None
            best = max(best, d)
        return best + (1 if (shape, SH.path, None) in g else 0)

    most = 0
    for shape in set(g.subjects(SH.targetClass, None)) | set(g.subjects(SH.path, None)):
        d = depth(shape, frozenset())
        if d is None:
            return None
        most = max(most, d)
    return most


@dataclass
class Unit:
    name: str  # the document graph, or "shared"
    owned: set[str]  # the focus nodes it reports (as <iri>)
    lines: list[str]  # N-Triples lines without the final " ."


def _quads(sources: list[tuple[str, Path | bytes]]):
    """The quads of every source; a syntax error names its source (``filename``)."""
    for name, source in sources:
        try:
            if isinstance(source, Path):
                yield from ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS)
            else:
                yield from ox.parse(source, format=ox.RdfFormat.N_QUADS)
        except SyntaxError as e:
            e.filename = name
            raise


class Partition:
    """The graph of an N-Quads input, indexed by subject, cut into units."""

    def __init__(
        self,
        sources: list[tuple[str, Path | bytes]],
        inverse: set[str],
        keep: set[str] | None = None,
    ) -> None:
        """``keep``: the predicates whose triples are kept (``None``: every one); the
        others still decide which unit a node belongs to."""
        self.graphs: list[str] = []  # the named graphs, in the order first read
        index: dict[str, int] = {}
        self.by_subject: dict[str, list[str]] = {}  # subject -> lines (every graph)
        self.objects: dict[str, list[str]] = {}  # subject -> IRI objects of its lines
        self.pointing: dict[str, list[str]] = {}  # node -> subjects pointing at it (inverse)
        #: subject -> the one graph stating its triples, or SHARED
        self.owner: dict[str, int] = {}
        for q in _quads(sources):
            graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            g = index.get(graph)
            if g is None:
                g = index[graph] = len(self.graphs)
                self.graphs.append(graph)
            s, p, o = str(q.subject), str(q.predicate), str(q.object)
            self.owner[s] = g if self.owner.get(s, g) == g else SHARED
            if keep is not None and p not in keep:
                continue
            # (one triple stated in two graphs is one triple of the union: closure dedupes)
            self.by_subject.setdefault(s, []).append(f"{s} {p} {o}")
            if o.startswith(("<", "_:")):
                self.objects.setdefault(s, []).append(o)
                if p in inverse:
                    self.pointing.setdefault(o, []).append(s)

    def units(self) -> list[Unit]:
        """One unit per named graph (its nodes: those no other graph states triples of),
        then the shared unit (the nodes several graphs state triples of)."""
        owned: list[set[str]] = [set() for _ in self.graphs]
        shared: set[str] = set()
        for s, g in self.owner.items():
            (shared if g == SHARED else owned[g]).add(s)
        out = [
            Unit(name or "default graph", nodes, self.closure(nodes))
            for name, nodes in zip(self.graphs, owned, strict=True)
            if nodes
        ]
        if shared:
            out.append(Unit("shared", shared, self.closure(shared)))
        return out

    def closure(self, start: set[str], depth: int | None = None) -> list[str]:
        """The lines of ``start``'s nodes and of every node reached from them (forwards,
        and backwards over the inverse predicates), or only of those at most ``depth``
        steps away."""
        lines: list[str] = []
        done: set[str] = set()
        level = list(start)
        steps = 0
        while level:
            following: list[str] = []
            for n in level:
                if n in done:
                    continue
                done.add(n)
                lines += self.by_subject.get(n, ())
                if depth is None or steps < depth:
                    following += self.objects.get(n, ())
                    following += self.pointing.get(n, ())
            level = [n for n in following if n not in done]
            steps += 1
        return list(dict.fromkeys(lines))

    def write_ntriples(self, path: Path) -> None:
        """Every kept triple, as N-Triples (a file, not one more copy in memory)."""
        with path.open("w", encoding="utf-8") as f:
            for lines in self.by_subject.values():
                f.writelines(f"{line} .\n" for line in lines)


# ------------------------------------------------------------------ running the units
def _cache_folder() -> Path | None:
    from prl.ingest.statute_cache import cache_dir

    statutes = cache_dir()
    return statutes.parent / "validation" if statutes is not None else None


def _shapes_digest() -> str:
    from prl.ontology import CONCEPTS_TTL, ONTOLOGY_TTL

    h = hashlib.sha256()
    for f in (
        SHAPES_TTL,
        ONTOLOGY_TTL,
        CONCEPTS_TTL,
        Path(__file__),
        Path(__file__).with_name("validate.py"),
    ):
        h.update(Path(f).read_bytes())
    return h.hexdigest()


#: lines per batch of units: big enough that pySHACL's cost per run (the shapes, the
#: ontology mixed in) is small beside the batch's, small enough to spread over the cores
BATCH_LINES = 60_000


def _validate_batch(job: tuple[bytes, list[str], dict[str, set[str]] | None]) -> list[dict]:
    """pySHACL on a batch: of the nodes in ``targets`` for the shapes named there (each
    node the shapes it may fail), or of every node, keeping the results of ``owned``.
    (Not pySHACL's ``focus_nodes``: it also filters the value nodes of nested shapes, so
    an ``sh:not`` of an ``sh:in`` fails on every value.)"""
    data, owned, targets = job
    report = validate_graph(read_graph(data, ".nt"), inplace=True, targets=targets)
    own = set(owned)
    return [r.as_dict() for r in report.results if _node(r.focus) in own]


def _flagged(partition: Partition, shapes: Graph) -> dict[str, set[str]] | None:
    """Per shape, the nodes it may report (``validate_screen``); ``None`` when the shapes
    cannot be screened."""
    screen = compile_shapes(shapes)
    if screen is None:
        return None
    store = ox.Store()  # in memory
    with tempfile.TemporaryDirectory(prefix="prl-screen-") as tmp:
        data = Path(tmp) / "data.nt"
        partition.write_ntriples(data)
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(_mixed_in(), format=ox.RdfFormat.N_TRIPLES)
    return screen.flagged(store)


@functools.cache
def _mixed_in() -> bytes:
    """The triples pySHACL mixes into the data from the ontology (its axioms, not every
    triple: a concept's ``skos:inScheme`` stays out), as N-Triples: what pySHACL adds to an
    empty graph validated in place."""
    empty = Graph()
    shacl_validate(
        empty,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        inplace=True,
        advanced=True,
    )
    return empty.serialize(format="nt", encoding="utf-8")


def _node(focus: str) -> str:
    return f"<{focus}>" if not focus.startswith("_:") else focus


def batches(units: list[Unit], size: int = BATCH_LINES) -> list[list[Unit]]:
    """Units packed into batches of about ``size`` lines, the biggest first (a unit bigger
    than ``size`` is a batch of its own)."""
    out: list[list[Unit]] = []
    current: list[Unit] = []
    lines = 0
    for u in sorted(units, key=lambda u: -len(u.lines)):
        if current and lines + len(u.lines) > size:
            out.append(current)
            current, lines = [], 0
        current.append(u)
        lines += len(u.lines)
    if current:
        out.append(current)
    return out


def validate_documents(
    *sources: Path | bytes | tuple[str, Path | bytes], jobs: int = 1
) -> ValidationReport:
    """Validate N-Quads (files, bytes, or ``(name, bytes)``) as one graph, document by
    document: the results of ``validate_graph`` of the whole graph (see the module's
    docstring), ``jobs`` batches of units at a time.

    :raises SyntaxError: with ``filename`` (the file or name) and ``lineno``"""
    named = [
        s if isinstance(s, tuple) else (str(s) if isinstance(s, Path) else "input", s)
        for s in sources
    ]
    inverse = inverse_predicates()
    if inverse is None:  # a shape follows a path the cut cannot promise to keep whole
        whole = Graph()
        for name, s in named:
            try:
                whole += read_graph(s, "" if isinstance(s, Path) else ".nq")
            except SyntaxError as e:
                e.filename = name
                raise
        return validate_graph(whole)
    pool = None
    if jobs > 1 and "fork" in mp.get_all_start_methods():
        # forked now, while this process is small: a worker forked after the graph is read
        # would carry (and, touching it, copy) all of it
        pool = ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork"))
        pool.submit(os.getpid).result()
    try:
        return _validate_documents(named, inverse, pool)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _validate_documents(
    named: list[tuple[str, Path | bytes]], inverse: set[str], pool: ProcessPoolExecutor | None
) -> ValidationReport:
    clock = _Clock()
    shapes = shapes_graph()
    partition = Partition(named, inverse, read_predicates(shapes))
    units = partition.units()
    clock.lap("read and cut", f"{len(units)} units")
    folder = _cache_folder()
    digest = _shapes_digest()
    results: list[Result] = []
    todo: list[tuple[Unit, str]] = []
    for u in units:
        h = hashlib.sha256(digest.encode())
        for line in sorted(u.lines):
            h.update(line.encode("utf-8"))
            h.update(b"\n")
        h.update("".join(sorted(u.owned)).encode("utf-8"))
        key = h.hexdigest()
        cached = _read_cache(folder, key)
        if cached is not None:
            results += [Result(**r) for r in cached]
        else:
            todo.append((u, key))
    clock.lap("cache", f"{len(units) - len(todo)} units unchanged")
    by_shape = _flagged(partition, shapes) if todo else {}
    flagged = set().union(*by_shape.values()) if by_shape is not None else None
    clock.lap("screen", f"{len(flagged) if flagged is not None else 'all'} nodes to check")
    steps = reach() if flagged is not None else None
    checked: list[tuple[Unit, str]] = []  # the units' flagged nodes, with their closure
    for u, key in todo:
        if flagged is None:
            nodes = u.owned
        else:  # a blank node's label in the store may not be the input's: check them all
            nodes = {n for n in u.owned if n in flagged or n.startswith("_:")}
        if nodes:
            checked.append((Unit(u.name, nodes, partition.closure(nodes, steps)), key))
    packed = batches([u for u, _ in checked])
    work = []
    for batch in packed:
        lines = dict.fromkeys(line for u in batch for line in u.lines)
        data = "".join(f"{line} .\n" for line in lines).encode("utf-8")
        owned = set().union(*(u.owned for u in batch))
        targets = None  # every node, when a blank node is to be checked: its label may differ
        if by_shape is not None and not any(n.startswith("_:") for n in owned):
            targets = {name: nodes & owned for name, nodes in by_shape.items()}
        work.append((data, sorted(owned), targets))
    clock.lap("closures", f"{len(work)} batches, {sum(len(w[0]) for w in work):,} bytes")
    if pool is not None and len(work) > 1:
        found = list(pool.map(_validate_batch, work))
    else:
        found = [_validate_batch(job) for job in work]
    clock.lap("pySHACL", f"{sum(len(f) for f in found)} results")
    owner = {n: key for u, key in todo for n in u.owned}
    by_unit: dict[str, list[dict]] = {key: [] for _, key in todo}
    for rs in found:
        for r in rs:
            by_unit[owner[_node(r["focus"])]].append(r)
    for key, rs in by_unit.items():
        _write_cache(folder, key, rs)
        results += [Result(**r) for r in rs]
    results = sort_results(results)
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results), results=results
    )


class _Clock:
    """Logs how long each step of a validation took (``logging`` at INFO)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def lap(self, step: str, what: str) -> None:
        now = time.perf_counter()
        log.info("validation: %s in %.1f s (%s)", step, now - self.start, what)
        self.start = now


def _read_cache(folder: Path | None, key: str) -> list[dict] | None:
    if folder is None:
        return None
    try:
        return json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_cache(folder: Path | None, key: str, results: list[dict]) -> None:
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(results, f, ensure_ascii=False)
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass
