"""Answering "who is responsible for X, under which law": segmentation and ranking.

How ranking works (also in docs/api.md):

1. The question is normalised (NFKC, no spaces) and segmented with spaCy's blank ``zh``
   pipeline using the jieba segmenter. Question words, function words and punctuation
   (什么, 哪个, 谁, 负责, 依据, 的, …) are dropped; what is left are the *terms*.
2. For recall, each term of three or more characters also contributes its two-character
   pieces (``餐饮店`` -> ``餐饮``, ``饮店``) as weaker *sub-terms*, and everyday words add the
   words lists use for them (``办证`` -> ``许可``, ``饭店`` -> ``餐饮``; ``SYNONYMS``).
3. The store returns candidate powers whose name contains at least one term or sub-term
   (an in-memory substring index in both stores), each with its IRI, name and type
   notation, as ``Candidate`` tuples: ranking reads no power.
4. Each candidate is scored:
   - exact name match (the whole query, or the query without question words, equals the
     name): +100; the name contains that whole text: +40;
   - term overlap: the share of the query's characters covered by matched terms (weight
     by term length, sub-terms at half weight) times 40;
   - name similarity: rapidfuzz ``ratio`` and ``partial_ratio`` between the cleaned query
     and the name, times 0.2 and 0.1;
   - type intent: when the question names a power type (许可, 处罚, 检查 …) and the power has
     that type, +8;
   - a shorter name wins ties (a closer fit), then the IRI.
5. The best answers are expanded with their bodies, citations (instrument, legal force and
   the article / paragraph / item text), duties and accountability.
When nothing matches, single characters of the query find close names as suggestions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from graph_api.models import Candidate

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
    import spacy

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


def normalise(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Query:
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


def analyse(question: str) -> Query:
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
    return Query(question, core, tuple(terms), tuple(sub_terms), types, clean)


def score(q: Query, power: Candidate) -> float:
    """The score of one candidate (``rank`` computes the same for many at once)."""
    name = normalise(power.name)
    s = _base(q, name)
    if q.core:
        s += 0.2 * fuzz.ratio(q.core, name) + 0.1 * fuzz.partial_ratio(q.core, name)
    if power.type in q.types:
        s += 8
    return round(s, 3)


def _base(q: Query, name: str) -> float:
    """Exact or containing match and term overlap."""
    s = 0.0
    if name in (q.core, q.clean):
        s += 100
    elif q.core and q.core in name:
        s += 40
    covered = 0.0
    for t in q.terms:
        if t in name:
            covered += len(t)
    for t, n, within in q.subs:
        if t in name and not any(m in name for m in within):
            covered += 0.5 * n
    return s + 40 * min(1.0, covered / q.total)


@lru_cache(maxsize=200_000)
def _name(name: str) -> str:
    return normalise(name)


def _contains(names: np.ndarray, text: str) -> np.ndarray:
    return np.strings.find(names, text) >= 0


def rank(q: Query, candidates: list[Candidate], limit: int) -> list[tuple[Candidate, float]]:
    """The best ``limit`` candidates by ``score``, then shorter name, then IRI: ``score``
    for many candidates at once, each part one numpy or rapidfuzz call over all names."""
    if not candidates or limit <= 0:
        return []
    names = [_name(p.name) for p in candidates]
    arr = np.array(names, dtype=np.str_)
    has = {t: _contains(arr, t) for t in dict.fromkeys(q.terms + q.sub_terms)}
    # exact or containing match, then term overlap (in the order ``_base`` adds them)
    exact = (arr == q.core) | (arr == q.clean)
    within = _contains(arr, q.core) if q.core else np.zeros(len(arr), dtype=bool)
    s = np.where(exact, 100.0, np.where(within, 40.0, 0.0))
    covered = np.zeros(len(arr))
    for t in q.terms:
        covered += np.where(has[t], float(len(t)), 0.0)
    for t, n, containing in q.subs:
        counts = has[t].copy()
        for m in containing:
            counts &= ~has[m]
        covered += np.where(counts, 0.5 * n, 0.0)
    s = s + 40 * np.minimum(1.0, covered / q.total)
    if q.core:
        ratio = process.cdist([q.core], names, scorer=fuzz.ratio, dtype=np.float64)[0]
        partial = process.cdist([q.core], names, scorer=fuzz.partial_ratio, dtype=np.float64)[0]
        s += 0.2 * ratio + 0.1 * partial
    if q.types:
        s += np.fromiter((8.0 if p.type in q.types else 0.0 for p in candidates), float)
    rounded = [round(x, 3) for x in s.tolist()]
    # only the candidates scoring at least the limit-th best need the full ordering
    if len(rounded) > limit:
        cut = np.partition(np.array(rounded), len(rounded) - limit)[len(rounded) - limit]
        keep = [i for i, x in enumerate(rounded) if x >= cut]
    else:
        keep = range(len(rounded))
    scored = [(candidates[i], rounded[i]) for i in keep]
    scored.sort(key=lambda x: (-x[1], len(x[0].name), x[0].iri))
    return scored[:limit]
