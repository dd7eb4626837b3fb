"""Analyses for reform and legal affairs offices, on every store.

The lawful basis (设定权): a workbook with planted defects (a licence founded only on a
规范性文件, a 吊销营业执照 founded on a 地方性法规, a 查封 founded on a 规章, a fine founded on
a 规范性文件) and with powers whose basis may set them (a licence on an administrative
regulation of the corpus, a licence on a State Council decision the cell tags 【规范性文件】, a
fine on a 地方政府规章, a 查封 on a 地方性法规, a 规章 that names the law its 没收 comes from,
a 拘留 set by a law); each defect is found with the right rule and measure, nothing else.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from prl.graph_api.analyses.basis import (
    basis_findings,
    basis_xlsx,
    read_measures,
    rules,
)
from prl.ingest.pipeline import ingest, write_graph
from prl.sample import STATUTES_DIR
from tests.conftest import BACKENDS, make_store

HEADER = ["序号", "事项名称", "子项名称", "权力类型", "实施依据", "行使主体", "承办机构"]
BODY = "克拉玛依市测试局"


def write_list(path: Path, rows: list[list], *, sheet="清单", title=None, header=HEADER):
    """A list workbook: an optional title row, the header, the rows."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)


def write_laws(folder: Path, laws: dict[str, str]) -> Path:
    """Statutes as lawrefbook Markdown files (file name -> text); their root."""
    root = folder / "statutes"
    (root / "lawrefbook" / "行政法").mkdir(parents=True)
    for name, text in laws.items():
        (root / "lawrefbook" / "行政法" / name).write_text(text, encoding="utf-8")
    return root


def ingested(lists: Path, statutes: Path, out: Path) -> Path:
    """The lists ingested against the statutes, every row a power, as N-Quads."""
    result = ingest([lists], [statutes])
    assert not result.quarantine, result.quarantine
    write_graph(result, out)
    return out


