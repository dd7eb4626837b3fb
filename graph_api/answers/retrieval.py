"""Finding the powers a question is about, and how sure that is.

1. ``intent.read`` gives the intent (and the power types it asks for), the place, the
   matter words with the list words the vocabulary adds, and a cited article if any.
2. A cited article (``统计法第四十四条``) whose instrument the lists cite is answered by the
   powers resting on that article (or paragraph), ranked by the rest of the question.
3. Otherwise the text index (``text_index``) scores every power by BM25 over its name,
   type, bodies, cited articles and duties. The best ``POOL`` are re-ranked by *coverage*:
   the share of the matter, each word weighted by its idf, that the power's name holds
   (credit 1), its bodies or type (``META_CREDIT``) or only its cited texts and duties
   (``TEXT_CREDIT``). A word's everyday and list forms count alike. Powers of another type
   than the intent asks for keep ``OTHER_TYPE`` of their coverage. The BM25 score breaks
   ties, then a shorter name, then the IRI.
4. The coverage of an answer is its *confidence*. When no answer reaches ``THRESHOLD``
   (calibrated on the tuning gold set, bench/answers.py) — or the question names a
   province no loaded list belongs to — the answer is that the loaded lists hold no such
   power, with the closest powers as suggestions and which of the question's words they
   hold, and where.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np

from prl.graph_api.answers.intent import PROVINCES, Reading, Word, find_title
from prl.graph_api.answers.text_index import Article, TextIndex, fold, query_codes
from prl.graph_api.store import Store

POOL = 300  # candidates re-ranked by coverage
CLOSEST = 5
META_CREDIT = 0.8
TEXT_CREDIT = 0.5
PART_CREDIT = 0.7
ANCHOR_MISSING = 0.5  # coverage kept when the answer lacks the question's most telling word  # times the share of the word's bigrams in the name
OTHER_TYPE = 0.3
TYPE_GAP = 0.3  # other types cover the matter this much better: none of the type asked
#: intents whose matter is the thing asked for (a licence for 餐饮), not a conduct that
#: powers of several types concern (a reward for reporting 假药 sits beside its penalty)
GAP_INTENTS = {"licence"}
THRESHOLD = 0.25
UNKNOWN_WEIGHT = 0.4
SYNC_BUILD = 20_000  # below this many powers a stale index is rebuilt before answering
DOC_BATCH = 2_000


# ------------------------------------------------------------------ the index of a store
class _Holder:
    def __init__(self) -> None:
        self.index: TextIndex | None = None
        self.lock = threading.Lock()
        self.building = False


_holders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_holders_lock = threading.Lock()


def text_index(store: Store) -> TextIndex:
    """The store's text index, rebuilt when its powers changed: before answering while
    the store is small (``SYNC_BUILD``), else in a background thread while the previous
    index answers (its powers that are gone drop out, new ones are found once it is done)."""
    with _holders_lock:
        holder = _holders.get(store)
        if holder is None:
            holder = _holders[store] = _Holder()
    source = store.power_iris()
    current = holder.index
    if current is not None and current.source is source:
        return current
    if current is not None and len(source) >= SYNC_BUILD:
        with holder.lock:
            if not holder.building:
                holder.building = True
                threading.Thread(
                    target=_rebuild, args=(store, holder, source), daemon=True,
                    name="prl-text-index",
                ).start()  # fmt: skip
        return current
    with holder.lock:
        if holder.index is None or holder.index.source is not source:
            holder.index = build(store, source)
        return holder.index


def is_current(store: Store) -> bool:
    """Whether ``text_index`` answers at once: an index of the store's current powers
    exists and the store can say so without waiting (Neo4j checks its version at most
    every few seconds, over the network)."""
    holder = _holders.get(store)
    if holder is None or holder.index is None:
        return False
    fresh = getattr(store, "power_iris_fresh", None)
    if fresh is not None and not fresh():
        return False
    return holder.index.source is store.power_iris()


def _rebuild(store: Store, holder: _Holder, source) -> None:
    try:
        index = build(store, source)
        with holder.lock:
            holder.index = index
    finally:
        holder.building = False


def build(store: Store, source=None) -> TextIndex:
    """The text index of every power of the store, from their JSON documents."""
    source = store.power_iris() if source is None else source
    iris = list(source)

    def documents():
        for start in range(0, len(iris), DOC_BATCH):
            batch = iris[start : start + DOC_BATCH]
            docs = store.power_documents(batch)
            for iri in batch:
                if iri in docs:
                    yield iri, docs[iri]

    return TextIndex.build(documents(), source=source)


# ------------------------------------------------------------------ matching
@dataclass(frozen=True)
class Match:
    """One power found, with its confidence and where the question's words are."""

    id: int
    score: float  # the ranking score
    confidence: float
    matched: tuple[dict, ...]  # {"word", "form", "where": [...]}, one per matter word
    article: Article | None = None


