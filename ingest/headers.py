"""Header synonyms of power lists (权责清单), header-row detection and column mapping.

Workbooks from different departments name the same column differently (事项名称 / 项目名称 /
权力名称 …), break header text over lines (``事项\\n名称``) and move columns around. This
module maps a header cell to a canonical :class:`~ingest.records.ListItem` field name and
finds the header row of a sheet, so the readers never rely on fixed column positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POWER_TYPES = (
    "行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认",
    "行政奖励", "行政裁决", "其他行政权力", "公共服务", "行政监督", "行政征用",
)  # fmt: skip

# Canonical ListItem field -> header texts (compared after removing all whitespace).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "code": ("事项编码", "职权编码", "基本编码", "实施编码", "权力编码", "事项代码"),
    "name": ("事项名称", "项目名称", "权力名称", "职权名称", "权力事项名称", "主项名称"),
    "sub_item": ("子项名称", "子项", "子项事项名称"),
    "power_type": ("权力类型", "职权类型", "权力类别", "事项类型", "职权类别", "事项类别"),
    "basis": ("实施依据", "设定依据", "法律依据", "依据", "设定和实施依据", "法定依据"),
    "body": ("行使主体", "实施主体", "实施机关", "责任主体", "授权部门", "实施部门"),
    "unit": ("承办机构", "内设机构", "责任科室", "承办科室", "承办机构（科室）"),
    "level": ("实施层级", "行使层级", "实施层级及权限", "行使层级及权限"),
    "department_duty": ("部门职责",),
    "duties": ("责任事项", "责任事项内容"),
    "duty_basis": ("责任事项依据",),
    "accountable_targets": ("追责对象范围", "追责对象"),
    "accountability_circumstances": ("追责情形",),
    "accountability_methods": ("问责方式", "追责方式"),
    "remarks": ("备注",),
}

NAME_FIELD = "name"
_LOOKUP: dict[str, str] = {syn: f for f, syns in SYNONYMS.items() for syn in syns}
_WS = re.compile(r"\s+")
_BRACKET_TAIL = re.compile(r"[（(][^（()）]*[)）]$")


def normalise_header(text: object) -> str:
    """Header text without any whitespace (line breaks, ASCII and full-width spaces)."""
    return _WS.sub("", str(text or ""))


def canonical_field(text: object) -> str | None:
    """The ListItem field a header cell stands for, or ``None`` if it is not recognised.

    Whitespace is ignored (``事项\\n名称`` -> name); a trailing bracketed note is tolerated
    (``权力类型（许可/处罚）`` -> power_type)."""
    h = normalise_header(text)
    if not h:
        return None
    if h in _LOOKUP:
        return _LOOKUP[h]
    stripped = _BRACKET_TAIL.sub("", h)
    return _LOOKUP.get(stripped) if stripped != h else None


#: header words that name a field when no synonym does (``执法主体``, ``法律法规依据``,
#: ``权力事项名称（子项）``), tried in order: the more specific first
_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (f, re.compile(p))
    for f, p in (
        ("duty_basis", r"责任.*依据|依据.*责任"),
        ("accountable_targets", r"(追责|问责|责任)对象"),
        ("accountability_circumstances", r"(追责|问责|免责)情形"),
        ("accountability_methods", r"(追责|问责)方式"),
        ("duties", r"责任事项|责任内容|履职内容"),
        ("department_duty", r"部门职责|职责"),
        ("sub_item", r"子项"),
        ("code", r"编码|代码"),
        ("basis", r"依据|法律法规"),
        ("power_type", r"(权力|职权|事项)?(类型|类别|种类|性质)$"),
        ("body", r"主体|实施机关|实施单位|执法机关|行使部门|实施部门|责任单位"),
        ("unit", r"承办|科室|处室|内设机构|经办"),
        ("level", r"层级|级别"),
        ("name", r"名称$|^(权力|职权|行政职权|权责)?事项$"),
        ("seq", r"^(序号|编号|序列号|No\.?)$"),
        ("remarks", r"^(备注|说明)"),
    )
)


def keyword_field(text: object) -> str | None:
    """The field a header names by its key words, for headers no synonym lists.

    >>> [keyword_field(t) for t in ("执法主体", "法律法规依据", "权力事项名称", "救助渠道")]
    ['body', 'basis', 'name', None]
    """
    h = _BRACKET_TAIL.sub("", normalise_header(text)) or normalise_header(text)
    if not h or len(h) > 20:
        return None
    return next((f for f, rx in _KEYWORDS if rx.search(h)), None)


def field_of(text: object) -> tuple[str | None, bool]:
    """(field, by synonym) of a header cell: a listed synonym, else its key words."""
    f = canonical_field(text)
    if f:
        return f, True
    return keyword_field(text), False


def recognised_fields(cells: list[str]) -> set[str]:
    """The set of canonical fields named by the cells of one row (by synonym)."""
    return {f for f in (canonical_field(c) for c in cells) if f}


def header_score(cells: list[str]) -> float:
    """How much a row looks like a header: 1 per field named by a synonym, 0.5 per field
    named only by its key words (each field counted once)."""
    best: dict[str, float] = {}
    for c in cells:
        f, exact = field_of(c)
        if f:
            best[f] = max(best.get(f, 0.0), 1.0 if exact else 0.5)
    return sum(best.values())


HEADER_SCORE = 2.5  # e.g. three synonyms, or two and the key words of two more


def is_header_row(cells: list[str], minimum: int = 3) -> bool:
    """A header row names at least ``minimum`` known columns, one of them 事项名称-like."""
    found = recognised_fields(cells)
    return NAME_FIELD in found and len(found) >= minimum


def find_header_row(rows: list[list[str]], scan: int = 15) -> int | None:
    """0-based index of the header row within the first ``scan`` rows: the row that names
    the most columns (the first of equals), when it names enough (``HEADER_SCORE``)."""
    best, at = 0.0, None
    for i, row in enumerate(rows[:scan]):
        score = header_score(row)
        if score > best:
            best, at = score, i
    return at if best >= HEADER_SCORE else None


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index.

    >>> [column_letter(i) for i in (0, 25, 26, 701, 702)]
    ['A', 'Z', 'AA', 'ZZ', 'AAA']
    """
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass(frozen=True)
class Column:
    """How one column of a sheet is read.

    ``field`` is the canonical ListItem field the column fills; ``duplicate`` marks a later
    repeat of a field already taken by an earlier column (its text goes to ``extra`` under
    ``key`` when it differs); a column with ``field`` ``None`` always goes to ``extra``."""

    index: int
    label: str  # header text without whitespace ('' for an unnamed column)
    key: str  # key used in ListItem.extra / QuarantineEntry.values
    field: str | None = None
    duplicate: bool = False


