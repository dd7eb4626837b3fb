"""SHACL validation of a prl graph with pyshacl, reporting where each offending node came from.

Results are values, not exceptions (like pySHACL): ``validate_graph`` returns a
``ValidationReport`` whose results name the source file, sheet and row of the focus node,
found through ``prov:wasDerivedFrom`` on the node or on the node that links to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH

from prl.ingest.vocab import PRL, PROV
from prl.ontology import CONCEPTS_TTL, ONTOLOGY_TTL
from prl.ontology.namespaces import XSD_STRING
from prl.shapes import SHAPES_TTL


@dataclass
class Result:
    severity: str  # Violation, Warning, Info
    focus: str
    path: str | None
    message: str
    shape: str | None
    file: str | None = None
    sheet: str | None = None
    row: int | None = None

    def where(self) -> str:
        parts = [
            p
            for p in (
                self.file,
                f"sheet {self.sheet!r}" if self.sheet else None,
                f"row {self.row}" if self.row is not None else None,
            )
            if p
        ]
        return ", ".join(parts) if parts else "(no source)"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ValidationReport:
    conforms: bool
    results: list[Result]

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]


FORMATS = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
}


def read_graph(source: Path | bytes, fmt: str = "") -> Graph:
    """Read N-Quads, TriG, Turtle or N-Triples (by the file's suffix, or ``fmt`` for bytes)
    into one union graph (what pyshacl takes), parsed by pyoxigraph.

    :raises SyntaxError: with the line and column (``lineno``, ``offset``)
    :raises ValueError: for a suffix that is no graph format
    """
    suffix = fmt or (source.suffix if isinstance(source, Path) else ".nq")
    rdf_format = FORMATS.get(suffix)
    if rdf_format is None:
        where = source if isinstance(source, Path) else f"format {suffix!r}"
        raise ValueError(f"{where}: unknown graph format (use .nq, .trig, .ttl or .nt)")
    if isinstance(source, Path):
        quads = ox.parse(path=str(source), format=rdf_format)
    else:
        quads = ox.parse(source, format=rdf_format)
    g = Graph()
    add = g.add
    for q in quads:
        add((_term(q.subject), URIRef(q.predicate.value), _term(q.object)))
    return g


def _term(t):
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value) if dt == XSD_STRING else Literal(t.value, datatype=URIRef(dt))
    raise ValueError(f"unsupported RDF term {t}")


def shapes_graph() -> Graph:
    g = Graph()
    g.parse(SHAPES_TTL, format="turtle")
    return g


def ontology_graph() -> Graph:
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    g.parse(CONCEPTS_TTL, format="turtle")
    return g


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def validate_graph(
    data: Graph, *, inplace: bool = False, targets: dict[str, set[str]] | None = None
) -> ValidationReport:
    """Validate a graph against the prl shapes (the ontology is mixed in for subclasses:
    into a copy, or with ``inplace`` into ``data`` itself, which saves the copy).

    With ``targets`` (shape name, as ``shape_name`` gives it -> IRIs as ``<iri>``), each
    shape that has targets checks those nodes instead (``sh:targetNode``): a node's
    results for a shape are the same however the shape comes to check it."""
    shapes = shapes_graph()
    if targets is not None:
        for shape in {s for p in TARGETS for s in shapes.subjects(p, None)}:
            nodes = targets.get(shape_name(shapes, shape) or "", ())
            for p in TARGETS:
                shapes.remove((shape, p, None))
            for n in nodes:
                shapes.add((shape, SH.targetNode, URIRef(n[1:-1])))
    _, report, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology_graph(),
        inference="none",
        inplace=inplace,
        allow_warnings=True,
        advanced=True,
    )
    results = []
    for r in report.objects(None, SH.result):  # top-level results only
        severity = report.value(r, SH.resultSeverity)
        focus = report.value(r, SH.focusNode)
        path = report.value(r, SH.resultPath)
        msgs = [str(m) for m in report.objects(r, SH.resultMessage)]
        res = Result(
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            focus=str(focus),
            path=str(path) if isinstance(path, URIRef) else None,
            message="; ".join(msgs) or "constraint failed",
            shape=shape_name(shapes, report.value(r, SH.sourceShape)),
        )
        _locate(data, focus, res)
        results.append(res)
    results = sort_results(results)
    # conformance is decided here: pyshacl with allow_warnings may call a graph with
    # violations in warning node shapes conforming; only sh:Violation results break it
    return ValidationReport(
        conforms=not any(r.severity == "Violation" for r in results), results=results
    )


def sort_results(results: list[Result]) -> list[Result]:
    """Violations first, then by where they were read, focus node, shape and message."""
    return sorted(
        results,
        key=lambda r: (
            r.severity != "Violation",
            r.file or "",
            r.row or 0,
            r.focus,
            r.path or "",
            r.shape or "",
            r.message,
        ),
    )


def shape_name(shapes: Graph, shape) -> str | None:
    """A name of a shape that is the same in every parse of the shapes: its IRI, or for a
    blank property shape the shape holding it and its path (``…#PowerShape / <path>``)."""
    if shape is None:
        return None
    if not isinstance(shape, BNode):
        return str(shape)
    path = shapes.value(shape, SH.path)
    if isinstance(path, BNode):
        inv = shapes.value(path, SH.inversePath)
        alt = shapes.value(path, SH.alternativePath)
        if inv is not None:
            path_text = f"^<{inv}>"
        elif alt is not None:
            parts = [
                f"^<{shapes.value(m, SH.inversePath)}>" if isinstance(m, BNode) else f"<{m}>"
                for m in shapes.items(alt)
            ]
            path_text = " | ".join(parts)
        else:
            path_text = "(path)"
    else:
        path_text = f"<{path}>" if path is not None else ""
    parent = next(iter(shapes.subjects(SH.property, shape)), None)
    if parent is not None and not isinstance(parent, BNode):
        return f"{parent} / {path_text}".strip()
    own = sorted(
        f"<{p}> {o.n3()}" for p, o in shapes.predicate_objects(shape) if not isinstance(o, BNode)
    )
    return f"[{'; '.join(own)}] {path_text}".strip()


def _locate(data: Graph, node, res: Result) -> None:
    """Fill file/sheet/row from the node's source record, or from a node linking to it."""
    candidates = [node] + [s for s in data.subjects(None, node)][:5]
    for n in candidates:
        for src in data.objects(n, PROV.wasDerivedFrom):
            if (src, RDF.type, PRL.SourceRecord) in data or data.value(src, PRL.fileName):
                res.file = str(data.value(src, PRL.fileName) or "") or None
                sheet = data.value(src, PRL.sheetName)
                row = data.value(src, PRL.rowNumber)
                res.sheet = str(sheet) if sheet is not None else None
                res.row = int(str(row)) if row is not None and str(row).isdigit() else None
                return
            if data.value(src, PRL.fileName):  # a list document
                res.file = str(data.value(src, PRL.fileName))
                return
        for part in data.objects(n, PRL.partOfInstrument):
            for src in data.objects(part, PROV.wasDerivedFrom):
                res.file = str(data.value(src, PRL.fileName) or "") or None
                return


def validate_file(path: Path, *, jobs: int = 1, whole: bool = False) -> ValidationReport:
    """Validate a graph file: N-Quads document by document (``validate_parts``, the same
    results), other formats or with ``whole`` in one pySHACL run."""
    if path.suffix == ".nq" and not whole:
        from prl.ingest.validate_parts import validate_documents

        return validate_documents(path, jobs=jobs)
    return validate_graph(read_graph(path))
