"""Plain records passed between the parsers and the graph builder.

The parsers (statutes, workbooks, citations) know nothing about RDF; they produce these
records. ``graph.py`` turns them into triples. Keeping the boundary here lets each parser be
tested on its own with real files.
"""

from __future__ import annotations

from dataclasses import dataclass, field


# --------------------------------------------------------------------------- errors
class IngestError(Exception):
    """A problem with one input, naming where it is (file, sheet, row, column)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(self.where() + message)

    def where(self) -> str:
        return location(self.file, self.sheet, self.row, self.column)


def location(file: str | None, sheet: str | None, row: int | None, column: str | None) -> str:
    """``file, sheet 'S', row 3, column 'C': `` (only the parts that are known)."""
    parts = []
    if file:
        parts.append(file)
    if sheet:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column!r}")
    return (", ".join(parts) + ": ") if parts else ""


# --------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class SourceRef:
    """Where a record came from. ``row`` is 1-based as a spreadsheet program shows it
    (for JSON: the 1-based index of the object in the array)."""

    file: str
    sheet: str | None = None
    row: int | None = None


@dataclass
class QuarantineEntry:
    """An input row that did not become a Power, and why."""

    file: str
    sheet: str | None
    row: int | None
    reason: str
    column: str | None = None
    values: dict[str, str] = field(default_factory=dict)

    def where(self) -> str:
        return location(self.file, self.sheet, self.row, self.column)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "reason": self.reason,
            "values": self.values,
        }


# --------------------------------------------------------------------------- lists
@dataclass
class ListItem:
    """One data row of a power list, with its cells mapped to canonical fields.

    Every field is the cleaned cell text (``None`` when the column is absent or empty).
    ``continuations`` holds the rows merged into this one (rows that only add text to a
    merged item, e.g. a second 追责情形 line)."""

    source: SourceRef
    name: str
    seq: str | None = None
    code: str | None = None
    sub_item: str | None = None
    power_type: str | None = None
    basis: str | None = None
    body: str | None = None
    unit: str | None = None
    level: str | None = None
    level_scope: str | None = None
    department_duty: str | None = None
    duties: str | None = None
    duty_basis: str | None = None
    accountable_targets: str | None = None
    accountability_circumstances: str | None = None
    accountability_methods: str | None = None
    remarks: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    continuations: list[int] = field(default_factory=list)


@dataclass
class ListDocument:
    """A parsed list file: its items and the rows it could not use."""

    path: str
    title: str
    format: str  # xls, xlsx, csv, html, json
    region_hint: str | None = None  # e.g. 克拉玛依市, from the title or file name
    items: list[ListItem] = field(default_factory=list)
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    data_rows: int = 0  # rows seen below a header that carried any text
    sheets: list[str] = field(default_factory=list)
    #: columns read by their contents, not their header (which sheet, column and why)
    inferred: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- statutes
@dataclass
class Subdivision:
    """A part of a statute: chapter (编/章/节) or article (条) down to 项.

    ``kind`` is one of book, chapter, section, article, paragraph, point.
    ``number`` is the ordinal (第十条之一 -> number 10, suffix 1).
    ``path`` is the Akoma Ntoso-style id, e.g. ``art_35__para_1__point_3``,
    ``chp_2__sec_1``, ``art_10_1`` for 第十条之一."""

    kind: str
    number: int
    path: str
    label: str  # the heading as written: 第三十五条, 第一章 总则, （三）
    text: str = ""  # own text (for an article: its full text including 款 and 项)
    suffix: int | None = None
    children: list[Subdivision] = field(default_factory=list)


@dataclass
class Instrument:
    """One version of a statute."""

    title: str  # full title, 中华人民共和国食品安全法
    source_path: str
    short_title: str | None = None
    level: str | None = None  # 法律, 行政法规, 部门规章, 地方性法规, 司法解释 ...
    issuing_body: str | None = None
    version_date: str | None = None  # ISO date of the adoption/revision of this version
    effective_date: str | None = None
    status: str | None = None  # in_force, amended, repealed, not_yet_in_force
    history: list[str] = field(default_factory=list)
    parts: list[Subdivision] = field(default_factory=list)  # top level: chapters or articles

    def articles(self) -> list[Subdivision]:
        out: list[Subdivision] = []

        def walk(nodes: list[Subdivision]) -> None:
            for n in nodes:
                if n.kind == "article":
                    out.append(n)
                else:
                    walk(n.children)

        walk(self.parts)
        return out


# --------------------------------------------------------------------------- citations
LAST = 0  # the number of 末款 / 末项: the last one (no real 款 or 项 is numbered 0)


@dataclass(frozen=True)
class ArticleRef:
    """A reference inside an instrument: an article, optionally 款 and 项, or a chapter."""

    article: int | None = None
    article_suffix: int | None = None  # 之一 -> 1
    paragraph: int | None = None
    point: int | None = None
    chapter: int | None = None  # whole chapter reference (第三章)
    section: int | None = None

    def path(self) -> str:
        """Akoma Ntoso-style path, matching ``Subdivision.path``."""
        if self.article is None:
            p = f"chp_{self.chapter}" if self.chapter is not None else ""
            if self.section is not None:
                p += f"__sec_{self.section}"
            return p
        p = f"art_{self.article}" + (f"_{self.article_suffix}" if self.article_suffix else "")
        if self.paragraph is not None:
            p += f"__para_{'last' if self.paragraph == LAST else self.paragraph}"
        if self.point is not None:
            p += f"__point_{'last' if self.point == LAST else self.point}"
        return p


@dataclass
class Citation:
    """One reference to one instrument inside a basis cell, as read from the text."""

    raw: str  # the whole text of this citation, as in the cell
    source_tag: str | None  # 法律, 法规, 规章, 规范性文件 ... (typos normalised)
    title: str | None  # as written inside 《》
    revision_note: str | None = None  # text of the bracket after the title
    refs: list[ArticleRef] = field(default_factory=list)
    quoted_text: str | None = None  # article text quoted after the reference
    problem: str | None = None  # set when the text could not be read
    #: the references and the text quoted after them, one pair per reference list
    #: (``第十条：…\n第十二条：…`` gives two)
    segments: list[tuple[list[ArticleRef], str]] = field(default_factory=list)


@dataclass
class Resolution:
    """Where a citation points in the statute corpus."""

    status: str  # subdivision, instrument, unresolved
    #: instrument-not-in-corpus, instrument-file-unreadable, version-not-in-corpus,
    #: article-not-in-instrument, unreadable
    reason: str | None = None
    instrument_key: str | None = None  # key of the Instrument in the index
    paths: list[str] = field(default_factory=list)  # resolved subdivision paths
    missing: list[str] = field(default_factory=list)  # paths asked for but absent
    #: how the quote compares with the linked text: verified, unverified (nothing quoted, or
    #: nothing linked to compare with), mismatch (the quote is not the numbered provision)
    verification: str | None = None
    score: float | None = None  # match of the quote with the linked text, 0..1
    meant_version: str | None = None  # the version date the revision note names
    #: why this version: revision-note, in-force (on the list's date), quote, only, newest
    version_basis: str | None = None
    #: the list's own numbers, when the link goes elsewhere (the quote's provision) or nowhere
    #: (the meant version is not in the corpus)
    listed: list[str] = field(default_factory=list)
    #: for version-not-in-corpus: the key of a version of the same instrument that is
    version_of: str | None = None
    #: every quoted segment is the linked provision's very text (labels and punctuation aside)
    same_text: bool = False
