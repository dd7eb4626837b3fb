"""Library functions behind the API routes and the CLI: one call per question asked.

How a question is read and matched is in ``intent`` and ``retrieval``; this module turns
what was found into the answer: each power's stored JSON document with its score, its
confidence and where the question's words matched, or — when nothing clears the threshold
— the statement that the loaded lists hold no such power, with the closest ones and why.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from prl.graph_api.answers import retrieval
from prl.graph_api.answers.intent import Reading, read
from prl.graph_api.answers.retrieval import Found
from prl.graph_api.answers.spelling import understand
from prl.graph_api.store import Store


def responsibility(store: Store, question: str, *, limit: int = 10) -> dict[str, Any]:
    """Ranked answers to "who is responsible for X, under which law": the power, its bodies
    and units, citations with the article text, duties, accountability and provenance."""
    return orjson.loads(responsibility_json(store, question, limit=limit))


def responsibility_json(store: Store, question: str, *, limit: int = 10) -> bytes:
    """``responsibility`` as JSON, assembled from the powers' stored JSON documents."""
    index = retrieval.text_index(store)
    r = understand(index, read(question))
    found = retrieval.find(index, r, limit)
    docs = store.power_documents(_wanted(index, found))
    return _answers(question, r, index, found, docs, limit)


async def responsibility_json_async(store: Store, question: str, *, limit: int = 10) -> bytes:
    """``responsibility_json`` for the event loop: the index (and a rebuild after a write)
    is fetched off the loop only when the store says it is not current."""
    index = await _index_async(store)
    r = understand(index, read(question))
    found = retrieval.find(index, r, limit)
    docs = await store.power_documents_async(_wanted(index, found))
    return _answers(question, r, index, found, docs, limit)


def _wanted(index, found: Found) -> list[str]:
    """The powers whose documents the answer shows: the answers, or the suggestions."""
    return [index.iris[m.id] for m in (found.matches if found.answered else found.closest)]


async def _index_async(store: Store):
    if retrieval.is_current(store):
        return retrieval.text_index(store)
    return await asyncio.get_running_loop().run_in_executor(None, retrieval.text_index, store)


def reading_json(r: Reading) -> dict[str, Any]:
    c = r.citation
    return {
        "intent": r.intent,
        "types": list(r.types),
        "place": r.place,
        "words": [{"word": w.text, "list_words": list(w.alternatives)} for w in r.words],
        "corrected": [{"typed": a, "read_as": b} for a, b in r.corrected],
        "citation": None
        if c is None
        else {"title": c.title, "article": c.article, "paragraph": c.paragraph, "item": c.item},
    }


def _answers(question, r: Reading, index, found: Found, docs: dict[str, bytes], limit) -> bytes:
    result: dict[str, Any] = {
        "query": question,
        "terms": [w.text for w in r.words],
        "reading": reading_json(r),
        "answered": found.answered,
    }
    if found.article_title is not None:
        a = found.article
        result["article"] = {
            "instrument": found.article_title,
            "label": a.label if a else None,
            "iri": a.iri if a else None,
            "version_date": a.version if a else None,
            "text": a.text if a else None,
        }
    answers = []
    if found.answered:
        for m in found.matches[:limit]:
            doc = docs.get(index.iris[m.id])
            if doc is not None:
                head = orjson.dumps(
                    {"score": m.score, "confidence": m.confidence, "matched": list(m.matched)}
                )
                answers.append(orjson.Fragment(head[:-1] + b"," + doc[1:]))
    result["answers"] = answers
    if not answers:
        result["message"] = found.reason or "no power matches this question"
        result["suggestions"] = [
            _suggestion(index.iris[m.id], docs[index.iris[m.id]], m)
            for m in found.closest
            if index.iris[m.id] in docs and m.confidence > 0
        ]
    return orjson.dumps(result)


def _suggestion(iri: str, doc: bytes, m) -> dict[str, Any]:
    d = orjson.loads(doc)
    t = d["power"].get("type") or {}
    held = [w for w in m.matched if w["where"]]
    missing = [w["word"] for w in m.matched if not w["where"]]
    why = "; ".join(
        (w["word"] if w["form"] == w["word"] else f"{w['word']} (as {w['form']})")
        + f" in its {' and '.join(w['where'])}"
        for w in held
    )
    if missing:
        why += ("; " if why else "") + "not found: " + "、".join(missing)
    return {
        "iri": iri,
        "name": d["power"]["name"],
        "type": t.get("label"),
        "bodies": [b["label"] for b in d.get("bodies") or []],
        "confidence": m.confidence,
        "why": why,
    }


async def power_json_async(store: Store, iri: str) -> bytes | None:
    """The JSON document of one power (as in an answer, without a score), or None."""
    return (await store.power_documents_async([iri])).get(iri)
