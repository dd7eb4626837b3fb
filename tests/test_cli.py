"""The prl CLI, called in-process with click's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from prl.cli import main
from prl.sample import LISTS_DIR, STATUTES_DIR

README = Path(__file__).resolve().parent.parent / "README.md"
CI = Path(__file__).resolve().parent.parent / ".ci" / "run"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "sample.nq"
    result = CliRunner().invoke(
        main, ["ingest", str(LISTS_DIR), "--statutes", str(STATUTES_DIR), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_every_command_documented():
    for name, command in main.commands.items():
        assert command.help and len(command.help) > 20, f"prl {name} has no --help text"
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0


def test_ingest_writes_graph_and_quarantine(ingested):
    out, output = ingested
    assert out.exists()
    report = json.loads(out.with_suffix(".quarantine.json").read_text(encoding="utf-8"))
    assert len(report["documents"]) == 8
    assert out.with_suffix(".quarantine.txt").exists()
    assert "citations:" in output


@pytest.fixture(scope="module")
def one_list(tmp_path_factory):
    """One small list (4 powers) and the statutes it cites, as N-Quads."""
    out = tmp_path_factory.mktemp("cli-one") / "one.nq"
    src = LISTS_DIR / "克拉玛依市科学技术局2024年权责清单.xls"
    args = ["ingest", str(src), "--statutes", str(STATUTES_DIR), "--out", str(out), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def test_validate_exit_codes(one_list, tmp_path):
    out = one_list
    ok = CliRunner().invoke(main, ["validate", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "Conforms" in ok.output
    # a power without its type: exit 1, the message names file and row
    lines = out.read_text(encoding="utf-8").splitlines()
    broken = [
        ln for ln in lines if "ontology#powerType>" not in ln or "/power/" not in ln.split(" ")[0]
    ]
    bad = tmp_path / "bad.nq"
    bad.write_text("\n".join(broken) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(bad)])
    assert res.exit_code == 1, res.output
    assert re.search(r"Violation: .*\.xlsx?|Violation: .*\.json", res.output)
    assert re.search(r"row \d+", res.output)
    garbage = tmp_path / "garbage.nq"
    garbage.write_text("this is not n-quads\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(garbage)])
    assert res.exit_code == 2
    assert "garbage.nq" in res.output


def test_ingest_rejects_unknown_format(tmp_path):
    res = CliRunner().invoke(main, ["ingest", str(LISTS_DIR), "--out", str(tmp_path / "g.xml")])
    assert res.exit_code == 2
    assert "--out" in res.output


def test_readme_quick_start_commands_exist():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    quick = [ln for ln in blocks[0].splitlines() if ln.strip()]
    assert len(quick) == 2, "the quick start is exactly two commands"
    assert quick[0].startswith("python3 -m pip install")
    assert quick[1].split()[:2] == ["prl", "demo"] and "demo" in main.commands
    test_cmd = blocks[1].strip()
    assert test_cmd in CI.read_text(), ".ci/run runs the README's test command"


def test_demo_loads_the_embedded_store(tmp_path):
    res = CliRunner().invoke(main, ["demo", "--no-serve", "--data-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "SHACL: conforms" in res.output
    assert "embedded store" in res.output
    ask = CliRunner().invoke(
        main, ["ask", "拒绝配合统计调查谁处罚", "--data-dir", str(tmp_path / "store")]
    )
    assert ask.exit_code == 0, ask.output
    assert "克拉玛依市统计局" in ask.output and "统计法" in ask.output


def test_locked_store_is_a_clear_error(tmp_path):
    from prl.graph_api.store.oxigraph.store import OxigraphStore

    held = OxigraphStore(tmp_path / "store")
    try:
        res = CliRunner().invoke(main, ["ask", "许可", "--data-dir", str(tmp_path / "store")])
        assert res.exit_code == 1
        assert res.output.startswith("Error: ") and str(tmp_path / "store") in res.output
        assert "Traceback" not in res.output
    finally:
        held.close()


def test_load_command_validates_and_loads(tmp_path):
    res = CliRunner().invoke(
        main,
        [
            "load",
            str(LISTS_DIR / "克拉玛依市科学技术局2024年权责清单.xls"),
            "--statutes",
            str(STATUTES_DIR),
            "--data-dir",
            str(tmp_path / "s"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "store now holds 4 powers" in res.output


def test_every_package_is_shipped():
    """A non-editable install (the README's quick start) must contain every package."""
    import tomllib

    root = README.parent
    declared = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(("prl", *p.parent.relative_to(root).parts))
        for top in ("ingest", "graph_api", "ontology", "shapes", "sample")
        for p in (root / top).rglob("__init__.py")
    }
    assert found <= declared, f"packages missing from pyproject.toml: {sorted(found - declared)}"


def test_the_wheel_installs_one_top_level_package(tmp_path):
    """Installed, prl is the one package ``prl`` (no ``cli``, ``sample`` … beside others'),
    and it holds the ontology, the shapes and the sample data."""
    import subprocess
    import sys
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(README.parent)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("prl-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"prl"}, tops
    for needed in ("prl/cli.py", "prl/ontology/prl.ttl", "prl/shapes/shapes.ttl"):
        assert needed in names
    assert any(n.startswith("prl/sample/lists/") and n.endswith(".xlsx") for n in names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "prl = prl.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_a_later_edition_loads_beside_an_earlier_one(tmp_path):
    """Regression: loading the 2025 统计局 list and then a 2024 copy with one power renamed
    and one added failed with ``UNIQUE constraint failed: power.id`` (the index numbered new
    rows from the ids left after deleting the kept ones)."""
    import openpyxl
    from rdflib import RDF

    from prl.ingest.pipeline import ingest
    from prl.ingest.vocab import PRL, PROV

    src = LISTS_DIR / "2025年克拉玛依市统计局权责清单.xlsx"
    (_, g), *_ = ingest([src], [STATUTES_DIR]).graphs
    rows = {  # power IRI -> its row: the index numbers powers in IRI order
        str(p): int(g.value(g.value(p, PROV.wasDerivedFrom), PRL.rowNumber))
        for p in g.subjects(RDF.type, PRL.Power)
    }
    first = rows[min(rows)]  # renamed: the old power keeps the lowest id, the others go past it
    wb = openpyxl.load_workbook(src)
    ws = wb.active
    ws.cell(first, 2).value = "对拒绝配合统计调查行为的处罚（更名）"
    added = ws.max_row + 1
    for col in range(1, ws.max_column + 1):
        ws.cell(added, col).value = ws.cell(first, col).value
    ws.cell(added, 2).value = "对统计调查对象虚报统计资料的处罚（新增）"
    copy = tmp_path / "2024年克拉玛依市统计局权责清单.xlsx"
    wb.save(copy)
    store = str(tmp_path / "store")
    args = ["--statutes", str(STATUTES_DIR), "--data-dir", store]
    before = CliRunner().invoke(main, ["load", str(src), *args])
    assert before.exit_code == 0, before.output
    held = int(re.search(r"store now holds (\d+) powers", before.output)[1])
    second = CliRunner().invoke(main, ["load", str(copy), *args])
    assert second.exit_code == 0, second.output
    assert f"store now holds {held + 2} powers" in second.output
    ask = CliRunner().invoke(main, ["ask", "虚报统计资料（新增）", "--data-dir", store])
    assert "新增" in ask.output
