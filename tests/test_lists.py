"""Tests of the power-list readers (ingest.lists) and header synonyms (ingest.headers)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import TEST_DATA, shared_path

from prl.ingest.cells import clean_value
from prl.ingest.headers import canonical_field, find_header_row, map_columns
from prl.ingest.lists import iter_list_files, read_list
from prl.ingest.records import IngestError, ListDocument

LISTS = TEST_DATA / "lists"
KARAMAY = ("lists", "xinjiang-karamay")


def accounted(doc: ListDocument) -> int:
    """Items + continuation rows + quarantined rows: must equal ``doc.data_rows``."""
    rows = [q for q in doc.quarantine if q.row is not None]
    return len(doc.items) + sum(len(i.continuations) for i in doc.items) + len(rows)


# --------------------------------------------------------------------------- headers
def test_header_synonyms_ignore_whitespace():
    assert canonical_field("事项\n名称") == "name"
    assert canonical_field(" 权力 类型 ") == "power_type"
    assert canonical_field("职权编码") == "code"
    assert canonical_field("实施层级\n及权限") == "level"
    assert canonical_field("救助渠道") is None
    assert find_header_row([["某某局权责清单"], ["序号", "事项\n名称", "权力类型"]]) == 1
    assert find_header_row([["序号", "名称", "类型"]]) is None


def test_map_columns_level_scope_duplicates_and_unknown():
    cols = map_columns(
        ["序号", "事项名称", "实施层级及权限", "", "备注", "备注", "救助渠道", ""], {3}
    )
    by_index = {c.index: c for c in cols}
    assert by_index[2].field == "level" and by_index[3].field == "level_scope"
    assert by_index[4].field == "remarks" and not by_index[4].duplicate
    assert by_index[5].duplicate and by_index[5].key == "备注#2"
    assert by_index[6].field is None and by_index[6].key == "救助渠道"
    assert by_index[7].key == "列H"


def test_clean_value():
    assert clean_value("power_type", "行政 处罚") == "行政处罚"
    assert clean_value("body", "市统\n计局") == "市统计局"
    assert clean_value("unit", "政策法\n规科 、\n综合科") == "政策法规科、综合科"
    assert clean_value("basis", "第一条  \r\n第二条 \n") == "第一条\n第二条"


# --------------------------------------------------------------------------- fixtures
@pytest.mark.parametrize("name", ["utf8.csv", "gb18030.csv"])
def test_csv_encodings(name):
    doc = read_list(LISTS / name)
    assert doc.format == "csv"
    assert doc.title.startswith("克拉玛依市统计局") and doc.region_hint == "克拉玛依市"
    assert [i.name for i in doc.items] == [
        "对未经许可擅自经营的处罚",
        "企业设立审批",
        "企业设立审批",
    ]
    first = doc.items[0]
    assert first.power_type == "行政处罚"  # dirty `行政 处罚`, header `权力 类型`
    assert first.body == "市统计局"  # `市统\n计局`
    assert first.basis == "【法律】《中华人民共和国某某法》\n第十条：……"
    assert first.source.row == 3 and first.source.sheet is None
    assert [i.sub_item for i in doc.items[1:]] == ["1.设立审批", "2.变更审批"]
    assert doc.items[2].remarks == "含分立"
    assert doc.data_rows == 3 == accounted(doc)


def test_html_rowspan_colspan():
    doc = read_list(LISTS / "table.html")
    assert doc.format == "html" and doc.sheets == ["table 2"]  # table 1 is navigation
    a, b, c = doc.items
    assert (a.seq, a.name, a.sub_item, a.level, a.level_scope) == (
        "1", "建设工程许可", "1.新建审批", "市级", "负责本级",
    )  # fmt: skip
    assert (b.seq, b.name, b.sub_item) == ("1", "建设工程许可", "2.变更审批")  # rowspan filled
    assert c.power_type == "行政处罚" and c.source.row == 4
    assert doc.data_rows == 3 == accounted(doc)


def test_json_items():
    doc = read_list(LISTS / "sample.json")
    assert doc.format == "json" and len(doc.items) == 2
    item = doc.items[0]
    assert (item.body, item.code, item.power_type, item.level) == (
        "73",
        "210973001000",
        "09",
        "2,3",
    )
    assert item.extra["授权部门代码"] == "73"
    assert item.basis.startswith("【法律】《中华人民共和国专利法》\n第六十五条")
    assert doc.items[1].level == "3" and doc.items[1].extra["联系电话"] == "024-1234"
    assert doc.items[1].source.row == 3
    (q,) = doc.quarantine
    assert q.row == 2 and "事项名称" in q.reason
    assert doc.data_rows == 3 == accounted(doc)


@pytest.mark.parametrize(
    "name, words",
    [
        ("corrupt.xlsx", "cannot read xlsx workbook"),
        ("empty.csv", "empty file"),
        ("no_header.xlsx", "no recognisable header"),
        ("bad_encoding.csv", "cannot decode"),
    ],
)
def test_bad_inputs_name_the_file(name, words):
    with pytest.raises(IngestError) as err:
        read_list(LISTS / name)
    assert err.value.file == str(LISTS / name)
    assert name in str(err.value) and words in str(err.value)


def test_empty_workbook_and_unsupported(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty.xlsx: empty file"):
        read_list(empty)
    other = tmp_path / "list.docx"
    other.write_bytes(b"x")
    with pytest.raises(IngestError, match="unsupported"):
        read_list(other)


def test_iter_list_files(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for rel in ("b.xls", "sub/a.csv", "sub/.x.csv", ".hidden/c.csv", "notes.txt", "a.JSON"):
        (tmp_path / rel).write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in iter_list_files([tmp_path])]
    assert got == ["a.JSON", "b.xls", "sub/a.csv"]


def _workbook(path: Path, big: str | None = None) -> None:
    """A workbook exercising merged cells, continuations and quarantine cases."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "行政许可（3项）"
    header = ["序号", "事项\n名称", "子项名称", "权力类型", "实施依据", "行使主体"]
    header += ["实施层级及权限", "", "追责情形", "备注", "救助渠道"]
    rows = [
        ["克拉玛依市某某局2024年权责清单"],  # 1 title (merged)
        header,  # 2
        [
            1.0,
            "甲许可",
            "1.新设",
            "",
            "【法律】《甲法》",
            "市某某局",
            "市级",
            "负责本级",
            "情形",
            "",
            "复议",
        ],
        [None, None, "2.变更", "", "【法律】《甲法》", "市某某局", "市级", "负责本级", "情形"],  # 4
        [None, None, None, None, None, None, None, None, "情形补充"],  # 5 continuation
        [None, None, None, None, None, "区某某局", "区级", "负责辖区"],  # 6 second body
        header,  # 7 repeated header
        [
            2.0,
            "乙许可",
            "",
            "行政 许可",
            "【法规】《乙条例》",
            "市某某局",
            "市级",
            "",
            big or "",
        ],  # 8
        [3.0, "丙许可", "", "", "【规章】《丙办法》", "市某某局", "市级"],  # 9
        [None, None, None, None, None, None, None, None, None, "仅备注"],  # 10
        ["合计：3项"],  # 11
    ]
    for r in rows:
        ws.append(r)
    ws.merge_cells("A1:K1")
    ws.merge_cells("G2:H2")
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.row_dimensions[30].height = 30  # a styled empty row below the data
    ws.cell(30, 1).fill = openpyxl.styles.PatternFill("solid", fgColor="FFFF00")
    wb.create_sheet("Sheet2")  # empty: skipped silently
    wb.create_sheet("说明").append(["本表说明", "无"])  # no header: one quarantine entry
    wb.save(path)


