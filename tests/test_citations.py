"""Tests for ingest.citations: parsing basis cells and resolving citations.

The parse cases are taken (shortened) from real cells of the Karamay workbooks and the
Liaoning JSON file; the shared_data tests run over every basis cell of those files.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from prl.ingest.citations import note_dates, parse_basis, resolve
from prl.ingest.records import ArticleRef, Citation
from tests.conftest import shared_path


def paths(c: Citation) -> list[str]:
    return [r.path() or f"point_{r.point}" for r in c.refs]


def one(text: str) -> Citation:
    cits = parse_basis(text)
    assert len(cits) == 1, cits
    return cits[0]


# ----------------------------------------------------------------------------- tags, titles
@pytest.mark.parametrize(
    ("text", "tag", "title"),
    [
        (
            "【法律】《中华人民共和国测绘法》（1992年12月28日通过）\n    第六十三条：违反本法规定",
            "法律",
            "中华人民共和国测绘法",
        ),
        (
            "【 法律】《 中华人民共和国统计法》（ 1983年12 月8 日通过 ）\n  第四十五条：作为",
            "法律",
            "中华人民共和国统计法",
        ),
        ("[法律]《中华人民共和国广告法》第二十五条", "法律", "中华人民共和国广告法"),
        (
            "法规】《地质灾害防治条例》（2003年11月24日国务院令第394号公布）\n    第九条:任何",
            "法规",
            "地质灾害防治条例",
        ),
        (
            "【行法规】《广播电视管理条例》（1997年8月11日国务院令第228号发布）",
            "行政法规",
            "广播电视管理条例",
        ),
        (
            "【行政法规】：《彩票管理条例》（2009年4月22日通过） 第十五条：彩票发行机构",
            "行政法规",
            "彩票管理条例",
        ),
        (
            "【法律】1.《中华人民共和国税收征收管理法》\n第二十五条第一款\u3000纳税人必须",
            "法律",
            "中华人民共和国税收征收管理法",
        ),
        ("《环境保护法》第二十四条:县级以上人民政府环境保护主管部门", None, "环境保护法"),
        (
            "【法规】（禁止使用童工规定》（2002年10月1日国务院令第364号公布）\n    第九条：无营业执照",
            "法规",
            "禁止使用童工规定",
        ),
        (
            "【法规】新疆维吾尔自治区商品交易市场管理条例（2002年7月26日通过)\n    第四条：县(市)以上",
            "法规",
            "新疆维吾尔自治区商品交易市场管理条例",
        ),
        (
            "【规章】港口危险货物安全管理规定（交通运输部令2017年第27号）第五十八条\u3000危险货物",
            "规章",
            "港口危险货物安全管理规定",
        ),
        (
            "【法规】《新疆维吾尔自治区实施〈中华人民共和国森林法〉办法》（2001年7月27日通过）\n"
            "    第二十二条第一款：利用森林资源",
            "法规",
            "新疆维吾尔自治区实施〈中华人民共和国森林法〉办法",
        ),
        (
            "【法律】《 中华\n人民共和国行政\n处罚法》\n（1996年3月\n17日第八届全\n国人民代表大会\n第四次会议通\n"
            "过）\n  第五章、第\n六章、第七章。",
            "法律",
            "中华人民共和国行政处罚法",
        ),
        (
            "【国务院决定】《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）\n"
            "    第87项：设立技工学校审批。",
            "国务院决定",
            "国务院对确需保留的行政审批项目设定行政许可的决定",
        ),
        (
            "【规范性文件】《国务院关于深化“证照分离”改革进一步激发市场主体发展活力的通知》（国发[2021]7号）",
            "规范性文件",
            "国务院关于深化“证照分离”改革进一步激发市场主体发展活力的通知",
        ),
    ],
)
def test_tag_and_title(text: str, tag: str | None, title: str) -> None:
    c = one(text)
    assert (c.source_tag, c.title, c.problem) == (tag, title, None)


@pytest.mark.parametrize(
    ("text", "note"),
    [
        (
            "【法律】《中华人民共和国食品安全法》（2021年4月29日第二次修正）第一百三十条：text",
            "（2021年4月29日第二次修正）",
        ),
        (
            "【法律】《中华人民共和国档案法》(1987年9月5日通过，2021年1月1日实施)   \n    第七条第二款：对",
            "(1987年9月5日通过，2021年1月1日实施)",
        ),
        (
            "【法律】《中华人民共和国招标投标法》（1999年8月30日通过。根据2017年12月27日会议《关于修改〈中华"
            "人民共和国招标投标法〉、〈中华人民共和国计量法〉的决定》修正）\n    第五十五条：依法",
            "（1999年8月30日通过。根据2017年12月27日会议《关于修改〈中华人民共和国招标投标法〉、〈中华人民"
            "共和国计量法〉的决定》修正）",
        ),
        # unbalanced: the opening bracket is never closed, the note ends with its line
        (
            "【法规】《中华人民共和国企业所得税法实施条例》（国务院令2007年第512号，自2008年1月1日起施行。"
            "《国务院关于修改部分行政法规的决定》（国务院令第714号）修正\n    第八十四条第二款：前款规定",
            "（国务院令2007年第512号，自2008年1月1日起施行。《国务院关于修改部分行政法规的决定》"
            "（国务院令第714号）修正",
        ),
        (
            "【法规】《职工带薪年休假条例》国务院令第514号（2007年12月14日）\n    第六条第一款：县级",
            "国务院令第514号（2007年12月14日）",
        ),
        (
            "【规范性文件】《新疆维吾尔自治区人民政府关于取消和调整行政审批的决定》（新政发〔 2013 〕82号）"
            "（2013年8月26日）\n    调整的行政许可事项",
            "（新政发〔 2013 〕82号）（2013年8月26日）",
        ),
    ],
)
def test_revision_note(text: str, note: str) -> None:
    c = one(text)
    assert c.revision_note == note
    assert c.refs or c.quoted_text


# ----------------------------------------------------------------------------- references
_H = "【法律】《中华人民共和国某法》（2021年修正）\n    "


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("第一百三十条：违反本法规定", ["art_130"]),
        ("第二十六条第一款第（三）项：text", ["art_26__para_1__point_3"]),
        ("第十条第（一）项：text", ["art_10__point_1"]),
        ("第五十八条第七项 有下列行为之一的", ["art_58__point_7"]),
        ("第十条、第十二条。", ["art_10", "art_12"]),
        ("第十条、十二条", ["art_10", "art_12"]),
        ("第三十八、第四十条", ["art_38", "art_40"]),
        ("第十条至第十二条", ["art_10", "art_11", "art_12"]),
        ("第十条—第十二条", ["art_10", "art_11", "art_12"]),
        (
            "第二十一条第一项至第三项、第四十二条",
            ["art_21__point_1", "art_21__point_2", "art_21__point_3", "art_42"],
        ),
        ("第十条之一：text", ["art_10_1"]),
        (
            "第三十条、第三十四条、第三十七条、第四十条、第四十四条。",
            ["art_30", "art_34", "art_37", "art_40", "art_44"],
        ),
        ("第五十条第一款、第四款和第五十一条", ["art_50__para_1", "art_50__para_4", "art_51"]),
        ("第十条第一款第（一）、（二）项", ["art_10__para_1__point_1", "art_10__para_1__point_2"]),
        ("第五条 第二款：国务院机关事务管理部门", ["art_5__para_2"]),
        (
            "第十八条第一款:林业行政主管部门在收到验收申请后。\n    第二款：对验收合格的",
            ["art_18__para_1", "art_18__para_2"],
        ),
        ("第五章、第六章、第七章。", ["chp_5", "chp_6", "chp_7"]),
        ("第三章第二节", ["chp_3__sec_2"]),
        ("第四十条、\n第四十一条、第\n四十二条", ["art_40", "art_41", "art_42"]),
        ("第２５条：text", ["art_25"]),
        ("第十七条 因特殊情况需要在文物保护单位的保护范围内", ["art_17"]),
        ("第十条申请国家出资勘查并已经探明矿产地的采矿权的", ["art_10"]),
        ("第二十六条第一款区域性批发企业可以", ["art_26__para_1"]),
        ("第十条 第三人应当", ["art_10"]),
        ("第十一条：方可筹建。第十四条：广播电台、电视台终止", ["art_11", "art_14"]),
        ("第二十条第一款；第二十一条", ["art_20__para_1", "art_21"]),
    ],
)
def test_refs(body: str, expected: list[str]) -> None:
    c = one(_H + body)
    assert paths(c) == expected


@pytest.mark.parametrize(
    ("body", "points"),
    [
        ("第110项：房地产估价机构资质核准，实施机关：县级以上地方人民政府。", [110]),
        ("附件第103项：城市排水许可证核发。", [103]),
        ("附件1第9项：取消审批事项；\n    附件2第2项：将成品油零售经营资格审批下放", [9, 2]),
        (
            "附件：《国务院决定对确需保留的行政审批项目设定行政许可的目录》\n    第303项：开办视频点播",
            [303],
        ),
        (
            "附件2《国务院决定下放管理层级的行政审批项目目录》第37项：“设立经营性互联网文化单位审批”",
            [37],
        ),
    ],
)
def test_point_only_refs(body: str, points: list[int]) -> None:
    c = one(
        "【国务院决定】《国务院关于取消和下放一批行政许可事项的决定》（国发〔2020〕13号）\n    "
        + body
    )
    assert c.refs == [ArticleRef(point=p) for p in points]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # article text mentioning other articles is not a reference
        (
            "第六十二条：服务业的经营者将本法第四十九条至第五十二条规定禁止销售的产品用于经营",
            ["art_62"],
        ),
        ("第四十二条：违反本条例第十三条第二款规定，未取得备案卡", ["art_42"]),
        # a line of article text that starts with an article number used as wording
        ("第十条：有下列情形之一的：\n第一款所列行为之一的，处罚款", ["art_10"]),
        ("第五十八条：有下列行为之一的：\n   （四）违反本规定第三十一条，未按规定配备", ["art_58"]),
    ],
)
def test_article_text_is_not_a_reference(body: str, expected: list[str]) -> None:
    assert paths(one(_H + body)) == expected


@pytest.mark.parametrize(
    ("text", "title", "expected"),
    [
        ("【法规】〈城镇燃气管理条例〉第三十八条：燃气经营者", "城镇燃气管理条例", ["art_38"]),
        ("【法律】《食品安全法第一百三十条：违反", "食品安全法", ["art_130"]),
        ("《行政许可法》第三十条规定：text", "行政许可法", ["art_30"]),
        ("依据《中华人民共和国行政许可法》第三十条", "中华人民共和国行政许可法", ["art_30"]),
        (
            "【法律】《X法》（2020年）\n第十条：a\n第十一条规定的情形，处罚款\n第十二条：b",
            "X法",
            ["art_10", "art_12"],
        ),
    ],
)
def test_odd_titles_and_line_starts(text: str, title: str, expected: list[str]) -> None:
    c = one(text)
    assert (c.title, paths(c)) == (title, expected)


def test_quoted_text() -> None:
    c = one(
        "【法律】《中华人民共和国食品安全法》（2021年4月29日第二次修正）\n    第一百三十条：违反本法"
        "第十条规定的，依照《中华人民共和国行政诉讼法》向人民法院起诉。\n    药品经营企业未按照规定报告的，"
        "责令限期改正。"
    )
    assert c.quoted_text == (
        "违反本法第十条规定的，依照《中华人民共和国行政诉讼法》向人民法院起诉。\n"
        "    药品经营企业未按照规定报告的，责令限期改正。"
    )
    assert c.raw.startswith("【法律】") and c.raw.endswith("责令限期改正。")
    c = one(
        ";1、《军人抚恤优待条例》第三十三条“义务兵服现役期间，其家庭由当地人民政府发给优待金。”"
    )
    assert (c.title, paths(c), c.quoted_text) == (
        "军人抚恤优待条例",
        ["art_33"],
        "义务兵服现役期间，其家庭由当地人民政府发给优待金。",
    )


def test_title_inside_article_text_is_not_a_citation() -> None:
    text = (
        "【法律】《中华人民共和国公司法》（1993年12月29日发布，2021年4月29日修订）\n    第二百五十七条\u3000"
        "承担资产评估的机构提供虚假材料的，由有关部门依照\n《中华人民共和国资产评估法》、"
        "《中华人民共和国注册会计师法》等法律的规定处罚。"
    )
    c = one(text)
    assert (c.title, paths(c)) == ("中华人民共和国公司法", ["art_257"])
    assert "注册会计师法" in c.quoted_text


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        (
            "【法律】《中华人民共和国测绘法》（1992年通过）\n    第六十三条：违反本法规定。\n"
            "【法规】《基础测绘条例》（2009年5月6日由国务院令第556号发布）\n    第三十三条：违反本条例规定",
            ["中华人民共和国测绘法", "基础测绘条例"],
        ),
        (
            "【法律】《中华人民共和国行政处罚法》（2021年1月22日修订）第五十四条、第五十五条。"
            "                    【规章】《家电维修服务业管理办法》(2012年3月9日通过)\n    第三条：商务部",
            ["中华人民共和国行政处罚法", "家电维修服务业管理办法"],
        ),
        (
            "《中华人民共和国保守国家秘密法》（2010年4月29日予以修改）第三十四条：从事国家秘密载体制作。\r\n"
            "《中华人民共和国保守国家秘密法实施条例》（2014年2月2日国务院令第646号）第二十八条：企业事业单位",
            ["中华人民共和国保守国家秘密法", "中华人民共和国保守国家秘密法实施条例"],
        ),
        (
            "【规范性文件】《生态环境保护综合行政执法事项指导目录（2020年版）》第20项；"
            "《新疆维吾尔自治区生态环境保护综合行政执法事项清单（2020年版）》第38条",
            [
                "生态环境保护综合行政执法事项指导目录（2020年版）",
                "新疆维吾尔自治区生态环境保护综合行政执法事项清单（2020年版）",
            ],
        ),
        (
            "【法规】《禁止传销条例》（2005年8月10日通过）\n    第二十四条：text\n增补依据：【规章】"
            "港口经营管理规定（交通运输部令2020年第21号）第二十九条 港口经营人",
            ["禁止传销条例", "港口经营管理规定"],
        ),
        (
            "    （三）农用地转用方案经批准后，由市、县人民政府组织实施。 \n    《新疆维吾尔自治区实施〈中华人民"
            "共和国城乡规划法〉办法》（2008年11月29日通过）\n    第十条：text",
            ["新疆维吾尔自治区实施〈中华人民共和国城乡规划法〉办法"],
        ),
    ],
)
def test_several_instruments(text: str, titles: list[str]) -> None:
    cits = parse_basis(text)
    assert [c.title for c in cits if not c.problem] == titles
    assert all(c.refs or c.quoted_text is not None for c in cits)


def test_raw_keeps_all_text() -> None:
    text = "【法律】《A法》第一条：x。\r\n【法规】《B条例》（2001年）\r\n    第二条：y。"
    cits = parse_basis(text)
    assert [c.raw for c in cits] == [
        "【法律】《A法》第一条：x。",
        "【法规】《B条例》（2001年）\r\n    第二条：y。",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "国务院令第412号",
        "无",
        "【国务院决定】国务院令第412号",
        "第十条",
        "【法律】",
        "【法律】《",
        "》》（（第",
        "\x00\ufeff《",
        "第" * 500,
        "《" * 300 + "》",
        "（" * 300,
        "【法律】《A法》第一百亿条",
    ],
)
def test_unreadable_cells_give_one_problem_citation(text: str) -> None:
    cits = parse_basis(text)
    assert cits
    if all(c.title is None for c in cits):
        assert all(c.problem and c.problem.startswith("unreadable") for c in cits)


def test_blank_and_untitled() -> None:
    assert parse_basis("") == []
    assert parse_basis("  \n\u3000") == []
    c = one("国务院令第412号")
    assert (c.raw, c.title, c.problem) == (
        "国务院令第412号",
        None,
        "unreadable: no instrument title",
    )
    c = one("【国务院决定】国务院令第412号")
    assert (c.source_tag, c.title) == ("国务院决定", None) and c.problem.startswith("unreadable")


# ----------------------------------------------------------------------------- resolution
@dataclasses.dataclass(frozen=True)
class FakeVersion:
    title: str
    version_date: str = "2021"
    effective_date: str | None = None


class FakeCorpus:
    """Titles -> set of paths, one version each (dated 2021) and no texts; a title is found
    without 中华人民共和国. Only the numbering rules are tested with it: versions and quotes
    are tested on the real corpus below."""

    def __init__(self, laws: dict[str, set[str]]) -> None:
        self.laws = laws

    def versions(self, title: str) -> list[FakeVersion]:
        t = title.removeprefix("中华人民共和国")
        return [FakeVersion(t)] if t in self.laws else []

    def known_versions(self, title: str) -> list[tuple[str, str | None]]:
        return []

    def key(self, instrument: FakeVersion) -> str:
        return f"{instrument.title}@2021"

    def paths(self, key: str) -> set[str]:
        return self.laws[key.split("@")[0]]

    def subdivision(self, key: str, path: str) -> None:
        return None

    def unreadable(self, title: str) -> None:
        return None


CORPUS = FakeCorpus(
    {
        "食品安全法": {
            "chp_9",
            "art_130",
            "art_130__para_1",
            "art_26",
            "art_26__para_1",
            "art_26__para_1__point_3",
            "art_10",
            "art_10__para_1",
            "art_10__para_2",
            "art_10__para_2__point_3",
            "art_10_1",
        },
        "国务院对确需保留的行政审批项目设定行政许可的决定": set(),
    }
)


def cite(body: str, title: str = "中华人民共和国食品安全法") -> Citation:
    return one(f"【法律】《{title}》（2021年修正）\n    {body}")


@pytest.mark.parametrize(
    ("body", "status", "reason", "found", "missing"),
    [
        ("第一百三十条：text", "subdivision", None, ["art_130"], []),
        ("第二十六条第一款第（三）项", "subdivision", None, ["art_26__para_1__point_3"], []),
        ("第十条第（三）项", "subdivision", None, ["art_10__para_2__point_3"], []),
        ("第十条之一", "subdivision", None, ["art_10_1"], []),
        ("第十条末款", "subdivision", None, ["art_10__para_2"], []),
        ("第十条末款第（三）项", "subdivision", None, ["art_10__para_2__point_3"], []),
        ("第九章", "subdivision", None, ["chp_9"], []),
        ("第一百三十条、第九百条", "subdivision", None, ["art_130"], ["art_900"]),
        ("第九百条", "unresolved", "article-not-in-instrument", [], ["art_900"]),
        (
            "第二十六条第（四）项",
            "unresolved",
            "article-not-in-instrument",
            [],
            ["art_26__point_4"],
        ),
        ("全文适用。", "instrument", None, [], []),
    ],
)
def test_resolve(
    body: str, status: str, reason: str | None, found: list[str], missing: list[str]
) -> None:
    r = resolve(cite(body), CORPUS)
    assert (r.status, r.reason, r.paths, r.missing) == (status, reason, found, missing)
    assert r.instrument_key == "食品安全法@2021"


def test_resolve_unreadable_and_unknown() -> None:
    r = resolve(one("国务院令第412号"), CORPUS)
    assert (r.status, r.reason, r.instrument_key) == ("unresolved", "unreadable", None)
    r = resolve(cite("第一条", title="中华人民共和国不存在法"), CORPUS)
    assert (r.status, r.reason, r.instrument_key) == (
        "unresolved",
        "instrument-not-in-corpus",
        None,
    )


def test_resolve_point_only_counts_as_missing() -> None:
    c = one(
        "【国务院决定】《国务院对确需保留的行政审批项目设定行政许可的决定》（国务院令第412号）\n"
        "    第86项：设立技工学校审批。"
    )
    r = resolve(c, CORPUS)
    assert (r.status, r.reason, r.missing) == (
        "unresolved",
        "article-not-in-instrument",
        ["point_86"],
    )
    assert r.instrument_key is not None


# ----------------------------------------------------------------------------- real data
def _workbook_cells(path: Path, tmp: Path) -> list[str]:
    from python_calamine import CalamineWorkbook

    src = path
    if path.suffix == ".xlsx" and path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0":  # an old .xls
        src = tmp / (path.stem + ".xls")
        shutil.copy(path, src)
    wb = CalamineWorkbook.from_path(str(src))
    cells: list[str] = []
    for i in range(len(wb.sheet_names)):
        cols: list[int] | None = None
        for row in wb.get_sheet_by_index(i).to_python():
            if cols is None:
                found = [j for j, v in enumerate(row) if isinstance(v, str) and "依据" in v]
                cols = found or None
                continue
            cells += [row[j] for j in cols if j < len(row) and isinstance(row[j], str)]
    return cells


@pytest.fixture(scope="module")
def real_cells(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    lists = shared_path("lists")
    tmp = tmp_path_factory.mktemp("xls")
    books = sorted((lists / "xinjiang-karamay").glob("*.xls*"))
    assert len(books) == 17
    cells = [c for b in books for c in _workbook_cells(b, tmp)]
    data = json.loads((lists / "liaoning-seesee111" / "government_data.json").read_text("utf-8"))
    cells += [o["依据"] for o in data if isinstance(o.get("依据"), str)]
    return [c for c in cells if c.strip()]


@pytest.mark.shared_data
def test_every_real_cell_parses(real_cells: list[str]) -> None:
    assert len(real_cells) > 4000
    total = problems = 0
    for text in real_cells:
        cits = parse_basis(text)
        assert cits, text[:80]
        assert all(isinstance(c, Citation) and c.raw for c in cits)
        total += len(cits)
        problems += sum(c.problem is not None for c in cits)
        for c in cits:
            assert all(r.path() or r.point is not None for r in c.refs), c.raw[:80]
    assert problems / total < 0.01


@pytest.mark.shared_data
@pytest.mark.slow
def test_resolution_share_on_real_cells(real_cells: list[str]) -> None:
    statutes = pytest.importorskip("prl.ingest.statutes")
    if not hasattr(statutes, "StatuteCorpus"):
        pytest.skip("prl.ingest.statutes has no StatuteCorpus yet")
    corpus = statutes.StatuteCorpus.load(shared_path("statutes"))
    counts: collections.Counter[str] = collections.Counter()
    partial = 0
    for text in real_cells:
        for c in parse_basis(text):
            r = resolve(c, corpus)
            counts[r.status if r.status != "unresolved" else f"unresolved:{r.reason}"] += 1
            partial += bool(r.status == "subdivision" and r.missing)
    total = sum(counts.values())
    found = total - counts["unresolved:instrument-not-in-corpus"] - counts["unresolved:unreadable"]
    print(f"\ncitations: {total}")
    for k, v in counts.most_common():
        print(f"  {k:45s} {v:6d} {v / total:6.1%}")
    print(
        f"  subdivision among instruments found: {counts['subdivision'] / found:.1%}"
        f" ({partial} with some refs missing)"
    )
    assert counts["subdivision"] / found >= 0.9


# ----------------------------------------------------------------------------- versions, quotes
WILDLIFE_44 = (
    "【法律】《中华人民共和国野生动物保护法》（1988年11月8日第七届全国人民代表大会常委委员会第四次"
    "会议通过，2018年10月26日第十三届全国人民代表大会常务委员会第六次会议《关于修改〈中华人民共和国"
    "野生动物保护法〉等十五部法律的决定》第三次修正）\n    第四十四条：违反本法第十五条第三款规定，以"
    "收容救护为名买卖野生动物及其制品的，由县级以上人民政府野生动物保护主管部门没收野生动物及其制品、"
    "违法所得，并处野生动物及其制品价值二倍以上十倍以下的罚款，将有关违法信息记入社会诚信档案，向社会"
    "公布；构成犯罪的，依法追究刑事责任。"
)


@pytest.fixture(scope="module")
def statutes():
    from prl.ingest.statutes import StatuteCorpus

    return StatuteCorpus.load(shared_path("statutes"))


def version_of(r, statutes) -> str | None:
    return statutes.get(r.instrument_key).version_date if r.instrument_key else None


@pytest.mark.shared_data
def test_the_revision_the_note_names_wins_over_the_newest(statutes) -> None:
    # 林草 list, sheet 地州级, row 79: the 2018 text, word for word; art. 44 of 2022 is another rule
    r = resolve(one(WILDLIFE_44), statutes, "2024-12-31")
    assert (version_of(r, statutes), r.paths) == ("2018-10-26", ["art_44"])
    assert (r.verification, r.version_basis, r.meant_version) == (
        "verified",
        "revision-note",
        "2018-10-26",
    )
    assert r.score is not None and r.score > 0.95


@pytest.mark.shared_data
def test_without_a_note_the_version_in_force_on_the_list_date(statutes) -> None:
    c = one("【法律】《中华人民共和国矿产资源法》\n    第三十九条")
    # the revision of 2024-11-08 enters into force on 2025-07-01: not for a 2024 list
    r = resolve(c, statutes, "2024-12-31")
    assert (version_of(r, statutes), r.version_basis) == ("2009-08-27", "in-force")
    r = resolve(c, statutes, "2025-12-31")
    assert (version_of(r, statutes), r.version_basis) == ("2024-11-08", "in-force")
    assert r.verification == "unverified"  # nothing quoted


@pytest.mark.shared_data
def test_a_quote_of_another_version_moves_the_link_there(statutes) -> None:
    # the note is wrong (says 2022) but the quote is the 2018 text of art. 44
    cell = WILDLIFE_44.replace("2018年10月26日", "2022年12月30日")
    r = resolve(one(cell), statutes, "2024-12-31")
    assert (version_of(r, statutes), r.paths, r.version_basis) == (
        "2018-10-26",
        ["art_44"],
        "quote",
    )
    assert (r.verification, r.meant_version) == ("verified", "2022-12-30")


@pytest.mark.shared_data
def test_a_meant_version_missing_from_the_corpus_is_not_replaced(statutes) -> None:
    c = one(
        "【法律】《中华人民共和国种子法》（2000年7月8日主席令第三十四号，2015年11月4日予以修改）\n"
        "    第五十三条"
    )
    r = resolve(c, statutes, "2024-12-31")
    assert (r.status, r.reason, r.paths) == ("instrument", "version-not-in-corpus", [])
    assert (r.meant_version, r.listed, r.instrument_key) == ("2015-11-04", ["art_53"], None)
    assert statutes.get(r.version_of).title == "中华人民共和国种子法"


@pytest.mark.shared_data
def test_a_quote_of_another_article_links_that_article_and_keeps_the_number(statutes) -> None:
    # 农业农村局, 行政裁决 row 2: the 2002 numbering (art. 51) with the 2018 revision named;
    # in 2018 the dispute article is art. 55
    c = one(
        "【法律】《中华人民共和国农村土地承包法》（2018年12月29日第十三届全国人民代表大会常务委员会第七次"
        "会议《关于修改<中华人民共和国农村土地承包法>的决定》第二次修正）\n    第五十一条：因土地承包经营发"
        "生纠纷的，双方当事人可以通过协商解决，也可以请求村民委员会、乡（镇）人民政府等调解解决。\n"
        "当事人不愿协商、调解或者协商、调解不成的，可以向农村土地承包仲裁机构申请仲裁，也可以直接向人民法"
        "院起诉。"
    )
    r = resolve(c, statutes, "2024-12-31")
    assert (version_of(r, statutes), r.paths, r.listed) == ("2018-12-29", ["art_55"], ["art_51"])
    assert r.verification == "mismatch" and r.score == 1.0


@pytest.mark.shared_data
def test_a_quote_no_provision_holds_is_a_mismatch_on_the_listed_number(statutes) -> None:
    c = one(
        "【法律】《中华人民共和国矿产资源法》（2009年8月27日第二次修正）\n"
        "    第三十九条：禁止在大众传播媒介或者公共场所发布烟草广告，违者没收广告费用。"
    )
    r = resolve(c, statutes, "2024-12-31")
    assert (r.status, r.paths, r.verification, r.listed) == (
        "subdivision",
        ["art_39"],
        "mismatch",
        [],
    )
    assert r.score is not None and r.score < 0.6


def test_local_implementing_measures_are_instruments_of_their_own() -> None:
    for cell in (
        "【地方性法规】新疆维吾尔自治区实施《中华人民共和国野生动物保护法》办法（1991年通过）第十条",
        "【地方性法规】《中华人民共和国野生动物保护法》新疆维吾尔自治区实施办法(1991年11月2日通过)"
        " 第三十五条：违反",
    ):
        c = one(cell)
        assert "新疆维吾尔自治区" in c.title and c.title.endswith("办法"), c.title
        assert r_reason(c) == "instrument-not-in-corpus"


def r_reason(c: Citation) -> str | None:
    return resolve(c, CORPUS).reason


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("（2018年修正）", (["2018"], [], [])),
        ("(2015年4月24日予以修改)", (["2015-04-24"], [], [])),
        ("（国务院令第687号）", ([], [], [])),
        (
            "（2003年8月27日通过，自2004年7月1日起施行，2019年4月23日修正，自公布之日起施行）",
            (["2019-04-23"], ["2003-08-27"], ["2004-07-01"]),
        ),
        ("（现行生效版本为2018年3月19日修正版）", (["2018-03-19"], [], [])),
    ],
)
def test_note_dates(note: str, expected: tuple) -> None:
    assert note_dates(note) == expected


@pytest.mark.parametrize(
    ("refs", "paths"),
    [
        (
            "第三十三条第一、二、三、五项",
            ["art_33__point_1", "art_33__point_2", "art_33__point_3", "art_33__point_5"],
        ),
        (
            "第六十二条第（三）（四）（五）项",
            ["art_62__point_3", "art_62__point_4", "art_62__point_5"],
        ),
        ("第三条第二、三、四款", ["art_3__para_2", "art_3__para_3", "art_3__para_4"]),
        ("第二十七第二款", ["art_27__para_2"]),
        ("第十条第二款、末款", ["art_10__para_2", "art_10__para_last"]),
        ("第五条（一）", ["art_5"]),
    ],
)
def test_reference_forms(refs: str, paths: list[str]) -> None:
    c = one(f"【法律】《中华人民共和国食品安全法》\n    {refs}：text")
    assert [r.path() for r in c.refs] == paths


def test_a_reference_inside_the_quoted_article_is_part_of_the_quote() -> None:
    cits = parse_basis(
        "【法律】《中华人民共和国畜牧法》（2015年修正）\n    第六十条：违反本法规定，销售种畜禽的，"
        "依照《中华人民共和国种子法》的有关规定处罚。\n【法规】《种畜禽管理条例》\n    第十条：text"
    )
    assert [c.title for c in cits] == ["中华人民共和国畜牧法", "种畜禽管理条例"]
    assert "依照《中华人民共和国种子法》的有关规定处罚" in cits[0].quoted_text
