"""Which focus nodes can fail a shape: the shapes compiled to SPARQL, run on pyoxigraph.

pySHACL spends most of a validation on nodes that conform. ``flagged`` compiles every shape
that has targets into one SPARQL query that returns the focus nodes that *may* fail it, and
runs the queries on an in-memory pyoxigraph store of the data (with the ontology, for
``rdfs:subClassOf``). ``validate_parts`` then runs pySHACL only on the flagged nodes (with
every triple their shapes can reach), so the results are still pySHACL's own, and a node
the screen passes is one no shape can fail.

The screen must never pass a node pySHACL would report; it may flag nodes that conform (they
cost a pySHACL run, nothing more). So every constraint is compiled to a condition that is
*exact* or *stricter* than SHACL's, a SPARQL error counts against the node, and what the
compiler does not know (a component, a path, a count above one) flags every target of the
shape. Under ``sh:not`` a stricter condition would become a looser one, so there only the
exact compilations are used (``sh:hasValue``, ``sh:in``, ``sh:class``, counts, nesting);
the others raise ``Unsupported`` there. ``tests/test_validate_screen.py`` checks on mutated
copies of the sample that every node pySHACL reports is flagged.

A shape with a target the screen cannot enumerate (a SPARQL-based ``sh:target``) makes
``compile_shapes`` return ``None``: no screen, every node goes to pySHACL.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from prl.ingest.validate import shape_name

SUBCLASS = f"<{RDF.type}>/<{RDFS.subClassOf}>*"
#: datatypes whose literals are checked by a round trip through oxigraph's cast
#: (stricter than rdflib: a non-canonical form such as "+1" is flagged too)
CAST = {str(XSD.integer), str(XSD.decimal), str(XSD.date), str(XSD.dateTime), str(XSD.boolean)}
#: components the compiler knows; any other makes a shape's targets all flagged
KNOWN = {
    SH.path,
    SH.property,
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH["in"],
    SH.hasValue,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.pattern,
    SH.flags,
    SH.minLength,
    SH.maxLength,
    SH.languageIn,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.nodeKind,
    SH.deactivated,
    # what does not constrain
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    RDF.type,
    RDFS.label,
    RDFS.comment,
}


#: what validate._locate reads to say where a result comes from
LOCATING = (
    "http://www.w3.org/ns/prov#wasDerivedFrom",
    "https://w3id.org/prl/ontology#fileName",
    "https://w3id.org/prl/ontology#sheetName",
    "https://w3id.org/prl/ontology#rowNumber",
    "https://w3id.org/prl/ontology#partOfInstrument",
)


def read_predicates(shapes: Graph) -> set[str] | None:
    """The predicates (as ``<iri>``) whose triples validation can read: the shapes' paths,
    ``rdf:type`` and ``rdfs:subClassOf`` (targets and ``sh:class``), and what locating a
    result reads; ``None`` when a shape uses a component that may read others
    (``sh:closed``, SPARQL constraints …)."""
    paths = {SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath}
    for p in set(shapes.predicates(None, None)):
        if str(p).startswith(str(SH)) and p not in KNOWN | paths | {SH.zeroOrOnePath}:
            return None
    out = {f"<{RDF.type}>", f"<{RDFS.subClassOf}>"} | {f"<{p}>" for p in LOCATING}
    for path in shapes.objects(None, SH.path):
        todo = [path]
        while todo:
            step = todo.pop()
            if isinstance(step, URIRef):
                out.add(f"<{step}>")
                continue
            for q in (SH.inversePath, SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
                todo += shapes.objects(step, q)
            for lst in shapes.objects(step, SH.alternativePath):
                todo += Collection(shapes, lst)
            if (step, RDF.first, None) in shapes:  # a sequence path
                todo += Collection(shapes, step)
    return out


class Unsupported(Exception):
    """A shape the screen cannot compile (exactly, where exactness is needed)."""


@dataclass
class Screen:
    """One query per shape that has targets: the nodes that may fail it."""

    queries: dict[str, str]  # shape name (``validate.shape_name``) -> SELECT ?f query

    def flagged(self, store: ox.Store) -> dict[str, set[str]]:
        """Per shape, the focus nodes (as N-Triples terms) that it may report."""
        out: dict[str, set[str]] = {}
        for name, query in self.queries.items():
            rows = store.query(query, use_default_graph_as_union=True)
            assert isinstance(rows, ox.QuerySolutions)
            out[name] = {str(row[0]) for row in rows}
        return out


def compile_shapes(shapes: Graph) -> Screen | None:
    """The screen of a shapes graph, or ``None`` when some target cannot be enumerated."""
    queries: dict[str, str] = {}
    names = count()
    for shape in _target_shapes(shapes):
        targets = _targets(shapes, shape)
        if targets is None:
            return None
        try:
            condition = _Compiler(shapes, names).shape(shape, "?f", positive=True)
            where = f"FILTER(!COALESCE({condition}, false))"
        except Unsupported:
            where = ""  # every target may fail
        union = " UNION ".join(f"{{ {t} }}" for t in targets)
        queries[shape_name(shapes, shape) or ""] = f"SELECT DISTINCT ?f WHERE {{ {union} {where} }}"
    return Screen(queries)


def _target_shapes(shapes: Graph) -> list:
    found: list = []
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
        found += shapes.subjects(p, None)
    for cls in (RDFS.Class, OWL.Class):
        for s in shapes.subjects(RDF.type, cls):
            if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes:
                found.append(s)  # implicit class target
    return list(dict.fromkeys(found))


def _targets(shapes: Graph, shape) -> list[str] | None:
    if any((shape, p, None) in shapes for p in (SH.target, SH.targetObjectsOf)) or any(
        (shape, RDF.type, cls) in shapes for cls in (RDFS.Class, OWL.Class)
    ):  # SPARQL targets; literal focus nodes, which no unit owns; implicit class targets
        return None
    out = [f"?f {SUBCLASS} {_term(c)} ." for c in shapes.objects(shape, SH.targetClass)]
    nodes = list(shapes.objects(shape, SH.targetNode))
    if nodes:
        out.append(f"VALUES ?f {{ {' '.join(_term(n) for n in nodes)} }}")
    out += [f"?f {_term(p)} ?t_ ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    return out


def _term(t) -> str:
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, Literal):
        return ox_literal(t)
    raise Unsupported(f"no SPARQL term for {t!r}")


def ox_literal(t: Literal) -> str:
    """A literal as pySHACL sees it (rdflib) in SPARQL syntax: a plain literal is xsd:string."""
    value = str(ox.Literal(str(t)))  # N-Triples escaping
    if t.language:
        return f"{value}@{t.language}"
    if t.datatype is not None and str(t.datatype) != str(XSD.string):
        return f"{value}^^<{t.datatype}>"
    return value


class _Compiler:
    """Shapes to SPARQL boolean expressions: ``shape(s, var)`` is true only if the node
    bound to ``var`` conforms to ``s`` (at ``positive`` polarity: it may be false for a
    node that conforms; under an odd number of ``sh:not`` it must be exact)."""

    def __init__(self, shapes: Graph, names) -> None:
        self.g = shapes
        self.names = names
        self.depth = 0

    def var(self) -> str:
        return f"?v{next(self.names)}"

    def shape(self, s, var: str, *, positive: bool) -> str:
        if self.depth > 20:
            raise Unsupported("shapes nested too deep (recursive?)")
        self.depth += 1
        try:
            return self._shape(s, var, positive)
        finally:
            self.depth -= 1

    def _shape(self, s, var: str, positive: bool) -> str:
        g = self.g
        for p in g.predicates(s, None):
            if p not in KNOWN and str(p).startswith(str(SH)):
                raise Unsupported(f"component {p}")
        if g.value(s, SH.deactivated) == Literal(True):
            return "true"
        parts: list[str] = []
        path = g.value(s, SH.path)
        if path is not None:  # a property shape: its value nodes are the path's objects
            sparql_path = self.path(path)
            parts += self.counts(s, var, sparql_path)
            v = self.var()
            each = self.value_conditions(s, v, positive)
            if each:
                cond = " && ".join(each)
                default = "false" if positive else "true"
                parts.append(
                    f"NOT EXISTS {{ {var} {sparql_path} {v} . FILTER(!COALESCE({cond}, {default})) }}"
                )
            for hv in g.objects(s, SH.hasValue):
                parts.append(self.has_value(var, sparql_path, hv))
        else:  # a node shape: the value node is the focus node itself
            default = "false" if positive else "true"
            parts += [f"COALESCE({c}, {default})" for c in self.value_conditions(s, var, positive)]
            for hv in g.objects(s, SH.hasValue):
                parts.append(f"sameTerm({var}, {_term(hv)})")
        for p in g.objects(s, SH.property):
            parts.append(self.shape(p, var, positive=positive))
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def has_value(self, var: str, path: str, value) -> str:
        v = self.var()
        return f"EXISTS {{ {var} {path} {v} . FILTER(sameTerm({v}, {_term(value)})) }}"

    def path(self, path) -> str:
        if isinstance(path, URIRef):
            return f"<{path}>"
        inv = self.g.value(path, SH.inversePath)
        if isinstance(inv, URIRef):
            return f"^<{inv}>"
        alt = self.g.value(path, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(self.path(m) for m in Collection(self.g, alt)) + ")"
        raise Unsupported(f"path {path!r}")

    def counts(self, s, var: str, path: str) -> list[str]:
        out: list[str] = []
        for m in self.g.objects(s, SH.minCount):
            n = int(str(m))
            if n == 1:
                out.append(f"EXISTS {{ {var} {path} {self.var()} . }}")
            elif n > 1:
                raise Unsupported("sh:minCount above 1")
        for m in self.g.objects(s, SH.maxCount):
            n = int(str(m))
            a, b = self.var(), self.var()
            if n == 0:
                out.append(f"NOT EXISTS {{ {var} {path} {a} . }}")
            elif n == 1:
                out.append(
                    f"NOT EXISTS {{ {var} {path} {a} . {var} {path} {b} . "
                    f"FILTER(!sameTerm({a}, {b})) }}"
                )
            else:
                raise Unsupported("sh:maxCount above 1")
        return out

    def value_conditions(self, s, v: str, positive: bool) -> list[str]:
        """Conditions every value node (bound to ``v``) must meet."""
        g = self.g
        out: list[str] = []
        for c in g.objects(s, SH["class"]):
            out.append(f"EXISTS {{ {v} {SUBCLASS} {_term(c)} . }}")
        for d in g.objects(s, SH.datatype):
            out.append(self.datatype(v, str(d), positive))
        for x in g.objects(s, SH["in"]):
            terms = [_term(m) for m in Collection(g, x)]
            out.append(self.either(f"sameTerm({v}, {t})" for t in terms))
        for n in g.objects(s, SH.node):
            out.append(self.shape(n, v, positive=positive))
        for x in g.objects(s, SH["or"]):
            out.append(self.either(self.shape(m, v, positive=positive) for m in Collection(g, x)))
        for x in g.objects(s, SH["and"]):
            both = [self.shape(m, v, positive=positive) for m in Collection(g, x)]
            out.append("(" + (" && ".join(both) or "true") + ")")
        for n in g.objects(s, SH["not"]):
            out.append(f"!({self.shape(n, v, positive=not positive)})")
        kinds = {
            SH.IRI: f"isIRI({v})",
            SH.BlankNode: f"isBlank({v})",
            SH.Literal: f"isLiteral({v})",
            SH.BlankNodeOrIRI: f"(isBlank({v}) || isIRI({v}))",
            SH.BlankNodeOrLiteral: f"(isBlank({v}) || isLiteral({v}))",
            SH.IRIOrLiteral: f"(isIRI({v}) || isLiteral({v}))",
        }
        for k in g.objects(s, SH.nodeKind):
            kind = kinds.get(k) if isinstance(k, URIRef) else None
            if kind is None:
                raise Unsupported(f"sh:nodeKind {k}")
            out.append(kind)
        # the rest are compiled close to, not exactly as, pySHACL's checks: stricter only
        approximate: list[str] = []
        for n in g.objects(s, SH.minLength):
            approximate.append(f"(!isBlank({v}) && STRLEN(STR({v})) >= {int(str(n))})")
        for n in g.objects(s, SH.maxLength):
            approximate.append(f"(!isBlank({v}) && STRLEN(STR({v})) <= {int(str(n))})")
        flags = _term(Literal(str(g.value(s, SH.flags) or "")))
        for p in g.objects(s, SH.pattern):
            pattern = _term(Literal(str(p)))
            approximate.append(f"(!isBlank({v}) && REGEX(STR({v}), {pattern}, {flags}))")
        for x in g.objects(s, SH.languageIn):
            tags = [_term(Literal(str(t).lower())) for t in Collection(g, x)]
            same = self.either(f"LCASE(LANG({v})) = {t}" for t in tags)
            approximate.append(f'(LANG({v}) != "" && {same})')
        for p, op in (
            (SH.minInclusive, ">="),
            (SH.maxInclusive, "<="),
            (SH.minExclusive, ">"),
            (SH.maxExclusive, "<"),
        ):
            for x in g.objects(s, p):
                approximate.append(f"(isLiteral({v}) && {v} {op} {_term(x)})")
        if approximate and not positive:
            raise Unsupported("a length, pattern, language or range check under sh:not")
        return out + approximate

    @staticmethod
    def either(conditions) -> str:
        return "(" + (" || ".join(conditions) or "false") + ")"

    def datatype(self, v: str, dt: str, positive: bool) -> str:
        if dt == str(RDF.langString):
            return f'(isLiteral({v}) && LANG({v}) != "")'
        base = f"(isLiteral({v}) && sameTerm(DATATYPE({v}), <{dt}>)"
        if dt == str(XSD.string):
            return base + f' && LANG({v}) = "")'
        if dt in CAST:
            if not positive:
                raise Unsupported("sh:datatype with a lexical check under sh:not")
            return base + f" && STR(<{dt}>(STR({v}))) = STR({v}))"
        if not positive:
            raise Unsupported("sh:datatype under sh:not")
        return "false"  # not checked: every value of another datatype is flagged
