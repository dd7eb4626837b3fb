"""SHACL validation one list document at a time, with the results of one whole-graph run.

pySHACL validates a graph in one pass whose time and memory grow with the whole graph.
``validate_documents`` cuts the graph into *units* and validates each on its own, in
parallel processes, keeping of each unit's results only those whose focus node the unit
*owns*:

- a node belongs to the unit of the one named graph that states its triples (a list
  document, a statute version, the organisations, the code lists, the run); a node whose
  triples several graphs state (a body that several lists add to, a power two documents
  both list) belongs to the *shared* unit;
- a unit holds the triples of the nodes it owns, and then, following objects from those
  triples, every triple of every node reached (whatever graph states it), so each
  property path a shape follows from an owned node finds the same triples as in the whole
  graph; for the predicates that the shapes follow backwards (``sh:inversePath``), the
  triples pointing at a node of the unit are added too, with the nodes they come from.

Which unit a node belongs to decides only how the work is shared out, not the results: each
unit holds every triple its nodes' shapes can reach. This is exact for shapes whose paths
are predicates, inverse predicates and alternatives of those (what ``shapes/shapes.ttl``
uses); for any other path (sequences, ``sh:zeroOrMorePath`` …) ``validate_documents`` falls
back to one whole-graph run rather than guess. Focus nodes
are found by ``sh:targetClass`` from the node's own ``rdf:type`` triples, which its unit
holds. ``tests/test_validate_parts.py`` compares both on broken copies of the lists.

A unit whose triples did not change since it was last validated is not validated again:
its results are kept in the cache folder (``statute_cache.cache_dir``'s sibling
``validation``) under the SHA-256 of its triples and of the shapes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import tempfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, URIRef
from rdflib.namespace import SH

from prl.ingest.validate import (
    Result,
    ValidationReport,
    read_graph,
    shapes_graph,
    sort_results,
    validate_graph,
)
from prl.shapes import SHAPES_TTL

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

    def __init__(self, sources: list[tuple[str, Path | bytes]], inverse: set[str]) -> None:
        self.graphs: list[str] = []  # the named graphs, in the order first read
        index: dict[str, int] = {}
        self.by_subject: dict[str, list[str]] = {}  # subject -> lines (every graph)
        self.objects: dict[str, list[str]] = {}  # subject -> IRI objects of its lines
        self.pointing: dict[str, list[str]] = {}  # node -> subjects pointing at it (inverse)
        #: subject -> the one graph stating its triples, or SHARED
        self.owner: dict[str, int] = {}
        seen: set[str] = set()
        for q in _quads(sources):
            graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            g = index.get(graph)
            if g is None:
                g = index[graph] = len(self.graphs)
                self.graphs.append(graph)
            s, p, o = str(q.subject), str(q.predicate), str(q.object)
            self.owner[s] = g if self.owner.get(s, g) == g else SHARED
            line = f"{s} {p} {o}"
            if line in seen:
                continue  # one triple stated in two graphs is one triple of the union
            seen.add(line)
            self.by_subject.setdefault(s, []).append(line)
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
            Unit(name or "default graph", nodes, self._closure(nodes))
            for name, nodes in zip(self.graphs, owned, strict=True)
            if nodes
        ]
        if shared:
            out.append(Unit("shared", shared, self._closure(shared)))
        return out

    def _closure(self, start: set[str]) -> list[str]:
        """The lines of ``start``'s nodes and of every node reached from them (forwards,
        and backwards over the inverse predicates)."""
        lines: list[str] = []
        done: set[str] = set()
        todo = deque(start)
        while todo:
            n = todo.popleft()
            if n in done:
                continue
            done.add(n)
            lines += self.by_subject.get(n, ())
            todo.extend(o for o in self.objects.get(n, ()) if o not in done)
            for s in self.pointing.get(n, ()):
                if s not in done:
                    todo.append(s)
        return lines


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
BATCH_LINES = 150_000


def _validate_batch(job: tuple[bytes, list[str]]) -> list[dict]:
    data, owned = job
    report = validate_graph(read_graph(data, ".nt"), inplace=True)
    own = set(owned)
    return [r.as_dict() for r in report.results if _node(r.focus) in own]


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
    units = Partition(named, inverse).units()
    folder = _cache_folder()
    shapes = _shapes_digest()
    results: list[Result] = []
    todo: list[tuple[Unit, str]] = []
    for u in units:
        h = hashlib.sha256(shapes.encode())
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
    packed = batches([u for u, _ in todo])
    work = []
    for batch in packed:
        lines = dict.fromkeys(line for u in batch for line in u.lines)
        data = "".join(f"{line} .\n" for line in lines).encode("utf-8")
        work.append((data, sorted(set().union(*(u.owned for u in batch)))))
    if jobs > 1 and len(work) > 1 and "fork" in mp.get_all_start_methods():
        context = mp.get_context("fork")
        with ProcessPoolExecutor(min(jobs, len(work)), mp_context=context) as pool:
            found = list(pool.map(_validate_batch, work))
    else:
        found = [_validate_batch(job) for job in work]
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
