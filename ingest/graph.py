"""Turn parsed records into RDF under the prl ontology.

One ``GraphBuilder`` serves one ingest run: ``list_document`` gives the graph of one list
document (its powers, citations, duties, accountability, bodies and provenance) and records
which statute versions the citations reached; ``instrument`` gives the graph of one statute
version with all its subdivisions. IRIs come from ``vocab`` and depend only on content.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, XSD, URIRef
from rdflib.namespace import SKOS

from prl.ingest.citations import parse_basis, resolve
from prl.ingest.normalize import (
    REGIONS,
    accountability_methods,
    admin_levels,
    clean_name,
    normalise_body,
    power_type,
    split_duties,
    split_points,
    split_units,
)
from prl.ingest.quads import Quads, lit, typed, zh
from prl.ingest.records import (
    Citation,
    Instrument,
    ListDocument,
    ListItem,
    QuarantineEntry,
    Subdivision,
)
from prl.ingest.statutes import normalise_title
from prl.ingest.vocab import CONCEPT, CPSV, CV, ELI, ID, ORG, PRL, PROV, digest, scheme, slug

_KIND_CLASS = {
    "book": PRL.Book,
    "chapter": PRL.Chapter,
    "section": PRL.Section,
    "article": PRL.Article,
    "paragraph": PRL.Paragraph,
    "point": PRL.Point,
}


def instrument_iri(instr: Instrument) -> tuple[URIRef, URIRef]:
    """(work IRI, version IRI) of a statute version."""
    work = ID[f"instrument/{slug(instr.title)}"]
    return work, URIRef(f"{work}/{instr.version_date or 'undated'}")


def document_iri(path: str) -> URIRef:
    stem = re.sub(r"\.[A-Za-z]+$", "", path.replace("\\", "/").rsplit("/", 1)[-1])
    return ID[f"list/{slug(stem)}"]


def body_iri(name: str) -> URIRef:
    return ID[f"body/{slug(name)}"]


def power_iri(body: str, name: str, sub_item: str | None, distinct: str | None = None) -> URIRef:
    """A power by body, name and sub-item; ``distinct`` separates rows of one list that share
    all three but are different items (another legal basis, another code)."""
    key = digest(clean_name(name), clean_name(sub_item or ""))
    return ID[f"power/{slug(body)}/{key}" + (f"-{distinct}" if distinct else "")]


def cited_title(title: str) -> str:
    """One spelling per instrument the corpus lacks: full-width forms, no spaces, no
    《》 or trailing revision note, 中华人民共和国 kept only when written.

    >>> cited_title("《新疆维吾尔自治区 实施〈中华人民共和国档案法〉办法》（2005年修正）")
    '新疆维吾尔自治区实施〈中华人民共和国档案法〉办法'
    """
    t = re.sub(r"\s+", "", title).translate(_TITLE_FORMS)
    t = re.sub(r"（[^（）]*\d{4}[^（）]*）$", "", t).strip("〈〉")
    return t or title.strip()


#: one form of the brackets inside a title: 〈〉 for a title within a title, （） for notes
_TITLE_FORMS = str.maketrans({"《": "〈", "》": "〉", "<": "〈", ">": "〉", "(": "（", ")": "）"})


_LOCAL = re.compile(r"^(?:新疆|[\u4e00-\u9fff]{2,8}(?:省|自治区|市|州|县|区))")


def tag_force(tag: str | None, title: str):
    """The legal-force level a cell's tag gives an instrument the corpus lacks: 【法规】 of a
    region's instrument is a 地方性法规, 【规章】 of one a 地方政府规章."""
    if not tag:
        return None
    forces = scheme("legal-force")
    if _LOCAL.match(title):
        tag = {"法规": "地方性法规", "规章": "地方政府规章", "政府规章": "地方政府规章"}.get(
            tag, tag
        )
    return forces.get(tag)