def test_workbook_merges_continuations_and_quarantine(tmp_path):
    path = tmp_path / "book.xlsx"
    _workbook(path)
    doc = read_list(path)
    assert doc.title == "克拉玛依市某某局2024年权责清单" and doc.region_hint == "克拉玛依市"
    assert doc.sheets == ["行政许可（3项）"]
    names = [(i.source.row, i.name, i.sub_item, i.body) for i in doc.items]
    assert names == [
        (3, "甲许可", "1.新设", "市某某局"),
        (4, "甲许可", "2.变更", "市某某局"),  # name and 序号 filled down from the merge
        (6, "甲许可", "2.变更", "区某某局"),  # second body: inherits name, sub-item, seq, basis
        (8, "乙许可", None, "市某某局"),
        (9, "丙许可", None, "市某某局"),
    ]
    first, second, other_body, yi, bing = doc.items
    assert first.seq == "1" and second.seq == "1" and other_body.seq == "1"
    assert (first.level, first.level_scope, first.extra) == (
        "市级",
        "负责本级",
        {"救助渠道": "复议"},
    )
    assert second.continuations == [5]
    assert second.accountability_circumstances == "情形\n情形补充"
    assert other_body.basis == "【法律】《甲法》" and other_body.level == "区级"
    assert first.power_type == "行政许可"  # empty type cell: taken from the sheet name
    assert yi.power_type == "行政许可"  # `行政 许可`
    reasons = {q.row: q.reason for q in doc.quarantine}
    assert reasons[7] == "repeated header row"
    assert "备注" in reasons[10] and "note" in reasons[11]
    assert reasons[None].startswith("no recognisable header") and doc.quarantine[-1].sheet == "说明"
    assert doc.data_rows == 9 == accounted(doc)


