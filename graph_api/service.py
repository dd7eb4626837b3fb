"""Library functions behind the API routes and the CLI: one call per question asked."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson

from graph_api.models import PowerDetail
from graph_api.ranking import analyse, normalise, rank
from graph_api.store import Store

CANDIDATES = 300


def answer_view(detail: PowerDetail, score: float) -> dict[str, Any]:
    """One ranked answer: the power, who is responsible, under which law, duties and accountability."""
    s = detail.summary
    return {
        "score": score,
        "power": {
            "iri": s.iri,
            "name": s.name,
            "type": asdict(s.type),
            "parent": asdict(s.parent) if s.parent else None,
        },
        "bodies": [asdict(b) for b in s.bodies],
        "units": [asdict(u) for u in detail.units],
        "levels": [asdict(level) for level in detail.levels],
        "citations": [
            {
                "role": c.role,
                "instrument": asdict(c.instrument) if c.instrument else None,
                "cited_title": c.cited_title,
                "resolution": c.resolution,
                "unresolved_reason": c.unresolved_reason,
                "subdivisions": [asdict(x) for x in c.subdivisions],
                "text": c.text,
            }
            for c in detail.citations
        ],
        "duties": [
            {"order": d.order, "phase": asdict(d.phase), "category": d.category, "text": d.text}
            for d in detail.duties
        ],
        "accountability": [
            {
                "targets": list(a.targets),
                "circumstances": a.circumstances,
                "methods": [asdict(m) for m in a.methods],
            }
            for a in detail.accountability
        ],
        "provenance": [asdict(p) for p in detail.provenance],
    }


def responsibility(store: Store, question: str, *, limit: int = 10) -> dict[str, Any]:
    """Ranked answers to "who is responsible for X, under which law"."""
    q = analyse(question)
    found = (
        store.search_powers(list(q.terms) + list(q.sub_terms), limit=CANDIDATES) if q.terms else []
    )
    ranked = rank(q, [p for p, _ in found], limit)
    answers = []
    for power, s in ranked:
        detail = store.get_power(power.iri)
        if detail is not None:
            answers.append(answer_view(detail, s))
    result: dict[str, Any] = {"query": question, "terms": list(q.terms), "answers": answers}
    if not answers:
        result["message"] = "no power matches this question"
        result["suggestions"] = suggestions(store, question)
    return result


def suggestions(store: Store, question: str, *, limit: int = 5) -> list[dict[str, str]]:
    """Close power names for a question that matched nothing: by shared characters."""
    from rapidfuzz import fuzz

    clean = normalise(question)
    chars = list(dict.fromkeys(c for c in clean if "\u4e00" <= c <= "\u9fff"))[:8]
    if not chars:
        return []
    found = store.search_powers(chars, limit=CANDIDATES)
    best = sorted(found, key=lambda x: (-fuzz.partial_ratio(clean, x[0].name), -x[1], x[0].iri))
    out, seen = [], set()
    for p, _ in best:
        if p.name not in seen:
            seen.add(p.name)
            out.append({"iri": p.iri, "name": p.name})
        if len(out) == limit:
            break
    return out


def responsibility_json(store: Store, question: str, *, limit: int = 10) -> bytes:
    return orjson.dumps(responsibility(store, question, limit=limit))


def power_json(store: Store, iri: str) -> bytes | None:
    """The JSON of one power (as in an answer, without a score), or None when unknown."""
    detail = store.get_power(iri)
    if detail is None:
        return None
    body = answer_view(detail, 0.0)
    body.pop("score")
    return orjson.dumps(body)
