"""What an amendment breaks: the powers citing a provision that a newer version changed,
moved or removed, and the powers citing a version the census marks repealed or amended.

The versions compared are those the store holds (both stores, through the store interface):
each version that some power cites against the newest version of the same instrument.
Articles are matched by their text, not their number (a renumbering map): first the
articles whose text is the same, then the pairs of most similar text (Jaccard similarity of
character bigrams, at least ``MATCH_MIN``), most similar first, nearer numbers first on a
tie. An old article is then *unchanged* (same number, same text), *moved* (another number,
same text), *changed* (its match's text differs; moved too when the number differs) or
*removed* (no article of the new version is that similar). A cited paragraph or item is
compared with the most similar part of the matched article.

Each finding has the power and its source row, the provision cited with its old text and
the new provision with its text, side by side, the similarity and why.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

from prl.graph_api.answers.findings import (
    ROLE_ZH,
    all_documents,
    findings_workbook,
    provision_label,
)
from prl.graph_api.store import Store

MATCH_MIN = 0.5  # least similarity of two articles taken as one provision anywhere
GAP_MIN = 0.3  # ... between the matches of the articles before and after it
KINDS = ("removed", "changed", "moved", "repealed", "amended")
_SPACE = re.compile(r"\s+")
_HEAD = re.compile(r"^第[一二三四五六七八九十百零〇\d]+条(?:之[一二三四五六七八九十]+)?")


@dataclass(frozen=True)
class Article:
    path: str  # art_12, art_10_1
    label: str  # 第十二条
    number: float  # 12, 10.01 for 第十条之一: the order
    text: str
    parts: dict[str, str]  # relative path (para_2, para_1__point_3) -> text


@dataclass(frozen=True)
class Match:
    status: str  # unchanged, moved, changed, removed
    new: Article | None
    similarity: float
    renumbered: bool  # the number differs (a changed article may be renumbered too)


def _norm(text: str) -> str:
    return _HEAD.sub("", _SPACE.sub("", unicodedata.normalize("NFKC", text or "")))


def _grams(text: str) -> frozenset[str]:
    t = _norm(text)
    return frozenset(t[i : i + 2] for i in range(len(t) - 1)) or frozenset([t])


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two texts (spaces and the 第N条
    heading left out).

    >>> similarity("第五条 应当登记。", "第六条 应当登记。")
    1.0
    """
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / len(ga | gb) if ga or gb else 1.0


def article_number(path: str) -> float:
    """The order of an article path: 12 for art_12, 10.01 for art_10_1 (第十条之一)."""
    m = re.match(r"art_(\d+)(?:_(\d+))?", path)
    return int(m[1]) + (int(m[2]) / 100 if m[2] else 0) if m else 0.0


def renumbering(old: list[Article], new: list[Article]) -> dict[str, Match]:
    """What became of each old article in the new version, by old path."""
    out: dict[str, Match] = {}
    taken: set[str] = set()
    by_text: dict[str, list[Article]] = defaultdict(list)
    for a in new:
        by_text[_norm(a.text)].append(a)
    rest = []
    for a in old:  # the same text: the same provision (the nearest number when repeated)
        same = [b for b in by_text.get(_norm(a.text), []) if b.path not in taken]
        if same and _norm(a.text):
            b = min(same, key=lambda b: abs(b.number - a.number))
            taken.add(b.path)
            moved = b.path != a.path
            out[a.path] = Match("moved" if moved else "unchanged", b, 1.0, moved)
        else:
            rest.append(a)
    free = [b for b in new if b.path not in taken]
    grams = {b.path: _grams(b.text) for b in free}
    pairs = []
    for a in rest:
        ga = _grams(a.text)
        for b in free:
            gb = grams[b.path]
            s = len(ga & gb) / len(ga | gb) if ga | gb else 0.0
            if s >= MATCH_MIN:
                pairs.append((-s, abs(b.number - a.number), a.path, b.path, s))
    pairs.sort()
    old_by, new_by = {a.path: a for a in rest}, {b.path: b for b in free}
    for _, _, ap, bp, s in pairs:
        if ap in out or bp in taken:
            continue
        taken.add(bp)
        out[ap] = Match("changed", new_by[bp], round(s, 3), ap != bp)
    # between two matched articles, an amended one keeps its place: the most similar of the
    # new articles between their matches, if at least GAP_MIN alike
    order = sorted(old, key=lambda a: a.number)
    new_sorted = sorted(new, key=lambda b: b.number)
    position = {b.path: i for i, b in enumerate(new_sorted)}

    def placed(x: Article) -> int | None:
        m = out.get(x.path)
        return None if m is None or m.new is None else position[m.new.path]

    for i, a in enumerate(order):
        if a.path in out:
            continue
        before = [q for x in order[:i] if (q := placed(x)) is not None]
        after = [q for x in order[i + 1 :] if (q := placed(x)) is not None]
        lo, hi = (before[-1] if before else -1), (after[0] if after else len(new_sorted))
        between = [b for b in new_sorted[lo + 1 : hi] if b.path not in taken]
        ga = _grams(a.text)
        scored = [(len(ga & grams[b.path]) / len(ga | grams[b.path]), b) for b in between]
        best = max(scored, key=lambda x: x[0], default=(0.0, None))
        if best[1] is not None and best[0] >= GAP_MIN:
            taken.add(best[1].path)
            out[a.path] = Match("changed", best[1], round(best[0], 3), a.path != best[1].path)
    for a in old_by.values():
        out.setdefault(a.path, Match("removed", None, 0.0, False))
    return out


