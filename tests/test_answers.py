"""Reading questions, the BM25 text index checked against the formula computed by hand, the
vocabulary file, and the text index following the store's writes."""

from __future__ import annotations

import math

import orjson
import pytest

from prl.graph_api.answers import retrieval
from prl.graph_api.answers.intent import VOCABULARY, read, vocabulary
from prl.graph_api.answers.responsibility import responsibility
from prl.graph_api.answers.spelling import sounds, understand
from prl.graph_api.answers.text_index import K1, B, TextIndex, fold, query_codes
from tests.conftest import make_store


# ------------------------------------------------------------------ reading
@pytest.mark.parametrize(
    ("question", "intent", "types"),
    [
        ("开饭店要办什么证", "licence", ("01", "07")),  # a certificate: licence or registration
        ("砍树要审批吗", "licence", ("01",)),
        ("非法采矿怎么处罚", "penalty", ("02",)),
        ("噪音扰民找谁", "in-charge", ()),
        ("谁来查食品，查到了怎么罚", "penalty", ("02",)),  # the intent said last
        ("救灾补助款找哪个部门", "benefit", ("05",)),  # 找哪个部门 does not hide the kind
        ("不交工伤保险能加收滞纳金吗", "coercion", ("03",)),
        ("举报偷排有奖励吗", "reward", ("08",)),
        ("技术合同", None, ()),
    ],
)
def test_intent(question, intent, types):
    r = read(question)
    assert (r.intent, r.types) == (intent, types)


def test_everyday_words_get_list_words_and_question_words_go():
    r = read("有人偷偷砍树，归谁管啊？")
    assert [w.text for w in r.words] == ["砍树"]
    assert "采伐" in r.words[0].alternatives
    assert ("砍树", r.words[0].alternatives) in r.mapped


def test_a_particle_inside_a_word_stays():  # 吧 of 网吧 is not the particle 吧
    assert "网吧" in [w.text for w in read("无证开网吧谁处罚").words]


@pytest.mark.parametrize(
    ("question", "place", "rest"),
    [
        ("独山子区砍树要审批吗", "独山子区", ["砍树"]),
        ("在白碱滩区开饭店要办什么证", "白碱滩区", ["开饭店"]),
        ("北京市噪音扰民找谁", "北京市", ["噪音", "扰民"]),
        ("擅自砍城市里的树谁处罚", None, ["砍", "擅自", "城市", "树"]),  # ends like a place
    ],
)
def test_place(question, place, rest):
    r = read(question)
    assert r.place == place
    assert [w.text for w in r.words] == rest


@pytest.mark.parametrize(
    ("question", "title", "article", "paragraph"),
    [
        ("中华人民共和国统计法第四十四条", "中华人民共和国统计法", 44, None),
        ("按照安全生产法第九十七条，没证上岗谁来罚", "按照安全生产法", 97, None),
        ("《森林法》第五十六条第二款谁负责", "森林法", 56, 2),
        ("娱乐场所管理条例第52条", "娱乐场所管理条例", 52, None),
    ],
)
def test_citation(question, title, article, paragraph):
    c = read(question).citation
    assert (c.title, c.article, c.paragraph) == (title, article, paragraph)


