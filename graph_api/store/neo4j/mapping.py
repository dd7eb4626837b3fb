"""How RDF maps onto the Neo4j property graph, without Cypher (see docs/neo4j-model.md).

A subject IRI is a ``Resource`` node. For each named graph that states something about it, a
``(:_Graph)-[:_DESCRIBES {facts}]->(node)`` edge holds, as compact JSON, the rdf:type and
literal triples of that graph (exact lexical forms, datatypes and language tags): the source
of truth for export and for removal. The node's own properties and labels are a plain view
computed from all its ``_DESCRIBES`` edges, for queries. An IRI-valued triple is one
relationship whose type comes from the predicate (registered in ``_Predicate`` nodes) and
whose ``graphs`` list names the graphs that state it.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable

import orjson
import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from prl.graph_api.store import documents
from prl.graph_api.store.models import (
    AccountabilityView,
    BodyView,
    CitationView,
    Concept,
    DutyView,
    InstrumentRef,
    InstrumentView,
    PowerDetail,
    PowerSummary,
    Provenance,
    Ref,
    SubdivisionText,
    SubdivisionView,
)
from prl.graph_api.store.ordering import duty_key, ordinal_key, provenance_key, score_value
from prl.ontology import namespaces as ns

RDF_TYPE, XSD_STRING, XSD_INTEGER = ns.RDF_TYPE, ns.XSD_STRING, ns.XSD_INTEGER
PRL, SKOS = ns.PRL, ns.SKOS

# prefixes used to shorten IRIs inside the JSON facts ("prl:text"); any other IRI is "<...>"
# (stored in the database: a prefix added later must go at the end)
PREFIXES = ns.PREFIXES
_EXPAND = {f"{k}:": v for k, v in PREFIXES.items()}

# rdf:type classes that become node labels (local name), besides ``Resource``
_PRL_CLASSES = (
    "Power PublicServiceItem Responsibility Accountability Body InternalUnit "
    "AdministrativeRegion LegalInstrument InstrumentVersion Subdivision Book Chapter Section "
    "Article Paragraph Point Citation ListDocument SourceRecord IngestRun"
).split()
LABEL_OF = {PRL + c: c for c in _PRL_CLASSES} | {SKOS + c: c for c in ("Concept", "ConceptScheme")}
ALL_LABELS = sorted(LABEL_OF.values())

# An object is an IRI (str) or a literal (lexical form, code); code is "" for a plain
# (xsd:string) literal, "@lang" for a language-tagged one, else the datatype IRI.
Obj = str | tuple[str, str]


@functools.lru_cache(maxsize=4096)
def compact(iri: str) -> str:
    for prefix, space in PREFIXES.items():
        if iri.startswith(space):
            return f"{prefix}:{iri[len(space) :]}"
    return f"<{iri}>"


def expand(s: str) -> str:
    if s.startswith("<"):
        return s[1:-1]
    prefix, _, local = s.partition(":")
    return _EXPAND[prefix + ":"] + local


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1] or iri


def rel_type(predicate: str, taken: dict[str, str]) -> str:
    """UPPER_SNAKE relationship type for a predicate (``exercisedBy`` -> ``EXERCISED_BY``);
    a hash suffix when another predicate already holds the name (``taken``: type -> IRI)."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", local_name(predicate))
    name = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
    if not name[:1].isalpha():
        name = "P_" + name
    if taken.get(name, predicate) != predicate:
        name = f"{name}_{hashlib.sha1(predicate.encode()).hexdigest()[:6].upper()}"
    return name


# ------------------------------------------------------------------ terms in, terms out
def from_rdflib(term) -> Obj:
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Literal):
        if term.language:
            return (str(term), "@" + term.language)
        return (str(term), str(term.datatype) if term.datatype else "")
    if isinstance(term, BNode):
        raise ValueError(f"blank node {term.n3()}: the prl graph uses IRIs only")
    raise ValueError(f"unsupported RDF term {term!r}")


def from_oxigraph(term) -> Obj:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        if term.language:
            return (term.value, "@" + term.language)
        dt = term.datatype.value
        return (term.value, "" if dt == XSD_STRING else dt)
    raise ValueError(f"unsupported RDF term {term}: the prl graph uses IRIs only")


