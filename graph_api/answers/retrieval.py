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

POOL = 100  # candidates re-ranked by coverage
FLOOR = 0.1  # powers scoring under this share of the best BM25 are not re-ranked
LIGHT = 0.3  # words of at most this weight are left out of the BM25 query
CLOSEST = 5
LOCAL = 0.03  # rank bonus of a district's bodies when the question names the district
META_CREDIT = 0.8
TEXT_CREDIT = 0.5
PART_CREDIT = 0.7
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
    """Per word, its forms as (form, folded form, gram codes), and the words' weights: the
    mean idf of a form's grams (the best form), times what the word is (``Word.weight``);
    a word no power holds weighs ``UNKNOWN_WEIGHT`` of the mean."""
    codes, weights = [], []
    for w in words:
        forms = []
        best = 0.0
        for f in w.forms:
            ff = fold(f)
            cs = query_codes(ff, unigrams=len(f) == 1)
            forms.append((f, ff, cs))
            if cs:
                best = max(best, float(np.mean([index.idf(c) for c in cs])))
        codes.append(forms)
        weights.append(best)
    arr = np.array(weights, dtype=float)
    known = arr[arr > 0]
    mean = float(known.mean()) if len(known) else 1.0
    arr[arr == 0] = UNKNOWN_WEIGHT * mean
    return codes, arr * np.array([w.weight for w in words])


def _credits(index: TextIndex, ids: np.ndarray, codes) -> tuple[np.ndarray, list]:
    """(powers × words): the credit of each word in each power, the best of its forms: 1 in
    the name, ``META_CREDIT`` in bodies or type, ``TEXT_CREDIT`` in cited texts or duties,
    ``PART_CREDIT`` × the share of its bigrams in the name (印刷厂 -> 印刷 in 印刷经营活动).
    Also, per word, (form, in name, in bodies or type, in texts, share in name) arrays,
    from which ``_where`` tells one power's matches."""
    n = len(ids)
    rows = ids.tolist()
    name_f, meta_f, text_f = index.fields["name"], index.fields["meta"], index.fields["text"]
    strings: dict[str, np.ndarray] = {}

    def contain(field: str, ff: str, cs: list[int]) -> np.ndarray:
        """Whether each power's field holds the form: a substring search, made only when
        every gram of the form is in that field somewhere."""
        f = meta_f if field == "meta" else name_f
        if not cs or not all(len(f.postings(x)[0]) for x in cs):
            return np.zeros(n, dtype=bool)
        if field not in strings:
            source = index.metas if field == "meta" else index.names
            strings[field] = np.array([source[i] for i in rows], dtype=np.str_)
        return np.strings.find(strings[field], ff) >= 0

    credit = np.zeros((n, len(codes)))
    detail = []
    zero = np.zeros(n)
    for j, forms in enumerate(codes):
        best = np.zeros(n)
        per_form = []
        for f, ff, cs in forms:
            in_name = contain("name", ff, cs)
            in_meta = contain("meta", ff, [x for x in cs if x >= 1 << 21] or cs)
            c = np.where(in_name, 1.0, np.where(in_meta, META_CREDIT, 0.0))
            in_text, share = np.zeros(n, dtype=bool), zero
            if cs:
                in_text = np.logical_and.reduce([text_f.holds(x, ids) for x in cs])
                c = np.maximum(c, np.where(in_text, TEXT_CREDIT, 0.0))
                if len(cs) > 1 and len(ff) > 2:
                    share = np.mean([name_f.holds(x, ids) for x in cs], axis=0)
                    c = np.maximum(c, np.where(share >= 0.5, PART_CREDIT * share, 0.0))
            best = np.maximum(best, c)
            per_form.append((f, in_name, in_meta, in_text, share))
        credit[:, j] = best
        detail.append(per_form)
    return credit, detail


def _where(words: tuple[Word, ...], detail: list, k: int) -> tuple[dict, ...]:
    """For the ``k``-th power of ``_credits``, per word: the form that earned its credit
    and where it is."""
    out = []
    for w, per_form in zip(words, detail, strict=True):
        best: tuple[float, str | None, list[str]] = (0.0, None, [])
        for f, in_name, in_meta, in_text, share in per_form:
            places = [
                place
                for place, held in (
                    ("name", in_name[k]),
                    ("body or type", in_meta[k]),
                    ("cited text or duties", in_text[k]),
                )
                if held
            ]
            c = (
                1.0
                if in_name[k]
                else META_CREDIT
                if in_meta[k]
                else TEXT_CREDIT
                if in_text[k]
                else 0.0
            )
            if share[k] >= 0.5 and PART_CREDIT * share[k] > c:
                c, places = PART_CREDIT * float(share[k]), ["part of name", *places]
            if c > best[0]:
                best = (c, f, places)
        out.append({"word": w.text, "form": best[1], "where": best[2]})
    return tuple(out)


def _coverage(index: TextIndex, ids: np.ndarray, codes, weights: np.ndarray):
    """The idf-weighted share of the matter each power of ``ids`` holds, and the details
    of ``_credits``."""
    total = float(weights.sum()) or 1.0
    credit, detail = _credits(index, ids, codes)
    return credit @ weights / total, detail


def _order(index: TextIndex, ids: np.ndarray, key: np.ndarray, n: int) -> np.ndarray:
    """Positions of the best ``n`` by ``key`` (descending), then shorter name, then IRI."""
    return np.lexsort((index.iri_rank[ids], index.name_len[ids], -np.round(key, 6)))[: max(n, 0)]


