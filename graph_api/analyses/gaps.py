"""Powers a statute grants that no list carries (gap detection).

The statutes are those the loaded lists cite (the newest version of each in the store).
Their sentences are read with spaCy's rule-based matchers over the blank ``zh`` pipeline
(jieba): a ``Matcher`` finds the acting body (人民政府 … 部门/机构, or 由 … 部门), a
``PhraseMatcher`` the action after it in the same sentence (罚款, 没收, 吊销 → 行政处罚;
批准, 许可, 审批, 核发 → 行政许可; 检查 → 行政检查; 查封, 扣押 → 行政强制). A body named
with 国务院 or a province (省、自治区、直辖市) is not a city's or a county's, and is left
out. The kind of body comes from ``body_kinds.tsv`` (data): the phrase's words
(市场监督管理, 工商行政管理 …) and the names of the bodies of that kind in the lists.

For each body of the lists, the clauses that name its kind and that none of its powers cites
(an article cited as basis or duty basis, or a paragraph or item of it) are its gaps. Each
finding has the body, the statute, the article, the sentence, the body phrase and the
action that made it, and the power type the action implies. Precision matters more than
recall: a sentence whose action comes more than ``REACH`` characters after the body phrase
is not read as a grant.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from prl.graph_api.analyses.impact import Article, article_number, articles
from prl.graph_api.answers.evaluation import title_key
from prl.graph_api.answers.findings import all_documents, findings_workbook, provision_label
from prl.graph_api.answers.intent import chinese_nlp
from prl.graph_api.store import Store

KINDS_FILE = Path(__file__).parent / "body_kinds.tsv"
REACH = 40  # at most this many characters from the body phrase to its action
HOLDS = 0.5  # a power whose name has this share of its bigrams in a clause holds it
MIN_POWERS = 10  # a body holding fewer has no list of its own to have gaps in
_DISTRICT = re.compile(r"各区|分局|区县|县级|[^市]区")
ACTIONS = {
    "行政处罚": ("罚款", "没收", "吊销", "责令停产停业", "责令停业整顿"),
    "行政许可": ("批准", "许可", "审批", "核发", "核准"),
    "行政检查": ("监督检查", "检查"),
    "行政强制": ("查封", "扣押", "冻结"),
}
_PUNCT = ["，", "。", "；", "：", "、", "（", "）", ",", ";", ":", "(", ")"]
#: words that make 人民政府 … 部门 two bodies, the government acting (人民政府应当组织 … 部门)
_NOT_IN_A_BODY = ["应当", "组织", "可以", "会同", "责成", "指定", "委托", "授权"]
#: just before a body phrase: a condition of the conduct (未经 … 部门批准，擅自 …), not a grant
_CONDITION = re.compile(r"未经[^，。；]{0,12}$")
#: before the body phrase: a body above a city's or county's
_HIGHER = re.compile(r"国务院|直辖市|省级|省人民政府|自治区人民政府|中央|上一级|上级")
#: between the body phrase and the action: the action is another's (报本级人民政府批准,
#: 由本级人民政府核发) or no act at all (批准后的方案)
_NOT_ITS_ACT = re.compile(r"报|人民政府|提请")
#: after the action word: a time, a state or a thing, not an act
_NOT_AN_ACT = ("的", "后", "中", "工作", "时", "情况", "结果", "记录", "制度", "人员")
#: the level named just before 人民政府 (shown with the body phrase)
_LEVEL = re.compile(r"(?:县级以上(?:地方)?|设区的市(?:级)?|所在地城市、县|城市|县级|地方各级)$")
_SENTENCES = re.compile(r"(?<=[。；;])|\n")


#: a sentence is read only when it has a body's word followed somewhere by an action's
_WORTH_READING = re.compile(
    "(?:部门|机构|机关).*(?:" + "|".join(w for ws in ACTIONS.values() for w in ws) + ")"
)


@dataclass(frozen=True)
class BodyKind:
    name: str
    in_statute: re.Pattern[str]
    in_body: re.Pattern[str]


@cache
def body_kinds(path: Path = KINDS_FILE) -> tuple[BodyKind, ...]:
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or row[0].startswith("#"):
                continue
            if len(row) != 3:
                raise ValueError(f"{path.name} line {n}: 3 tab-separated columns expected")
            out.append(BodyKind(row[0], re.compile(row[1]), re.compile(row[2])))
    return tuple(out)


@cache
def _matchers():
    from spacy.matcher import Matcher, PhraseMatcher

    nlp = chinese_nlp()
    body = Matcher(nlp.vocab)
    end = {"TEXT": {"REGEX": r"(部门|机构|机关)$"}}
    word = {"TEXT": {"NOT_IN": _PUNCT + _NOT_IN_A_BODY}}
    body.add("BODY", [[{"TEXT": "人民政府"}, {**word, "OP": "{1,6}"}, end]])
    body.add("BODY", [[{"TEXT": "由"}, {**word, "OP": "{1,6}"}, end]])
    action = PhraseMatcher(nlp.vocab)
    for kind, words in ACTIONS.items():
        action.add(kind, [nlp.make_doc(w) for w in words])
    return nlp, body, action


def kinds_of_body(name: str) -> list[str]:
    """The kinds (body_kinds.tsv) a body of the lists is of, by its name."""
    return [k.name for k in body_kinds() if k.in_body.search(name)]


def is_district(name: str) -> bool:
    """Whether a body of the lists is a district's or county's (各区…局, …分局)."""
    return _DISTRICT.search(name) is not None


@dataclass(frozen=True)
class Clause:
    sentence: str
    body_phrase: str
    kinds: tuple[str, ...]  # body kinds named
    action: str  # the word
    power_type: str  # what the action implies


def clauses(text: str) -> list[Clause]:
    """The grants of power to a city's or county's body in a text, one per sentence.

    >>> [(c.kinds, c.action, c.power_type) for c in clauses(
    ...     "违反本法规定的，由县级以上人民政府市场监督管理部门责令改正，处一万元以下罚款。")]
    [(('市场监督管理',), '罚款', '行政处罚')]
    >>> clauses("国务院农业农村主管部门应当对种畜禽进行监督检查。")
    []
    """
    nlp, body, action = _matchers()
    labels = nlp.vocab.strings
    out = []
    for sentence in _SENTENCES.split(text):
        sentence = sentence.strip()
        if not _WORTH_READING.search(sentence):
            continue
        doc = nlp(sentence)
        # the shortest phrase from each start: 由认证认可监督管理部门, not … 吊销检验机构
        spans = sorted({(s, e) for _, s, e in body(doc)})
        acts = sorted((s, e, labels[m]) for m, s, e in action(doc))
        last_end = -1
        for s, e in spans:
            if s < last_end:
                continue
            last_end = e
            phrase = doc[s:e].text
            before = sentence[max(0, doc[s].idx - 12) : doc[s].idx] + phrase
            if _HIGHER.search(before) or _CONDITION.search(sentence, 0, doc[s].idx):
                continue
            kinds = tuple(k.name for k in body_kinds() if k.in_statute.search(phrase))
            if not kinds:
                continue
            after = [(a, b, t) for a, b, t in acts if a >= e]
            if not after:
                continue
            a, b, kind = after[0]
            gap = sentence[doc[e - 1].idx + len(doc[e - 1].text) : doc[a].idx]
            following = sentence[doc[b - 1].idx + len(doc[b - 1].text) :][:2]
            if (
                len(gap) > REACH
                or _NOT_ITS_ACT.search(gap)
                or gap.endswith(("在", "对"))  # 在监督检查中: a time, not an act
                or following.startswith(_NOT_AN_ACT)  # 批准后的方案, 开展监督检查时
            ):
                continue
            level = _LEVEL.search(sentence, 0, doc[s].idx)
            phrase = (level[0] if level else "") + phrase.removeprefix("由")
            out.append(Clause(sentence, phrase, kinds, doc[a:b].text, kind))
            break  # one grant per sentence: the first body acting
    return out


@dataclass(frozen=True)
class GapFinding:
    body: str
    body_kind: str
    instrument: str
    version: str | None
    article: str  # 第二十条
    path: str  # art_20
    sentence: str
    body_phrase: str  # 县级以上人民政府市场监督管理部门
    action: str  # 罚款
    power_type: str  # 行政处罚
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


def gap_findings(store: Store, bodies: Iterable[str] | None = None) -> list[GapFinding]:
    """Every gap of the store's bodies (or of the bodies of these labels), by body,
    instrument and article.

    Only the statutes a body's own powers cite are read for it (a body citing none of a
    statute leaves it to another, whatever its kind), in the newest version it cites (a
    list citing 畜牧法 of 2015 is held to that version's articles), and only for bodies
    holding at least ``MIN_POWERS`` powers (a co-holder of one row has no list of its own).
    An inspection clause is covered by any inspection power of the body citing the statute
    (lists fold inspections into one item per statute)."""
    cited: dict[str, set[tuple[str, str]]] = defaultdict(set)  # body -> (version, article)
    names: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)  # body -> powers
    newest: dict[str, tuple[str, str]] = {}  # title key -> (date, version IRI)
    own: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # body -> title -> same
    inspected: dict[str, set[str]] = defaultdict(set)  # body -> titles its inspections cite
    for doc in all_documents(store):
        labels = [b["label"] for b in doc.get("bodies") or []]
        kind = (doc["power"].get("type") or {}).get("label") or ""
        for label in labels:
            names[label].append((kind, _name_grams(doc["power"]["name"])))
        for c in doc.get("citations") or []:
            inst = c.get("instrument") or {}
            if not inst.get("iri") or c.get("resolution") == "unresolved":
                continue
            key, version = title_key(inst["title"]), (inst.get("version_date") or "", inst["iri"])
            newest[key] = max(newest.get(key, version), version)
            for label in labels:
                own[label][key] = max(own[label].get(key, version), version)
                if kind == "行政检查":
                    inspected[label].add(key)
                for s in c.get("subdivisions") or []:
                    cited[label].add((inst["iri"], s["path"].split("__")[0]))
    wanted = sorted(set(bodies) if bodies is not None else set(names))
    # version IRI -> (its title, its grants), read once for all bodies
    grants_of: dict[str, tuple[str, list[tuple[Article, Clause]]]] = {}

    def grants(iri: str, key: str) -> list[tuple[Article, Clause]]:
        if iri not in grants_of:
            view = store.get_instrument(iri)
            found = [(a, c) for a in articles(store, iri) for c in clauses(a.text)]
            grants_of[iri] = (view.title if view else key, found)
        return grants_of[iri][1]

    out: list[GapFinding] = []
    for b in wanted:
        kinds = kinds_of_body(b)
        if not kinds or len(names[b]) < MIN_POWERS:
            continue
        city = not is_district(b)
        for key in sorted(own[b]):
            date, iri = own[b][key]
            for art, clause in grants(iri, key):
                shared = [k for k in kinds if k in clause.kinds]
                if not shared or (iri, art.path) in cited[b]:
                    continue
                if clause.power_type == "行政检查" and key in inspected[b]:
                    continue
                if city and clause.body_phrase.startswith(("县级人民政府", "县人民政府")):
                    continue  # a county's, not a city's
                holder = _holder(clause, names[b])
                if holder:
                    continue
                out.append(
                    GapFinding(
                        body=b,
                        body_kind=shared[0],
                        instrument=grants_of[iri][0],
                        version=date or None,
                        article=provision_label(art.path),
                        path=art.path,
                        sentence=clause.sentence,
                        body_phrase=clause.body_phrase,
                        action=clause.action,
                        power_type=clause.power_type,
                        why=(
                            f"{clause.body_phrase} ({shared[0]}) {clause.action}: a "
                            f"{clause.power_type}; no power of {b} cites this article or "
                            "is named for what it grants"
                        ),
                    )
                )
    return sorted(out, key=lambda f: (f.body, f.instrument, article_number(f.path)))


_GENERIC = re.compile(r"^对|(?:的)?(?:行政)?处罚$|的$")


def _name_grams(name: str) -> frozenset[str]:
    core = _GENERIC.sub("", name)
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def _holder(clause: Clause, powers: list[tuple[str, frozenset[str]]]) -> bool:
    """Whether a power of the body, of the type the clause grants, is named for what the
    clause grants: at least ``HOLDS`` of its name's bigrams are in the sentence."""
    text = clause.sentence
    for kind, grams in powers:
        if kind != clause.power_type or not grams:
            continue
        if sum(g in text for g in grams) / len(grams) >= HOLDS:
            return True
    return False


_HEADER = (
    ("body", "行使主体"),
    ("body_kind", "部门类别"),
    ("power_type", "权力类型"),
    ("instrument", "法律法规"),
    ("version", "版本"),
    ("article", "条款"),
    ("sentence", "条文"),
    ("body_phrase", "条文所称部门"),
    ("action", "行为"),
    ("why", "说明"),
)


def gaps_xlsx(found: list[GapFinding]) -> bytes:
    return findings_workbook("未列入清单的职权", _HEADER, found)