def articles(store: Store, version: str) -> list[Article]:
    """The articles of a version in the store, in order, each with its paragraphs and items."""
    inst = store.get_instrument(version)
    if inst is None:
        return []
    out: list[Article] = []

    def parts(iri: str, prefix: str, into: dict[str, str]) -> None:
        sub = store.get_subdivision(iri)
        for ch in sub.children if sub else ():
            rel = ch.path[len(prefix) + 2 :] if ch.path.startswith(prefix + "__") else ch.path
            into[rel] = ch.text or ""
            parts(ch.iri, prefix, into)

    def walk(nodes) -> None:
        for n in nodes:
            if n.path.startswith("art_"):
                found: dict[str, str] = {}
                parts(n.iri, n.path, found)
                out.append(Article(n.path, n.label, article_number(n.path), n.text or "", found))
            else:
                sub = store.get_subdivision(n.iri)
                walk(sub.children if sub else ())

    walk(inst.parts)
    return out


@dataclass(frozen=True)
class ImpactFinding:
    kind: str  # removed, changed, moved, repealed, amended
    file: str
    sheet: str | None
    row: int | None
    power: str
    power_iri: str
    bodies: tuple[str, ...]
    role: str  # basis or duty-basis
    instrument: str  # the title
    old_version: str | None  # the version cited (its date)
    new_version: str | None  # the version compared with
    cited: str | None  # the provision cited, as a lawyer writes it
    now: str | None  # what it became
    similarity: float | None
    old_text: str | None
    new_text: str | None
    why: str

    def as_dict(self) -> dict:
        d = asdict(self)
        d["bodies"] = list(self.bodies)
        return d


def _date(iri: str) -> str | None:
    tail = iri.rsplit("/", 1)[-1]
    return tail if re.fullmatch(r"\d{4}-\d{2}-\d{2}", tail) else None


def _list_year(file: str) -> str | None:
    m = re.search(r"(20\d\d)年", file)
    return m[1] if m else None


def _newest(store: Store) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    """(older version -> the newest version of its title, in the store), and each
    version's (title, status)."""
    versions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    info: dict[str, tuple[str, str | None]] = {}
    offset = 0
    while True:
        refs, total = store.list_instruments(offset=offset, limit=500)
        for r in refs:
            view = store.get_instrument(r.iri)
            if view is None:
                continue
            info[r.iri] = (view.title, view.status)
            if view.version_date:
                versions[view.title].append((view.version_date, r.iri))
        offset += len(refs)
        if not refs or offset >= total:
            break
    newer = {}
    for vs in versions.values():
        vs.sort()
        for _, iri in vs[:-1]:
            newer[iri] = vs[-1][1]
    return newer, info


def _part(article: Article, rel: str, new: Article) -> tuple[str | None, str, float]:
    """(new relative path, new text, similarity) of the part of ``new`` most like the old
    article's part ``rel`` (None: none is similar enough)."""
    text = article.parts.get(rel, "")
    if new.parts.get(rel) == text:
        return rel, text, 1.0
    best = max(((similarity(text, t), r, t) for r, t in new.parts.items()), default=(0.0, None, ""))
    return (best[1], best[2], round(best[0], 3)) if best[0] >= MATCH_MIN else (None, "", 0.0)


def impact_findings(store: Store, kinds: Iterable[str] = KINDS) -> list[ImpactFinding]:
    """Every impact finding of the store: provisions a newer version changed, moved or
    removed, then versions repealed or amended; by file, sheet and row."""
    wanted = set(kinds)
    newer, info = _newest(store)
    maps: dict[str, tuple[dict[str, Match], dict[str, Article], list[Article]]] = {}

    def compare(old: str) -> tuple[dict[str, Match], dict[str, Article], list[Article]]:
        if old not in maps:
            before, after = articles(store, old), articles(store, newer[old])
            maps[old] = (renumbering(before, after), {a.path: a for a in before}, after)
        return maps[old]

    out: dict[tuple, ImpactFinding] = {}
    for doc in all_documents(store):
        for f in _judge(doc, newer, info, compare):
            if f.kind in wanted:
                out.setdefault(
                    (f.file, f.sheet or "", f.row or 0, f.role, f.instrument, f.cited, f.kind), f
                )
    order = {k: i for i, k in enumerate(KINDS)}
    return [f for k, f in sorted(out.items(), key=lambda kv: (order[kv[1].kind], kv[0]))]


