"""Library functions behind the API routes and the CLI: one call per question asked."""

from __future__ import annotations

from typing import Any

import orjson

from prl.graph_api.answers.analysis import Question, analyse, normalise
from prl.graph_api.answers.ranking import rank
from prl.graph_api.store import Store, documents

CANDIDATES = 100  # gold set top-3: 95.6% with 60, 100, 150 or 300 candidates


def responsibility(store: Store, question: str, *, limit: int = 10) -> dict[str, Any]:
    """Ranked answers to "who is responsible for X, under which law": the power, its bodies
    and units, citations with the article text, duties, accountability and provenance."""
    return orjson.loads(responsibility_json(store, question, limit=limit))


def responsibility_json(store: Store, question: str, *, limit: int = 10) -> bytes:
    """``responsibility`` as JSON, assembled from the powers' stored JSON documents."""
    q = analyse(question)
    found = store.search_candidates(_terms(q), limit=CANDIDATES) if q.terms else []
    ranked = rank(q, found, limit)
    docs = store.power_documents([p.iri for p, _ in ranked])
    return _answers(store, question, q, ranked, docs)


async def responsibility_json_async(store: Store, question: str, *, limit: int = 10) -> bytes:
    """``responsibility_json`` for the event loop: it waits for the store without a thread."""
    q = analyse(question)
    found = await store.search_candidates_async(_terms(q), limit=CANDIDATES) if q.terms else []
    ranked = rank(q, found, limit)
    docs = await store.power_documents_async([p.iri for p, _ in ranked])
    return _answers(store, question, q, ranked, docs)


def _terms(q: Question) -> list[str]:
    return list(q.terms) + list(q.sub_terms)


def _answers(store: Store, question: str, q: Question, ranked, docs: dict[str, bytes]) -> bytes:
    answers = [documents.scored(docs[p.iri], s) for p, s in ranked if p.iri in docs]
    result: dict[str, Any] = {"query": question, "terms": list(q.terms), "answers": answers}
    if not answers:
        result["message"] = "no power matches this question"
        result["suggestions"] = suggestions(store, question)
    return orjson.dumps(result)


def suggestions(store: Store, question: str, *, limit: int = 5) -> list[dict[str, str]]:
    """Close power names for a question that matched nothing: by shared characters."""
    from rapidfuzz import fuzz

    clean = normalise(question)
    chars = list(dict.fromkeys(c for c in clean if "\u4e00" <= c <= "\u9fff"))[:8]
    if not chars:
        return []
    found = store.search_candidates(chars, limit=CANDIDATES)
    best = sorted(found, key=lambda p: (-fuzz.partial_ratio(clean, p.name), -p.hits, p.iri))
    out, seen = [], set()
    for p in best:
        if p.name not in seen:
            seen.add(p.name)
            out.append({"iri": p.iri, "name": p.name})
        if len(out) == limit:
            break
    return out


async def power_json_async(store: Store, iri: str) -> bytes | None:
    """The JSON document of one power (as in an answer, without a score), or None."""
    return (await store.power_documents_async([iri])).get(iri)
