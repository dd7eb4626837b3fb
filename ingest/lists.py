"""Readers for power-list files (权责清单): .xls, .xlsx, .csv, .html/.htm and .json.

``read_list(path)`` returns a :class:`~ingest.records.ListDocument`: one
:class:`~ingest.records.ListItem` per power, and a quarantine of rows it could not use.
The real format is taken from the file's magic bytes, not its name. Workbooks are read with
python-calamine; merged ranges are filled with their top-left value (only into cells that
are empty), header rows are found by synonyms (``ingest.headers``), and every data row is
accounted for exactly once::

    len(items) + sum(len(i.continuations) for i in items) + len(row quarantine) == data_rows
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .cells import cell_text, clean_value, decode_text
from .headers import (
    Column,
    canonical_field,
    column_letter,
    find_header_row,
    is_header_row,
    map_columns,
    normalise_header,
    sheet_type,
)
from .places import guess_region
from .records import IngestError, ListDocument, ListItem, QuarantineEntry, SourceRef

SUPPORTED_SUFFIXES = frozenset({".xls", ".xlsx", ".csv", ".html", ".htm", ".json"})
MAX_CELL_CHARS = 1_000_000
_QUARANTINE_VALUE_CHARS = 500
_NOTE = re.compile(
    r"^(合计|总计|小计|共计|注[:：\d\s]|备注[:：]|说明[:：]|附注|填表|[一二三四五六七八九十]+[、.．])"
)
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Grid:
    """One table of text cells: a sheet, a CSV file or an HTML table.

    ``merges`` holds merged ranges as 0-based inclusive ``(r0, c0, r1, c1)``."""

    name: str | None
    rows: list[list[str]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------- public API
def iter_list_files(paths: Iterable[Path | str]) -> list[Path]:
    """Expand folders recursively into supported list files (sorted, hidden ones skipped).

    Files named explicitly are kept as given (``read_list`` reports unsupported ones)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not any(part.startswith(".") for part in rel):
                    if f.suffix.lower() in SUPPORTED_SUFFIXES:
                        out.append(f)
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def sniff_format(data: bytes, suffix: str) -> str | None:
    """The real format from magic bytes (xls, xlsx, json, html), else from the suffix."""
    if data.startswith(_OLE_MAGIC):
        return "xls"
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:1] in (b"[", b"{"):
        return "json"
    if head[:1] == b"<":
        return "html"
    return {".csv": "csv", ".json": "json", ".html": "html", ".htm": "html"}.get(suffix)


def read_list(path: Path | str, *, region_hint: str | None = None) -> ListDocument:
    """Read one list file; raise :class:`IngestError` when it cannot be used at all."""
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"unsupported file type {suffix or '(none)'!r}", file=file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}", file=file) from exc
    if not data.strip():
        raise IngestError("empty file", file=file)
    fmt = sniff_format(data, suffix)
    if fmt is None:  # an .xls/.xlsx name without a workbook signature: text export?
        if b"\x00" in data[:4096]:
            raise IngestError("not an Excel workbook (no xls/xlsx signature)", file=file)
        fmt = "csv"
    doc = ListDocument(path=file, title=path.stem, format=fmt)
    if fmt == "json":
        _read_json(doc, decode_text(data, file))
    else:
        if fmt in ("xls", "xlsx"):
            grids = _read_workbook(path, data, fmt)
        elif fmt == "html":
            grids = _read_html(decode_text(data, file, html=True))
        else:
            grids = [_read_csv(decode_text(data, file))]
        _read_grids(doc, grids, html=fmt == "html")
    doc.region_hint = region_hint or guess_region(doc.title, path)
    return doc


# --------------------------------------------------------------------------- readers
def _read_workbook(path: Path, data: bytes, fmt: str) -> list[Grid]:
    """All sheets of a workbook; a misnamed file is retried from a copy with the right suffix."""
    from python_calamine import CalamineWorkbook

    try:
        return _sheets(CalamineWorkbook.from_filelike(io.BytesIO(data)))
    except Exception as exc:  # calamine raises several error types
        error = exc
    right = "." + fmt
    if path.suffix.lower() != right:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / ("book" + right)
            shutil.copyfile(path, copy)
            try:
                return _sheets(CalamineWorkbook.from_path(str(copy)))
            except Exception as exc:
                error = exc
    raise IngestError(
        f"cannot read {fmt} workbook (corrupt or encrypted?): {error}", file=str(path)
    )


def _sheets(book) -> list[Grid]:
    grids = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        rows = [[cell_text(v) for v in r] for r in sheet.to_python(skip_empty_area=False)]
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        grids.append(Grid(name, rows, merges))
    return grids


