"""Lawful basis (设定权): powers set by a source too low to set them.

Who may create a licence, a penalty or a coercive measure is itself law (行政许可法 arts.
14–17, 行政处罚法 arts. 10–16, 行政强制法 arts. 10 and 13). The rules are data, one table
(``basis_rules.tsv``: power type × measure → the legal forces that may set it, those that
may only on conditions, the rule's article), and so are the measures (``measures.tsv``:
how 吊销营业执照, 罚款, 查封 … read in a text).

For each licence, penalty and coercive power (sub-item parents aside: their items are
judged), the measures are read from its name and from each basis citation's texts (the
cell's quote and the texts of the cited subdivisions). A measure read in the name is set by
any of the power's basis citations; a measure read in a citation's text by that citation
(or by one whose text is empty: it may say so). Of those citations the one whose legal
force the rule allows best is judged: its force is the resolved instrument's (the corpus
metadata), else the one the cell's tag gives (【法规】 of a region's title is a 地方性法规).
A power is reported when that force may not set the measure (``defect``), may only on
conditions the lists do not show (``check``: a provincial rule's temporary licence, a State
Council decision), or is unknown (``check``); a power of these types with no basis citation
at all is a ``defect`` too. Each finding names the rule row, the measure, where it was read,
and the source judged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from prl.graph_api.answers.findings import all_documents, findings_workbook
from prl.graph_api.store import Store

HERE = Path(__file__).parent
RULES = HERE / "basis_rules.tsv"
MEASURES = HERE / "measures.tsv"
TYPES = {"01": "行政许可", "02": "行政处罚", "03": "行政强制"}
FORCES = {
    "1": "宪法",
    "2": "法律",
    "3": "行政法规",
    "3.1": "国务院决定",
    "4": "地方性法规",
    "5": "规章",
    "5.1": "部门规章",
    "5.2": "地方政府规章",
    "6": "司法解释",
    "7": "规范性文件",
}
SEVERITIES = ("defect", "check")
ANY = "*"


@dataclass(frozen=True)
class Rule:
    type: str  # power type notation
    measure: str  # a measure of measures.tsv, or * for the type's other powers
    allowed: frozenset[str]  # legal-force notations that may set it
    conditional: frozenset[str]  # ... only on conditions a person checks
    article: str  # the rule's article (行政处罚法第十二条)
    why: str  # the rule in words


@dataclass(frozen=True)
class Measure:
    type: str
    name: str
    pattern: re.Pattern[str]


def _rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    """(line number, cells) of each line that is no comment."""
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if row and not row[0].startswith("#"):
                yield n, row


def _forces(cell: str, path: Path, n: int) -> frozenset[str]:
    out = frozenset(x for x in cell.split("|") if x)
    unknown = out - FORCES.keys()
    if unknown:
        raise ValueError(f"{path.name} line {n}: unknown legal force {sorted(unknown)}")
    return out


@cache
def rules(path: Path = RULES) -> dict[tuple[str, str], Rule]:
    """The rules table, by (type, measure). Each type has a ``*`` row."""
    out: dict[tuple[str, str], Rule] = {}
    for n, row in _rows(path):
        if len(row) != 6:
            raise ValueError(f"{path.name} line {n}: 6 tab-separated columns expected")
        t, m, allowed, conditional, article, why = row
        out[(t, m)] = Rule(
            t, m, _forces(allowed, path, n), _forces(conditional, path, n), article, why
        )
    missing = {t for t, _ in out} - {t for t, m in out if m == ANY}
    if missing:
        raise ValueError(f"{path.name}: no '*' rule for type(s) {sorted(missing)}")
    return out


@cache
def measures(path: Path = MEASURES) -> tuple[Measure, ...]:
    out = []
    for n, row in _rows(path):
        if len(row) != 3:
            raise ValueError(f"{path.name} line {n}: 3 tab-separated columns expected")
        try:
            out.append(Measure(row[0], row[1], re.compile(row[2])))
        except re.error as e:
            raise ValueError(f"{path.name} line {n}: {e}") from e
    return tuple(out)


def read_measures(power_type: str, text: str) -> dict[str, str]:
    """The measures of that type a text names, each with the words around it.

    >>> list(read_measures("02", "处二万元以下罚款；情节严重的，吊销营业执照"))
    ['吊销营业执照', '罚款']
    >>> list(read_measures("03", "逾期不履行的，申请人民法院强制执行"))
    []
    """
    out: dict[str, str] = {}
    for m in measures():
        if m.type != power_type:
            continue
        for hit in m.pattern.finditer(text):
            if _not_set_here(text, hit.start()):
                continue
            a, b = max(0, hit.start() - 40), hit.end() + 40
            out[m.name] = text[a:b].replace("\n", " ")
            break
    return out


_SENTENCE = re.compile(r"[。；;\n]")
#: in the sentence before a measure: the measure is set elsewhere (依照《治安管理处罚法》拘留),
#: asked of a court (申请人民法院冻结) or of another body (提请工商行政管理部门吊销), or a state
#: described (被吊销许可证的)
_ELSEWHERE = re.compile(r"(?:依照|依据|按照|根据)《|申请(?:人民法院|法院|司法机关)|提请|被")


def _not_set_here(text: str, at: int) -> bool:
    start = max((m.end() for m in _SENTENCE.finditer(text, 0, at)), default=0)
    return _ELSEWHERE.search(text, start, at) is not None


@dataclass(frozen=True)
class BasisFinding:
    severity: str  # defect or check
    file: str
    sheet: str | None
    row: int | None
    power: str
    power_iri: str
    type: str  # 行政许可, 行政处罚, 行政强制
    bodies: tuple[str, ...]
    measure: str  # what the rule row is about (* : the type's rule)
    read_in: str  # where the measure was read: 事项名称, the citation's title, or —
    evidence: str  # the words naming the measure
    source: str | None  # the title of the source judged
    source_force: str | None  # its legal force, in words
    force_from: str | None  # corpus (the resolved instrument), title (国务院…决定) or tag (【…】)
    citations: tuple[str, ...]  # every basis citation's title and force
    required: str  # what may set it, in words
    rule: str  # the rule's article
    why: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["bodies"], d["citations"] = list(self.bodies), list(self.citations)
        return d


#: titles that say their force: a State Council decision (行政许可法 art. 14 names it), a
#: decision of the National People's Congress or its Standing Committee (a law's force)
_TITLE_FORCES = (
    (re.compile(r"^国务院.*决定$"), "3.1"),
    (re.compile(r"^全国人民代表大会(?:常务委员会)?.*决定$"), "2"),
)


def _force(c: dict) -> tuple[str | None, str | None]:
    """A citation's legal force and where it comes from: the corpus's metadata of the
    resolved instrument, the title (国务院…决定), or the cell's tag."""
    lf = (c.get("instrument") or {}).get("legal_force")
    if lf and c.get("resolution") != "unresolved":
        return lf["notation"], "corpus"
    title = c.get("cited_title") or (c.get("instrument") or {}).get("title") or ""
    for pattern, force in _TITLE_FORCES:
        if pattern.match(title):
            return force, "title"
    if lf:
        return lf["notation"], "tag"
    return None, None