ROWS = [  # name, type, basis; each row's expected finding (measure, rule) or None
    (
        "测试经营许可",
        "行政许可",
        "【规范性文件】《克拉玛依市测试经营管理办法》第五条：从事测试经营的，应当经市测试局批准。",
        ("*", "行政许可法第十四条至第十七条"),
    ),
    (
        "对测试企业违规经营的处罚",
        "行政处罚",
        "【法规】《新疆维吾尔自治区测试管理条例》第二十条：违反本条例规定的，处一万元以下罚款；"
        "情节严重的，由市场监督管理部门吊销营业执照。",
        ("吊销营业执照", "行政处罚法第十一条、第十二条"),
    ),
    (
        "查封违法测试场所",
        "行政强制",
        "【规章】《新疆维吾尔自治区测试场所管理办法》第十条：对违法测试场所，测试部门可以查封。",
        ("查封", "行政强制法第十条第三款"),
    ),
    (
        "对未按规定公示测试信息的处罚",
        "行政处罚",
        "【规范性文件】《克拉玛依市测试信息公示办法》第八条：未按规定公示的，处五百元罚款。",
        ("罚款", "行政处罚法第十三条、第十四条、第十六条"),
    ),
    # --- nothing to find below
    (
        "娱乐场所设立审批",
        "行政许可",
        "【法规】《娱乐场所管理条例》第九条：娱乐场所申请从事娱乐场所经营活动，应当向所在地县级"
        "人民政府文化主管部门提出申请。",
        None,
    ),
    (
        "经营性互联网文化单位设立审批",
        "行政许可",
        "【规范性文件】《国务院对确需保留的行政审批项目设定行政许可的决定》第一百零一条：经营性"
        "互联网文化单位设立审批。",
        None,
    ),
    (
        "对在测试区乱扔废弃物的处罚",
        "行政处罚",
        "【规章】《新疆维吾尔自治区测试区管理办法》第十二条：乱扔废弃物的，给予警告，可以处"
        "二百元以下罚款。",
        None,
    ),
    (
        "查封存放违禁测试品的场所",
        "行政强制",
        "【法规】《新疆维吾尔自治区测试品管理条例》第三十条：对存放违禁测试品的场所，可以查封，"
        "对违禁测试品可以扣押。",
        None,
    ),
    (
        "对测试机构出具虚假报告的处罚",
        "行政处罚",
        "【规章】《测试机构管理办法》第四十条：出具虚假报告的，依照《中华人民共和国测试法》"
        "第五十条的规定没收违法所得。",
        None,
    ),
    (
        "对扰乱测试秩序的处罚",
        "行政处罚",
        "【法律】《中华人民共和国测试秩序法》第九条：扰乱测试秩序的，处五日以下拘留。",
        None,
    ),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("planted")
    rows = [
        [n, name, "", kind, basis, BODY, "测试科"]
        for n, (name, kind, basis, _) in enumerate(ROWS, 1)
    ]
    write_list(
        folder / "lists" / "克拉玛依市测试局2024年权责清单.xlsx",
        rows,
        sheet="权责清单",
        title="克拉玛依市测试局权责清单",
    )
    return ingested(folder / "lists", STATUTES_DIR, folder / "planted.nq")


@pytest.fixture(params=BACKENDS)
def store(request, planted, tmp_path):
    s = make_store(request.param, tmp_path)
    s.load_file(planted)
    yield s
    s.close()


def test_each_planted_defect_is_found_with_its_rule_and_nothing_else(store):
    found = basis_findings(store)
    got = {(f.row, f.measure, f.rule) for f in found}
    want = {(n + 2, *e) for n, (*_, e) in enumerate(ROWS, 1) if e}
    assert got == want, [(f.row, f.power, f.measure, f.why) for f in found]
    assert all(f.severity == "defect" for f in found)
    by_row = {f.row: f for f in found}
    licence = by_row[3]
    assert licence.source_force == "规范性文件" and licence.force_from == "tag"
    revoke = by_row[4]
    assert revoke.source_force == "地方性法规" and "吊销营业执照" in revoke.evidence
    seal = by_row[5]
    assert seal.read_in == "事项名称" and seal.source_force == "地方政府规章"
    assert all(
        f.file == "克拉玛依市测试局2024年权责清单.xlsx" and f.sheet == "权责清单" for f in found
    )


def test_both_stores_give_the_same_findings(planted, tmp_path):
    found = []
    for kind in BACKENDS:
        s = make_store(kind, tmp_path / kind)
        s.load_file(planted)
        found.append([f.as_dict() for f in basis_findings(s)])
        s.close()
    assert found[0] == found[1]


def test_the_state_council_decision_is_judged_by_its_title_not_the_tag(store):
    # the tag says 规范性文件; 行政许可法 art. 14 lets a State Council decision set a licence
    assert not [f for f in basis_findings(store) if f.power == "经营性互联网文化单位设立审批"]


def test_the_workbook_opens_with_a_row_per_finding(store):
    found = basis_findings(store)
    ws = load_workbook(io.BytesIO(basis_xlsx(found))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("结论", "文件", "工作表", "行", "事项名称")
    assert len(rows) == len(found) + 1 and rows[1][0] == "设定依据不足"


@pytest.mark.parametrize(
    "kind, text, measures",
    [
        ("02", "处二万元以下罚款；情节严重的，吊销营业执照", {"罚款", "吊销营业执照"}),
        ("02", "由原发证机关吊销许可证", {"吊销许可证件"}),
        ("02", "采矿许可证被暂扣、吊销的，不得开采", set()),  # a state, not a measure
        ("02", "由公安机关依照《治安管理处罚法》处五日以下拘留", set()),  # set elsewhere
        ("02", "五年内不得从事食品生产经营管理工作", {"限制从业"}),
        ("03", "逾期不履行的，申请人民法院强制执行", set()),
        ("03", "可以申请司法机关予以冻结", set()),
        ("03", "查封、扣押有关场所、设施、财物", {"查封", "扣押"}),
        ("03", "逾期不缴纳的，按日加收滞纳金", {"强制执行"}),
    ],
)
def test_measures_are_read_from_the_text(kind, text, measures):
    assert set(read_measures(kind, text)) == measures


def test_the_rules_table_is_data_with_a_rule_for_every_type():
    table = rules()
    assert {t for t, m in table if m == "*"} == {"01", "02", "03"}
    assert table[("02", "吊销营业执照")].allowed == {"1", "2", "3"}
    assert "4" in table[("03", "查封")].allowed and "5" not in table[("03", "查封")].allowed


def test_the_route_pages_counts_and_writes_the_workbook(store):
    from fastapi.testclient import TestClient

    from prl.graph_api.settings import Settings
    from prl.graph_api.web.app import create_app

    client = TestClient(create_app(Settings(store=store.kind), store))
    r = client.get("/v1/analyses/basis", params={"page_size": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"defect": 4, "check": 0} and body["total"] == 4
    assert len(body["items"]) == 2 and body["items"][0]["rule"]
    r = client.get("/v1/analyses/basis", params={"format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.get("/v1/analyses/basis", params={"severity": "nonsense"})
    assert r.status_code == 422 and "severity" in r.text


def test_the_cli_prints_each_finding_with_its_rule(planted, tmp_path):
    from click.testing import CliRunner

    from prl.cli import main

    folder = tmp_path / "store"
    r = CliRunner().invoke(main, ["load", str(planted), "--data-dir", str(folder)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "basis.xlsx"
    r = CliRunner().invoke(
        main, ["analyse", "basis", "--data-dir", str(folder), "--xlsx", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert r.output.startswith("4 basis findings on 4 powers: 4 defect, 0 check")
    assert "行政强制法第十条第三款" in r.output and out.stat().st_size > 0


# ------------------------------------------------------------------ what an amendment breaks
OLD_LAW = """# 中华人民共和国测试法

2019年6月1日 第十三届全国人民代表大会常务委员会第十次会议通过

<!-- INFO END -->

第一条 为了规范测试活动，制定本法。

第二条 本法适用于在中华人民共和国境内从事的测试活动。

第三条 县级以上人民政府测试主管部门负责本行政区域内的测试监督管理工作。

第四条 从事测试经营，应当取得测试经营许可证。

第五条 测试机构应当如实记录测试数据，不得伪造测试结果。

第六条 测试机构伪造测试结果的，由测试主管部门责令改正，处一万元以上五万元以下罚款。

第七条 测试机构未按规定保存测试记录的，处二千元以下罚款。
"""
NEW_LAW = """# 中华人民共和国测试法

2019年6月1日 第十三届全国人民代表大会常务委员会第十次会议通过

2023年6月1日 第十四届全国人民代表大会常务委员会第三次会议修正

<!-- INFO END -->

第一条 为了规范测试活动，保障测试质量，制定本法。

第二条 本法适用于在中华人民共和国境内从事的测试活动。

第三条 县级以上人民政府测试主管部门负责本行政区域内的测试监督管理工作。

第四条 国家鼓励测试技术创新。

第五条 从事测试经营，应当取得测试经营许可证。

第六条 测试机构应当如实记录测试数据，不得伪造测试结果，不得出具虚假报告。

第七条 测试机构伪造测试结果或者出具虚假报告的，由测试主管部门责令改正，处二万元以上十万元以下罚款。
"""
OLD_ROWS = [  # cited provision -> expected (kind, now)
    ("测试机构监督检查", "行政检查", "第三条", None),
    ("测试经营许可", "行政许可", "第四条", ("moved", "第五条")),
    ("对伪造测试结果的处罚", "行政处罚", "第六条", ("changed", "第七条")),
    ("对未按规定保存测试记录的处罚", "行政处罚", "第七条", ("removed", None)),
]


@pytest.fixture(scope="module")
def amended(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("amended")
    laws = {"测试法(2019-06-01).md": OLD_LAW, "测试法(2023-06-01).md": NEW_LAW}
    statutes = write_laws(folder, laws)
    for year, rows in (
        ("2020", [(n, t, f"【法律】《中华人民共和国测试法》{a}") for n, t, a, _ in OLD_ROWS]),
        ("2024", [("测试活动指导", "其他行政权力", "【法律】《中华人民共和国测试法》第一条")]),
    ):
        cells = [
            [n, name, "", kind, basis, BODY, "测试科"]
            for n, (name, kind, basis) in enumerate(rows, 1)
        ]
        write_list(folder / "lists" / f"克拉玛依市测试局{year}年权责清单.xlsx", cells)
    return ingested(folder / "lists", statutes, folder / "amended.nq")


@pytest.mark.parametrize("kind", BACKENDS)
def test_each_changed_moved_or_removed_provision_is_found_with_both_texts(kind, amended, tmp_path):
    from prl.graph_api.analyses.impact import impact_findings, impact_xlsx

    store = make_store(kind, tmp_path)
    store.load_file(amended)
    found = [f for f in impact_findings(store) if f.kind in ("changed", "moved", "removed")]
    store.close()
    got = {(f.power, f.cited, f.kind, f.now) for f in found}
    want = {(n, a, *e) for n, _, a, e in OLD_ROWS if e}
    assert got == want, [(f.power, f.cited, f.kind, f.now, f.why) for f in found]
    changed = next(f for f in found if f.kind == "changed")
    assert "一万元以上五万元以下" in changed.old_text and "二万元以上十万元以下" in changed.new_text
    assert changed.old_version == "2019-06-01" and changed.new_version == "2023-06-01"
    assert all(f.file == "克拉玛依市测试局2020年权责清单.xlsx" for f in found)
    assert impact_xlsx(found)[:2] == b"PK"


def test_renumbering_matches_by_text_not_by_number():
    from prl.graph_api.analyses.impact import Article, renumbering

    def arts(*texts):
        return [Article(f"art_{i}", f"第{i}条", i, t, {}) for i, t in enumerate(texts, 1)]

    old = arts("甲乙丙丁戊己庚辛", "子丑寅卯辰巳午未", "天地玄黄宇宙洪荒", "日月盈昃辰宿列张")
    new = arts("新增的一条完全不同", "甲乙丙丁戊己庚辛", "子丑寅卯辰巳午未申酉", "日月盈昃辰宿列张")
    m = renumbering(old, new)
    assert (m["art_1"].status, m["art_1"].new.path) == ("moved", "art_2")
    assert (m["art_2"].status, m["art_2"].new.path) == ("changed", "art_3")
    assert m["art_3"].status == "removed"
    assert (m["art_4"].status, m["art_4"].new.path) == ("unchanged", "art_4")


def test_the_impact_route_and_command(amended, tmp_path):
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from prl.cli import main
    from prl.graph_api.settings import Settings
    from prl.graph_api.web.app import create_app

    store = make_store("oxigraph", tmp_path)
    store.load_file(amended)
    client = TestClient(create_app(Settings(store="oxigraph"), store))
    r = client.get("/v1/analyses/impact", params=[("kind", "changed"), ("kind", "removed")])
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"removed": 1, "changed": 1}
    assert {i["now"] for i in r.json()["items"]} == {"第七条", None}
    store.close()
    r = CliRunner().invoke(
        main, ["analyse", "impact", "--data-dir", str(tmp_path / "oxigraph"), "--kind", "moved"]
    )
    assert r.exit_code == 0, r.output
    assert r.output.startswith("1 impact findings on 1 powers: 1 moved")
    assert "第四条 → 第五条" in r.output


# ------------------------------------------------------------------ powers no list carries
MARKET_LAW = """# 中华人民共和国测试市场法

2020年6月1日 第十三届全国人民代表大会常务委员会第十九次会议通过

<!-- INFO END -->

第一条 为了规范测试市场，制定本法。

第二条 从事测试经营，应当经县级以上地方人民政府市场监督管理部门批准。

第三条 县级以上人民政府市场监督管理部门应当对测试经营者进行监督检查。

第四条 违反本法第二条规定，未经批准从事测试经营的，由县级以上人民政府市场监督管理部门责令停止，处一万元以下罚款。

第五条 国务院市场监督管理部门负责测试标准的审批。

第六条 测试经营者的年度计划，由县级以上人民政府市场监督管理部门报本级人民政府批准。

第七条 违反本法规定，出具虚假测试报告的，由县级以上人民政府生态环境主管部门处二万元以下罚款。
"""
MARKET = "克拉玛依市市场监督管理局"


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("market")
    statutes = write_laws(folder, {"测试市场法(2020-06-01).md": MARKET_LAW})
    rows = []
    for n, (name, kind, article) in enumerate(
        [
            ("测试经营者监督检查", "行政检查", "第三条"),  # cites the article
            ("对未经批准从事测试经营的处罚", "行政处罚", "第一条"),  # named for art. 4
            # a body with a list of its own holds some powers (gaps.MIN_POWERS)
            *[(f"测试市场宣传指导（{n}）", "其他行政权力", "第一条") for n in range(1, 9)],
        ],
        1,
    ):
        basis = f"【法律】《中华人民共和国测试市场法》{article}"
        rows.append([n, name, "", kind, basis, MARKET, "执法科"])
    write_list(folder / "lists" / "克拉玛依市市场监督管理局2024年权责清单.xlsx", rows)
    return ingested(folder / "lists", statutes, folder / "market.nq")


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_grant_no_power_carries_is_found_and_nothing_else(kind, market, tmp_path):
    from prl.graph_api.analyses.gaps import gap_findings

    store = make_store(kind, tmp_path)
    store.load_file(market)
    found = gap_findings(store)
    store.close()
    # art. 2 (a licence) only: art. 3 is cited, art. 4 has a power named for it, art. 5 is
    # the State Council's, art. 6's approval is the government's, art. 7 is another kind's
    assert [(f.body, f.article, f.power_type, f.action) for f in found] == [
        (MARKET, "第二条", "行政许可", "批准")
    ]
    assert found[0].body_phrase == "县级以上地方人民政府市场监督管理部门"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("由县级以上人民政府林业主管部门没收非法运输的木材", ("林业和草原", "没收", "行政处罚")),
        ("应当经县级以上地方人民政府草原防火主管部门批准", ("林业和草原", "批准", "行政许可")),
        ("由省、自治区、直辖市人民政府渔业行政主管部门审批", None),  # a province's
        ("报本级人民政府批准后组织实施", None),
        ("县级以上人民政府环境保护主管部门对监督检查中知悉的商业秘密负有保密义务", None),
        ("由认证认可监督管理部门吊销检验机构资质证书", ("市场监督管理", "吊销", "行政处罚")),
        ("县级以上人民政府应当组织旅游主管部门对旅游经营行为实施监督检查", None),
        (  # the approval is the conduct's condition; the penalty is the grant
            "未经县级以上人民政府林业主管部门批准擅自采伐的，由县级以上人民政府林业主管部门处罚款",
            ("林业和草原", "罚款", "行政处罚"),
        ),
        ("由负责药品监督管理的部门处2万元以上10万元以下罚款", ("市场监督管理", "罚款", "行政处罚")),
    ],
)
def test_clauses_are_read_with_their_body_and_action(text, expected):
    from prl.graph_api.analyses.gaps import clauses

    got = [(c.kinds[0], c.action, c.power_type) for c in clauses(text)]
    assert got == ([expected] if expected else [])


def test_the_gaps_route_and_command(market, tmp_path):
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from prl.cli import main
    from prl.graph_api.settings import Settings
    from prl.graph_api.web.app import create_app

    store = make_store("oxigraph", tmp_path)
    store.load_file(market)
    client = TestClient(create_app(Settings(store="oxigraph"), store))
    r = client.get("/v1/analyses/gaps", params={"body": MARKET})
    assert r.status_code == 200, r.text
    assert r.json()["counts"] == {"行政许可": 1} and r.json()["items"][0]["path"] == "art_2"
    assert client.get("/v1/analyses/gaps", params={"body": "x" * 201}).status_code == 422
    store.close()
    r = CliRunner().invoke(main, ["analyse", "gaps", "--data-dir", str(tmp_path / "oxigraph")])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("1 possible gaps in 1 bodies") and "第二条" in r.output


# ------------------------------------------------------------------ overlapping functions
OVERLAP_LISTS = {
    "克拉玛依市测试局": [
        ("对未按规定公示测试信息的处罚", "行政处罚", "第七条", "执法科", ""),
        ("测试场所安全检查", "行政检查", "第三条", "安全科", "会同市检验局联合开展检查"),
        ("测试经营许可", "行政许可", "第五条", "审批科", ""),
    ],
    "克拉玛依市检验局": [
        ("对未按规定公示测试信息的行政处罚", "行政处罚", "第七条", "稽查科", ""),
        ("测试场所安全检查", "行政检查", "第三条", "监管科", "配合市测试局开展联合检查"),
        ("检验机构资质认定", "行政许可", "第四条", "审批科", ""),
    ],
}


@pytest.fixture(scope="module")
def overlapping(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("overlapping")
    statutes = write_laws(folder, {"测试法(2023-06-01).md": NEW_LAW})
    for body, rows in OVERLAP_LISTS.items():
        cells = [
            [n, name, "", kind, f"【法律】《中华人民共和国测试法》{article}", body, unit,
             duty or "依法履行职责"]
            for n, (name, kind, article, unit, duty) in enumerate(rows, 1)
        ]  # fmt: skip
        path = folder / "lists" / f"{body}2024年权责清单.xlsx"
        write_list(path, cells, header=[*HEADER, "责任事项内容"])
    return ingested(folder / "lists", statutes, folder / "overlapping.nq")


@pytest.mark.parametrize("kind", BACKENDS)
def test_two_bodies_listing_one_penalty_overlap_and_a_joint_inspection_is_cooperation(
    kind, overlapping, tmp_path
):
    from prl.graph_api.analyses.overlaps import clusters, pairs

    store = make_store(kind, tmp_path)
    store.load_file(overlapping)
    found = pairs(store)
    store.close()
    got = sorted((p.relation, p.a_name[:8]) for p in found)
    assert got == [("cooperation", "测试场所安全检查"), ("overlap", "对未按规定公示测")], found
    penalty = next(p for p in found if p.relation == "overlap")
    assert penalty.shared_provisions == 1 and "provision" in penalty.why
    assert [c.bodies for c in clusters(found)] == [("克拉玛依市检验局", "克拉玛依市测试局")]


def test_the_overlap_picture_and_workbook(overlapping, tmp_path):
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from prl.cli import main
    from prl.graph_api.settings import Settings
    from prl.graph_api.web.app import create_app

    store = make_store("oxigraph", tmp_path)
    store.load_file(overlapping)
    client = TestClient(create_app(Settings(store="oxigraph"), store))
    r = client.get("/v1/analyses/overlaps")
    assert r.status_code == 200 and r.json()["counts"] == {
        "overlap": 1,
        "cooperation": 1,
        "hierarchy": 0,
    }
    svg = client.get("/v1/analyses/overlaps", params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "检验局" in svg.text and "<line" in svg.text
    png = client.get("/v1/analyses/overlaps", params={"format": "png"})
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    store.close()
    out = tmp_path / "o"
    r = CliRunner().invoke(
        main,
        ["analyse", "overlaps", "--data-dir", str(tmp_path / "oxigraph"),
         "--xlsx", f"{out}.xlsx", "--svg", f"{out}.svg", "--png", f"{out}.png"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.output.startswith("2 related pairs: 1 overlap, 1 cooperation, 0 hierarchy")
    sheets = load_workbook(f"{out}.xlsx").sheetnames
    assert sheets == ["全部", "交叉1"]
