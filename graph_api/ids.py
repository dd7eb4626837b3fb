"""Mapping between IRIs (https://w3id.org/prl/id/…) and API paths and ids."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from graph_api.models import Page, PowerSummary

BASE = "https://w3id.org/prl/id/"
POWER = BASE + "power/"
BODY = BASE + "body/"
INSTRUMENT = BASE + "instrument/"
REGION = BASE + "region/"

_ROUTES = {"power/": "/v1/powers/", "body/": "/v1/bodies/", "instrument/": "/v1/instruments/"}


def iri_of(kind: str, value: str | None) -> str | None:
    """A filter value given as a full IRI or as the id after ``id/<kind>/``."""
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"{BASE}{kind}/{value}"


def api_path(iri: str) -> str | None:
    """The API route that serves an IRI (instruments: a version has two segments, deeper
    paths are subdivisions)."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE) :]
    if rest.startswith("instrument/"):
        parts = rest[len("instrument/") :].split("/")
        if len(parts) > 2:
            return "/v1/subdivisions/" + "/".join(parts)
        return "/v1/instruments/" + "/".join(parts)
    for prefix, route in _ROUTES.items():
        if rest.startswith(prefix):
            return route + rest[len(prefix) :]
    return None


def power_summary_view(p: PowerSummary) -> dict[str, Any]:
    d = asdict(p)
    d["id"] = p.iri[len(POWER) :] if p.iri.startswith(POWER) else p.iri
    d["href"] = api_path(p.iri)
    return d


def page_view(result: Page, page: int, size: int, items: list) -> dict[str, Any]:
    return {
        "items": items,
        "total": result.total,
        "page": page,
        "page_size": size,
        "pages": (result.total + size - 1) // size,
    }