@dataclass(frozen=True)
class Found:
    matches: tuple[Match, ...]  # best first, at most the limit asked for
    answered: bool  # whether the best clears THRESHOLD (else they are suggestions)
    reason: str | None  # why there is no answer
    article: Article | None = None  # the cited article, when the question cites one
    article_title: str | None = None
    #: the powers holding most of the matter, whatever their type (suggestions, when none
    #: answers)
    closest: tuple[Match, ...] = ()


def _word_weights(index: TextIndex, words: tuple[Word, ...]) -> tuple[list, np.ndarray]:
    codes, weights = [], []
    for w in words:
        forms = []
        best = 0.0
        for f in w.forms:
            cs = query_codes(fold(f), unigrams=len(f) == 1)
            forms.append((f, cs))
            if cs:
                best = max(best, float(np.mean([index.idf(c) for c in cs])))
        codes.append(forms)
        weights.append(best)
    arr = np.array(weights, dtype=float)
    known = arr[arr > 0]
    mean = float(known.mean()) if len(known) else 1.0
    unknown = arr == 0
    arr[unknown] = UNKNOWN_WEIGHT * mean
    return codes, arr * np.array([w.weight for w in words])


def _coverage(
    index: TextIndex,
    ids: np.ndarray,
    words: tuple[Word, ...],
    codes,
    weights: np.ndarray,
) -> tuple[np.ndarray, list[list[dict]]]:
    """Coverage of each power of ``ids`` and, for each, where each word matched."""
    n = len(ids)
    credit = np.zeros((n, len(words)))
    where: list[list[dict]] = [[] for _ in range(n)]
    text = index.fields["text"]
    for j, (w, forms) in enumerate(zip(words, codes, strict=True)):
        in_text = np.zeros(n, dtype=bool)
        form_in_text: dict[str, np.ndarray] = {}
        for f, cs in forms:
            if cs:
                held = np.ones(n, dtype=bool)
                for c in cs:
                    held &= text.holds(c, ids)
                form_in_text[f] = held
                in_text |= held
        # the share of a word's bigrams the name holds (印刷厂 -> 印刷 in 印刷经营活动)
        name_share = np.zeros(n)
        for f, cs in forms:
            if len(cs) > 1 and len(f) > 2:
                held = sum(index.fields["name"].holds(c, ids).astype(float) for c in cs)
                name_share = np.maximum(name_share, held / len(cs))
        for k, i in enumerate(ids.tolist()):
            name, meta = index.names[i], index.metas[i]
            places, form = [], None
            for f, _ in forms:
                ff = fold(f)
                hit = []
                if ff in name:
                    hit.append("name")
                if ff in meta:
                    hit.append("body or type")
                if f in form_in_text and form_in_text[f][k]:
                    hit.append("cited text or duties")
                if hit and (form is None or len(hit) > len(places) or "name" in hit):
                    if form is None or ("name" in hit and "name" not in places):
                        form, places = f, hit
            if "name" in places:
                credit[k, j] = 1.0
            elif "body or type" in places:
                credit[k, j] = META_CREDIT
            elif places:
                credit[k, j] = TEXT_CREDIT
            if credit[k, j] < PART_CREDIT and name_share[k] >= 0.5:
                credit[k, j] = PART_CREDIT * name_share[k]
                form, places = form or forms[0][0], places or ["part of name"]
            where[k].append({"word": w.text, "form": form, "where": places})
    total = float(weights.sum()) or 1.0
    cover = credit @ weights / total
    return cover, where