Force = tuple[str | None, str | None]  # (legal-force notation, where it comes from)


def _citation_forces(basis: list[dict]) -> dict[int, Force]:
    """Each citation's force, by ``id``: a citation without one takes the force its title
    has in another citation of the same power (the cell tags one of two quotes of a rule)."""
    out = {id(c): _force(c) for c in basis}
    known: dict[str | None, str] = {}
    for c in basis:
        if out[id(c)][0] is not None:
            known.setdefault(c.get("cited_title"), out[id(c)][0])  # type: ignore[arg-type]
    for c in basis:
        if out[id(c)][0] is None and c.get("cited_title") in known:
            out[id(c)] = (known[c.get("cited_title")], "tag")
    return out


def _texts(c: dict) -> str:
    parts = [c.get("text") or ""]
    parts += [s.get("text") or "" for s in c.get("subdivisions") or []]
    return "\n".join(p for p in parts if p)


_VERDICT = {"ok": 0, "check": 1, "unknown": 2, "defect": 3}


def _verdict(rule: Rule, force: str | None) -> str:
    if force is None:
        return "unknown"
    if force in rule.allowed:
        return "ok"
    return "check" if force in rule.conditional else "defect"


def _words(forces: Iterable[str]) -> str:
    return "、".join(FORCES[f] for f in sorted(forces, key=lambda f: float(f)))


