"""Overlapping functions (职能交叉): the same matter held by several bodies.

Pairs of powers of one type held by different bodies are compared by what describes them:

- **name**: the idf-weighted cosine of their names' words (spaCy's blank ``zh`` pipeline with
  jieba; the words every power of a type has — 对, 的, 处罚, 许可, 违反, 规定 … — weigh
  little by their idf, and the type words are left out), and, against segmentation that
  differs, of their character bigrams; the larger counts;
- **basis**: the subdivisions both cite (the same provision of the same instrument);
- **duties**: how alike their duty texts are.

``score = name + BASIS_WEIGHT × shares a provision + DUTY_WEIGHT × duty likeness``. A pair
scoring at least ``THRESHOLD`` (tuned on tests/data/overlap_pairs.json, a hand-labelled set
of pairs from the shared lists) is related, and the relation is

- *hierarchy* when both bodies are of one kind (``body_kinds.tsv``) at different levels (a
  city's bureau and the districts' bureaus, the two sheets of the forestry list);
- *cooperation* when either power says it is exercised jointly (会同, 联合, 配合, 协同, 共同
  in its name, units or duties);
- *overlap* otherwise: the same power listed by several bodies of one region and level.

Bodies of two kinds at two levels are none of these (no overlap of one region and level),
nor is a pair of one kind at two levels whose names are less than ``HIERARCHY_NAME_MIN``
alike (森林植被恢复费 and 草原植被恢复费 are two powers, not one at two levels).

Overlapping pairs are joined into clusters (connected components), ranked by their
strongest pair; each finding names the similarities that produced it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from prl.graph_api.analyses.gaps import is_district, kinds_of_body
from prl.graph_api.answers.findings import all_documents, table_rows, write_workbook
from prl.graph_api.answers.intent import chinese_nlp
from prl.graph_api.store import Store

THRESHOLD = 0.85  # tuned on tests/data/overlap_pairs.json (bench: tests/test_analyses.py)
HIERARCHY_NAME_MIN = 0.9  # one power at two levels: its names (nearly) the same
BASIS_WEIGHT = 0.15
DUTY_WEIGHT = 0.1
CANDIDATE_MIN = 0.35  # pairs scored at all: at least this alike by name
POSTINGS_MAX = 200  # a word more powers of a type have makes no candidates
RELATIONS = ("overlap", "cooperation", "hierarchy")
_JOINT = re.compile(r"会同|联合|配合|协同|共同")
_TYPE_WORDS = {
    "行政",
    "处罚",
    "许可",
    "审批",
    "检查",
    "强制",
    "征收",
    "给付",
    "确认",
    "奖励",
    "裁决",
}
_PUNCT = re.compile(r"[\s\u3000，。？！、；：,.?!;:“”\"'‘’（）()《》【】\[\]…—-]+")


@dataclass
class Power:
    iri: str
    name: str
    type: str  # label
    bodies: tuple[str, ...]
    levels: tuple[str, ...]
    provisions: frozenset[str]  # cited subdivision IRIs (basis)
    duties: str
    joint: bool  # the list says it is exercised jointly
    source: str  # file, sheet, row
    file: str
    words: Counter = field(default_factory=Counter)
    grams: Counter = field(default_factory=Counter)


def _powers(store: Store) -> list[Power]:
    nlp = chinese_nlp()
    out = []
    for doc in all_documents(store):
        p = doc["power"]
        units = " ".join(u["label"] for u in doc.get("units") or [])
        duties = "\n".join(d.get("text") or "" for d in doc.get("duties") or [])
        src = (doc.get("provenance") or [{}])[0]
        name = _PUNCT.sub("", p["name"])
        power = Power(
            iri=p["iri"],
            name=p["name"],
            type=(p.get("type") or {}).get("label") or "",
            bodies=tuple(sorted(b["label"] for b in doc.get("bodies") or [])),
            levels=tuple(sorted(v["notation"] for v in doc.get("levels") or [])),
            provisions=frozenset(
                s["iri"]
                for c in doc.get("citations") or []
                if c.get("role") == "basis"
                for s in c.get("subdivisions") or []
            ),
            duties=_PUNCT.sub("", duties)[:400],
            joint=bool(_JOINT.search(p["name"] + units + duties)),
            source=f"{src.get('file', '')} {src.get('sheet') or ''} 第{src.get('row')}行",
            file=src.get("file", ""),
        )
        power.words = Counter(t.text for t in nlp(name) if t.text not in _TYPE_WORDS)
        power.grams = Counter(name[i : i + 2] for i in range(len(name) - 1))
        out.append(power)
    return out


def _cosine(a: Counter, b: Counter, idf: dict[str, float]) -> float:
    dot = sum(a[t] * b[t] * idf.get(t, 1.0) ** 2 for t in a.keys() & b.keys())
    na = math.sqrt(sum((v * idf.get(t, 1.0)) ** 2 for t, v in a.items()))
    nb = math.sqrt(sum((v * idf.get(t, 1.0)) ** 2 for t, v in b.items()))
    return dot / (na * nb) if na and nb else 0.0


def _idf(counters: Iterable[Counter]) -> dict[str, float]:
    df: Counter = Counter()
    n = 0
    for c in counters:
        n += 1
        df.update(c.keys())
    return {t: math.log((n + 1) / (d + 0.5)) for t, d in df.items()}


def _duty_likeness(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    ga = {a[i : i + 2] for i in range(len(a) - 1)}
    gb = {b[i : i + 2] for i in range(len(b) - 1)}
    return len(ga & gb) / len(ga | gb) if ga | gb else 0.0


@dataclass(frozen=True)
class Pair:
    relation: str  # overlap, cooperation, hierarchy
    score: float
    a: str  # power IRIs
    b: str
    a_name: str
    b_name: str
    a_bodies: tuple[str, ...]
    b_bodies: tuple[str, ...]
    type: str
    a_source: str
    b_source: str
    name_similarity: float
    shared_provisions: int
    duty_likeness: float
    why: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["a_bodies"], d["b_bodies"] = list(self.a_bodies), list(self.b_bodies)
        return d


def pairs(store: Store, threshold: float = THRESHOLD) -> list[Pair]:
    """Related pairs of powers of different bodies, strongest first."""
    powers = _powers(store)
    idf_w = _idf(p.words for p in powers)
    idf_g = _idf(p.grams for p in powers)
    by_type: dict[str, list[Power]] = defaultdict(list)
    for p in powers:
        by_type[p.type].append(p)
    out = []
    for group in by_type.values():
        # candidates share a word that at most POSTINGS_MAX powers of the type have
        postings: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(group):
            for w in p.words:
                postings[w].append(i)
        seen: set[tuple[int, int]] = set()
        for ids in postings.values():
            if len(ids) > POSTINGS_MAX:
                continue
            for x in range(len(ids)):
                for y in range(x + 1, len(ids)):
                    seen.add((ids[x], ids[y]))
        for i, j in seen:
            a, b = group[i], group[j]
            if set(a.bodies) & set(b.bodies):
                continue
            name = max(_cosine(a.words, b.words, idf_w), _cosine(a.grams, b.grams, idf_g))
            if name < CANDIDATE_MIN:
                continue
            shared = len(a.provisions & b.provisions)
            duty = _duty_likeness(a.duties, b.duties)
            score = name + BASIS_WEIGHT * (shared > 0) + DUTY_WEIGHT * duty
            if score < threshold:
                continue
            pair = _pair(a, b, name, shared, duty, score)
            if pair is not None:
                out.append(pair)
    return sorted(out, key=lambda p: (-p.score, p.a, p.b))


def _pair(a: Power, b: Power, name: float, shared: int, duty: float, score: float) -> Pair | None:
    """The pair and its relation (None: related by none of the three)."""
    if a.iri > b.iri:
        a, b = b, a
    kinds_a = {k for x in a.bodies for k in kinds_of_body(x)}
    kinds_b = {k for x in b.bodies for k in kinds_of_body(x)}
    other_level = a.levels != b.levels or _district(a) != _district(b)
    # one body at two levels: of one kind, or the two sheets (city, districts) of one list
    if other_level and (kinds_a & kinds_b or a.file == b.file):
        if name < HIERARCHY_NAME_MIN:
            return None  # 森林植被恢复费 and 草原植被恢复费: two powers, not one at two levels
        relation = "hierarchy"
    elif other_level:
        return None  # bodies of two kinds at two levels: no overlap of one region and level
    elif a.joint or b.joint:
        relation = "cooperation"
    else:
        relation = "overlap"
    why = [f"names {name:.2f} alike"]
    if shared:
        why.append(f"{shared} provision(s) cited by both")
    if duty:
        why.append(f"duties {duty:.2f} alike")
    if relation == "hierarchy":
        why.append("the same kind of body at another level")
    elif relation == "cooperation":
        why.append("exercised jointly (会同/联合/配合)")
    return Pair(
        relation=relation,
        score=round(score, 3),
        a=a.iri,
        b=b.iri,
        a_name=a.name,
        b_name=b.name,
        a_bodies=a.bodies,
        b_bodies=b.bodies,
        type=a.type,
        a_source=a.source,
        b_source=b.source,
        name_similarity=round(name, 3),
        shared_provisions=shared,
        duty_likeness=round(duty, 3),
        why="; ".join(why),
    )


def _district(p: Power) -> bool:
    return any(is_district(b) for b in p.bodies)


@dataclass(frozen=True)
class Cluster:
    number: int
    strength: float  # the strongest pair's score
    bodies: tuple[str, ...]
    powers: tuple[str, ...]  # names
    pairs: tuple[Pair, ...]

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "strength": self.strength,
            "bodies": list(self.bodies),
            "powers": list(self.powers),
            "pairs": [p.as_dict() for p in self.pairs],
        }


def clusters(found: list[Pair], relation: str = "overlap") -> list[Cluster]:
    """Connected components of the pairs of one relation, strongest first."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    chosen = [p for p in found if p.relation == relation]
    for p in chosen:
        parent[root(p.a)] = root(p.b)
    groups: dict[str, list[Pair]] = defaultdict(list)
    for p in chosen:
        groups[root(p.a)].append(p)
    ranked = sorted(groups.values(), key=lambda ps: (-max(p.score for p in ps), ps[0].a))
    out = []
    for n, ps in enumerate(ranked, 1):
        bodies = sorted({b for p in ps for b in p.a_bodies + p.b_bodies})
        names = sorted({x for p in ps for x in (p.a_name, p.b_name)})
        out.append(Cluster(n, max(p.score for p in ps), tuple(bodies), tuple(names), tuple(ps)))
    return out