def _judge(doc: dict, newer, info, compare) -> Iterator[ImpactFinding]:
    power = doc["power"]
    src = (doc.get("provenance") or [{"file": "", "sheet": None, "row": None}])[0]
    base = dict(
        file=src["file"],
        sheet=src.get("sheet"),
        row=src.get("row"),
        power=power["name"],
        power_iri=power["iri"],
        bodies=tuple(b["label"] for b in doc.get("bodies") or []),
    )
    for c in doc.get("citations") or []:
        inst = c.get("instrument") or {}
        iri = inst.get("iri")
        if not iri or iri not in info:
            continue
        title, status = info[iri]
        new = newer.get(iri)
        common = dict(base, role=c["role"], instrument=title, old_version=_date(iri))
        if new is not None:
            matches, old_articles, new_articles = compare(iri)
            for s in c.get("subdivisions") or []:
                yield from _provision(
                    common, s["path"], matches, old_articles, new_articles, _date(new)
                )
        if status in ("repealed", "amended"):
            year = _list_year(src["file"])
            later = _date(new) if new else None
            if status == "repealed":
                why = "the census marks this version repealed"
            elif later and year and later[:4] > year:
                why = f"amended on {later}, after the list (of {year})"
            elif later and year and later[:4] < year:
                why = f"amended on {later}, before the list (of {year}): it cites a superseded version"
            elif later:
                why = f"amended on {later}" + (f", in the list's year ({year})" if year else "")
            else:
                why = "the census marks this version amended; the store holds no newer text"
            yield ImpactFinding(
                kind=status,
                **common,
                new_version=later,
                cited=None,
                now=None,
                similarity=None,
                old_text=None,
                new_text=None,
                why=why,
            )


def _anywhere(text: str, new_articles: list[Article]) -> tuple[str, str, float] | None:
    """(path, text, similarity) of the part of any new article most like ``text``."""
    best = max(
        (
            (similarity(text, t), f"{a.path}__{r}", t)
            for a in new_articles
            for r, t in a.parts.items()
        ),
        default=(0.0, "", ""),
    )
    return (best[1], best[2], round(best[0], 3)) if best[0] >= MATCH_MIN else None


def _provision(
    common, path, matches, old_articles, new_articles, new_date
) -> Iterator[ImpactFinding]:
    art, _, rel = path.partition("__")
    m, old = matches.get(art), old_articles.get(art)
    if m is None or old is None:
        return
    cited = provision_label(path)
    old_text = old.parts.get(rel, "") if rel else old.text
    found = _became(path, rel, old, old_text, m, new_articles, new_date)
    if found is not None:
        kind, now, sim, new_text, why = found
        yield ImpactFinding(
            kind=kind, **common, new_version=new_date, cited=cited, now=now,
            similarity=sim, old_text=old_text, new_text=new_text, why=why,
        )  # fmt: skip


def _became(path, rel, old: Article, old_text: str, m: Match, new_articles, new_date):
    """(kind, what it is now, similarity, new text, why) of a cited provision, or None when
    it is unchanged."""
    if m.new is None and rel:  # the article is gone as a whole: its part may live on
        found = _anywhere(old_text, new_articles)
        if found is not None:
            new_path, new_text, sim = found
            now = provision_label(new_path)
            kind = "changed" if _norm(new_text) != _norm(old_text) else "moved"
            why = f"{old.label} is gone as a whole; the part cited is {now} now (similarity {sim})"
            return kind, now, sim, new_text, why
    if m.new is None:
        why = f"no article of the version of {new_date} is {MATCH_MIN:.0%} like {old.label}"
        return "removed", None, None, None, why
    new_path, new_text, sim = (m.new.path, m.new.text, m.similarity)
    if rel:
        part, new_text, sim = _part(old, rel, m.new)
        if part is None:
            why = f"{old.label} became {m.new.label}, which has no part like the one cited"
            return "removed", provision_label(m.new.path), None, None, why
        new_path = f"{m.new.path}__{part}"
    now = provision_label(new_path)
    if _norm(new_text) != _norm(old_text):
        moved = f"; it is {now} now" if new_path != path else ""
        return (
            "changed",
            now,
            sim,
            new_text,
            f"the text of {provision_label(path)} changed (similarity {sim}){moved}",
        )
    if new_path != path:
        return "moved", now, sim, new_text, f"the same text is {now} now"
    return None


_HEADER = (
    ("kind", "类别"),
    ("file", "文件"),
    ("sheet", "工作表"),
    ("row", "行"),
    ("power", "事项名称"),
    ("bodies", "行使主体"),
    ("role", "依据类别"),
    ("instrument", "法律法规"),
    ("old_version", "所引版本"),
    ("new_version", "新版本"),
    ("cited", "所引条款"),
    ("now", "现条款"),
    ("old_text", "原文"),
    ("new_text", "现文"),
    ("similarity", "相似度"),
    ("why", "说明"),
)
_KIND_ZH = {
    "removed": "条款已删除",
    "changed": "条文已修改",
    "moved": "条款序号变动",
    "repealed": "已废止",
    "amended": "已修订",
}


def impact_xlsx(found: list[ImpactFinding]) -> bytes:
    """The findings as an .xlsx workbook, old and new text side by side."""
    return findings_workbook("修法影响", _HEADER, found, {"kind": _KIND_ZH, "role": ROLE_ZH})