def find(index: TextIndex, reading: Reading, limit: int) -> Found:
    if reading.citation is not None:
        found = _by_article(index, reading, limit)
        if found is not None:
            return found
    words = reading.words
    if not words or not len(index):
        return Found((), False, "the question names no matter to look for")
    codes, weights = _word_weights(index, words)
    # the grams of every form of the words that say something; intent and filler words
    # (weight 0.3 and below: 许可, 处罚, 哪里 …) count in the coverage only, unless nothing
    # else is asked: their postings are the longest and the intent already weighs the type
    telling = [j for j, w in enumerate(words) if w.weight > LIGHT] or range(len(words))
    weighted = {c: 1.0 for j in telling for _, _, cs in codes[j] for c in cs}
    bm25 = index.scores(weighted)
    ids = _top(bm25, POOL)
    if not len(ids):
        return Found((), False, _absent(reading))
    cover, detail = _coverage(index, ids, codes, weights)
    factor = _type_factor(index, ids, reading)
    exact = _exactness(index, ids, reading)
    confidence = np.where(exact == 1.0, 1.0, cover * factor)  # the name asked, word for word
    rank = confidence + 0.05 * exact + 0.01 * bm25[ids] / (float(bm25[ids].max()) or 1.0)
    rank = rank + LOCAL * _local(index, ids, reading)
    matches = _best(index, ids, rank, confidence, words, detail, limit)
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
    if reason is None:
        return Found(matches, True, None)
    closest = _best(index, ids, cover, cover, words, detail, CLOSEST)
    return Found(matches, False, reason, closest=closest)


def _best(index, ids, score, confidence, words, detail, n) -> tuple[Match, ...]:
    """The best ``n`` powers of ``ids`` by ``score`` (``_order``), as matches."""
    return tuple(
        Match(
            int(ids[k]),
            round(float(score[k]), 4),
            round(float(confidence[k]), 4),
            _where(words, detail, k),
        )
        for k in _order(index, ids, score, n).tolist()
    )


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """The (at most) ``k`` powers of highest positive score, in no order; those under
    ``FLOOR`` of the best are not candidates (``argpartition`` over the rest only: over all
    of them, the zeros' ties made it ten times slower)."""
    best = float(scores.max()) if len(scores) else 0.0
    nz = np.flatnonzero(scores > max(best * FLOOR, 0.0))
    if len(nz) > k:
        nz = nz[np.argpartition(-scores[nz], k - 1)[:k]]
    return nz


def _type_factor(index: TextIndex, ids: np.ndarray, reading: Reading) -> np.ndarray:
    if not reading.types:
        return np.ones(len(ids))
    return np.array([1.0 if index.types[i] in reading.types else OTHER_TYPE for i in ids.tolist()])


def _exactness(index: TextIndex, ids: np.ndarray, reading: Reading) -> np.ndarray:
    """1 for a name that is the question (or its matter), less for a name holding the whole
    matter (the shorter the name, the more), else 0."""
    out = np.zeros(len(ids))
    matter = fold(reading.matter)
    if not matter:
        return out
    names = np.array([index.names[i] for i in ids.tolist()], dtype=np.str_)
    within = np.strings.find(names, matter) >= 0
    lengths = np.maximum(index.name_len[ids], 1)
    out = np.where(within, 0.5 * len(matter) / lengths, 0.0)
    return np.where((names == matter) | (names == reading.clean), 1.0, out)


def _local(index: TextIndex, ids: np.ndarray, reading: Reading) -> np.ndarray:
    """1 for the powers of a district's bodies (their label names the district, or 各区)
    when the question names a district or county, else 0: the same power is often listed
    at city and district level, and the asker's district exercises it."""
    place = reading.place
    if not place or not place.endswith(("区", "县")) or _in_province(place):
        return np.zeros(len(ids))
    return np.array(
        [
            any(place in b or "各区" in b or "各县" in b for b in index.bodies[i])
            for i in ids.tolist()
        ],
        dtype=float,
    )


def _in_province(place: str) -> bool:
    return any(place.startswith(p) for p in PROVINCES)


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
    article = whole = None
    for (t, art, para), found in index.citing.items():
        if t != title or art != c.article:
            continue
        if c.paragraph is not None and para not in (None, c.paragraph):
            continue
        for i, a in found:
            hits.setdefault(i, a)
            if article is None or (para is None and whole is None):
                article = a  # the whole article when some power cites it, else a paragraph
                whole = a if para is None else None
    label = f"{title}第{c.article}条" + (f"第{c.paragraph}款" if c.paragraph else "")
    if not hits:
        return Found((), False, f"no power in the loaded lists rests on {label}", None, title)
    ids = np.array(sorted(hits), dtype=np.int64)
    words = reading.words
    codes, weights = _word_weights(index, words) if words else ([], np.zeros(0))
    cover, detail = _coverage(index, ids, codes, weights) if words else (np.zeros(len(ids)), [])
    rank = 1.0 + cover * _type_factor(index, ids, reading)
    matches = tuple(
        Match(
            int(ids[k]),
            round(float(rank[k]), 4),
            1.0,
            _where(words, detail, k),
            hits[int(ids[k])],
        )
        for k in _order(index, ids, rank, limit).tolist()
    )
    return Found(matches, True, None, article, title)
