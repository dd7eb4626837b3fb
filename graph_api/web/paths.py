"""Mapping between IRIs (https://w3id.org/prl/id/…) and API paths and ids.

>>> api_path("https://w3id.org/prl/id/instrument/中华人民共和国统计法/2024-09-13/art_44")
'/v1/subdivisions/中华人民共和国统计法/2024-09-13/art_44'
>>> iri_of("body", "克拉玛依市统计局")
'https://w3id.org/prl/id/body/克拉玛依市统计局'
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prl.graph_api.store.models import Page, PowerSummary, Ref
from prl.ontology.namespaces import ID, INSTRUMENT, POWER

_ROUTES = {"power/": "/v1/powers/", "body/": "/v1/bodies/"}


def iri_of(kind: str, value: str | None) -> str | None:
    """A filter value given as a full IRI or as the id after ``id/<kind>/``."""
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"{ID}{kind}/{value}"


def api_path(iri: str) -> str | None:
    """The API route that serves an IRI (instruments: a version has two segments, deeper
    paths are subdivisions)."""
    if iri.startswith(INSTRUMENT):
        parts = iri[len(INSTRUMENT) :].split("/")
        if len(parts) > 2:
            return "/v1/subdivisions/" + "/".join(parts)
        return "/v1/instruments/" + "/".join(parts)
    if not iri.startswith(ID):
        return None
    rest = iri[len(ID) :]
    for prefix, route in _ROUTES.items():
        if rest.startswith(prefix):
            return route + rest[len(prefix) :]
    return None


def power_summary_view(p: PowerSummary) -> dict[str, Any]:
    d = asdict(p)
    d["id"] = p.iri[len(POWER) :] if p.iri.startswith(POWER) else p.iri
    d["href"] = api_path(p.iri)
    return d


def linked(ref: Ref) -> dict[str, Any]:
    return {**asdict(ref), "href": api_path(ref.iri)}


def page_view(total: int, page: int, size: int, items: list) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "page": page,
        "page_size": size,
        "pages": (total + size - 1) // size,
    }


def powers_page(result: Page, page: int, size: int) -> dict[str, Any]:
    return page_view(result.total, page, size, [power_summary_view(p) for p in result.items])
