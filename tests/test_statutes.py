"""Tests for ingest.statutes: LawRefBook Markdown, flk seeds, metadata and title lookup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SHARED, shared_path

from prl.ingest.records import Instrument, Subdivision
from prl.ingest.statutes import StatuteCorpus, normalise_title, parse_flk_seed, parse_markdown

LAWREFBOOK = SHARED / "statutes" / "lawrefbook"
SEEDS = SHARED / "statutes" / "flk_via_ansvar" / "seed"
MD_FILES = sorted(LAWREFBOOK.rglob("*.md")) if LAWREFBOOK.is_dir() else []
N = "零〇○一二三四五六七八九十百千0-9０-９"
# an article line; '第一百二十八 条' (space before 条, 刑事诉讼法 2018) is a known quirk
ARTICLE_LINE = re.compile(rf"^第[{N}]+(?:条(?:之[{N}]+)? | 条)")


def _nodes(nodes: list[Subdivision]):
    for n in nodes:
        yield n
        yield from _nodes(n.children)


@pytest.fixture(scope="session")
def corpus() -> StatuteCorpus:
    root = shared_path("statutes")
    return StatuteCorpus.load(root)  # its load time is printed by bench/ingest.py


@pytest.fixture(scope="session")
def parsed() -> dict[Path, Instrument]:
    shared_path("statutes", "lawrefbook")
    return {f: parse_markdown(f) for f in MD_FILES}


def _md(name: str) -> Path:
    hits = [f for f in MD_FILES if f.name == name]
    if not hits:
        pytest.skip(f"{name} not in the corpus")
    return hits[0]


# --------------------------------------------------------------------------- every file
@pytest.mark.shared_data
@pytest.mark.parametrize("path", MD_FILES, ids=[f.name for f in MD_FILES])
def test_every_lawrefbook_file(path: Path, parsed: dict[Path, Instrument]) -> None:
    ins = parsed[path]
    body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
    expected = sum(1 for line in body.splitlines() if ARTICLE_LINE.match(line))
    assert len(ins.articles()) == expected
    if expected == 0:
        assert ins.parts == []
    paths = [n.path for n in _nodes(ins.parts)]
    assert len(paths) == len(set(paths)), "paths must be unique"
    assert all(paths)
    for art in ins.articles():
        assert art.children and art.children[0].path == f"{art.path}__para_1"
    assert ins.title and not ins.title.startswith("#")


@pytest.mark.shared_data
def test_corpus_totals(parsed: dict[Path, Instrument]) -> None:
    assert len(parsed) == 1073
    assert sum(1 for i in parsed.values() if not i.articles()) == 37


# --------------------------------------------------------------------------- structure
@pytest.mark.shared_data
def test_paragraphs_and_points() -> None:
    ins = parse_markdown(_md("个人信息保护法(2021-08-20).md"))
    assert ins.title == "中华人民共和国个人信息保护法"
    assert ins.short_title == "个人信息保护法" and ins.version_date == "2021-08-20"
    art = ins.articles()[2]
    assert (art.label, art.path, art.number) == ("第三条", "art_3", 3)
    assert [p.path for p in art.children] == ["art_3__para_1", "art_3__para_2"]
    points = art.children[1].children
    assert [p.path for p in points] == [f"art_3__para_2__point_{i}" for i in (1, 2, 3)]
    assert points[2].label == "（三）" and points[2].text.startswith("（三）法律、行政法规")
    assert art.children[1].text.endswith("（三）法律、行政法规规定的其他情形。")
    assert art.text.startswith("在中华人民共和国境内处理") and "第三条" not in art.text
    assert ins.parts[0].path == "chp_1" and ins.parts[0].label.startswith("第一章")


@pytest.mark.shared_data
def test_points_then_new_paragraph() -> None:
    art = parse_markdown(_md("食品安全法(2021-04-29).md")).articles()[1]
    assert len(art.children) == 2
    assert len(art.children[0].children) == 6 and not art.children[1].children


@pytest.mark.shared_data
def test_point_running_over_several_lines() -> None:
    arts = {a.path: a for a in parse_markdown(_md("海关法(2021-04-29).md")).articles()}
    para = arts["art_6"].children
    assert len(para) == 1 and [p.number for p in para[0].children] == list(range(1, 9))
    assert para[0].children[3].text.count("\n") == 2  # 项 (四) has two more lines
    arts = {a.path: a for a in parse_markdown(_md("国歌法(2017-09-01).md")).articles()}
    assert len(arts["art_4"].children) == 1 and len(arts["art_4"].children[0].children) == 9


@pytest.mark.shared_data
def test_article_101_and_sections() -> None:
    ins = parse_markdown(_md("食品安全法(2021-04-29).md"))
    arts = {a.path: a for a in ins.articles()}
    assert arts["art_101"].label == "第一百零一条" and arts["art_101"].number == 101
    chapter4 = next(p for p in ins.parts if p.path == "chp_4")
    assert [s.path for s in chapter4.children][:2] == ["chp_4__sec_1", "chp_4__sec_2"]


@pytest.mark.shared_data
def test_article_zhi_yi_and_books() -> None:
    ins = parse_markdown(_md("刑法.md"))
    arts = {a.path: a for a in ins.articles()}
    a = arts["art_120_1"]
    assert (a.label, a.number, a.suffix) == ("第一百二十条之一", 120, 1)
    assert arts["art_120_6"].suffix == 6
    assert [p.path for p in ins.parts[:2]] == ["book_1", "book_2"]
    # chapter numbers restart in each 编, so chapters carry the book prefix
    assert ins.parts[1].children[0].path == "book_2__chp_1"
    assert not arts["art_452"].text.startswith("①")
    assert ins.version_date == "2023-12-29"  # undated file: latest event in the history


@pytest.mark.shared_data
def test_space_before_tiao_quirk() -> None:
    arts = {a.path: a for a in parse_markdown(_md("刑事诉讼法(2018-10-26).md")).articles()}
    assert arts["art_128"].text.startswith("侦查人员")


@pytest.mark.shared_data
def test_fullwidth_digits_in_header() -> None:
    ins = parse_markdown(_md("公安机关办理行政案件程序规定(2019-04-27).md"))
    assert ins.history[0].startswith("２０１２年１２月３日")
    assert ins.version_date == "2019-04-27" and len(ins.articles()) > 250


@pytest.mark.shared_data
def test_civil_code_merged(corpus: StatuteCorpus) -> None:
    ins = corpus.find("《民法典》")
    key = corpus.key(ins)
    assert key == "中华人民共和国民法典@2020-05-28"
    assert len(ins.articles()) == 1260
    assert corpus.subdivision(key, "book_7").label == "侵权责任编"
    assert corpus.subdivision(key, "art_1165__para_1").text.startswith("行为人因过错")
    assert "book_2__chp_4" in corpus.paths(key)


# --------------------------------------------------------------------------- seeds
@pytest.mark.shared_data
def test_seeds_parse() -> None:
    files = sorted(shared_path("statutes", "flk_via_ansvar", "seed").glob("*.json"))
    assert len(files) == 30
    for f in files:
        ins = parse_flk_seed(f)
        paths = [n.path for n in _nodes(ins.parts)]
        assert ins.articles() and len(paths) == len(set(paths))
    food = parse_flk_seed(SEEDS / "7b5a76d0461745a08d3f964916b87ef3.json")
    assert food.title == "中华人民共和国食品安全法"
    assert (food.version_date, food.effective_date, food.status) == (
        "2025-09-12",
        "2025-12-01",
        "in_force",
    )
    assert food.parts[0].path == "chp_1" and food.parts[3].children[0].path == "chp_4__sec_1"
    art2 = food.articles()[1]
    assert len(art2.children[0].children) >= 6 and art2.children[0].children[0].label == "（一）"


# --------------------------------------------------------------------------- metadata
@pytest.mark.shared_data
def test_metadata(corpus: StatuteCorpus) -> None:
    old = corpus.find("食品安全法", as_of="2024-01-01")
    assert old.version_date == "2021-04-29" and old.level == "法律"
    assert old.status == "amended" and old.effective_date == "2021-04-29"
    assert old.issuing_body == "全国人民代表大会常务委员会"
    reg = corpus.find("食品安全法实施条例")
    assert reg.level == "行政法规" and reg.effective_date == "2019-12-01"
    rule = corpus.find("公安机关办理行政案件程序规定")
    assert rule.level == "部门规章" and rule.issuing_body == "公安部"
    versions = corpus.versions("药品管理法实施条例")
    assert [v.status for v in versions] == ["amended", "in_force", "not_yet_in_force"]
    assert corpus.find("药品管理法实施条例", as_of="2025-06-01").version_date == "2024-12-06"
    assert not corpus.errors


# --------------------------------------------------------------------------- lookup
def test_normalise_title() -> None:
    assert normalise_title("《中华人民共和国 食品安全法》") == "食品安全法"
    assert normalise_title("食品安全法（2021年修正）") == "食品安全法"
    assert normalise_title("宪法修正案（2018年）") != normalise_title("宪法")
    assert normalise_title("办法（试行）") == "办法(试行)"


@pytest.mark.shared_data
@pytest.mark.parametrize(
    "cited",
    [
        "《食品安全法》",
        "中华人民共和国食品安全法",
        "食品安全法（2021年修正）",
        "《食品安全法》第三十五条",
        "食品安全法 ",
    ],
)
def test_find_variants(corpus: StatuteCorpus, cited: str) -> None:
    assert corpus.find(cited).title == "中华人民共和国食品安全法"


@pytest.mark.shared_data
def test_find_versions(corpus: StatuteCorpus) -> None:
    assert corpus.find("《中华人民共和国行政许可法》").title == "中华人民共和国行政许可法"
    assert corpus.find("广告法").title == "中华人民共和国广告法"
    assert len(corpus.versions("广告法")) == 1  # the two identical files are one version
    assert corpus.find("处方药与非处方药分类管理办法") is not None  # （试行） omitted
    assert corpus.find("刑法修正案（十一）").version_date == "2020-12-26"
    assert corpus.find("食品安全法").version_date == "2025-09-12"
    assert corpus.find("食品安全法", as_of="2025-01-01").version_date == "2021-04-29"
    assert corpus.find("食品安全法", as_of="2025-09-12").version_date == "2025-09-12"
    assert corpus.find("食品安全法", as_of="1990-01-01").version_date == "2025-09-12"
    assert corpus.find("不存在的条例") is None
    assert corpus.find("刑法修正案（十三）") is None  # not 刑法修正案 (1999)
    assert corpus.find("食品安全法(2015修订)").title == "中华人民共和国食品安全法"
    keys = [corpus.key(i) for i in corpus.instruments]
    assert len(keys) == len(set(keys))


@pytest.mark.shared_data
def test_subdivision_lookup(corpus: StatuteCorpus) -> None:
    key = corpus.key(corpus.find("个人信息保护法"))
    assert corpus.subdivision(key, "art_3__para_2__point_3").label == "（三）"
    assert corpus.subdivision(key, "art_999") is None
    assert corpus.subdivision("nope@undated", "art_1") is None
    assert {"chp_1", "art_3", "art_3__para_2"} <= corpus.paths(key)


# --------------------------------------------------------------------------- small sample
def test_small_folder_without_db(tmp_path: Path) -> None:
    folder = tmp_path / "lawrefbook" / "行政法规"
    folder.mkdir(parents=True)
    (folder / "示例条例(2020-01-02).md").write_text(
        "# 示例条例\n\n2020年1月2日 国务院令发布\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n"
        "第一条 为了测试，制定本条例。\n\n第十条之一 有下列情形之一的：\n\n（一）甲；\n\n（二）乙。\n\n"
        "前款规定以外的。\n",
        encoding="utf-8",
    )
    (folder / "某决定(2021-03-04).md").write_text("# 某决定\n\n<!-- INFO END -->\n\n一、修改。\n")
    c = StatuteCorpus.load(tmp_path)
    ins = c.find("《示例条例》（2020年修订）", as_of="2030-01-01")
    key = c.key(ins)
    assert key == "示例条例@2020-01-02" and ins.level == "行政法规"
    assert c.paths(key) >= {
        "chp_1",
        "art_1__para_1",
        "art_10_1__para_1__point_2",
        "art_10_1__para_2",
    }
    assert c.find("某决定").parts == []
    undated = StatuteCorpus([Instrument(title="无日期法", source_path="x")])
    assert undated.key(undated.instruments[0]) == "无日期法@undated"


def test_other_roots(tmp_path: Path) -> None:
    folder = tmp_path / "lawrefbook" / "行政法"
    folder.mkdir(parents=True)
    f = folder / "示例法(2022-05-06).md"
    f.write_text("# 中华人民共和国示例法\n\n<!-- INFO END -->\n\n第一条 本法。\n", encoding="utf-8")
    for root in (tmp_path, tmp_path / "lawrefbook", f):
        c = StatuteCorpus.load(root)
        ins = c.find("《示例法》")
        assert c.key(ins) == "中华人民共和国示例法@2022-05-06" and ins.level == "法律"
    assert StatuteCorpus.load(tmp_path / "missing").instruments == []


@pytest.mark.shared_data
def test_flk_folder_as_root() -> None:
    c = StatuteCorpus.load(shared_path("statutes", "flk_via_ansvar"))
    assert len(c.instruments) == 30
    assert c.find("食品安全法", as_of="2022-01-01").status == "amended"