def find(index: TextIndex, reading: Reading, limit: int) -> Found:
    if reading.citation is not None:
        found = _by_article(index, reading, limit)
        if found is not None:
            return found
    words = reading.words
    if not words or not len(index):
        return Found((), False, "the question names no matter to look for")
    codes, weights = _word_weights(index, words)
    weighted: dict[int, float] = {}
    for forms in codes:
        for _, cs in forms:
            for c in cs:
                weighted[c] = 1.0
    bm25 = index.scores(weighted)
    ids = _top(bm25, POOL)
    if not len(ids):
        return Found((), False, _absent(reading))
    cover, where = _coverage(index, ids, words, codes, weights)
    factor = _type_factor(index, ids, reading)
    exact = np.array([_exactness(index.names[i], reading) for i in ids.tolist()])
    confidence = np.where(exact == 1.0, 1.0, cover * factor)  # the name asked, word for word
    rank = confidence + 0.05 * exact + 0.01 * bm25[ids] / (float(bm25[ids].max()) or 1.0)
    order = sorted(
        range(len(ids)),
        key=lambda k: (-round(float(rank[k]), 6), len(index.names[ids[k]]), index.iris[ids[k]]),
    )[: max(limit, 0)]
    matches = tuple(
        Match(
            int(ids[k]), round(float(rank[k]), 4), round(float(confidence[k]), 4), tuple(where[k])
        )
        for k in order
    )
    near = sorted(
        range(len(ids)),
        key=lambda k: (-round(float(cover[k]), 6), len(index.names[ids[k]]), index.iris[ids[k]]),
    )[:CLOSEST]
    closest = tuple(
        Match(int(ids[k]), round(float(cover[k]), 4), round(float(cover[k]), 4), tuple(where[k]))
        for k in near
    )
    reason = None
    if _foreign_place(index, reading):
        reason = f"the loaded lists hold no body of {reading.place}"
    elif not matches or matches[0].confidence < THRESHOLD:
        reason = _absent(reading)
    elif reading.intent in GAP_INTENTS and len(ids):
        wanted = factor == 1.0
        best_wanted = float(cover[wanted].max()) if wanted.any() else 0.0
        best_other = float(cover[~wanted].max()) if (~wanted).any() else 0.0
        if best_other - best_wanted >= TYPE_GAP:
            # the lists hold the matter, but as powers of another type than the one asked
            reason = _absent(reading) + " (they hold it as powers of other types)"
    return Found(matches, reason is None, reason, closest=closest)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    nz = np.flatnonzero(scores > 0)
    if len(nz) > k:
        nz = nz[np.argpartition(-scores[nz], k - 1)[:k]]
    return nz


def _type_factor(index: TextIndex, ids: np.ndarray, reading: Reading) -> np.ndarray:
    if not reading.types:
        return np.ones(len(ids))
    return np.array([1.0 if index.types[i] in reading.types else OTHER_TYPE for i in ids.tolist()])


def _exactness(name: str, reading: Reading) -> float:
    matter = fold(reading.matter)
    if not matter:
        return 0.0
    if name == matter or name == reading.clean:
        return 1.0
    if matter in name:
        return 0.5 * len(matter) / max(len(name), 1)
    return 0.0


def _foreign_place(index: TextIndex, reading: Reading) -> bool:
    """Whether the question names a province none of the loaded bodies belongs to."""
    place = reading.place
    if not place:
        return False
    short = next((p for p in PROVINCES if place.startswith(p)), None)
    if short is None:
        return False
    return not index.has_place(short, place)


def _absent(reading: Reading) -> str:
    what = {
        "licence": "licence (行政许可)", "penalty": "penalty (行政处罚)",
        "inspection": "inspection (行政检查)", "coercion": "coercive measure (行政强制)",
        "levy": "levy (行政征收)", "benefit": "benefit (行政给付)",
        "confirmation": "confirmation (行政确认)", "reward": "reward (行政奖励)",
        "ruling": "ruling (行政裁决)",
    }.get(reading.intent or "", "power")  # fmt: skip
    return f"the loaded lists hold no {what} for 「{reading.matter or reading.clean}」"


def _by_article(index: TextIndex, reading: Reading, limit: int) -> Found | None:
    c = reading.citation
    assert c is not None
    title = find_title(c.title, index.titles)
    if title is None:
        return None  # not an instrument any list cites: read as a question of words
    hits: dict[int, Article] = {}
    article = None
    for (t, art, para), found in index.citing.items():
        if t != title or art != c.article:
            continue
        if c.paragraph is not None and para not in (None, c.paragraph):
            continue
        for i, a in found:
            hits.setdefault(i, a)
            if article is None or (para is None and article.label != a.label):
                article = a if para is None or article is None else article
    label = f"{title}第{c.article}条" + (f"第{c.paragraph}款" if c.paragraph else "")
    if not hits:
        return Found((), False, f"no power in the loaded lists rests on {label}", None, title)
    ids = np.array(sorted(hits), dtype=np.int64)
    words = reading.words
    if words:
        codes, weights = _word_weights(index, words)
        cover, where = _coverage(index, ids, words, codes, weights)
    else:
        cover, where = np.zeros(len(ids)), [[] for _ in ids]
    factor = _type_factor(index, ids, reading)
    rank = 1.0 + cover * factor
    order = sorted(
        range(len(ids)),
        key=lambda k: (-round(float(rank[k]), 6), len(index.names[ids[k]]), index.iris[ids[k]]),
    )[: max(limit, 0)]
    matches = tuple(
        Match(int(ids[k]), round(float(rank[k]), 4), 1.0, tuple(where[k]), hits[int(ids[k])])
        for k in order
    )
    return Found(matches, True, None, article, title)