def test_misnamed_workbook(tmp_path):
    _workbook(tmp_path / "book.xlsx")
    shutil.copy(tmp_path / "book.xlsx", tmp_path / "book.xls")  # zip content, .xls name
    doc = read_list(tmp_path / "book.xls")
    assert doc.format == "xlsx" and len(doc.items) == 5


@pytest.mark.slow
def test_huge_cell_is_quarantined(tmp_path):
    # openpyxl cuts strings at Excel's 32,767 characters: patch the sheet XML instead.
    _workbook(tmp_path / "small.xlsx", big="BIGCELL")
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(tmp_path / "small.xlsx") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            data = data.replace(b"BIGCELL", "长".encode() * 10_000_000)
            dst.writestr(info, data)
    doc = read_list(path)
    (q,) = [q for q in doc.quarantine if q.row == 8]
    assert q.column == "追责情形" and "追责情形" in q.reason and "10,000,000" in q.reason
    assert len(q.values["追责情形"]) <= 500
    assert [i.name for i in doc.items] == ["甲许可", "甲许可", "甲许可", "丙许可"]
    assert doc.data_rows == accounted(doc)
    csv_path = tmp_path / "big.csv"
    csv_path.write_text(
        "序号,事项名称,权力类型,实施依据\n1,甲," + "x" * 2_000_000 + ",y\n2,乙,行政许可,z\n"
    )
    doc = read_list(csv_path)
    assert [i.name for i in doc.items] == ["乙"] and doc.quarantine[0].column == "权力类型"


# --------------------------------------------------------------------------- real data
def karamay_files() -> list[str]:
    folder = Path(__file__).resolve().parents[2] / "shared" / "data" / "lists" / "xinjiang-karamay"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else ["(missing)"]


@pytest.mark.shared_data
@pytest.mark.parametrize("name", karamay_files())
def test_real_workbooks(name):
    path = shared_path(*KARAMAY, name)
    doc = read_list(path)
    assert doc.items and doc.data_rows == accounted(doc)
    assert all(i.name for i in doc.items)
    assert doc.region_hint in ("克拉玛依市", "新疆维吾尔自治区")
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    sheets = {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in doc.sheets}
    for item in doc.items:  # the row number points at a row that carries text
        rows = sheets[item.source.sheet]
        assert item.source.file == str(path)
        assert any(str(v).strip() for v in rows[item.source.row - 1])