def judge(doc: dict) -> list[BasisFinding]:
    """The findings of one power document (empty when its basis may set what it does)."""
    power = doc["power"]
    t = (power.get("type") or {}).get("notation")
    table = rules()
    if t not in {k for k, _ in table}:
        return []
    basis = [c for c in doc.get("citations") or [] if c.get("role") == "basis"]
    forces = _citation_forces(basis)

    def force_of(c: dict) -> str | None:
        return forces[id(c)][0]

    src = (doc.get("provenance") or [{"file": "", "sheet": None, "row": None}])[0]
    cited = tuple(
        f"{c.get('cited_title') or c.get('text', '')[:30]}（{FORCES.get(force_of(c) or '', '效力未知')}）"
        for c in basis
    )

    def finding(severity, measure, read_in, evidence, c, rule, why) -> BasisFinding:
        force, origin = forces[id(c)] if c is not None else (None, None)
        return BasisFinding(
            severity=severity,
            file=src["file"],
            sheet=src.get("sheet"),
            row=src.get("row"),
            power=power["name"],
            power_iri=power["iri"],
            type=TYPES[t],
            bodies=tuple(b["label"] for b in doc.get("bodies") or []),
            measure=measure,
            read_in=read_in,
            evidence=evidence,
            source=None
            if c is None
            else (c.get("cited_title") or (c.get("instrument") or {}).get("title")),
            source_force=FORCES.get(force or ""),
            force_from=origin,
            citations=cited,
            required=_words(rule.allowed),
            rule=rule.article,
            why=why,
        )

    any_rule = table[(t, ANY)]
    if not basis:
        return [
            finding("defect", ANY, "—", "", None, any_rule, "no basis (实施依据) is cited at all")
        ]
    # measure -> (where read, words, the citations that may set it)
    wanted: dict[str, tuple[str, str, list[dict]]] = {}
    # a penalty's name (对…的处罚) names the conduct, not the measure
    name_says = t != "02" or not power["name"].startswith("对")
    for m, words in (read_measures(t, power["name"]) if name_says else {}).items():
        wanted[m] = ("事项名称", words, basis)
    texts = [_texts(c) for c in basis]
    for c, text in zip(basis, texts, strict=True):
        for m, words in read_measures(t, text).items():
            if m in wanted and wanted[m][0] == "事项名称":
                continue
            where = c.get("cited_title") or "依据"
            if m not in wanted:
                wanted[m] = (where, words, [])
            wanted[m][2].append(c)
    silent = [c for c, text in zip(basis, texts, strict=True) if not text.strip()]
    if not wanted or t == "01":
        wanted = {ANY: ("—", "", basis)}
    out = []
    for m, (where, words, setters) in wanted.items():
        rule = table.get((t, m), any_rule)
        setters = setters + [c for c in silent if c not in setters]
        best = min(
            setters,
            key=lambda c: (_VERDICT[_verdict(rule, force_of(c))], float(force_of(c) or 9)),
        )
        verdict = _verdict(rule, force_of(best))
        if verdict == "ok":
            continue
        label = "它" if m == ANY else m
        if verdict == "unknown":
            why = f"the legal force of every source that may set {label} is unknown"
            verdict = "check"
        else:
            force = FORCES[force_of(best)]  # type: ignore[index]
            if verdict == "check":
                why = f"a {force} may set {label} only on conditions the list does not show: {rule.why}"
            else:
                why = f"the highest source that may set {label} is a {force}: {rule.why}"
        out.append(finding(verdict, m, where, words, best, rule, why))
    return out


def basis_findings(store: Store, severities: Iterable[str] = SEVERITIES) -> list[BasisFinding]:
    """Every basis finding of the store, defects first, then by file, sheet and row."""
    wanted = set(severities)
    out = [f for doc in all_documents(store) for f in judge(doc) if f.severity in wanted]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        out,
        key=lambda f: (
            order[f.severity],
            f.file,
            f.sheet or "",
            f.row or 0,
            f.power_iri,
            f.measure,
        ),
    )


_HEADER = (
    ("severity", "结论"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("row", "行"),
    ("power", "事项名称"),
    ("type", "权力类型"),
    ("bodies", "行使主体"),
    ("measure", "措施"),
    ("read_in", "措施读自"),
    ("evidence", "原文"),
    ("source", "所依据的最高来源"),
    ("source_force", "效力层级"),
    ("force_from", "效力依据"),
    ("citations", "全部实施依据"),
    ("required", "可以设定的来源"),
    ("rule", "规则"),
    ("why", "说明"),
)
_SEVERITY_ZH = {"defect": "设定依据不足", "check": "需人工核对"}
_FROM_ZH = {"corpus": "法规库", "title": "文件名称", "tag": "清单标注"}


def basis_xlsx(found: list[BasisFinding]) -> bytes:
    """The findings as an .xlsx workbook, one row each, Chinese headings, text never read
    as a formula."""
    words = {"severity": _SEVERITY_ZH, "force_from": _FROM_ZH}
    return findings_workbook("设定依据", _HEADER, found, words, join="\n")
