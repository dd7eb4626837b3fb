"""Reading a question: normalisation, segmentation (spaCy's blank ``zh`` pipeline with the
jieba segmenter), and the terms, sub-terms and power types it names (``Question``). How the
answers are ranked from these is in ``ranking``.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

STOP_WORDS = {
    "什么", "哪个", "哪些", "哪家", "哪里", "哪部", "哪条", "哪", "谁", "谁来", "怎么", "怎样", "如何", "吗", "呢",
    "吧", "啊", "要", "需要", "想", "我", "我们", "你", "请问", "一下", "办", "办理", "去", "找", "能", "可以",
    "负责", "部门", "单位", "机关", "依据", "根据", "法律", "法规", "规定", "条款", "哪些法律", "是", "的",
    "了", "在", "有", "和", "与", "及", "或", "由", "被", "会", "对", "给", "向", "归", "管", "谁管",
    "该", "应该", "应当", "开", "一家", "一个", "个", "家", "些", "这", "那", "时候", "情况", "事", "事项",
    "问题", "多少", "是否", "还是", "以及", "哪儿", "能否", "想开", "拿到", "能拿", "得去", "上", "下", "中", "里", "后", "前", "做", "搞", "弄", "得", "地",
}  # fmt: skip

TYPE_WORDS = {
    "许可": "01", "审批": "01", "批准": "01", "核准": "01", "执照": "01", "证": "01",
    "处罚": "02", "罚款": "02", "罚": "02", "违法": "02",
    "强制": "03", "查封": "03", "扣押": "03",
    "征收": "04", "收费": "04",
    "给付": "05", "补贴": "05", "补助": "05",
    "检查": "06", "监督检查": "06", "抽查": "06",
    "确认": "07", "认定": "07", "登记": "07",
    "奖励": "08", "表彰": "08",
    "裁决": "09", "仲裁": "09", "纠纷": "09",
}  # fmt: skip

#: everyday words and the words official lists use for the same thing (added as sub-terms)
SYNONYMS = {
    "办证": ("许可",), "执照": ("许可",), "证照": ("许可",), "审批": ("许可", "审批"),
    "罚": ("处罚",), "罚款": ("处罚",), "开店": ("经营",), "开业": ("经营", "设立"),
    "卖": ("销售", "经营"), "砍": ("采伐",), "砍树": ("采伐", "林木"), "树": ("林木",),
    "药店": ("药品经营", "药品零售"), "饭店": ("餐饮",), "饭馆": ("餐饮",), "餐馆": ("餐饮",),
    "开车": ("机动车",), "盖房": ("建设工程", "建筑"), "房子": ("房屋",), "工厂": ("企业",),
    "厂": ("企业", "生产"), "污染": ("污染", "排污"), "补贴": ("补贴", "补助"),
}  # fmt: skip

_PUNCT = re.compile(r"[\s\u3000，。？！、；：,.?!;:“”\"'‘’（）()《》【】\[\]…—-]+")


@cache
def _nlp():
    import jieba
    import spacy

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter stays off the terminal
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def normalise(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Question:
    text: str  # as asked
    core: str  # the question without punctuation and question words
    terms: tuple[str, ...]
    sub_terms: tuple[str, ...]
    types: tuple[str, ...]  # type notations the question names
    clean: str = ""  # the question normalised
    total: int = field(init=False, compare=False)  # characters of the terms (at least 1)

    #: (sub-term, its length, the terms that contain it): a sub-term counts only when no
    #: matched term contains it
    subs: tuple[tuple[str, int, tuple[str, ...]], ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(len(t) for t in self.terms) or 1)
        subs = tuple((t, len(t), tuple(m for m in self.terms if t in m)) for t in self.sub_terms)
        object.__setattr__(self, "subs", subs)


def analyse(question: str) -> Question:
    """Segment a question and keep the words that can match a power's name."""
    clean = normalise(question)
    tokens = [t.text for t in _nlp()(clean)] if clean else []
    kept = [t for t in tokens if t not in STOP_WORDS and not _PUNCT.fullmatch(t)]
    terms = [t for t in kept if len(t) >= 2]
    if not terms:  # a one-character question, or only short words: keep them
        terms = [t for t in kept if t] or ([clean] if clean else [])
    terms = list(dict.fromkeys(terms))
    sub_terms = []
    for t in terms:
        if len(t) >= 3:
            for i in range(len(t) - 1):
                piece = t[i : i + 2]
                if piece not in terms and piece not in STOP_WORDS and piece not in sub_terms:
                    sub_terms.append(piece)
    for word, official in SYNONYMS.items():
        if word in clean:
            sub_terms.extend(o for o in official if o not in terms and o not in sub_terms)
    core = "".join(kept) or clean
    types = tuple(dict.fromkeys(code for word, code in TYPE_WORDS.items() if word in clean))
    return Question(question, core, tuple(terms), tuple(sub_terms), types, clean)