# Counts checked by hand (dumps of every sheet with calamine and, independently, xlrd with
# its own merged-cell fill; see the comments for what each row is).
EXPECTED = {
    # Sheet names announce 11+21+254+1+1+2+17+1+3 = 311 items; the sheets hold 312 data rows,
    # all read as items. 行政许可（11项） has 10 rows: its row 3 (序号 `2,3`) lists two licences
    # in one row. 行政征收（ 1 项） has 3 rows for one levy: rows 2-3 share a merged name but
    # row 3 names another body (县市区农业农村局), and row 4 repeats the levy for 地州市农业农村局.
    "2024年市农业农村局权责清单.xls": (312, 0, 0),
    # 序号 1..100; items 3 and 4 have 5 sub-items each (rows 5-9, 10-14, 序号/名称 merged;
    # row 14 lies outside the 名称 merge and inherits it): 100 + 4 + 4 = 108.
    "克拉玛依市人力资源和社会保障局2024年权责清单.xls": (108, 0, 0),
    # 序号 1..57, each item spread over two merged rows (the second row has no text of its own).
    "克拉玛依市发展和改革委员会2024年权责清单.xls": (57, 0, 0),
    # 137 序号 values; 12 items have a second or third sub-item row under a merged name: 149.
    "克拉玛依市应急管理局2024年权责清单.xls": (149, 0, 0),
    # Sheet `市生态环境局（217项）`: 217 rows, 序号 1..217, no merges in the data.
    "克拉玛依市生态环境局2024年权责清单.xls": (217, 0, 0),
    # 4 items over merged row pairs; rows 4 and 6 hold different 追责情形/追责对象范围 text
    # hidden under the merges: continuations of items 1 and 2.
    "克拉玛依市科学技术局2024年权责清单.xls": (4, 2, 0),
    # 序号 1..19 and a last row `备注：包括市、区两级…` merged across the table (quarantined).
    "附件：克拉玛依市财政局2025年权责清单 (1).xlsx": (19, 0, 1),
    # 3 items over merged row pairs (rows 3, 5, 7); dirty line breaks in every cell.
    "2025年克拉玛依市统计局权责清单.xlsx": (3, 0, 0),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_item_counts(name):
    doc = read_list(shared_path(*KARAMAY, name))
    items, continuations, quarantined = EXPECTED[name]
    assert len(doc.items) == items
    assert sum(len(i.continuations) for i in doc.items) == continuations
    assert len([q for q in doc.quarantine if q.row is not None]) == quarantined


@pytest.mark.shared_data
def test_real_details():
    agri = read_list(shared_path(*KARAMAY, "2024年市农业农村局权责清单.xls"))
    per_sheet = {s: sum(i.source.sheet == s for i in agri.items) for s in agri.sheets}
    assert per_sheet["行政许可（11项）"] == 10 and per_sheet["行政征收（ 1 项）"] == 3
    assert agri.items[1].seq == "2,3" and agri.items[0].seq == "1"
    check = [i for i in agri.items if i.source.sheet == "行政检查（ 17项）"]
    assert all(i.power_type == "行政检查" for i in check)  # row 6 has an empty type cell
    stats = read_list(shared_path(*KARAMAY, "2025年克拉玛依市统计局权责清单.xlsx"))
    assert stats.items[0].power_type == "行政处罚" and stats.items[0].body == "市统计局"
    finance = read_list(shared_path(*KARAMAY, "附件：克拉玛依市财政局2025年权责清单 (1).xlsx"))
    assert finance.format == "xls"  # an old binary workbook behind an .xlsx name
    trade = read_list(shared_path(*KARAMAY, "克拉玛依市商务局2024年权责清单.xlsx"))
    last = trade.items[-1]  # its first 责任事项依据 column is empty: the repeat fills it
    assert last.duty_basis.startswith("【法律】") and "责任事项依据#2" not in last.extra
    tech = read_list(shared_path(*KARAMAY, "克拉玛依市科学技术局2024年权责清单.xls"))
    assert tech.items[0].extra["救助渠道"].startswith("向作出具体行政行为")
    assert tech.items[0].continuations == [4]


@pytest.mark.shared_data
def test_real_liaoning_json():
    doc = read_list(shared_path("lists", "liaoning-seesee111", "government_data.json"))
    assert len(doc.items) == 30 and doc.data_rows == 30 and not doc.quarantine
    assert doc.region_hint == "辽宁省"
    first = doc.items[0]
    assert (first.body, first.extra["授权部门代码"], first.code) == ("73", "73", "210973001000")
    assert first.power_type == "09" and first.level == "2,3" and first.source.row == 1
    assert all("\r" not in (i.basis or "") for i in doc.items)
