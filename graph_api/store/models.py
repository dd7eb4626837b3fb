"""Values the stores return: plain frozen dataclasses, the same for every store.

The contract tests compare these exactly between the embedded store and Neo4j, so every list
in them has a defined order (documented per field) and every optional value is ``None`` when
absent, never an empty string.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Ref:
    """A linked node: its IRI and its Chinese label."""

    iri: str
    label: str


@dataclass(frozen=True)
class Concept:
    iri: str
    notation: str | None
    label: str  # Chinese prefLabel


@dataclass(frozen=True)
class PowerSummary:
    iri: str
    name: str  # rdfs:label (the sub-item name for a sub-item)
    type: Concept
    bodies: tuple[Ref, ...]  # ordered by IRI
    parent: Ref | None  # the item a sub-item belongs to
    document: str  # IRI of the list document


@dataclass(frozen=True)
class Provenance:
    document: str  # list document IRI
    file: str
    sheet: str | None
    row: int | None


@dataclass(frozen=True)
class SubdivisionText:
    iri: str
    path: str
    label: str
    text: str | None


@dataclass(frozen=True)
class InstrumentRef:
    iri: str  # the version's IRI
    title: str
    legal_force: Concept | None
    version_date: str | None  # ISO date


@dataclass(frozen=True)
class CitationView:
    iri: str
    role: str  # "basis" (实施依据) or "duty-basis" (责任事项依据)
    text: str  # as written in the list
    cited_title: str | None
    resolution: str  # subdivision, instrument, unresolved
    unresolved_reason: str | None
    instrument: InstrumentRef | None
    subdivisions: tuple[SubdivisionText, ...]  # ordered by IRI
    #: the quote against the linked text: verified, unverified, mismatch (None: unresolved)
    verification: str | None = None
    match_score: float | None = None
    version_basis: str | None = None  # revision-note, in-force, quote, only, newest
    meant_version: str | None = None  # the version date the revision note names
    listed: tuple[str, ...] = ()  # the list's own numbers when the link goes elsewhere (sorted)


@dataclass(frozen=True)
class DutyView:
    iri: str
    order: int
    phase: Concept
    category: str | None
    text: str


@dataclass(frozen=True)
class AccountabilityView:
    iri: str
    targets: tuple[str, ...]  # sorted
    circumstances: str | None
    methods: tuple[Concept, ...]  # ordered by IRI


@dataclass(frozen=True)
class PowerDetail:
    summary: PowerSummary
    units: tuple[Ref, ...]  # ordered by IRI
    levels: tuple[Concept, ...]  # ordered by IRI
    sub_items: tuple[Ref, ...]  # ordered by IRI
    citations: tuple[CitationView, ...]  # basis first, then duty-basis; each by IRI
    duties: tuple[DutyView, ...]  # by order, then IRI
    accountability: tuple[AccountabilityView, ...]  # by IRI
    provenance: tuple[Provenance, ...]  # by file, sheet, row

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BodyView:
    iri: str
    label: str
    region: Ref | None
    level: Concept | None
    power_count: int
    counts_by_type: tuple[tuple[str, int], ...]  # (type notation, count), by notation


@dataclass(frozen=True)
class InstrumentView:
    iri: str  # version IRI
    title: str
    short_title: str | None
    legal_force: Concept | None
    version_date: str | None
    effective_date: str | None
    status: str | None  # notation of the in-force concept
    parts: tuple[SubdivisionText, ...]  # top-level parts (chapters or articles), by ordinal


@dataclass(frozen=True)
class SubdivisionView:
    iri: str
    path: str
    label: str
    text: str | None
    kind: str  # Book, Chapter, Section, Article, Paragraph, Point
    instrument: InstrumentRef
    parent: str  # IRI of the enclosing subdivision or version
    children: tuple[SubdivisionText, ...]  # by ordinal
    cited_by: tuple[PowerSummary, ...]  # powers citing it (directly), by IRI


@dataclass(frozen=True)
class Counts:
    documents: int
    powers: int
    bodies: int
    citations: int
    instruments: int  # versions
    subdivisions: int
    triples: int | None = None  # where the store can count them cheaply


@dataclass(frozen=True)
class PowerFilter:
    """Filters for ``find_powers``; all given filters must hold."""

    text: str | None = None  # substring of the power's name (rdfs:label)
    body: str | None = None  # body IRI
    type: str | None = None  # type notation, e.g. "01"
    level: str | None = None  # admin-level notation, e.g. "3"
    region: str | None = None  # region IRI of an exercising body
    instrument: str | None = None  # instrument version IRI cited by the power (basis)
    document: str | None = None  # list document IRI


@dataclass(frozen=True)
class Page:
    """One page of ``find_powers``: items ordered by IRI, ``total`` all matches."""

    items: tuple[PowerSummary, ...]
    total: int
    offset: int
    limit: int
    extra: dict = field(default_factory=dict, compare=False)


#: the SPARQL protocol's dataset: (default-graph-uri, named-graph-uri); empty: not named
Dataset = tuple[tuple[str, ...], tuple[str, ...]]
NO_DATASET: Dataset = ((), ())
#: about how many bytes of SPARQL results are sent at most (the answer says it was cut)
RESULT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class SparqlAnswer:
    """The answer of a SPARQL query: the body, its media type, and whether the result cap
    cut it (the rows or triples beyond the cap are left out)."""

    body: bytes
    media_type: str
    truncated: bool = False