_PAIR_HEADER = (
    ("relation", "关系"),
    ("score", "强度"),
    ("type", "权力类型"),
    ("a_name", "事项甲"),
    ("a_bodies", "主体甲"),
    ("a_source", "来源甲"),
    ("b_name", "事项乙"),
    ("b_bodies", "主体乙"),
    ("b_source", "来源乙"),
    ("name_similarity", "名称相似度"),
    ("shared_provisions", "共同依据条款数"),
    ("duty_likeness", "责任事项相似度"),
    ("why", "说明"),
)
_RELATION_ZH = {"overlap": "职能交叉", "cooperation": "协同办理", "hierarchy": "上下级"}


def overlaps_xlsx(found: list[Pair]) -> bytes:
    """A sheet of all pairs, then a sheet per overlap cluster."""
    header = [zh for _, zh in _PAIR_HEADER]
    words = {"relation": _RELATION_ZH}
    sheets = [("全部", header, table_rows(found, _PAIR_HEADER, words))]
    sheets += [
        (f"交叉{c.number}", header, table_rows(c.pairs, _PAIR_HEADER, words))
        for c in clusters(found)
    ]
    return write_workbook(sheets)


# ------------------------------------------------------------------ the picture
@dataclass(frozen=True)
class BodyGraph:
    nodes: tuple[str, ...]  # bodies, by name
    edges: tuple[tuple[str, str, int, float], ...]  # (body, body, pairs, strongest score)