def _basis_key(item: ListItem) -> str:
    """What tells apart two rows of one name: the instruments and articles they rest on."""
    parts = []
    for c in parse_basis(item.basis) if item.basis else []:
        refs = ",".join(r.path() for r in c.refs)
        parts.append(f"{normalise_title(c.title or c.raw)}:{refs}")
    return digest(*sorted(parts), size=8)


@dataclass
class CitationStats:
    """Counts of citation resolution, for the closing report and ``prl ingest`` output."""

    by_status: Counter = field(default_factory=Counter)
    by_reason: Counter = field(default_factory=Counter)
    by_verification: Counter = field(default_factory=Counter)
    found_instrument: int = 0  # citations whose instrument is in the corpus
    found_to_subdivision: int = 0

    def add(
        self, status: str, reason: str | None, found: bool, verification: str | None = None
    ) -> None:
        self.by_status[status] += 1
        if verification:
            self.by_verification[verification] += 1
        if reason:
            self.by_reason[reason] += 1
        if found:
            self.found_instrument += 1
            if status == "subdivision":
                self.found_to_subdivision += 1

    def merge(self, other: CitationStats) -> None:
        self.by_status.update(other.by_status)
        self.by_reason.update(other.by_reason)
        self.by_verification.update(other.by_verification)
        self.found_instrument += other.found_instrument
        self.found_to_subdivision += other.found_to_subdivision

    def as_dict(self) -> dict:
        total = sum(self.by_status.values())
        return {
            "citations": total,
            "by_status": dict(self.by_status),
            "unresolved_by_reason": dict(self.by_reason),
            "by_verification": dict(self.by_verification),
            "instrument_in_corpus": self.found_instrument,
            "subdivision_share_of_found": (
                round(self.found_to_subdivision / self.found_instrument, 4)
                if self.found_instrument
                else None
            ),
        }


