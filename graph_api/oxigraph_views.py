"""Reads of the embedded store: SPARQL and triple-pattern lookups turned into the view models.

Every multi-valued lookup is deduplicated across named graphs and ordered as ``models``
documents; where the graph holds several values for a single-valued field the smallest is
shown, and a missing required string is ``""`` — the same choices as ``neo4j_mapping``, so
that both stores give equal answers. Literal fields read Chinese or untagged literals only
(``@en`` labels are not names), integers (``xsd:integer``) as ``int``. User values reach
SPARQL only through ``substitutions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from graph_api.models import (
    AccountabilityView,
    CitationView,
    Concept,
    DutyView,
    InstrumentRef,
    InstrumentView,
    Provenance,
    Ref,
    SubdivisionText,
)
from graph_api.power_index import PowerRow

PRL = "https://w3id.org/prl/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ELI = "http://data.europa.eu/eli/ontology#"
PROV = "http://www.w3.org/ns/prov#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
SUBDIVISION_KINDS = ("Book", "Chapter", "Section", "Article", "Paragraph", "Point")
_INT = re.compile(r"[+-]?\d{1,18}")


@lru_cache(maxsize=65_536)
def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def valid_iri(iri: str) -> bool:
    """False for text that is no IRI (an id from a request with a quote in it, say): such a
    resource cannot exist, so lookups answer "not found" instead of failing."""
    try:
        node(iri)
    except ValueError:
        return False
    return True


def prl(local: str) -> ox.NamedNode:
    return node(PRL + local)


PREFIXES = f"""PREFIX prl: <{PRL}>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <{SKOS}>
"""

# a variable bound by substitution must be projected (pyoxigraph requires it)
# the index's view of a power, from every graph; ?p bound by substitution or by VALUES
POWER_ATTRS = """
  { ?p rdfs:label ?v BIND("l" AS ?k) } UNION { ?p prl:powerType ?v BIND("t" AS ?k) }
  UNION { ?p prl:subItemOf ?v BIND("s" AS ?k) } UNION { ?p prl:listedIn ?v BIND("d" AS ?k) }
  UNION { ?p prl:exercisedBy ?v BIND("b" AS ?k) } UNION { ?p prl:adminLevel ?v BIND("v" AS ?k) }
  UNION { ?p prl:hasCitation ?c . ?c prl:citesInstrument ?v BIND("i" AS ?k) }"""
Q_ALL_POWER_ROWS = PREFIXES + "SELECT ?p ?k ?v WHERE { ?p a prl:Power ." + POWER_ATTRS + " }"
Q_POWERS_IN_GRAPH = PREFIXES + "SELECT DISTINCT ?p ?g WHERE { GRAPH ?g { ?p a prl:Power } }"
Q_CONCEPTS_WITH_NOTATION = PREFIXES + "SELECT DISTINCT ?c ?n WHERE { ?c skos:notation ?n }"
Q_BODIES_IN_REGION = PREFIXES + "SELECT DISTINCT ?b ?r WHERE { ?b prl:region ?r }"
Q_COUNT = (
    PREFIXES + "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
)
Q_COUNT_SUBDIVISIONS = (
    PREFIXES
    + "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?class { "
    + " ".join(f"prl:{k}" for k in SUBDIVISION_KINDS)
    + " } ?s a ?class }"
)


def q(store: ox.Store, sparql: str, **bind) -> ox.QuerySolutions:
    subs = {ox.Variable(k): v for k, v in bind.items()}
    return store.query(sparql, use_default_graph_as_union=True, substitutions=subs)


def values_query(iris: Iterable[str]) -> str:
    """The power-attribute query for a batch of IRIs read from the store itself. The IRIs are
    written by pyoxigraph's own term serialiser (``NamedNode`` validates and escapes), never
    taken from a request."""
    vals = " ".join(str(node(i)) for i in iris)
    return PREFIXES + f"SELECT ?p ?k ?v WHERE {{ VALUES ?p {{ {vals} }}" + POWER_ATTRS + " }"


def zh_or_plain(term) -> bool:
    return isinstance(term, ox.Literal) and (
        term.language is None or term.language.lower().startswith("zh")
    )


def power_rows(solutions: Iterable) -> dict[str, PowerRow]:
    rows: dict[str, PowerRow] = {}
    fields = {
        "t": "types",
        "s": "parents",
        "d": "documents",
        "b": "bodies",
        "v": "levels",
        "i": "instruments",
    }
    for sol in solutions:
        p = sol["p"].value
        row = rows.get(p)
        if row is None:
            row = rows[p] = PowerRow(p)
        k, v = sol["k"].value, sol["v"]
        if k == "l":
            if zh_or_plain(v):
                row.labels.add(v.value)
        elif isinstance(v, ox.NamedNode):
            getattr(row, fields[k]).add(v.value)
    return rows


class FileRows:
    """Power rows gathered while a file is parsed: exact for a load into an empty store,
    and much faster than reading them back (the store reads ~100k terms/s into Python)."""

    FIELDS = {
        "powerType": "types",
        "subItemOf": "parents",
        "listedIn": "documents",
        "exercisedBy": "bodies",
        "adminLevel": "levels",
    }

    def __init__(self) -> None:
        self.want = {prl(k): f for k, f in self.FIELDS.items()}
        self.label = node(RDFS_LABEL)
        self.power = prl("Power")
        self.has_citation, self.cites = prl("hasCitation"), prl("citesInstrument")
        self.powers: set[str] = set()
        self.facts: list[tuple[str, str, object]] = []
        self.citations: list[tuple[str, str]] = []
        self.instruments: dict[str, set[str]] = {}

    def add(self, quad: ox.Quad) -> None:
        p, o = quad.predicate, quad.object
        if p == RDF_TYPE:
            if o == self.power:
                self.powers.add(quad.subject.value)
        elif p == self.label:
            if zh_or_plain(o):
                self.facts.append((quad.subject.value, "labels", o.value))
        elif p in self.want:
            if isinstance(o, ox.NamedNode):
                self.facts.append((quad.subject.value, self.want[p], o.value))
        elif p == self.has_citation:
            self.citations.append((quad.subject.value, o.value))
        elif p == self.cites and isinstance(o, ox.NamedNode):
            self.instruments.setdefault(quad.subject.value, set()).add(o.value)

    def rows(self) -> list[PowerRow]:
        rows = {p: PowerRow(p) for p in self.powers}
        for s, f, value in self.facts:
            if s in rows:
                getattr(rows[s], f).add(value)
        for s, c in self.citations:
            if s in rows:
                rows[s].instruments.update(self.instruments.get(c, ()))
        return list(rows.values())


# ------------------------------------------------------------------ term lookups
class Lookup:
    """Triple-pattern reads over all graphs, with per-IRI caches of labels and concepts
    (emptied by the store after every write)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.labels: dict[str, str] = {}
        self.concepts: dict[str, Concept] = {}

    def forget(self) -> None:
        self.labels.clear()
        self.concepts.clear()

    def reading(self, props: dict | None = None) -> Reading:
        """A reader for one view (sharing this lookup's label and concept caches, and
        ``props`` when given)."""
        return Reading(self, props)

    def touch(self, iri: str) -> None:
        """Called with every subject a view reads (``Reading`` records them)."""

    def objects(self, s: str, p: ox.NamedNode) -> list:
        return list({x.object for x in self.store.quads_for_pattern(node(s), p, None, None)})

    def iris(self, s: str, p: ox.NamedNode) -> list[str]:
        return sorted({o.value for o in self.objects(s, p) if isinstance(o, ox.NamedNode)})

    def subjects(self, p: ox.NamedNode, o: str) -> list[str]:
        found = {x.subject for x in self.store.quads_for_pattern(None, p, node(o), None)}
        return sorted(s.value for s in found if isinstance(s, ox.NamedNode))

    def literals(self, s: str, p: ox.NamedNode) -> list:
        out = []
        for o in self.objects(s, p):
            if zh_or_plain(o):
                dt = o.datatype.value if o.language is None else None
                out.append(
                    int(o.value) if dt == XSD_INTEGER and _INT.fullmatch(o.value) else o.value
                )
        if len({type(v) for v in out}) > 1:
            out = [str(v) for v in out]
        return out

    def value(self, s: str, p: ox.NamedNode):
        vals = self.literals(s, p)
        return min(vals) if vals else None

    def has_type(self, s: str, cls: str) -> bool:
        return (
            next(iter(self.store.quads_for_pattern(node(s), RDF_TYPE, prl(cls), None)), None)
            is not None
        )

    def types(self, s: str) -> set[str]:
        return {o.value for o in self.objects(s, RDF_TYPE) if isinstance(o, ox.NamedNode)}

    def label(self, iri: str) -> str:
        self.touch(iri)
        lbl = self.labels.get(iri)
        if lbl is None:
            lbl = self.labels[iri] = _text(self.value(iri, node(RDFS_LABEL)))
        return lbl

    def ref(self, iri: str) -> Ref:
        return Ref(iri, self.label(iri))

    def concept(self, iri: str) -> Concept:
        self.touch(iri)
        c = self.concepts.get(iri)
        if c is None:
            notation = self.value(iri, node(SKOS + "notation"))
            c = Concept(
                iri,
                None if notation is None else str(notation),
                _text(self.value(iri, node(SKOS + "prefLabel"))),
            )
            self.concepts[iri] = c
        return c

    def first_concept(self, s: str, p: ox.NamedNode) -> Concept | None:
        found = self.iris(s, p)
        return self.concept(found[0]) if found else None

    # -------------------------------------------------------------- parts of views
    def sub_text(self, iri: str) -> SubdivisionText:
        return SubdivisionText(
            iri,
            _text(self.value(iri, prl("path"))),
            self.label(iri),
            _opt(self.value(iri, prl("text"))),
        )

    def is_subdivision(self, iri: str) -> bool:
        return any(self.has_type(iri, k) for k in SUBDIVISION_KINDS)

    def by_ordinal(self, iris: Iterable[str]) -> tuple[SubdivisionText, ...]:
        def key(i: str):
            o, s = self.value(i, prl("ordinal")), self.value(i, prl("ordinalSuffix"))
            return (isinstance(o, int), o if isinstance(o, int) else 0, s or 0, i)

        return tuple(self.sub_text(i) for i in sorted(iris, key=key))

    def parts(self, parent: str) -> tuple[SubdivisionText, ...]:
        kids = [
            s for s in self.subjects(node(ELI + "is_part_of"), parent) if self.is_subdivision(s)
        ]
        return self.by_ordinal(kids)

    def instrument_ref(self, v: str) -> InstrumentRef:
        return InstrumentRef(
            iri=v,
            title=self.title(v),
            legal_force=self.first_concept(v, prl("legalForce")),
            version_date=_opt(self.value(v, node(ELI + "date_document"))),
        )

    def title(self, v: str) -> str:
        return _text(self.value(v, node(ELI + "title"))) or self.label(v)

    def instrument_view(self, v: str) -> InstrumentView:
        status = sorted(
            c.notation
            for c in (self.concept(i) for i in self.iris(v, node(ELI + "in_force")))
            if c.notation is not None
        )
        return InstrumentView(
            iri=v,
            title=self.title(v),
            short_title=_opt(self.value(v, node(ELI + "title_short"))),
            legal_force=self.first_concept(v, prl("legalForce")),
            version_date=_opt(self.value(v, node(ELI + "date_document"))),
            effective_date=_opt(self.value(v, node(ELI + "first_date_entry_in_force"))),
            status=status[0] if status else None,
            parts=self.parts(v),
        )

    def citations(self, p: str) -> tuple[CitationView, ...]:
        out = []
        for role, prop in (("basis", "hasCitation"), ("duty-basis", "hasDutyCitation")):
            for c in self.iris(p, prl(prop)):
                versions = self.iris(c, prl("citesInstrument"))
                out.append(
                    CitationView(
                        iri=c,
                        role=role,
                        text=_text(self.value(c, prl("citationText"))),
                        cited_title=_opt(self.value(c, prl("citedTitle"))),
                        resolution=_text(self.value(c, prl("resolution"))),
                        unresolved_reason=_opt(self.value(c, prl("unresolvedReason"))),
                        instrument=self.instrument_ref(versions[0]) if versions else None,
                        subdivisions=tuple(
                            self.sub_text(s) for s in self.iris(c, prl("citesSubdivision"))
                        ),
                    )
                )
        return tuple(out)

    def duties(self, p: str) -> tuple[DutyView, ...]:
        out = [
            DutyView(
                d,
                _int(self.value(d, prl("order"))),
                self.first_concept(d, prl("phase")) or Concept("", None, ""),
                _opt(self.value(d, prl("dutyCategory"))),
                _text(self.value(d, prl("text"))),
            )
            for d in self.iris(p, prl("hasResponsibility"))
        ]
        return tuple(sorted(out, key=lambda d: (d.order, d.iri)))

    def accountability(self, p: str) -> tuple[AccountabilityView, ...]:
        return tuple(
            AccountabilityView(
                a,
                tuple(sorted(str(t) for t in self.literals(a, prl("accountableTarget")))),
                _opt(self.value(a, prl("circumstances"))),
                tuple(self.concept(m) for m in self.iris(a, prl("method"))),
            )
            for a in self.iris(p, prl("hasAccountability"))
        )

    def provenance(self, p: str) -> tuple[Provenance, ...]:
        found = set()
        for s in self.iris(p, node(PROV + "wasDerivedFrom")):
            if not self.has_type(s, "SourceRecord"):
                continue
            docs = self.iris(s, prl("inDocument"))
            row = self.value(s, prl("rowNumber"))
            found.add(
                Provenance(
                    document=docs[0] if docs else "",
                    file=_text(self.value(s, prl("fileName"))),
                    sheet=_opt(self.value(s, prl("sheetName"))),
                    row=row,
                )
            )
        return tuple(
            sorted(
                found,
                key=lambda x: (
                    x.file,
                    x.sheet is not None,
                    x.sheet or "",
                    x.row is not None,
                    x.row or 0,
                ),
            )
        )