def body_graph(found: list[Pair], relation: str = "overlap") -> BodyGraph:
    """Bodies as nodes, the pairs of one relation between two bodies as a weighted edge."""
    weight: dict[tuple[str, str], list[float]] = defaultdict(list)
    for p in found:
        if p.relation != relation:
            continue
        for x in p.a_bodies:
            for y in p.b_bodies:
                if x != y:
                    weight[(min(x, y), max(x, y))].append(p.score)
    nodes = sorted({b for e in weight for b in e})
    edges = tuple((x, y, len(s), round(max(s), 3)) for (x, y), s in sorted(weight.items()))
    return BodyGraph(tuple(nodes), edges)


def _layout(nodes: tuple[str, ...], size: float) -> dict[str, tuple[float, float]]:
    r = size * 0.36
    c = size / 2
    n = max(1, len(nodes))
    return {
        b: (
            c + r * math.cos(2 * math.pi * i / n - math.pi / 2),
            c + r * math.sin(2 * math.pi * i / n - math.pi / 2),
        )
        for i, b in enumerate(nodes)
    }


def overlaps_svg(found: list[Pair], relation: str = "overlap", size: int = 900) -> bytes:
    """The body graph as SVG: bodies on a circle, an edge per pair of bodies as wide as the
    number of overlapping powers (the number on it)."""
    from xml.sax.saxutils import escape

    g = body_graph(found, relation)
    pos = _layout(g.nodes, size)
    top = max((e[2] for e in g.edges), default=1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" font-family="sans-serif">',
        f"<title>{escape(_RELATION_ZH[relation])}: {len(g.nodes)} bodies, "
        f"{len(g.edges)} edges</title>",
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for u, v, n, best in g.edges:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        width = 1 + 9 * n / top
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="#c0392b" stroke-opacity="0.55" stroke-width="{width:.1f}">'
            f"<title>{escape(u)} — {escape(v)}: {n} ({best})</title></line>"
        )
        out.append(
            f'<text x="{(x1 + x2) / 2:.1f}" y="{(y1 + y2) / 2:.1f}" font-size="12" '
            f'fill="#7f1d1d" text-anchor="middle">{n}</text>'
        )
    for b, (x, y) in pos.items():
        anchor = "start" if x >= size / 2 else "end"
        dx = 12 if x >= size / 2 else -12
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="#1f4e79"/>')
        out.append(
            f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" font-size="14" '
            f'text-anchor="{anchor}">{escape(b.removeprefix("克拉玛依市"))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out).encode()


def overlaps_png(found: list[Pair], relation: str = "overlap", size: int = 900) -> bytes:
    """The body graph as PNG (matplotlib): body names when a CJK font is installed, else
    numbers with the names in pinyin in a legend below (the SVG always
    has the names)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    cjk = next(
        (
            f.name
            for f in font_manager.fontManager.ttflist
            if re.search(r"CJK|Hei|Song|WenQuanYi|Noto Sans SC|Source Han", f.name)
        ),
        None,
    )
    g = body_graph(found, relation)
    pos = _layout(g.nodes, 1.0)
    fig, ax = plt.subplots(figsize=(size / 100, size / 100), dpi=100)
    ax.set_axis_off()
    top = max((e[2] for e in g.edges), default=1)
    for u, v, n, _ in g.edges:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        ax.plot([x1, x2], [1 - y1, 1 - y2], color="#c0392b", alpha=0.55, lw=1 + 6 * n / top)
        ax.text((x1 + x2) / 2, 1 - (y1 + y2) / 2, str(n), fontsize=8, color="#7f1d1d")
    legend = []
    for i, (b, (x, y)) in enumerate(pos.items(), 1):
        ax.plot([x], [1 - y], "o", color="#1f4e79", ms=9)
        label = b.removeprefix("克拉玛依市") if cjk else str(i)
        ax.text(x + 0.015, 1 - y, label, fontsize=9, fontfamily=cjk or "DejaVu Sans")
        legend.append(f"{i} = {_pinyin(b)}")
    if not cjk:  # no font here draws Chinese: numbers, and who they are in pinyin
        ax.text(0, -0.02, "; ".join(legend), fontsize=6, wrap=True, va="top")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.12, 1.02)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(w.capitalize() for w in lazy_pinyin(text.removeprefix("克拉玛依市")))


@dataclass(frozen=True)
class LabelScore:
    relation: str
    labelled: int  # pairs labelled so
    found: int  # labelled pairs the analysis gives this relation
    right: int

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0


def score_labels(found: list[Pair], labelled: list[dict]) -> dict[str, LabelScore]:
    """Precision and recall of each relation against hand-labelled pairs (``a``, ``b``:
    power IRIs; ``relation``: overlap, cooperation, hierarchy or none)."""
    got = {frozenset((p.a, p.b)): p.relation for p in found}
    out = {}
    for r in RELATIONS:
        truth = [frozenset((x["a"], x["b"])) for x in labelled if x["relation"] == r]
        mine = [
            frozenset((x["a"], x["b"]))
            for x in labelled
            if got.get(frozenset((x["a"], x["b"]))) == r
        ]
        out[r] = LabelScore(r, len(truth), len(mine), len(set(truth) & set(mine)))
    return out
