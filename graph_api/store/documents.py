"""The JSON document of a power, as the API serves it (``/v1/powers/{id}`` and each answer of
``/v1/responsibility``), built from a ``PowerDetail``.

The embedded store keeps these documents materialised (written with its side index at load
time, see ``oxigraph_store``); the Neo4j store builds them per request. Both go through
``power_document`` so that the two serve the same bytes.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

import orjson

from prl.graph_api.store.models import PowerDetail


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def plain(value: Any) -> Any:
    """Dataclasses as dicts, tuples as lists (as ``dataclasses.asdict``, without its copies)."""
    if is_dataclass(value):
        cls: type = type(value)
        return {n: plain(getattr(value, n)) for n in _names(cls)}
    if isinstance(value, tuple | list):
        return [plain(x) for x in value]
    return value


def power_document(detail: PowerDetail) -> dict[str, Any]:
    """The power, who is responsible, under which law, duties, accountability, provenance."""
    s = detail.summary
    return {
        "power": {
            "iri": s.iri,
            "name": s.name,
            "type": plain(s.type),
            "parent": plain(s.parent),
        },
        "bodies": plain(s.bodies),
        "units": plain(detail.units),
        "levels": plain(detail.levels),
        "citations": [
            {
                "role": c.role,
                "instrument": plain(c.instrument),
                "cited_title": c.cited_title,
                "resolution": c.resolution,
                "unresolved_reason": c.unresolved_reason,
                "verification": c.verification,
                "match_score": c.match_score,
                "version_basis": c.version_basis,
                "meant_version": c.meant_version,
                "listed_references": list(c.listed),
                "subdivisions": plain(c.subdivisions),
                "text": c.text,
            }
            for c in detail.citations
        ],
        "duties": [
            {"order": d.order, "phase": plain(d.phase), "category": d.category, "text": d.text}
            for d in detail.duties
        ],
        "accountability": [
            {
                "targets": list(a.targets),
                "circumstances": a.circumstances,
                "methods": plain(a.methods),
            }
            for a in detail.accountability
        ],
        "provenance": plain(detail.provenance),
    }


def power_json(detail: PowerDetail) -> bytes:
    return orjson.dumps(power_document(detail))


def scored(document: bytes, score: float) -> orjson.Fragment:
    """An answer: ``{"score": …}`` followed by the fields of a power's JSON document (as
    an ``orjson.Fragment``, written into the response as it is)."""
    return orjson.Fragment(b'{"score":' + orjson.dumps(score) + b"," + document[1:])
