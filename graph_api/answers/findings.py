"""Citation findings a legal officer acts on: quotes that are not the numbered provision,
versions the corpus lacks or that the quote overrode, and citations that did not resolve,
each with its file, sheet and row, the cell text, what was linked and why.

Built from the powers' documents through the store interface, so both stores report the
same findings. ``citation_findings`` gives them in source order; ``findings_xlsx`` writes them
as a workbook a civil servant can open.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass

import orjson

from prl.graph_api.store import Store
from prl.graph_api.store.models import PowerFilter

#: the kinds of finding, in the order a report lists them
KINDS = ("mismatch", "version", "unresolved")
_BATCH = 500
_REASONS = {
    "instrument-not-in-corpus": "the statute corpus has no instrument of this title",
    "instrument-file-unreadable": "the corpus file of this instrument could not be read",
    "article-not-in-instrument": "none of the numbered provisions exists in the linked version",
    "unreadable": "no instrument title could be read from the cell",
}


@dataclass(frozen=True)
class CitationFinding:
    kind: str  # mismatch, version, unresolved
    file: str
    sheet: str | None
    row: int | None
    power: str  # the power's name
    power_iri: str
    bodies: tuple[str, ...]
    role: str  # basis (实施依据) or duty-basis (责任事项依据)
    text: str  # the citation as written in the cell
    cited_title: str | None
    linked: str | None  # the version and provisions linked, in words
    listed: tuple[str, ...]  # the list's own numbers when the link goes elsewhere or nowhere
    score: float | None
    why: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["bodies"], d["listed"] = list(self.bodies), list(self.listed)
        return d


_UNIT = {"book": "编", "chp": "章", "sec": "节", "art": "条", "para": "款", "point": "项"}


def provision_label(path: str) -> str:
    """A provision's path as a lawyer writes it.

    >>> provision_label("art_22_1__para_1__point_4"), provision_label("chp_2__sec_1")
    ('第二十二条之一第一款第（四）项', '第二章第一节')
    """
    from cn2an import an2cn

    out = []
    for part in path.split("__"):
        kind, _, rest = part.partition("_")
        num, _, suffix = rest.partition("_")
        if kind not in _UNIT or not num.isdigit():
            return path
        n = an2cn(int(num))
        if kind == "point":
            out.append(f"第（{n}）项")
        else:
            out.append(f"第{n}{_UNIT[kind]}" + (f"之{an2cn(int(suffix))}" if suffix else ""))
    return "".join(out)


def classify(c: dict) -> tuple[str, str] | None:
    """(kind, why) of one citation of a power document, or None when there is nothing to
    report (verified, or nothing quoted to check)."""
    reason, basis = c.get("unresolved_reason"), c.get("version_basis")
    meant = c.get("meant_version")
    inst = c.get("instrument") or {}
    if reason == "version-not-in-corpus":
        return "version", (
            f"the note names the version of {meant}, which the statute corpus lacks: no "
            "article of another version is linked by its number"
        )
    if c.get("resolution") == "unresolved":
        return "unresolved", _REASONS.get(reason or "", reason or "not resolved")
    if c.get("verification") == "mismatch":
        score = c.get("match_score")
        if c.get("listed_references"):
            return "mismatch", (
                "the quoted text is not the text of "
                f"{'、'.join(map(provision_label, c['listed_references']))} "
                f"but of the provision linked instead (match {score})"
            )
        return "mismatch", f"the quoted text matches no provision of this version (match {score})"
    if basis == "quote":
        said = f"the version of {meant}" if meant else "the version in force on the list's date"
        return "version", (
            f"the quote is the text of the version of {inst.get('version_date')}, not of "
            f"{said}: that version is linked"
        )
    return None


def _linked(c: dict) -> str | None:
    inst = c.get("instrument")
    if not inst:
        return None
    head = f"{inst.get('title')} ({inst.get('version_date') or 'undated'})"
    subs = [s.get("label") or s.get("path") for s in c.get("subdivisions") or []]
    return head + (": " + "、".join(subs) if subs else "")


def all_documents(store: Store) -> Iterator[dict]:
    """Every power's document except sub-item parents (their citations are their items')."""
    parents: set[str] = set()
    iris: list[str] = []
    offset = 0
    while True:
        page = store.find_powers(PowerFilter(), offset=offset, limit=_BATCH)
        for s in page.items:
            iris.append(s.iri)
            if s.parent is not None:
                parents.add(s.parent.iri)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    own = [i for i in iris if i not in parents]
    for k in range(0, len(own), _BATCH):
        batch = own[k : k + _BATCH]
        docs = store.power_documents(batch)
        for iri in batch:
            if iri in docs:
                yield orjson.loads(docs[iri])


def citation_findings(store: Store, kinds: Iterable[str] = KINDS) -> list[CitationFinding]:
    """The findings of the given kinds over the whole store, by file, sheet, row, role and
    text (a citation repeated in a cell is reported once)."""
    wanted = set(kinds)
    out: dict[tuple, CitationFinding] = {}
    for doc in all_documents(store):
        power = doc["power"]
        bodies = tuple(b["label"] for b in doc.get("bodies") or [])
        sources = doc.get("provenance") or [{"file": "", "sheet": None, "row": None}]
        for c in doc.get("citations") or []:
            found = classify(c)
            if found is None or found[0] not in wanted:
                continue
            kind, why = found
            for src in sources:
                key = (
                    src["file"],
                    src.get("sheet") or "",
                    src.get("row") or 0,
                    c["role"],
                    c["text"],
                )
                out.setdefault(
                    key,
                    CitationFinding(
                        kind=kind,
                        file=src["file"],
                        sheet=src.get("sheet"),
                        row=src.get("row"),
                        power=power["name"],
                        power_iri=power["iri"],
                        bodies=bodies,
                        role=c["role"],
                        text=c["text"],
                        cited_title=c.get("cited_title"),
                        linked=_linked(c),
                        listed=tuple(c.get("listed_references") or ()),
                        score=c.get("match_score"),
                        why=why,
                    ),
                )
    order = {k: i for i, k in enumerate(KINDS)}
    return [f for _, f in sorted(out.items(), key=lambda kv: (order[kv[1].kind], kv[0]))]


class FindingsCache:
    """All findings of a store (``compute(store)``; default: the citation findings),
    computed once per state of the store (its counts change with every load or removal)
    and shared by the requests that ask meanwhile."""

    def __init__(self, compute: Callable[[Store], list] | None = None) -> None:
        self._compute = compute or (lambda store: citation_findings(store, KINDS))
        self._lock = threading.Lock()
        self._state: object = None
        self._found: list = []

    def get(self, store: Store) -> list:
        state = store.counts()
        with self._lock:
            if self._state != state:
                self._found = self._compute(store)
                self._state = state
            return self._found


_HEADER = (
    ("kind", "类别"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("row", "行"),
    ("power", "事项名称"),
    ("bodies", "行使主体"),
    ("role", "依据类别"),
    ("text", "引文原文"),
    ("cited_title", "引用文件"),
    ("linked", "链接到"),
    ("listed", "清单所列条款"),
    ("score", "匹配度"),
    ("why", "说明"),
)
_KIND_ZH = {"mismatch": "引文与条款不符", "version": "版本问题", "unresolved": "未能解析"}
ROLE_ZH = {"basis": "实施依据", "duty-basis": "责任事项依据"}
_MAX_CELL = 32_767  # Excel's limit for one cell


def findings_xlsx(findings: list[CitationFinding]) -> bytes:
    """The findings as an .xlsx workbook: one sheet, a row per finding, Chinese headings."""
    return findings_workbook("引文问题", _HEADER, findings, {"kind": _KIND_ZH, "role": ROLE_ZH})


def count_by(found: Iterable, attr: str, keys: Iterable[str] | None = None) -> dict[str, int]:
    """How many findings have each value of ``attr``: of ``keys`` in their order (zeros
    too), else of every value found."""
    seen = Counter(getattr(f, attr) for f in found)
    return {k: seen[k] for k in keys} if keys is not None else dict(seen)


def table_rows(
    found: Iterable, header: Iterable[tuple[str, str]], words=None, join: str = "、"
) -> Iterator[list]:
    """A row per finding (a dataclass) of the fields named in ``header`` ((field, heading)
    pairs): a value ``words[field]`` names is written as its word, a tuple joined."""
    words = words or {}
    for f in found:
        row = []
        for name, _ in header:
            v = getattr(f, name)
            if name in words:
                v = words[name].get(v, v)
            elif isinstance(v, tuple):
                v = join.join(v)
            row.append(v)
        yield row


def findings_workbook(
    sheet: str, header: tuple[tuple[str, str], ...], found: Iterable, words=None, join="、"
) -> bytes:
    """Findings as a one-sheet .xlsx workbook under the header's Chinese headings."""
    return write_xlsx(sheet, [zh for _, zh in header], table_rows(found, header, words, join))


def write_xlsx(sheet: str, header: list[str], rows: Iterable[list]) -> bytes:
    """One sheet of rows under a header as an .xlsx workbook."""
    return write_workbook([(sheet, header, rows)])


def write_workbook(sheets: Iterable[tuple[str, list[str], Iterable[list]]]) -> bytes:
    """Sheets of rows under their headers as an .xlsx workbook (sheet names cut to Excel's
    31 characters). Every value is written as text or a number, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.append(header)
        for values in rows:
            row = []
            for value in values:
                cell = WriteOnlyCell(ws, value=None)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    cell.value = value
                elif value is not None:
                    cell.value = str(value)[:_MAX_CELL]
                    cell.data_type = "s"  # text that starts with "=" stays text
                row.append(cell)
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