class Reading(Lookup):
    """The reads of one view: each subject's statements fetched once (one pattern scan instead
    of one per property), and every subject read recorded in ``touched``: what the view
    depends on, so that a write to any of them marks the view stale."""

    def __init__(self, lookup: Lookup, props: dict[str, dict[str, set]] | None = None) -> None:
        self.store = lookup.store
        self.labels, self.concepts = lookup.labels, lookup.concepts
        # statements by subject: this view's own, or shared by the views built in one write
        # (the store does not change meanwhile)
        self.props: dict[str, dict[str, set]] = {} if props is None else props
        self.touched: set[str] = set()

    def touch(self, iri: str) -> None:
        self.touched.add(iri)

    def _props(self, s: str) -> dict[str, set]:
        self.touched.add(s)
        found = self.props.get(s)
        if found is None:
            found = self.props[s] = {}
            for x in self.store.quads_for_pattern(node(s), None, None, None):
                found.setdefault(x.predicate.value, set()).add(x.object)
        return found

    def objects(self, s: str, p: ox.NamedNode) -> list:
        return list(self._props(s).get(p.value, ()))

    def has_type(self, s: str, cls: str) -> bool:
        return prl(cls) in self._props(s).get(RDF_TYPE.value, ())


def _text(v) -> str:
    return "" if v is None else str(v)


def _opt(v) -> str | None:
    return None if v is None else str(v)


def _int(v) -> int:
    return v if isinstance(v, int) else 0


# ------------------------------------------------------------------ rdflib <-> pyoxigraph
def to_ox(t):
    if isinstance(t, URIRef):
        return node(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=node(str(t.datatype)))
        return ox.Literal(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    raise ValueError(f"unsupported RDF term {t!r}")


def to_rdflib(t):
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    raise ValueError(f"unsupported RDF term {t}")


def node_or_none(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None