def to_rdflib_literal(lex: str, code: str) -> Literal:
    if not code:
        return Literal(lex)
    if code.startswith("@"):
        return Literal(lex, lang=code[1:])
    return Literal(lex, datatype=URIRef(code))


# ------------------------------------------------------------------ facts of one graph
class GraphBatch:
    """The triples of one named graph, grouped: per subject its types and literals, per
    predicate its IRI-valued (subject, object) pairs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.types: dict[str, set[str]] = defaultdict(set)
        self.literals: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        self.links: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.subjects: set[str] = set()
        self.size = 0
        self._rows: list[dict] | None = None
        self.table: list[str] = []  # subject and object IRIs, sorted (see rows)
        self.link_rows: list[list[int]] = []  # [subject, object, predicate] positions
        self.placeholders: list[str] = []  # objects that are not subjects here, sorted

    def add(self, s: str, p: str, o: Obj) -> None:
        self.size += 1
        self.subjects.add(s)
        self._rows = None
        if isinstance(o, tuple):
            self.literals[s].add((p, o[0], o[1]))
        elif p == RDF_TYPE:
            self.types[s].add(o)
        else:
            self.links[p].add((s, o))

    def facts(self, s: str) -> dict:
        return {"t": sorted(self.types.get(s, ())), "l": sorted(self.literals.get(s, ()))}

    @property
    def predicates(self) -> list[str]:
        """The IRI-valued predicates, sorted (``link_rows`` give positions in this list)."""
        return sorted(self.links)

    def rows(self) -> list[dict]:
        """One row per subject, sorted by IRI: ``facts`` (encoded), and the node's ``props``
        (without the IRI) and ``labels`` from these facts alone. Also sets ``table`` (every
        subject and object IRI, sorted), ``placeholders`` (objects that are no subject here)
        and ``link_rows``: per IRI-valued triple the positions of its subject and object in
        ``table`` and of its predicate in ``predicates``. Positions instead of IRIs keep the
        Bolt messages small: a code list concept or the document is the object of thousands
        of triples. Computed once (the N-Quads reader calls this before handing it on)."""
        if self._rows is None:
            objects = {o for pairs in self.links.values() for _, o in pairs}
            self.table = sorted(self.subjects | objects)
            self.placeholders = sorted(objects - self.subjects)
            position = {x: i for i, x in enumerate(self.table)}
            self.link_rows = sorted(
                [position[s], position[o], k]
                for k, p in enumerate(self.predicates)
                for s, o in self.links[p]
            )
            rows = []
            for s in sorted(self.subjects):
                facts = self.facts(s)
                props, labels = view([facts], s)
                del props["iri"]
                rows.append(
                    {"iri": s, "facts": encode_facts(facts), "props": props, "labels": labels}
                )
            self._rows = rows
        return self._rows

    def merged_row(self, row: dict, old: dict) -> dict:
        """``row`` with what this graph already said about the subject (``old`` facts)."""
        facts = merge_facts(self.facts(row["iri"]), old)
        props, labels = view([facts], row["iri"])
        del props["iri"]
        return row | {"facts": encode_facts(facts), "props": props, "labels": labels}


def encode_facts(facts: dict) -> str:
    t = [compact(x) for x in facts["t"]]
    lits = [[compact(p), lex, compact(c) if c and c[0] != "@" else c] for p, lex, c in facts["l"]]
    return orjson.dumps({"t": t, "l": lits}).decode()


def decode_facts(text: str | None) -> dict:
    d = orjson.loads(text) if text else {"t": [], "l": []}
    return {
        "t": [expand(x) for x in d["t"]],
        "l": [(expand(p), lex, expand(c) if c and c[0] != "@" else c) for p, lex, c in d["l"]],
    }


def merge_facts(a: dict, b: dict) -> dict:
    return {"t": sorted(set(a["t"]) | set(b["t"])), "l": sorted(set(a["l"]) | set(b["l"]))}


# ------------------------------------------------------------------ the query view
@functools.lru_cache(maxsize=4096)
def prop_key(predicate: str, code: str) -> str:
    key = local_name(predicate)
    if key == "iri" or key.startswith("_"):
        key = "p" + key
    if code.startswith("@") and not code[1:].lower().startswith("zh"):
        key += "_" + re.sub(r"[^A-Za-z0-9]", "_", code[1:]).lower()
    return key


def _value(lex: str, code: str):
    if code == XSD_INTEGER and re.fullmatch(r"[+-]?\d{1,18}", lex):
        return int(lex)
    return lex


def view(all_facts: Iterable[dict], iri: str) -> tuple[dict, list[str]]:
    """Node properties and labels from the facts of every graph about one node: one plain
    value per property key, a sorted list when there are several, integers as integers."""
    values: dict[str, set] = defaultdict(set)
    labels: set[str] = set()
    for facts in all_facts:
        labels.update(LABEL_OF[t] for t in facts["t"] if t in LABEL_OF)
        for p, lex, code in facts["l"]:
            values[prop_key(p, code)].add(_value(lex, code))
    props: dict = {"iri": iri}
    for key, vs in values.items():
        if len({type(v) for v in vs}) > 1:
            vs = {str(v) for v in vs}
        props[key] = next(iter(vs)) if len(vs) == 1 else sorted(vs)
    return props, sorted(labels)


def first(value):
    """One value of a property that may hold a list (the smallest), or None."""
    if isinstance(value, list):
        return min(value) if value else None
    return value


def as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# ------------------------------------------------------------------ query rows -> models
def concept(m: dict | None) -> Concept | None:
    return to_concept(m) if m else None


def to_concept(m: dict) -> Concept:
    """A concept from its row (``iri``, ``notation``, ``prefLabel``)."""
    notation = first(m.get("notation"))
    return Concept(
        m["iri"], None if notation is None else str(notation), first(m.get("prefLabel")) or ""
    )


def _min_by_iri(items: list[dict]) -> dict | None:
    return min(items, key=lambda m: m["iri"]) if items else None


def _by_iri(items: list[dict]) -> list[dict]:
    return sorted({m["iri"]: m for m in items}.values(), key=lambda m: m["iri"])


def ref(m: dict) -> Ref:
    return Ref(m["iri"], first(m.get("label")) or "")


def summary(r: dict) -> PowerSummary:
    parent = _min_by_iri(r["parents"])
    return PowerSummary(
        iri=r["iri"],
        name=first(r["name"]) or "",
        type=concept(_min_by_iri(r["types"])) or Concept("", None, ""),
        bodies=tuple(ref(b) for b in _by_iri(r["bodies"])),
        parent=ref(parent) if parent else None,
        document=min(r["documents"], default=""),
    )


def sub_text(m: dict) -> SubdivisionText:
    return SubdivisionText(
        m["iri"], first(m.get("path")) or "", first(m.get("label")) or "", first(m.get("text"))
    )


def _by_ordinal(items: list[dict]) -> tuple[SubdivisionText, ...]:
    def key(m: dict) -> tuple:
        return ordinal_key(first(m.get("ordinal")), first(m.get("ordinalSuffix")), m["iri"])

    return tuple(sub_text(m) for m in sorted(_by_iri(items), key=key))


def instrument_ref(m: dict | None) -> InstrumentRef | None:
    if not m:
        return None
    return InstrumentRef(
        iri=m["iri"],
        title=first(m.get("title")) or first(m.get("label")) or "",
        legal_force=concept(_min_by_iri(m.get("force") or [])),
        version_date=first(m.get("date_document")),
    )


def _citation(m: dict) -> CitationView:
    return CitationView(
        iri=m["iri"],
        role="basis" if m["rel"] == "HAS_CITATION" else "duty-basis",
        text=first(m.get("citationText")) or "",
        cited_title=first(m.get("citedTitle")),
        resolution=first(m.get("resolution")) or "",
        unresolved_reason=first(m.get("unresolvedReason")),
        verification=first(m.get("verification")),
        match_score=score_value(first(m.get("matchScore"))),
        version_basis=first(m.get("versionBasis")),
        meant_version=first(m.get("meantVersion")),
        listed=tuple(sorted(map(str, as_list(m.get("listedReference"))))),
        instrument=instrument_ref(_min_by_iri(m["instruments"])),
        subdivisions=tuple(sub_text(s) for s in _by_iri(m["subs"])),
    )


def _provenance(m: dict) -> Provenance:
    return Provenance(
        document=min(m["docs"], default=""),
        file=first(m.get("fileName")) or "",
        sheet=first(m.get("sheetName")),
        row=first(m.get("rowNumber")),
    )


def power_detail(s: PowerSummary, r: dict) -> PowerDetail:
    cits = sorted(
        {(c["rel"], c["iri"]): c for c in r["citations"]}.values(),
        key=lambda c: (c["rel"] != "HAS_CITATION", c["iri"]),
    )
    duties = [
        DutyView(
            d["iri"],
            first(d.get("order")) or 0,
            concept(_min_by_iri(d["phase"])) or Concept("", None, ""),
            first(d.get("dutyCategory")),
            first(d.get("text")) or "",
        )
        for d in _by_iri(r["duties"])
    ]
    acc = [
        AccountabilityView(
            a["iri"],
            tuple(sorted(as_list(a.get("accountableTarget")))),
            first(a.get("circumstances")),
            tuple(to_concept(m) for m in _by_iri(a["methods"])),
        )
        for a in _by_iri(r["accountability"])
    ]
    prov = sorted({_provenance(m) for m in r["provenance"]}, key=provenance_key)
    return PowerDetail(
        summary=s,
        units=tuple(ref(u) for u in _by_iri(r["units"])),
        levels=tuple(to_concept(c) for c in _by_iri(r["levels"])),
        sub_items=tuple(ref(x) for x in _by_iri(r["subs"])),
        citations=tuple(_citation(c) for c in cits),
        duties=tuple(sorted(duties, key=duty_key)),
        accountability=tuple(acc),
        provenance=tuple(prov),
    )


def body_view(r: dict) -> BodyView:
    by_type: dict[str, int] = defaultdict(int)
    powers = _by_iri(r["powers"])
    for p in powers:
        for t in set(p["types"]):
            if t is not None:
                by_type[str(t)] += 1
    region = _min_by_iri(r["regions"])
    return BodyView(
        iri=r["iri"],
        label=first(r["label"]) or "",
        region=ref(region) if region else None,
        level=concept(_min_by_iri(r["levels"])),
        power_count=len(powers),
        counts_by_type=tuple(sorted(by_type.items())),
    )


def instrument_view(r: dict) -> InstrumentView:
    v = r["v"]
    status = sorted(str(x) for x in r["status"] if x is not None)
    return InstrumentView(
        iri=v["iri"],
        title=first(v.get("title")) or first(v.get("label")) or "",
        short_title=first(v.get("title_short")),
        legal_force=concept(_min_by_iri(r["force"])),
        version_date=first(v.get("date_document")),
        effective_date=first(v.get("first_date_entry_in_force")),
        status=status[0] if status else None,
        parts=_by_ordinal(r["parts"]),
    )


def subdivision_view(r: dict, cited_by: tuple[PowerSummary, ...]) -> SubdivisionView:
    s = sub_text(r["s"])
    kind = next(k for k in ns.SUBDIVISION_KINDS if k in r["labels"])
    return SubdivisionView(
        iri=s.iri,
        path=s.path,
        label=s.label,
        text=s.text,
        kind=kind,
        instrument=instrument_ref(_min_by_iri(r["instruments"]))
        or InstrumentRef("", "", None, None),
        parent=min(r["parents"], default=""),
        children=_by_ordinal(r["children"]),
        cited_by=cited_by,
    )


def documents_of(records: Iterable) -> dict[str, bytes]:
    """The JSON documents of the powers in the records of ``Q_DOCUMENTS``, by IRI."""
    out = {}
    for rec in records:
        r = rec.data()
        out[r["iri"]] = documents.power_json(power_detail(summary(r), r))
    return out
