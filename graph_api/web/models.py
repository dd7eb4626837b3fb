"""The shapes of the API's answers, as pydantic models: what the OpenAPI document tells
clients and what schemathesis checks every response against.

Routes that build their answer as a dict are validated against these on the way out
(``response_model=``); the two hot routes send JSON bytes written from the stores' stored
documents and name their model in ``responses=`` only (the bytes are built from the same
``documents.power_document`` fields, and ``tests/test_api.py`` checks them against it).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Ref(_Model):
    iri: str
    label: str


class LinkedRef(Ref):
    href: str | None  # the API route of the resource


class Concept(_Model):
    iri: str
    notation: str | None
    label: str


class SubdivisionText(_Model):
    iri: str
    path: str
    label: str
    text: str | None


class LinkedSubdivisionText(SubdivisionText):
    href: str | None


class InstrumentRef(_Model):
    iri: str
    title: str
    legal_force: Concept | None
    version_date: str | None


class Provenance(_Model):
    document: str
    file: str
    sheet: str | None
    row: int | None


# ------------------------------------------------------------------ a power's document
class PowerHead(_Model):
    iri: str
    name: str
    type: Concept
    parent: Ref | None


class Citation(_Model):
    role: str  # basis (实施依据) or duty-basis (责任事项依据)
    instrument: InstrumentRef | None
    cited_title: str | None
    resolution: str  # subdivision, instrument, unresolved
    unresolved_reason: str | None
    #: the quoted article text against the linked one: verified, unverified (nothing quoted,
    #: or nothing linked), mismatch (the quote is not the numbered provision)
    verification: str | None
    match_score: float | None  # 0..1
    version_basis: str | None  # why this version: revision-note, in-force, quote, only, newest
    meant_version: str | None  # the version date the list's revision note names
    listed_references: list[str]  # the list's own numbers, when the link goes elsewhere
    subdivisions: list[SubdivisionText]
    text: str  # as written in the list


class Duty(_Model):
    order: int
    phase: Concept
    category: str | None
    text: str


class Accountability(_Model):
    targets: list[str]
    circumstances: str | None
    methods: list[Concept]


class PowerDocument(_Model):
    """One power: who is responsible, under which law, duties, accountability, sources."""

    power: PowerHead
    bodies: list[Ref]
    units: list[Ref]
    levels: list[Concept]
    citations: list[Citation]
    duties: list[Duty]
    accountability: list[Accountability]
    provenance: list[Provenance]


class WordMatch(_Model):
    """Where one word of the question matched in an answer."""

    word: str  # as the question says it
    form: str | None  # the form that matched (the word, or a list word for it)
    where: list[str]  # name, part of name, body or type, cited text or duties; [] if nowhere


class Answer(PowerDocument):
    score: float  # the ranking score
    confidence: float  # 0..1: the share of the question's matter this power holds
    matched: list[WordMatch]


class Suggestion(_Model):
    """A close power when none answers: why it is close, and what it lacks."""

    iri: str
    name: str
    type: str | None
    bodies: list[str]
    confidence: float
    why: str


class QuestionWord(_Model):
    word: str
    list_words: list[str]  # the words lists use for it (vocabulary.tsv)


class Correction(_Model):
    typed: str  # as the question has it (扬成, 个税)
    read_as: str  # as the lists write it (扬尘, 个人所得税)


class CitedArticle(_Model):
    title: str  # as the question writes it
    article: int
    paragraph: int | None
    item: int | None


class Reading(_Model):
    """How the question was read."""

    intent: (
        str | None
    )  # licence, penalty, inspection, coercion, levy, benefit, confirmation, reward, ruling, in-charge
    types: list[str]  # power type notations the intent asks for
    place: str | None
    words: list[QuestionWord]  # the matter
    corrected: list[Correction]  # misspellings and abbreviations read as the lists write them
    citation: CitedArticle | None


class ArticleAnswer(_Model):
    """The article a question cites, when a loaded list cites its instrument."""

    instrument: str
    label: str | None
    iri: str | None
    version_date: str | None
    text: str | None


class Answers(_Model):
    """Ranked answers to a question; when none clears the threshold, ``answered`` is false,
    ``message`` says the loaded lists hold no such power, and ``suggestions`` are the
    closest powers with why."""

    query: str
    terms: list[str]
    reading: Reading
    answered: bool
    article: ArticleAnswer | None = None
    answers: list[Answer]
    message: str | None = None
    suggestions: list[Suggestion] | None = None


# ------------------------------------------------------------------ lists and resources
class PowerSummary(_Model):
    iri: str
    id: str  # the part of the IRI after id/power/
    href: str | None
    name: str
    type: Concept
    bodies: list[Ref]
    parent: Ref | None
    document: str


class _Paged(_Model):
    total: int
    page: int
    page_size: int
    pages: int


class PowersPage(_Paged):
    items: list[PowerSummary]


class CitationFinding(_Model):
    kind: str  # mismatch, version, unresolved
    file: str
    sheet: str | None
    row: int | None
    power: str
    power_iri: str
    bodies: list[str]
    role: str  # basis (实施依据) or duty-basis (责任事项依据)
    text: str  # the citation as written in the cell
    cited_title: str | None
    linked: str | None  # the version and provisions linked, in words
    listed: list[str]  # the list's own numbers when the link goes elsewhere or nowhere
    score: float | None
    why: str


class CitationFindings(_Paged):
    counts: dict[str, int]  # findings of each kind asked for, over all pages
    items: list[CitationFinding]


class BasisFinding(_Model):
    severity: str  # defect (设定依据不足) or check (需人工核对)
    file: str
    sheet: str | None
    row: int | None
    power: str
    power_iri: str
    type: str  # 行政许可, 行政处罚, 行政强制
    bodies: list[str]
    measure: str  # the measure the rule is about (吊销营业执照, 查封 …; * : the type's rule)
    read_in: str  # where the measure was read: 事项名称 or the citation's title
    evidence: str  # the words naming the measure
    source: str | None  # the source judged: the one the rule allows best
    source_force: str | None  # its legal force (地方性法规 …)
    force_from: str | None  # corpus, title or tag
    citations: list[str]  # every basis citation with its force
    required: str  # the legal forces that may set the measure
    rule: str  # the rule's article (行政处罚法第十二条)
    why: str


class BasisFindings(_Paged):
    counts: dict[str, int]  # findings of each severity asked for, over all pages
    items: list[BasisFinding]


class ImpactFinding(_Model):
    kind: str  # removed, changed, moved, repealed, amended
    file: str
    sheet: str | None
    row: int | None
    power: str
    power_iri: str
    bodies: list[str]
    role: str  # basis (实施依据) or duty-basis (责任事项依据)
    instrument: str  # the title
    old_version: str | None  # the date of the version cited
    new_version: str | None  # the date of the version compared with
    cited: str | None  # the provision cited (第六十八条第二款)
    now: str | None  # what it is in the new version
    similarity: float | None  # of the two texts (character bigrams)
    old_text: str | None
    new_text: str | None
    why: str


class ImpactFindings(_Paged):
    counts: dict[str, int]  # findings of each kind asked for, over all pages
    items: list[ImpactFinding]


class GapFinding(_Model):
    body: str  # the body of the lists that holds no such power
    body_kind: str  # the kind of body the statute names (市场监督管理 …)
    instrument: str
    version: str | None  # the date of the version read
    article: str  # 第二十条
    path: str  # art_20
    sentence: str  # the clause
    body_phrase: str  # 县级以上人民政府市场监督管理部门
    action: str  # the word that grants (罚款, 批准, 检查, 查封 …)
    power_type: str  # what the action implies (行政处罚 …)
    why: str


class GapFindings(_Paged):
    counts: dict[str, int]  # findings of each power type, over all pages
    items: list[GapFinding]


class OverlapPair(_Model):
    relation: str  # overlap (职能交叉), cooperation (协同办理) or hierarchy (上下级)
    score: float  # name + basis + duties (graph_api/analyses/overlaps.py)
    a: str  # power IRIs
    b: str
    a_name: str
    b_name: str
    a_bodies: list[str]
    b_bodies: list[str]
    type: str
    a_source: str  # file, sheet, row
    b_source: str
    name_similarity: float
    shared_provisions: int  # provisions both cite
    duty_likeness: float
    why: str


class OverlapPairs(_Paged):
    counts: dict[str, int]  # pairs of each relation asked for, over all pages
    items: list[OverlapPair]


class RefsPage(_Paged):
    items: list[LinkedRef]


class Body(_Model):
    iri: str
    label: str
    region: Ref | None
    level: Concept | None
    power_count: int
    counts_by_type: dict[str, int]  # type notation -> powers
    powers_href: str


class Instrument(_Model):
    iri: str
    title: str
    short_title: str | None
    legal_force: Concept | None
    version_date: str | None
    effective_date: str | None
    status: str | None
    parts: list[LinkedSubdivisionText]


class Subdivision(_Model):
    iri: str
    path: str
    label: str
    text: str | None
    kind: str  # Book, Chapter, Section, Article, Paragraph, Point
    instrument: InstrumentRef
    parent: str
    children: list[LinkedSubdivisionText]
    cited_by: list[PowerSummary]


# ------------------------------------------------------------------ system
class Counts(_Model):
    documents: int
    powers: int
    bodies: int
    citations: int
    instruments: int
    subdivisions: int
    triples: int | None = None


class Health(_Model):
    status: str  # ok
    store: str
    counts: Counts


class Unavailable(_Model):
    status: str  # unavailable
    store: str
    detail: str


class DocumentLoaded(_Model):
    document: str
    quads: int


class DocumentRemoved(_Model):
    removed: str


class SparqlTerm(BaseModel):
    type: str  # uri, literal, bnode, triple
    value: str | dict
    datatype: str | None = None
    xml_lang: str | None = None

    model_config = ConfigDict(extra="allow")  # "xml:lang"


class SparqlResults(_Model):
    """SPARQL 1.1 Query Results JSON: bindings of a SELECT, or the boolean of an ASK."""

    head: dict
    results: dict | None = None
    boolean: bool | None = None


class Error(_Model):
    """An error: a message (naming the request field or the resource), or, for invalid
    parameters (422), one entry per field with its location (``loc``)."""

    detail: str | list


#: the ``responses=`` entry of a route that can answer a resource as RDF too
class ResourceValue(_Model):
    """One value of a property: a resource (``iri``, with ``href`` where the API serves it)
    or a literal (``value`` with its ``datatype`` or ``language``)."""

    iri: str | None = None
    href: str | None = None
    value: str | None = None
    datatype: str | None = None
    language: str | None = None


class Resource(_Model):
    """Any resource prl mints (a duty, a citation, a list document, a source record, a
    region, a concept …): what the store states about it, predicates as CURIEs."""

    iri: str
    label: str | None
    types: list[str]
    properties: dict[str, list[ResourceValue]]


RDF_CONTENT: dict[str, dict] = {"text/turtle": {}, "application/ld+json": {}}


def errors(*codes: int) -> dict[int | str, dict]:
    """``responses=`` entries for these error statuses, with what each means here."""
    meaning = {
        400: "the SPARQL query does not parse",
        401: "no valid API token",
        403: "refused: writes are disabled, or a SPARQL update or SERVICE",
        404: "no such resource",
        406: "none of the accepted formats can carry the results",
        413: "the request body is over the limit (PRL_MAX_UPLOAD_BYTES, or the query length)",
        415: "a body of a type this route does not read",
        429: "too many requests from this client (see Retry-After)",
        501: "the store does not serve this (SPARQL on Neo4j)",
        503: "the store is unavailable (with Retry-After), or a query timed out",
    }
    return {c: {"model": Error, "description": meaning[c]} for c in codes}
