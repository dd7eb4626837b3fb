"""Reading a question as people ask it: what they want (a licence, a penalty, who is in
charge …), the matter, the place when one is named, and a statute article when one is
cited (``统计法第四十四条``). Everyday words get the words the lists use for them from the
vocabulary file (``vocabulary.tsv``: data, grown from the lists; one test per entry).

The matter is segmented with spaCy's blank ``zh`` pipeline and the jieba segmenter; question
words, the words of the intent and the place are
not part of it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from prl.graph_api.answers.text_index import fold

VOCABULARY = Path(__file__).with_name("vocabulary.tsv")

#: question words, function words and words of asking: not part of the matter
STOP_WORDS = {
    "什么", "哪个", "哪些", "哪家", "哪里", "哪部", "哪条", "哪", "谁", "谁来", "怎么", "怎样", "如何", "吗", "呢",
    "吧", "啊", "要", "需要", "想", "我", "我们", "你", "请问", "一下", "办", "办理", "去", "找", "能", "可以",
    "负责", "部门", "单位", "机关", "依据", "根据", "法律", "法规", "规定", "条款", "哪些法律", "是", "的",
    "了", "在", "有", "和", "与", "及", "或", "由", "被", "会", "对", "给", "向", "归", "管", "谁管",
    "该", "应该", "应当", "开", "一家", "一个", "个", "家", "些", "这", "那", "时候", "情况", "事", "事项",
    "问题", "多少", "是否", "还是", "以及", "哪儿", "能否", "想开", "拿到", "能拿", "得去", "上", "下", "中", "里", "后", "前", "做", "搞", "弄", "得", "地",
}  # fmt: skip

_PUNCT = re.compile(r"[\s\u3000，。？！、；：,.?!;:“”\"'‘’（）()《》【】\[\]…—-]+")


@cache
def chinese_nlp():
    import jieba
    import spacy

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter stays off the terminal
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def normalise(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).strip()


#: what the asker wants, by the phrases that say it: (intent, power type notations, pattern).
#: The phrase that ends last wins (ties: the first listed); "in-charge" names no type and
#: counts only when no other intent is said.
INTENTS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (name, types, re.compile(p))
    for name, types, p in (
        ("reward", ("08",), r"奖励|奖金|有奖|表彰|奖吗|能拿.{0,2}奖"),
        ("ruling", ("09",), r"裁决|仲裁|纠纷"),
        ("coercion", ("03",), r"查封|扣押|冻结|强制|扣车|封存|滞纳金|代为处置|代履行"),
        ("levy", ("04",), r"征收|收费|缴费|交.{0,4}费|缴纳"),
        ("benefit", ("05",), r"补贴|补助|给付|救助|抚恤|领.{0,3}(钱|金)"),
        ("penalty", ("02",), r"怎么罚|怎么处罚|处罚|罚款|罚钱|罚多少|会被.{0,4}罚|谁.{0,2}罚|查处|处法"),
        ("licence", ("01",), r"许可|审批|批准|要批|核发|执照|资质|准入|申请"),
        # a certificate asked for may be a licence or a registration (行政确认: 房产证)
        ("licence", ("01", "07"), r"办.{0,3}证|什么证|去哪.{0,2}办|怎么办理|办什么手续|什么手续"),
        ("inspection", ("06",), r"检查|抽查|谁来查|监督|巡查|核查"),
        ("confirmation", ("07", "10"), r"认定|确认|鉴定|登记|评定|备案"),
        ("in-charge", (), r"找谁|归谁管|谁管|哪个部门|哪个单位|谁负责|管不管|谁来管|去哪"),
    )
)  # fmt: skip

#: words of the intents and of asking, removed from the matter (on top of ``STOP_WORDS``)
ASKING = re.compile(
    r"要办什么证|办什么证|需要审批吗|需要审批|要审批吗|要审批|审批吗|去哪里办|去哪儿办|去哪办|怎么办理|"
    r"怎么罚|怎么处罚|谁来查处|谁来处罚|谁处罚|谁来罚|谁罚|会被罚|罚多少|谁来查|谁来管|归谁管|谁负责|"
    r"找谁|谁管|管不管|哪个部门|哪个单位|哪个机关|能不能|可不可以|有没有|是不是|要不要|"
    r"请问|我想|我要|想要|想|应该|依据什么|根据什么|什么法律|哪部法律|哪条法律|依据是什么|依据哪部"
)

_PLACE = re.compile(
    r"^(?:我在|在|我们|我家在)?([\u4e00-\u9fff]{2,7}?(?:维吾尔自治区|壮族自治区|回族自治区|"
    r"自治区|自治州|自治县|省|市|区|县|旗|州))"
)
_NOT_PLACE = re.compile(
    r"^(?:超市|城市|市场|社区|小区|景区|园区|矿区|开发区|保护区|禁区|地区|校区|市区|郊区)"
)
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)  # fmt: skip
_PROVINCE = re.compile(
    rf"(?:{'|'.join(PROVINCES)})(?:维吾尔自治区|壮族自治区|回族自治区|自治区|特别行政区|省|市)?"
)

NUMERAL = r"[零〇一二两三四五六七八九十百千0-9]+"


def to_int(numeral: str) -> int:
    """四十四 -> 44, 12 -> 12 (cn2an; the question is NFKC-normalised, so digits are ASCII)."""
    import cn2an

    return int(cn2an.cn2an(numeral, "smart"))


_CITATION = re.compile(
    rf"《?([\u4e00-\u9fffA-Za-z0-9（）()]{{2,40}}?)》?第({NUMERAL})条"
    rf"(?:第({NUMERAL})款)?(?:第({NUMERAL})项)?"
)


@dataclass(frozen=True)
class Word:
    """A word of the matter and the words the lists use for it (from the vocabulary)."""

    text: str
    alternatives: tuple[str, ...] = ()
    weight: float = 1.0  # how much it says about the matter (``_weight``)

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.text, *self.alternatives)


@dataclass(frozen=True)
class Citation:
    """An article the question cites: the title as written, article, paragraph, item."""

    title: str
    article: int
    paragraph: int | None
    item: int | None
    text: str  # as written


@dataclass(frozen=True)
class Reading:
    question: str
    clean: str  # normalised, folded
    intent: str | None  # licence, penalty, inspection … or in-charge, None when unsaid
    types: tuple[str, ...]  # power type notations the intent asks for
    place: str | None
    words: tuple[Word, ...]  # the matter
    citation: Citation | None
    mapped: tuple[tuple[str, tuple[str, ...]], ...]  # vocabulary entries used
    #: (as typed, as read): misspellings and abbreviations corrected against the lists
    corrected: tuple[tuple[str, str], ...] = ()

    def with_corrections(self, corrected: tuple[tuple[str, str], ...]) -> Reading:
        return replace(self, corrected=corrected)

    @property
    def matter(self) -> str:
        return "".join(w.text for w in self.words)


@cache
def vocabulary() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(everyday word, list words) from ``vocabulary.tsv``, longest everyday word first."""
    entries = []
    for n, line in enumerate(VOCABULARY.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            raise ValueError(f"{VOCABULARY.name}, line {n}: expected 'everyday<TAB>list words'")
        words = tuple(w.strip() for w in cols[1].split("|") if w.strip())
        entries.append((fold(cols[0].strip()), words))
    return tuple(sorted(entries, key=lambda e: -len(e[0])))


def read(question: str) -> Reading:
    clean = fold(normalise(question))
    citation = _citation(clean)
    rest = clean
    if citation:
        rest = rest.replace(citation.text, " ")
    place = None
    m = _PLACE.match(rest)
    if m and _is_place(m.group(1)):
        place = m.group(1)
        rest = rest[m.end() :]
    else:
        p = _PROVINCE.search(rest)
        if p:
            place = p.group(0)
            rest = rest[: p.start()] + " " + rest[p.end() :]
    intent: str | None = None
    types: tuple[str, ...] = ()
    end = -1
    for name, kinds, pattern in INTENTS:  # the intent said last wins (谁来查…怎么罚: a penalty)
        if not kinds and intent is not None:
            break  # "who is in charge" only when no kind of power is asked for
        for m in pattern.finditer(rest):
            if m.end() > end:
                intent, types, end = name, kinds, m.end()
    # everyday words first (they may span what the segmenter would split), then the rest
    mapped: list[tuple[str, tuple[str, ...]]] = []
    words: list[Word] = []
    pieces = [ASKING.sub(" ", rest)]
    for everyday, official in vocabulary():
        nxt = []
        for piece in pieces:
            if everyday in piece:
                mapped.append((everyday, official))
                words.append(Word(everyday, official, MAPPED_WEIGHT))
                nxt.extend(piece.split(everyday))
            else:
                nxt.append(piece)
        pieces = nxt
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        for tok in chinese_nlp()(piece):
            t = tok.text.strip()
            if t and t not in STOP_WORDS and t not in FILLER and not _ONLY_ASKING.fullmatch(t):
                words.append(Word(t, (), _weight(t)))
    words = _merge_singles(words)
    return Reading(
        question, clean, intent, types, place, tuple(dict.fromkeys(words)), citation,
        tuple(mapped),
    )  # fmt: skip


MAPPED_WEIGHT = 1.5  # a word the vocabulary knows names the matter

#: words of everyday talk that say nothing about the matter
FILLER = {
    "有人", "发现", "到底", "还", "还是", "人", "来", "为", "跟", "家里", "一块", "自家", "我家",
    "他们", "她们", "它们", "随便", "老是", "总是", "经常", "一直", "已经", "现在", "这个", "那个",
    "这种", "那种", "怎么办", "咋办", "咋", "啥", "能", "会", "让", "把", "给", "从", "到", "往",
    "以", "同", "为了", "关于", "时", "偷偷", "居然", "竟然", "到处", "这样", "那样", "如果",
    "的话", "所以", "因为", "但是", "可是", "就", "都", "也", "又", "再", "才", "很", "太",
    "特别", "非常", "比较", "有点", "一些", "一点", "所有", "每个", "别人", "自己", "大家",
    "需", "需要", "必须", "得", "老", "总",
}  # fmt: skip

#: words that say what is wanted rather than the matter (the intent reads them): they
#: weigh little in the coverage of an answer
INTENT_WORDS = {
    "审批", "批准", "许可", "许可证", "办证", "证", "证件", "处罚", "罚", "罚款", "处理", "检查",
    "监督", "监督检查", "奖励", "表彰", "裁决", "仲裁", "认定", "确认", "征收", "补贴", "补助",
    "查封", "扣押", "强制", "登记", "申请", "申报", "举报", "投诉", "管理", "部门", "手续",
}  # fmt: skip

#: jieba's dictionary tags of words that carry no matter (adverbs, pronouns, numerals,
#: measure words, prepositions, conjunctions, particles, interjections, time, direction)
LIGHT_TAGS = {"d", "r", "m", "q", "p", "c", "u", "y", "e", "o", "t", "f", "s", "ul", "uj", "zg"}


def _is_place(name: str) -> bool:
    """A leading 某某市/区/县… is a place when it or its stem is a word of jieba's dictionary
    (独山子区, 克拉玛依区, 海淀区), not when it only ends like one (擅自砍城市)."""
    if _NOT_PLACE.match(name):
        return False
    stem = _SUFFIX.sub("", name)
    return name in _tags() or (len(stem) >= 2 and stem in _tags())


_SUFFIX = re.compile(
    r"(?:维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|省|市|区|县|旗|州)$"
)


def _weight(word: str) -> float:
    if word in INTENT_WORDS:
        return 0.3
    tag = _tags().get(word)
    if tag in LIGHT_TAGS:
        return 0.2
    if len(word) == 1:
        return 0.4
    return 1.0


@cache
def _tags() -> dict[str, str]:
    """jieba's dictionary part-of-speech tags (the dictionary jieba segments with)."""
    import jieba.posseg

    chinese_nlp()  # jieba initialised, quietly
    jieba.posseg.dt.tokenizer.initialize()
    return jieba.posseg.dt.word_tag_tab


_ONLY_ASKING = re.compile(r"[\W\d_]+|[的了吗呢吧啊呀么着过得地个只]")


def _merge_singles(words: list[Word]) -> list[Word]:
    """Runs of single characters the segmenter left (a misspelling, a rare name) are put
    back together, so that 许可正 keeps 许可 and 正 does not weigh as a word."""
    out: list[Word] = []
    run = ""
    for w in words:
        if len(w.text) == 1 and not w.alternatives and w.text not in INTENT_WORDS:
            run += w.text
            continue
        if run:
            out.append(Word(run, (), _weight(run)))
            run = ""
        out.append(w)
    if run:
        out.append(Word(run, (), _weight(run)))
    return out


def _citation(clean: str) -> Citation | None:
    m = _CITATION.search(clean)
    if not m:
        return None
    try:
        art = to_int(m.group(2))
        para = to_int(m.group(3)) if m.group(3) else None
        item = to_int(m.group(4)) if m.group(4) else None
    except (ValueError, KeyError):
        return None
    return Citation(m.group(1), art, para, item, m.group(0))


def find_title(hint: str, titles: list[str]) -> str | None:
    """The cited title among ``titles`` (longest first) that the words before 第N条 name:
    the whole title, or the title without 中华人民共和国, at the end of the hint or in it."""
    best = None
    for title in titles:
        short = title.removeprefix("中华人民共和国")
        if len(short) < 2:
            continue
        if hint.endswith(title) or hint.endswith(short):
            return title
        if best is None and (title in hint or short in hint):
            best = title
    return best
