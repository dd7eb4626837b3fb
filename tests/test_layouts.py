"""Layouts never seen before: the items of real workbooks, written out again with headers
renamed to words the synonym table does not list, columns reordered, title rows added, the
table split over two sheets (the second without a header), or no header at all. Each
variant must give the same items as the plain table, and say which columns it inferred.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prl.ingest.headers import canonical_field
from prl.ingest.lists import read_list
from prl.ingest.pipeline import ingest
from prl.sample import LISTS_DIR
from tests.conftest import SHARED

FIELDS = ("name", "sub_item", "power_type", "basis", "body", "unit", "duties", "duty_basis")
HEADERS = {  # the headers the plain table uses: synonyms the table lists
    "name": "事项名称",
    "sub_item": "子项名称",
    "power_type": "权力类型",
    "basis": "实施依据",
    "body": "行使主体",
    "unit": "承办机构",
    "duties": "责任事项内容",
    "duty_basis": "责任事项依据",
}
UNSEEN = {  # header words of other lists, in no synonym of the table
    "name": "行政职权名称",
    "sub_item": "所含子项",
    "power_type": "职权种类",
    "basis": "法律法规规章依据",
    "body": "执法主体",
    "unit": "具体承办处室",
    "duties": "履职内容",
    "duty_basis": "履职责任依据",
}


def workbooks() -> list[Path]:
    found = sorted(LISTS_DIR.glob("*.xls*"))
    shared = SHARED / "lists" / "xinjiang-karamay"
    if shared.is_dir():  # a big real list too, when the shared data is there
        found += [shared / "克拉玛依市生态环境局2024年权责清单.xls"]
    return found


def items(path: Path) -> list[tuple]:
    return [tuple(getattr(i, f) or "" for f in FIELDS) for i in read_list(path).items]


def write(path: Path, sheets: list[tuple[str, list[list[str]]]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def table(rows: list[tuple], headers: dict[str, str] | None, order: list[int]) -> list[list]:
    out = [[headers[FIELDS[k]] for k in order]] if headers else []
    return out + [[r[k] for k in order] for r in rows]


@pytest.mark.parametrize("source", workbooks(), ids=lambda p: p.stem[:20])
def test_unseen_layouts_give_the_same_items(source: Path, tmp_path: Path) -> None:
    rows = items(source)
    assert rows, source
    natural = list(range(len(FIELDS)))
    plain = write(tmp_path / "plain.xlsx", [("清单", table(rows, HEADERS, natural))])
    expected = items(plain)
    assert expected == rows  # the plain table is read as the workbook was
    assert all(canonical_field(h) is None for h in UNSEEN.values())  # really unseen

    reordered = [5, 0, 7, 3, 1, 6, 2, 4]
    title = [["克拉玛依市某局权责清单"], [], ["单位：某局", "", "日期：2024年"], []]
    half = max(1, len(rows) // 2)
    variants = {
        "renamed": [("清单", table(rows, UNSEEN, natural))],
        "reordered": [("清单", table(rows, HEADERS, reordered))],
        "renamed and reordered": [("清单", table(rows, UNSEEN, reordered))],
        "title rows": [("清单", title + table(rows, UNSEEN, natural))],
        "split in two sheets": [
            ("清单（一）", table(rows[:half], HEADERS, reordered)),
            ("清单（二）", table(rows[half:], None, reordered)),
        ],
    }
    for what, sheets in variants.items():
        got = items(write(tmp_path / f"{what}.xlsx", sheets))
        if what == "split in two sheets" and half == len(rows):
            continue
        assert got == expected, what


def test_a_table_without_header_keeps_name_type_and_basis(tmp_path: Path) -> None:
    source = LISTS_DIR / "克拉玛依市档案局2024年权责清单.xlsx"
    rows = items(source)
    order = [3, 0, 2]  # basis, name, type: nothing says which is which
    path = write(tmp_path / "bare.xlsx", [("Sheet1", table(rows, None, order))])
    doc = read_list(path)
    got = [(i.name, i.power_type or "", i.basis or "") for i in doc.items]
    assert got == [(r[0], r[2], r[3]) for r in rows]
    assert len(doc.inferred) == 3 and all("from its contents" in n for n in doc.inferred)


def test_inferred_columns_are_reported(tmp_path: Path) -> None:
    source = LISTS_DIR / "2025年克拉玛依市统计局权责清单.xlsx"
    rows = items(source)
    headers = dict(HEADERS, name="", power_type="")  # no header over two columns
    path = write(tmp_path / "blank.xlsx", [("清单", table(rows, headers, list(range(8))))])
    result = ingest([path], [])
    report = result.documents[0]
    assert report.powers == len(rows)
    assert len(report.inferred_columns) == 2
    assert any("read as name" in n for n in report.inferred_columns)
    assert any("read as power_type" in n for n in report.inferred_columns)


def test_a_file_without_powers_is_a_failure(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from prl.cli import main

    good = LISTS_DIR / "2025年克拉玛依市统计局权责清单.xlsx"
    bad = write(tmp_path / "notes.xlsx", [("说明", [["本表说明"], ["一、填表要求"], ["二、其他"]])])
    out = tmp_path / "g.nq"
    r = CliRunner().invoke(main, ["ingest", str(good), str(bad), "--out", str(out), "-q"])
    assert r.exit_code == 1, r.output
    assert "notes.xlsx: no recognisable header row" in r.output  # the file and the reason
    assert "1 of 2 list files gave no power" in r.output
    assert out.exists() and out.stat().st_size > 0  # the good file was still ingested
    # a file whose every row was quarantined fails the same way
    rows = [["事项名称", "权力类型", "实施依据"], ["某某事项", "不存在的类型", "《某法》第一条"]]
    odd = write(tmp_path / "odd.xlsx", [("Sheet1", rows)])
    r = CliRunner().invoke(main, ["ingest", str(good), str(odd), "--out", str(out), "-q"])
    assert r.exit_code == 1 and "odd.xlsx: no power could be read" in r.output, r.output


def test_report_cells_that_look_like_formulas_stay_text() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from prl.graph_api.answers.findings import CitationFinding, findings_xlsx

    f = CitationFinding(
        kind="mismatch",
        file='=HYPERLINK("http://example.com")',
        sheet=None,
        row=3,
        power="+对…的处罚",
        power_iri="https://w3id.org/prl/id/power/x/1",
        bodies=("某局",),
        role="basis",
        text="@SUM(A1)",
        cited_title=None,
        linked=None,
        listed=("art_1",),
        score=0.1,
        why="-",
    )
    ws = load_workbook(BytesIO(findings_xlsx([f]))).active
    row = [c for c in ws.iter_rows(min_row=2, values_only=False)][0]
    assert row[1].value == '=HYPERLINK("http://example.com")' and row[1].data_type == "s"
    assert row[3].value == 3 and row[11].value == 0.1


def test_a_headerless_table_accounts_for_every_row(tmp_path: Path) -> None:
    """A title line above a table without a header is a row like the others: it ends in
    the quarantine report, not silently skipped."""
    source = LISTS_DIR / "克拉玛依市档案局2024年权责清单.xlsx"
    rows = items(source)
    body = [["克拉玛依市档案局权责清单（续）"]] + table(rows, None, [3, 0, 2])
    doc = read_list(write(tmp_path / "titled.xlsx", [("Sheet1", body)]))
    assert len(doc.items) == len(rows)
    quarantined = [q for q in doc.quarantine if q.row is not None]
    assert doc.data_rows == len(doc.items) + len(quarantined) == len(rows) + 1
    assert quarantined[0].row == 1