class GraphBuilder:
    """Builds the graphs of one ingest run against one statute corpus."""

    def __init__(self, corpus, run: URIRef) -> None:
        self.corpus = corpus
        self.run = run
        self.cited: dict[str, Instrument] = {}
        self.stats = CitationStats()
        self.cited_titles: dict[URIRef, str] = {}
        # bodies, units and regions are shared by the documents that name them: they live in
        # their own graph so that removing one document leaves them in place
        self.organisations = Quads()

    # ------------------------------------------------------------------ list documents
    def list_document(self, doc: ListDocument, sha256: str) -> tuple[Quads, list[QuarantineEntry]]:
        """The graph of one list document and the rows that could not become powers."""
        g = Quads()
        d = document_iri(doc.path)
        g.add((d, RDF.type, PRL.ListDocument))
        g.add((d, RDFS.label, zh(doc.title)))
        g.add((d, PRL.fileName, lit(doc.path.replace("\\", "/").rsplit("/", 1)[-1])))
        g.add((d, PRL.sha256, lit(sha256)))
        g.add((d, PRL["format"], lit(doc.format)))
        g.add((d, PROV.wasGeneratedBy, self.run))
        if doc.region_hint:
            g.add((d, PRL.region, self._region(self.organisations, doc.region_hint)))
        as_of = _list_date(doc)
        department = _department_from_title(doc.title) or _department_from_title(doc.path)
        rejected: list[QuarantineEntry] = []
        bodies = {id(item): self._bodies(item, doc, department) for item in doc.items}
        distinct = self._distinct(doc, bodies)
        for item in doc.items:
            problem = self._power(g, d, doc, item, as_of, bodies[id(item)], distinct.get(id(item)))
            if problem:
                column, reason = problem
                rejected.append(
                    QuarantineEntry(
                        file=item.source.file,
                        sheet=item.source.sheet,
                        row=item.source.row,
                        column=column,
                        reason=reason,
                        values=_item_values(item),
                    )
                )
        return g, rejected

    def _bodies(self, item: ListItem, doc: ListDocument, department: str | None) -> list:
        bodies = normalise_body(item.body, doc.region_hint, department)
        if not bodies and department:
            bodies = normalise_body(department, doc.region_hint)
        return bodies

    def _distinct(self, doc: ListDocument, bodies: dict[int, list]) -> dict[int, str]:
        """Rows of the document that share body, name and sub-item with another row: each
        gets a key of its own (its legal basis, else its code, sequence number or row), so
        two rows never become one power. Rows without such a twin keep the plain IRI."""
        groups: dict[tuple, list[ListItem]] = {}
        for item in doc.items:
            found = bodies[id(item)]
            if found:
                key = (found[0].name, clean_name(item.name), clean_name(item.sub_item or ""))
                groups.setdefault(key, []).append(item)
        out: dict[int, str] = {}
        for items in groups.values():
            if len(items) < 2:
                continue
            keys = [_basis_key(i) for i in items]
            for item, k in zip(items, keys, strict=True):
                if keys.count(k) > 1:  # same basis too: where the row is, and its ids
                    src = item.source
                    k = digest(k, item.code or "", item.seq or "", src.sheet, str(src.row), size=8)
                out[id(item)] = k
        return out

    def _power(
        self,
        g: Quads,
        d: URIRef,
        doc: ListDocument,
        item: ListItem,
        as_of: str | None,
        bodies: list,
        distinct: str | None = None,
    ) -> tuple[str, str] | None:
        ptype = power_type(item.power_type)
        if ptype is None:
            return (
                "权力类型",
                f"unknown power type {item.power_type!r}"
                if item.power_type
                else "no power type (权力类型) in the row or the sheet name",
            )
        if not bodies:
            return ("行使主体", "no body (行使主体) in the row and none in the document title")
        basis = parse_basis(item.basis) if item.basis else []
        if not basis:
            return ("实施依据", "no legal basis (实施依据): a power needs at least one citation")

        src = self._source_record(g, d, item)
        p = power_iri(bodies[0].name, item.name, item.sub_item, distinct)
        national, local = ptype
        self._provenance(g, p, src)
        g.add((p, RDF.type, PRL.Power))
        if national.notation == "20":
            g.add((p, RDF.type, PRL.PublicServiceItem))
            g.add((p, RDF.type, CPSV.PublicService))
        g.add((p, RDFS.label, zh(item.sub_item or item.name)))
        g.add((p, PRL.listedIn, d))
        g.add((p, PRL.powerType, URIRef(national.iri)))
        if local is not None:
            g.add((p, PRL.localPowerType, URIRef(local.iri)))
        if item.power_type:
            g.add((p, PRL.powerTypeText, lit(item.power_type)))
        for prop, value in (
            (PRL.itemCode, item.code),
            (PRL.sequence, item.seq),
            (PRL.levelText, item.level),
        ):
            if value:
                g.add((p, prop, lit(value)))
        for prop, value in (
            (PRL.levelScope, item.level_scope),
            (PRL.departmentDuty, item.department_duty),
            (PRL.remarks, item.remarks),
            (PRL.basisText, item.basis),
            (PRL.dutyBasisText, item.duty_basis),
        ):
            if value:
                g.add((p, prop, zh(value)))
        for level in admin_levels(item.level):
            g.add((p, PRL.adminLevel, URIRef(level.iri)))
        for b in bodies:
            bi = self._body(self.organisations, d, b, doc.region_hint)
            g.add((p, PRL.exercisedBy, bi))
            if national.notation == "20":
                g.add((p, CV.hasCompetentAuthority, bi))
        for unit in split_units(item.unit):
            u = URIRef(f"{body_iri(bodies[0].name)}/unit/{slug(unit)}")
            org = self.organisations
            org.add((u, RDF.type, PRL.InternalUnit))
            org.add((u, RDFS.label, zh(unit)))
            org.add((u, ORG.unitOf, body_iri(bodies[0].name)))
            org.add((body_iri(bodies[0].name), ORG.hasUnit, u))
            org.add((u, PROV.wasDerivedFrom, d))
            g.add((p, PRL.handledBy, u))
        if item.sub_item:
            parent = power_iri(bodies[0].name, item.name, None)
            g.add((p, PRL.subItemOf, parent))
            self._provenance(g, parent, src)
            g.add((parent, RDF.type, PRL.Power))
            g.add((parent, RDFS.label, zh(item.name)))
            g.add((parent, PRL.listedIn, d))
            g.add((parent, PRL.powerType, URIRef(national.iri)))
            for b in bodies:
                g.add((parent, PRL.exercisedBy, body_iri(b.name)))
        for c in basis:
            ci = self._citation(g, p, "basis", c, src, as_of)
            g.add((p, PRL.hasCitation, ci))
            if item.sub_item:
                g.add((power_iri(bodies[0].name, item.name, None), PRL.hasCitation, ci))
        for c in parse_basis(item.duty_basis) if item.duty_basis else []:
            g.add((p, PRL.hasDutyCitation, self._citation(g, p, "duty-basis", c, src, as_of)))
        for duty in split_duties(item.duties):
            r = URIRef(f"{p}/duty/{digest(duty.text)}")
            self._provenance(g, r, src)
            g.add((r, RDF.type, PRL.Responsibility))
            g.add((r, PRL.order, lit(duty.order)))
            g.add((r, PRL.text, zh(duty.text)))
            g.add((r, PRL.phase, URIRef(duty.phase.iri)))
            if duty.category:
                g.add((r, PRL.dutyCategory, zh(duty.category)))
            g.add((p, PRL.hasResponsibility, r))
        self._accountability(g, p, item, src)
        return None

    def _accountability(self, g: Quads, p: URIRef, item: ListItem, src: URIRef) -> None:
        targets = split_points(item.accountable_targets)
        circ = item.accountability_circumstances
        methods = accountability_methods(item.accountability_methods, circ)
        if not (targets or circ or methods):
            return
        a = URIRef(f"{p}/accountability/{digest(item.accountable_targets, circ)}")
        self._provenance(g, a, src)
        g.add((a, RDF.type, PRL.Accountability))
        for t in targets:
            g.add((a, PRL.accountableTarget, zh(t)))
        if circ:
            g.add((a, PRL.circumstances, zh(circ)))
        for m in methods:
            g.add((a, PRL.method, URIRef(m.iri)))
        g.add((p, PRL.hasAccountability, a))

    def _citation(
        self, g: Quads, p: URIRef, role: str, c: Citation, src: URIRef, as_of: str | None
    ) -> URIRef:
        ci = URIRef(f"{p}/{role}/{digest(c.raw)}")
        self._provenance(g, ci, src)
        g.add((ci, RDF.type, PRL.Citation))
        g.add((ci, PRL.citationText, zh(c.raw)))
        if c.source_tag:
            g.add((ci, PRL.sourceTag, lit(c.source_tag)))
        if c.title:
            g.add((ci, PRL.citedTitle, zh(c.title)))
        if c.revision_note:
            g.add((ci, PRL.revisionNote, zh(c.revision_note)))
        if c.quoted_text:
            g.add((ci, PRL.quotedText, zh(c.quoted_text)))
        for ref in c.refs:
            if ref.path():
                g.add((ci, PRL.reference, lit(ref.path())))
        res = resolve(c, self.corpus, as_of)
        g.add((ci, PRL.resolution, lit(res.status)))
        if res.reason:
            g.add((ci, PRL.unresolvedReason, lit(res.reason)))
        for m in res.missing:
            g.add((ci, PRL.missingReference, lit(m)))
        if res.verification:
            g.add((ci, PRL.verification, lit(res.verification)))
        if res.score is not None:
            # the canonical lexical form (no trailing zeros), which the stores keep as it is
            score = f"{res.score:.3f}".rstrip("0").rstrip(".") or "0"
            g.add((ci, PRL.matchScore, typed(score, XSD.decimal)))
        if res.version_basis:
            g.add((ci, PRL.versionBasis, lit(res.version_basis)))
        if res.meant_version:
            g.add((ci, PRL.meantVersion, lit(res.meant_version)))
        for path in res.listed:
            g.add((ci, PRL.listedReference, lit(path)))
        self.stats.add(res.status, res.reason, res.instrument_key is not None, res.verification)
        if res.version_of is not None and res.meant_version:  # the meant version is missing
            known = self.corpus.get(res.version_of)
            force = scheme("legal-force").get(known.level or "")
            v = self._cited_version(g, known.title, res.meant_version, force, src)
            g.add((ci, PRL.citesInstrument, v))
        elif res.reason == "instrument-not-in-corpus" and c.title:
            title = cited_title(c.title)
            v = self._cited_version(g, title, None, tag_force(c.source_tag, title), src)
            g.add((ci, PRL.citesInstrument, v))
        if res.instrument_key is not None:
            instr = self.corpus.get(res.instrument_key)
            self.cited[res.instrument_key] = instr
            _, version = instrument_iri(instr)
            g.add((ci, PRL.citesInstrument, version))
            for path in res.paths:
                g.add((ci, PRL.citesSubdivision, URIRef(f"{version}/{path}")))
        return ci

    def _cited_version(self, g: Quads, title: str, date: str | None, force, src: URIRef) -> URIRef:
        """A version the corpus has no text of (``prl:CitedVersion``), so that the citation
        still links its instrument: dated by the revision note when it names a date, else
        one per title and legal-force level."""
        work = ID[f"instrument/{slug(title)}"]
        # titles that differ only in what the IRI leaves out are one instrument: its
        # first spelling names it (one eli:title per node)
        title = self.cited_titles.setdefault(work, title)
        tail = date or ("as-cited" + (f"-{force.notation}" if force is not None else ""))
        v = URIRef(f"{work}/{tail}")
        g.add((work, RDF.type, PRL.LegalInstrument))
        g.add((work, RDFS.label, zh(title)))
        g.add((work, ELI["title"], zh(title)))
        g.add((v, RDF.type, PRL.CitedVersion))
        g.add((v, RDFS.label, zh(title)))
        g.add((v, ELI["title"], zh(title)))
        g.add((v, PRL.isVersionOf, work))
        if date and len(date) == 10:
            g.add((v, ELI.date_document, typed(date, XSD.date)))
        if force is not None:
            g.add((v, PRL.legalForce, URIRef(force.iri)))
        self._provenance(g, v, src)
        return v

    def _source_record(self, g: Quads, d: URIRef, item: ListItem) -> URIRef:
        s = URIRef(f"{d}/row/{slug(item.source.sheet or 'data')}/{item.source.row}")
        g.add((s, RDF.type, PRL.SourceRecord))
        g.add((s, PRL.inDocument, d))
        g.add((s, PRL.fileName, lit(item.source.file.replace("\\", "/").rsplit("/", 1)[-1])))
        if item.source.sheet:
            g.add((s, PRL.sheetName, lit(item.source.sheet)))
        if item.source.row is not None:
            g.add((s, PRL.rowNumber, lit(item.source.row)))
        for r in item.continuations:
            g.add((s, PRL.continuationRow, lit(r)))
        return s

    def _provenance(self, g: Quads, node: URIRef, src: URIRef) -> None:
        g.add((node, PROV.wasDerivedFrom, src))
        g.add((node, PROV.wasGeneratedBy, self.run))

    def _body(self, g: Quads, d: URIRef, b, region: str | None) -> URIRef:
        bi = body_iri(b.name)
        g.add((bi, RDF.type, PRL.Body))
        g.add((bi, RDFS.label, zh(b.name)))
        if b.raw != b.name:
            g.add((bi, SKOS.altLabel, zh(b.raw)))
        if b.level:
            g.add((bi, PRL.adminLevel, CONCEPT[f"admin-level-{b.level}"]))
        if b.region:
            g.add((bi, PRL.region, self._region(g, b.region)))
        g.add((bi, PROV.wasDerivedFrom, d))
        return bi

    def _region(self, g: Quads, name: str) -> URIRef:
        r = ID[f"region/{slug(name)}"]
        g.add((r, RDF.type, PRL.AdministrativeRegion))
        g.add((r, RDFS.label, zh(name)))
        parent, level = REGIONS.get(name, (None, None))
        if level:
            g.add((r, PRL.adminLevel, CONCEPT[f"admin-level-{level}"]))
        if parent:
            g.add((r, PRL.withinRegion, self._region(g, parent)))
        return r

    # ------------------------------------------------------------------ statutes
    def instrument(self, instr: Instrument, sha256: str | None = None) -> Quads:
        """The graph of one statute version with all its subdivisions."""
        g = Quads()
        work, v = instrument_iri(instr)
        g.add((work, RDF.type, PRL.LegalInstrument))
        g.add((work, RDFS.label, zh(instr.title)))
        g.add((work, ELI["title"], zh(instr.title)))
        g.add((v, RDF.type, PRL.InstrumentVersion))
        g.add((v, RDFS.label, zh(instr.title)))
        g.add((v, ELI["title"], zh(instr.title)))
        g.add((v, PRL.isVersionOf, work))
        if instr.short_title:
            g.add((v, ELI.title_short, zh(instr.short_title)))
        force = scheme("legal-force").get(instr.level or "")
        if force is not None:
            g.add((v, PRL.legalForce, URIRef(force.iri)))
        if instr.issuing_body:
            g.add((v, PRL.issuingBody, zh(instr.issuing_body)))
        if instr.version_date:
            g.add((v, ELI.date_document, typed(instr.version_date, XSD.date)))
        if instr.effective_date:
            g.add((v, ELI.first_date_entry_in_force, typed(instr.effective_date, XSD.date)))
        if instr.status:
            g.add((v, ELI.in_force, CONCEPT[f"in-force-{instr.status}"]))
        src = URIRef(f"{v}/source")
        g.add((src, RDF.type, PRL.SourceRecord))
        g.add((src, PRL.fileName, lit(instr.source_path.replace("\\", "/").rsplit("/", 1)[-1])))
        g.add(
            (
                src,
                PRL["format"],
                lit("json" if instr.source_path.endswith(".json") else "markdown"),
            )
        )
        if sha256:
            g.add((src, PRL.sha256, lit(sha256)))
        g.add((v, PROV.wasDerivedFrom, src))
        g.add((v, PROV.wasGeneratedBy, self.run))

        def walk(parent: URIRef, parts: list[Subdivision], prefix: str) -> None:
            for s in parts:
                n = URIRef(f"{v}/{s.path}")
                g.add((n, RDF.type, _KIND_CLASS[s.kind]))
                g.add(
                    (
                        n,
                        RDFS.label,
                        zh(f"{prefix}{s.label}" if s.kind in ("paragraph", "point") else s.label),
                    )
                )
                g.add((n, ELI.is_part_of, parent))
                g.add((n, PRL.partOfInstrument, v))
                g.add((n, PRL.path, lit(s.path)))
                g.add((n, PRL.ordinal, lit(s.number)))
                if s.suffix:
                    g.add((n, PRL.ordinalSuffix, lit(s.suffix)))
                if s.text and s.kind in ("article", "paragraph", "point"):
                    g.add((n, PRL.text, zh(s.text)))
                walk(
                    n,
                    s.children,
                    f"{prefix}{s.label}" if s.kind in ("article", "paragraph") else prefix,
                )

        walk(v, instr.parts, "")
        return g


def _list_date(doc: ListDocument) -> str | None:
    m = re.search(r"(20\d\d)年", doc.title) or re.search(r"(20\d\d)年", doc.path)
    return f"{m.group(1)}-12-31" if m else None


_DEPT = re.compile(
    r"([\u4e00-\u9fff（）()、]+?(?:局|委员会|厅|办公室|部|委|中心|院|会))(?:\d{4}年|权责清单)"
)


def _department_from_title(text: str) -> str | None:
    stem = text.replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"^\d{4}年|^附件[：:]", "", stem)
    m = _DEPT.search(stem)
    return m.group(1) if m else None


def _item_values(item: ListItem) -> dict[str, str]:
    fields = ("seq", "code", "name", "sub_item", "power_type", "basis", "body", "unit", "level")
    return {f: getattr(item, f) for f in fields if getattr(item, f)}
