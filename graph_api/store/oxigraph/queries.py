"""The embedded store's SPARQL, and what the side index keeps of each power read from it.

User values reach SPARQL only through ``substitutions`` (a variable bound that way must be
projected: pyoxigraph requires it); ``values_query`` writes IRIs read from the store itself
with pyoxigraph's own serialiser.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from prl.graph_api.store.oxigraph.side_index import PowerRow
from prl.graph_api.store.oxigraph.terms import RDF_TYPE, RDFS_LABEL, node, prl, zh_or_plain
from prl.ontology import namespaces as ns

PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in ns.PREFIXES.items())

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
    + " ".join(f"prl:{k}" for k in ns.SUBDIVISION_KINDS)
    + " } ?s a ?class }"
)


def q(store: ox.Store, sparql: str, **bind: ox.NamedNode | ox.Literal) -> ox.QuerySolutions:
    """The solutions of a SELECT query over the union of the graphs."""
    subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]
    subs = {ox.Variable(k): v for k, v in bind.items()}
    found = store.query(sparql, use_default_graph_as_union=True, substitutions=subs)
    assert isinstance(found, ox.QuerySolutions)  # prl's own queries here are SELECTs
    return found


def values_query(iris: Iterable[str]) -> str:
    """The power-attribute query for a batch of IRIs read from the store itself. The IRIs are
    written by pyoxigraph's own term serialiser (``NamedNode`` validates and escapes), never
    taken from a request."""
    vals = " ".join(str(node(i)) for i in iris)
    return PREFIXES + f"SELECT ?p ?k ?v WHERE {{ VALUES ?p {{ {vals} }}" + POWER_ATTRS + " }"


def replace_graph(g: ox.NamedNode, triples: Iterable[ox.Triple]) -> str:
    """One update that replaces graph ``g`` by these triples (Oxigraph runs an update as one
    transaction). The terms are written by pyoxigraph's serialiser."""
    body = " .\n".join(str(t) for t in triples)
    return f"DROP SILENT GRAPH {g} ;\nINSERT DATA {{ GRAPH {g} {{\n{body} }} }}"


_FIELDS = {"t": "types", "s": "parents", "d": "documents", "b": "bodies", "v": "levels"}


def power_rows(solutions: Iterable) -> dict[str, PowerRow]:
    """The rows of ``POWER_ATTRS`` solutions, by power IRI."""
    rows: dict[str, PowerRow] = {}
    fields = _FIELDS | {"i": "instruments"}
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


def _is_statute_graph(name: str) -> bool:
    return name.startswith(ns.INSTRUMENT)


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
        self.power = prl("Power")
        self.has_citation, self.cites = prl("hasCitation"), prl("citesInstrument")
        self.powers: set[str] = set()
        self.facts: list[tuple[str, str, str]] = []
        self.citations: list[tuple[str, str]] = []
        self.instruments: dict[str, set[str]] = {}
        #: the statements of each subject of the list documents and shared graphs other than
        #: statutes, as ``Reading`` keeps them (predicate -> objects), so that the answer
        #: documents are built from the input instead of read back from the store; a
        #: subject a statute graph also states is left to the store (see ``statements``)
        self.props: dict[str, dict[str, set]] = {}
        self._partial: set[str] = set()

    def add(self, quad: ox.Quad) -> None:
        """One quad as ``read_nquads`` yields it (an IRI subject, an IRI or literal object)."""
        s, p, o = quad.subject, quad.predicate, quad.object
        assert isinstance(s, ox.NamedNode) and isinstance(o, ox.NamedNode | ox.Literal)
        g = quad.graph_name
        if isinstance(g, ox.NamedNode) and _is_statute_graph(g.value):
            self._partial.add(s.value)
        else:
            self.props.setdefault(s.value, {}).setdefault(p.value, set()).add(o)
        if p == RDF_TYPE:
            if o == self.power:
                self.powers.add(s.value)
        elif p == RDFS_LABEL:
            if zh_or_plain(o):
                self.facts.append((s.value, "labels", o.value))
        elif p in self.want:
            if isinstance(o, ox.NamedNode):
                self.facts.append((s.value, self.want[p], o.value))
        elif p == self.has_citation:
            self.citations.append((s.value, o.value))
        elif p == self.cites and isinstance(o, ox.NamedNode):
            self.instruments.setdefault(s.value, set()).add(o.value)

    def statements(self) -> dict[str, dict[str, set]]:
        """``props`` of the subjects whose every statement the input holds outside the
        statute graphs (complete, as the store would give them)."""
        for subject in self._partial:
            self.props.pop(subject, None)
        self._partial.clear()
        return self.props

    def rows(self) -> list[PowerRow]:
        rows = {p: PowerRow(p) for p in self.powers}
        for s, f, value in self.facts:
            if s in rows:
                getattr(rows[s], f).add(value)
        for s, c in self.citations:
            if s in rows:
                rows[s].instruments.update(self.instruments.get(c, ()))
        return list(rows.values())