def test_vocabulary_file_is_data_with_an_example_per_entry():
    entries = vocabulary()
    assert len(entries) >= 50
    for n, line in enumerate(VOCABULARY.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            word, words, question, power = line.split("\t")
            assert word in question, f"vocabulary.tsv line {n}: the example must use {word}"
            assert words and power, f"vocabulary.tsv line {n}"
    # longest first, so that 开饭店 is read before 饭店
    assert [len(w) for w, _ in entries] == sorted((len(w) for w, _ in entries), reverse=True)


# ------------------------------------------------------------------ the index
TYPES = {"行政许可": "01", "行政处罚": "02", "行政征收": "04", "行政给付": "05", "行政确认": "07"}


def doc(iri: str, name: str, body: str, type_label: str, text: str = "", duty: str = "") -> bytes:
    return orjson.dumps(
        {
            "power": {
                "iri": iri,
                "name": name,
                "type": {"notation": TYPES[type_label], "label": type_label},
            },
            "bodies": [{"iri": body, "label": body}],
            "units": [],
            "citations": [{"role": "basis", "text": text, "instrument": None, "subdivisions": []}],
            "duties": [{"text": duty}] if duty else [],
        }
    )


DOCS = [
    ("p:1", "对违反噪声污染防治规定的处罚", "生态环境局", "行政处罚", "噪声超标的，处罚款"),
    ("p:2", "对拒不接受噪声污染检查的处罚", "生态环境局", "行政处罚", ""),
    ("p:3", "林木采伐许可证的核发", "林业和草原局", "行政许可", "采伐林木应当申请采伐许可证"),
    ("p:4", "对违法采伐林木的处罚", "林业和草原局", "行政处罚", "盗伐林木的，处罚款"),
]


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def bm25_by_hand(term: str, field: list[str]) -> list[float]:
    """Robertson–Spärck Jones BM25 of a bigram in each text, counted the slow way."""
    counts = [bigrams(t).count(term) for t in field]
    lengths = [len(bigrams(t)) + len(t) for t in field]  # the name field also holds characters
    avg = sum(lengths) / len(lengths)
    df = sum(1 for c in counts if c)
    idf = math.log(1 + (len(field) - df + 0.5) / (df + 0.5))
    return [
        idf * c * (K1 + 1) / (c + K1 * (1 - B + B * n / avg))
        for c, n in zip(counts, lengths, strict=True)
    ]


@pytest.mark.parametrize("term", ["噪声", "采伐", "处罚", "许可"])
def test_bm25_is_the_formula(term):
    index = TextIndex.build([(i, doc(i, n, b, t, x)) for i, n, b, t, x in DOCS])
    (code,) = query_codes(term)
    got = index.scores({code: 1.0}, field_weights={"name": 1.0, "meta": 0.0, "text": 0.0})
    expected = bm25_by_hand(term, [fold(n) for _, n, _, _, _ in DOCS])
    assert got.tolist() == pytest.approx(expected, rel=1e-5)


def test_matching_reads_names_texts_and_bodies():
    index = TextIndex.build([(i, doc(i, n, b, t, x)) for i, n, b, t, x in DOCS])
    found = retrieval.find(index, read("盗伐谁管"), 3)  # 盗伐 is only in a cited text
    assert index.iris[found.matches[0].id] == "p:4"
    assert found.matches[0].matched[0]["where"] == ["cited text or duties"]
    found = retrieval.find(index, read("砍树要审批吗"), 3)
    assert found.answered and index.iris[found.matches[0].id] == "p:3"
    assert found.matches[0].confidence == 1.0


def test_no_licence_for_what_the_lists_hold_only_penalties_on():
    index = TextIndex.build([(i, doc(i, n, b, t, x)) for i, n, b, t, x in DOCS])
    found = retrieval.find(index, read("噪声污染防治要办什么许可证"), 3)
    assert not found.answered and "no licence" in found.reason
    assert {index.iris[m.id] for m in found.closest[:2]} == {"p:1", "p:2"}


def test_a_province_no_list_belongs_to_is_said():
    index = TextIndex.build([(i, doc(i, n, b, t, x)) for i, n, b, t, x in DOCS])
    found = retrieval.find(index, read("广东省砍树要审批吗"), 3)
    assert not found.answered and "广东省" in found.reason


# ------------------------------------------------------------------ misspellings, abbreviations
SPELLING_DOCS = [
    *DOCS,
    ("p:5", "对未采取有效扬尘防治措施的处罚", "住房和城乡建设局", "行政处罚", "扬尘污染"),
    ("p:6", "运动员技术等级认定", "文化体育广播电视和旅游局", "行政确认", ""),
    ("p:7", "优抚对象医疗保障", "退役军人事务局", "行政给付", ""),
    ("p:8", "恢复植被费的征收", "林业和草原局", "行政征收", ""),
]


@pytest.mark.parametrize(
    "question, corrected, expected",
    [
        ("二级运动员等级去哪认订", [("认订", "认定")], "p:6"),  # 订 ding for 定 ding
        ("优抚对象的医保找谁", [("医保", "医疗保障")], "p:7"),  # an abbreviation
        ("不动产登计在哪里办", [], None),  # 登记 is held by no name here: nothing to read it as
        ("恢复费交给谁", [], "p:8"),  # 复费 is part of 恢复: no misspelling of 付费
        ("扬尘太大谁罚", [], "p:5"),  # spelt right
    ],
)
def test_misspellings_and_abbreviations_are_read_as_the_lists_write_them(
    question, corrected, expected
):
    index = TextIndex.build([(i, doc(i, n, b, t, x)) for i, n, b, t, x in SPELLING_DOCS])
    r = understand(index, read(question))
    assert list(r.corrected) == corrected
    found = retrieval.find(index, r, 3)
    if expected:
        assert index.iris[found.matches[0].id] == expected
    if corrected:  # the reading shows what was read as what, the matter has the list's word
        assert corrected[0][1] in r.matter and corrected[0][0] not in r.matter


def test_sounds_fold_the_confusions_of_pinyin_input():
    assert sounds("扬") == sounds("羊") and sounds("成")[0] == sounds("尘")[0]  # cheng ~ chen
    assert sounds("是")[0] == sounds("四")[0]  # shi ~ si
    assert sounds("订")[0] == sounds("定")[0] and sounds("订")[0] != sounds("天")[0]


# ------------------------------------------------------------------ following writes
def test_the_text_index_follows_writes(tmp_path, small_nq, sample_nq):
    store = make_store("oxigraph", tmp_path)
    try:
        store.load_nquads(small_nq)
        before = responsibility(store, "拒绝配合统计调查谁处罚", limit=3)
        assert not any("统计局" in b["label"] for a in before["answers"] for b in a["bodies"])
        store.load_file(sample_nq)  # the 统计局 list among others
        after = responsibility(store, "拒绝配合统计调查谁处罚", limit=3)
        assert after["answered"]
        assert "克拉玛依市统计局" in {b["label"] for b in after["answers"][0]["bodies"]}
        assert retrieval.text_index(store).source is store.power_iris()
    finally:
        store.close()
