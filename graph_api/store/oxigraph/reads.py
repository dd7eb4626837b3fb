"""Reads of the embedded store: triple-pattern lookups turned into the view models.

Every multi-valued lookup is deduplicated across named graphs and ordered as ``models``
documents (the keys of ``ordering``); where the graph holds several values for a
single-valued field the smallest is shown, and a missing required string is ``""`` — the
same choices as the Neo4j engine's ``mapping``, so that both stores give equal answers.
Literal fields read Chinese or untagged literals only (``@en`` labels are not names),
integers (``xsd:integer``) as ``int``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyoxigraph as ox

from prl.graph_api.store.models import (
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
from prl.graph_api.store.ordering import (
    CITATION_ROLES,
    duty_key,
    ordinal_key,
    provenance_key,
    score_value,
)
from prl.graph_api.store.oxigraph.terms import RDF_TYPE, node, prl, zh_or_plain
from prl.ontology import namespaces as ns

_INT = re.compile(r"[+-]?\d{1,18}")
ELI, SKOS, PROV = ns.ELI, ns.SKOS, ns.PROV


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
                    int(o.value) if dt == ns.XSD_INTEGER and _INT.fullmatch(o.value) else o.value
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
            lbl = self.labels[iri] = _text(self.value(iri, node(ns.RDFS_LABEL)))
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
        return any(self.has_type(iri, k) for k in ns.SUBDIVISION_KINDS)

    def by_ordinal(self, iris: Iterable[str]) -> tuple[SubdivisionText, ...]:
        def key(i: str) -> tuple:
            return ordinal_key(
                self.value(i, prl("ordinal")), self.value(i, prl("ordinalSuffix")), i
            )

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
        for role, prop in CITATION_ROLES:
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
                        verification=_opt(self.value(c, prl("verification"))),
                        match_score=score_value(self.value(c, prl("matchScore"))),
                        version_basis=_opt(self.value(c, prl("versionBasis"))),
                        meant_version=_opt(self.value(c, prl("meantVersion"))),
                        listed=tuple(sorted(map(str, self.literals(c, prl("listedReference"))))),
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
        return tuple(sorted(out, key=duty_key))

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
        return tuple(sorted(found, key=provenance_key))


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