def _read_csv(text: str) -> Grid:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return Grid(None, [list(r) for r in csv.reader(io.StringIO(text), dialect)])


def _read_html(text: str) -> list[Grid]:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    root = lxml.html.fromstring(text)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    grids = []
    for k, table in enumerate(root.iter("table"), 1):
        trs = [tr for tr in table.iter("tr") if _owner(tr) is table]
        rows: dict[int, dict[int, str]] = {}
        merges = []
        for r, tr in enumerate(trs):
            c = 0
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                while c in rows.setdefault(r, {}):
                    c += 1
                rs = min(_span(td.get("rowspan")), len(trs) - r)
                cs = _span(td.get("colspan"))
                for rr in range(r, r + rs):
                    for cc in range(c, c + cs):
                        rows.setdefault(rr, {})[cc] = ""
                rows[r][c] = td.text_content()
                if rs > 1 or cs > 1:
                    merges.append((r, c, r + rs - 1, c + cs - 1))
                c += cs
        width = max((max(cells) + 1 for cells in rows.values() if cells), default=0)
        grid = [[rows.get(r, {}).get(c, "") for c in range(width)] for r in range(len(trs))]
        grids.append(Grid(f"table {k}", grid, merges))
    return grids


def _owner(tr):
    node = tr.getparent()
    while node is not None and node.tag != "table":
        node = node.getparent()
    return node


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _read_json(doc: ListDocument, text: str) -> None:
    """A list of objects (or an object holding one); keys mapped like headers, row = index."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"invalid JSON: {exc}", file=doc.path) from exc
    if isinstance(data, dict):
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list) or not any(isinstance(o, dict) for o in data):
        raise IngestError("JSON holds no list of item objects", file=doc.path)
    if not any(canonical_field(k) == "name" for o in data if isinstance(o, dict) for k in o):
        raise IngestError("no recognisable 事项名称 field in the JSON objects", file=doc.path)
    for index, obj in enumerate(data, 1):
        if not isinstance(obj, dict):
            obj = {"value": obj}
        raw = {
            normalise_header(k): v if isinstance(v, str) else cell_text(v)
            if not isinstance(v, (list, dict)) else json.dumps(v, ensure_ascii=False)
            for k, v in obj.items()
        }  # fmt: skip
        if not any(v.strip() for v in raw.values()):
            continue
        doc.data_rows += 1
        columns = map_columns(list(raw))
        parser = _SheetParser(doc, None, columns)
        parser.row(index, {c: t for c, t in enumerate(raw.values()) if t.strip()}, {})
        if parser.items and "授权部门" in raw and raw["授权部门"].strip().isdigit():
            parser.items[-1].extra["授权部门代码"] = raw["授权部门"].strip()
    doc.sheets = []


# --------------------------------------------------------------------------- grids -> items
def _read_grids(doc: ListDocument, grids: list[Grid], *, html: bool) -> None:
    """Find each grid's header, fill merged cells and classify its data rows."""
    used = 0
    titles: list[str] = []
    last: tuple[str, list[Column]] | None = None  # the columns of the last table read
    for grid in grids:
        rows = grid.rows
        if not any(c.strip() for r in rows for c in r):
            continue  # empty sheet
        hdr = find_header_row(rows)
        inferred_from = None
        carried: list[Column] | None = None
        if hdr is None and _is_headerless_table(rows):
            hdr = -1  # every row is a data row: each one becomes an item or is quarantined
            inferred_from = "no header row"
            width = max(len(r) for r in rows)
            if last is not None and len(last[1]) == width:
                # a table continued from the sheet before: the same columns
                carried, inferred_from = last[1], f"no header row: the columns of {last[0]!r}"
        if hdr is None:
            if not html:
                doc.quarantine.append(
                    QuarantineEntry(
                        doc.path,
                        grid.name,
                        None,
                        "no recognisable header row (事项名称 and 2 more known columns) "
                        "in the first 15 rows; sheet skipped",
                    )  # fmt: skip
                )
            continue
        width = max(len(r) for r in rows)
        cover: dict[tuple[int, int], tuple[int, int]] = {}
        for r0, c0, r1, c1 in grid.merges:
            for r in range(r0, min(r1, len(rows) - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    if (r, c) != (r0, c0):
                        cover[(r, c)] = (r0, c0)
        header = rows[hdr] if hdr >= 0 else []
        continued = {c for (r, c), (r0, _) in cover.items() if r == hdr and r0 == hdr}
        if carried is not None:
            columns, notes = list(carried), [f"{len(carried)} columns carried over"]
        else:
            columns = map_columns(header, continued)
            columns += [Column(c, "", f"列{column_letter(c)}") for c in range(len(columns), width)]
            columns, notes = infer_columns(columns, rows[hdr + 1 : hdr + 1 + _INFER_ROWS])
        if not any(c.field == "name" for c in columns):
            doc.quarantine.append(
                QuarantineEntry(
                    doc.path,
                    grid.name,
                    None,
                    "no 事项名称 column: none is named so and none holds power names; sheet skipped",
                )
            )
            continue
        used += 1
        last = (grid.name or "", columns)
        if grid.name is not None:
            doc.sheets.append(grid.name)
        titles += [t for r in rows[: max(hdr, 0)] for t in [_first_text(r)] if t]
        for n in notes:
            doc.inferred.append(
                (f"sheet {grid.name!r}: " if grid.name else "")
                + n
                + (f" ({inferred_from})" if inferred_from else "")
            )
        parser = _SheetParser(doc, grid.name, columns, sheet_type(grid.name))
        for i in range(hdr + 1, len(rows)):
            row = rows[i]
            own = {c: t for c, t in enumerate(row) if t.strip()}
            if not own:
                continue
            doc.data_rows += 1
            filled = {}
            for c in range(width):
                src = cover.get((i, c))
                if c not in own and src and src[0] > hdr:
                    text = rows[src[0]][src[1]] if src[1] < len(rows[src[0]]) else ""
                    if text.strip() and len(text) <= MAX_CELL_CHARS:
                        filled[c] = text
            spans = any(
                r0 == i and c1 - c0 >= 2 for r0, c0, _, c1 in grid.merges if (r0, c0) in own
            ) if len(set(own.values())) == 1 else False  # fmt: skip
            parser.row(i + 1, own, filled, spans_row=spans)
    if not used:
        what = "table" if html else "sheet"
        raise IngestError(
            f"no recognisable header row (事项名称 and 2 more known columns) in any {what}",
            file=doc.path,
        )
    for t in titles:
        if not re.fullmatch(r"附件\s*\d*[:：]?|部门名称[:：].*", t):
            doc.title = t
            break


_INFER_ROWS = 200
_CITATION = re.compile(r"《[^》]{2,}》|第[一二三四五六七八九十百零〇0-9]+条")
_POWER_NAME = re.compile(
    r"^对.{2,}的.{0,8}(?:处罚|强制|检查|措施)$|"
    r"(?:许可|审批|核准|登记|备案|检查|确认|裁决|奖励|征收|征用|给付|认定|审查|核发|注册|处罚|"
    r"审核|批准|验收|监督|查封|扣押|评定|鉴定|指导|服务)$"
)


def _share(values: list[str], test) -> float:
    values = [v for v in values if v.strip()]
    return sum(1 for v in values if test(v)) / len(values) if len(values) >= 3 else 0.0


def _looks(field: str):
    from .normalize import power_type

    if field == "basis":
        return lambda v: bool(_CITATION.search(v))
    if field == "power_type":
        return lambda v: len(v) <= 20 and power_type(v) is not None

    def name(v: str) -> bool:
        bare = _WS_RE.sub("", v)
        return 3 <= len(bare) <= 80 and bool(_POWER_NAME.search(bare))

    return name


_WS_RE = re.compile(r"\s+")
_NEEDS = {"name": 0.4, "power_type": 0.6, "basis": 0.5}


def infer_columns(columns: list[Column], data: list[list[str]]) -> tuple[list[Column], list[str]]:
    """Fill the name, power-type and basis columns the header did not name, from what the
    columns hold (``对…的处罚`` phrases, type words, ``《…》第…条`` citations); returns the
    columns and a note per column inferred."""
    taken = {c.field for c in columns if c.field}
    notes: list[str] = []
    for wanted in ("basis", "power_type", "name"):
        if wanted in taken:
            continue
        test = _looks(wanted)
        best: tuple[float, int] | None = None
        for k, col in enumerate(columns):
            if col.field is not None:
                continue
            share = _share([r[col.index] if col.index < len(r) else "" for r in data], test)
            if share >= _NEEDS[wanted] and (best is None or share > best[0]):
                best = (share, k)
        if best is None:
            continue
        share, k = best
        col = columns[k]
        columns[k] = Column(col.index, col.label, col.key, wanted)
        taken.add(wanted)
        label = f"'{col.label}'" if col.label else "without a header"
        notes.append(
            f"column {column_letter(col.index)} {label} read as {wanted} from its contents "
            f"({share:.0%} of its cells look like one)"
        )
    return columns, notes


def _is_headerless_table(rows: list[list[str]], scan: int = 15) -> bool:
    """A table without a header row (a sheet continued from the one before): one of its
    first rows holds a power name and a type or a citation."""
    name, ptype, basis = _looks("name"), _looks("power_type"), _looks("basis")
    for row in rows[:scan]:
        cells = [c for c in row if c.strip()]
        if any(name(c) for c in cells) and (
            any(ptype(c) for c in cells) or any(basis(c) for c in cells)
        ):
            return True
    return False


def _first_text(row: list[str]) -> str:
    return next((re.sub(r"\s+", " ", t).strip() for t in row if t.strip()), "")


class _SheetParser:
    """Turns the data rows of one sheet into items, continuations and quarantine entries."""

    def __init__(self, doc, sheet, columns, default_type=None):
        self.doc, self.sheet, self.columns = doc, sheet, columns
        self.default_type = default_type
        self.items: list[ListItem] = []

    def _fields(self, cells: dict[int, str]) -> tuple[dict[str, str], dict[str, str]]:
        fields: dict[str, str] = {}
        extra: dict[str, str] = {}
        dups = []
        for col in self.columns:
            text = cells.get(col.index, "")
            value = clean_value(col.field, text) if text else ""
            if not value:
                continue
            if col.field and col.duplicate:
                dups.append((col, value))
            elif col.field:
                fields[col.field] = value
            else:
                extra[col.key] = value
        for col, value in dups:  # a repeated column fills an empty field, else goes to extra
            if not fields.get(col.field):
                fields[col.field] = value
            elif fields[col.field] != value:
                extra[col.key] = value
        return fields, extra

    def _quarantine(self, row: int, reason: str, own: dict[int, str], column=None) -> None:
        labels = {c.index: c.key for c in self.columns}
        values = {
            labels.get(c, f"列{column_letter(c)}"): t[:_QUARANTINE_VALUE_CHARS]
            for c, t in own.items()
        }
        self.doc.quarantine.append(
            QuarantineEntry(self.doc.path, self.sheet, row, reason, column, values)
        )

    def row(self, rownum: int, own: dict[int, str], filled: dict[int, str], spans_row=False):
        """Classify one data row (``own``: its non-empty cells; ``filled``: merged fill)."""
        for c, text in own.items():
            if len(text) > MAX_CELL_CHARS:
                col = next((x for x in self.columns if x.index == c), None)
                label = col.key if col else f"列{column_letter(c)}"
                reason = f"cell in column {label!r} has {len(text):,} characters (limit {MAX_CELL_CHARS:,})"
                return self._quarantine(rownum, reason, own, label)
        if is_header_row(list(own.values())):
            return self._quarantine(rownum, "repeated header row", own)
        texts = {t.strip() for t in own.values()}
        if len(texts) == 1 and (spans_row or _NOTE.match(next(iter(texts)))):
            heading = sheet_type(re.sub(r"^[一二三四五六七八九十]+[、.．]", "", next(iter(texts))))
            self.default_type = heading or self.default_type
            return self._quarantine(rownum, "note, total or section heading line", own)
        own_fields, own_extra = self._fields(own)
        fields, extra = self._fields({**filled, **own})
        prev = self.items[-1] if self.items else None
        name = fields.get("name")
        if own_fields.get("name") or (name and (prev is None or name != prev.name)):
            return self._new(rownum, fields, extra, None)
        if set(own_fields) <= {"remarks"} and not own_extra:
            return self._quarantine(rownum, "text only in the 备注 column", own)
        if prev is None:
            return self._quarantine(rownum, "no 事项名称 and no item above to attach to", own)
        seq = own_fields.get("seq")
        if seq and seq != prev.seq:
            return self._quarantine(rownum, f"序号 {seq!r} without 事项名称", own)
        sub, body = own_fields.get("sub_item"), own_fields.get("body")
        if (sub and sub != prev.sub_item) or (body and body != prev.body):
            return self._new(rownum, fields, extra, prev)
        prev.continuations.append(rownum)
        for key, value in own_fields.items():
            setattr(prev, key, _append(getattr(prev, key), value))
        for key, value in own_extra.items():
            prev.extra[key] = _append(prev.extra.get(key), value)

    def _new(self, rownum, fields, extra, inherit_from: ListItem | None) -> None:
        if inherit_from is not None:  # another body or sub-item of the item above
            for key in ("name", "sub_item", "power_type", "seq", "basis"):
                if not fields.get(key) and getattr(inherit_from, key):
                    fields[key] = getattr(inherit_from, key)
        if not fields.get("power_type") and self.default_type:
            fields["power_type"] = self.default_type
        source = SourceRef(file=self.doc.path, sheet=self.sheet, row=rownum)
        item = ListItem(source=source, extra=extra, **fields)
        self.items.append(item)
        self.doc.items.append(item)


def _append(current: str | None, value: str) -> str:
    if not current:
        return value
    if value == current or value in current.split("\n"):
        return current
    return current + "\n" + value