def map_columns(
    header: list[str], continued: set[int] | frozenset[int] = frozenset()
) -> list[Column]:
    """Map the cells of a header row to columns.

    ``continued`` holds the indexes of header cells covered by a merged range that starts
    further left (the second half of 实施层级及权限). Rules: the first column of a field
    wins; the column right after the level column goes to ``level_scope`` when its header is
    empty, merged with it or a repeat of it; later repeats are duplicates; unknown headers
    and unnamed columns go to ``extra`` (unnamed ones under ``列<letter>``)."""
    columns: list[Column] = []
    taken: dict[str, int] = {}
    seen_labels: dict[str, int] = {}
    for i, cell in enumerate(header):
        label = normalise_header(cell)
        field = field_of(label)[0]
        prev = columns[-1] if columns else None
        is_scope = (
            prev is not None
            and prev.field == "level"
            and "level_scope" not in taken
            and (not label or i in continued or field == "level")
        )
        if is_scope:
            assert prev is not None  # is_scope requires it
            taken["level_scope"] = i
            columns.append(Column(i, prev.label, f"{prev.label}#2", "level_scope"))
            continue
        if not label and i in continued and prev is not None:
            label, field = prev.label, prev.field
        if not label:
            columns.append(Column(i, "", f"列{column_letter(i)}"))
            continue
        seen_labels[label] = seen_labels.get(label, 0) + 1
        key = label if seen_labels[label] == 1 else f"{label}#{seen_labels[label]}"
        if field and field not in taken:
            taken[field] = i
            columns.append(Column(i, label, key, field))
        elif field:
            columns.append(Column(i, label, key, field, duplicate=True))
        else:
            columns.append(Column(i, label, key))
    return columns


def sheet_type(name: str | None) -> str | None:
    """The power type a sheet name stands for (``行政许可（11项）`` -> ``行政许可``)."""
    bare = re.sub(r"[（(][^（()）]*[)）]|\s", "", name or "")
    return bare if bare in POWER_TYPES else None
