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

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from prl.graph_api.answers.analysis import Question, normalise
from prl.graph_api.store.models import Candidate


def score(q: Question, power: Candidate) -> float:
    """The score of one candidate (``rank`` computes the same for many at once)."""
    name = normalise(power.name)
    s = _base(q, name)
    if q.core:
        s += 0.2 * fuzz.ratio(q.core, name) + 0.1 * fuzz.partial_ratio(q.core, name)
    if power.type in q.types:
        s += 8
    return round(s, 3)


def _base(q: Question, name: str) -> float:
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


def rank(q: Question, candidates: list[Candidate], limit: int) -> list[tuple[Candidate, float]]:
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
        keep: Sequence[int] = [i for i, x in enumerate(rounded) if x >= cut]
    else:
        keep = range(len(rounded))
    scored = [(candidates[i], rounded[i]) for i in keep]
    scored.sort(key=lambda x: (-x[1], len(x[0].name), x[0].iri))
    return scored[:limit]
