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
from prl.ontology.namespaces import BODY, ID, INSTRUMENT, POWER, PRL, SPACE


def iri_of(kind: str, value: str | None) -> str | None:
    """A filter value given as a full IRI or as the id after ``id/<kind>/``."""
    if not value:
        return None
    return value if value.startswith(("http://", "https://")) else f"{ID}{kind}/{value}"


def api_path(iri: str) -> str | None:
    """The API route that serves an IRI: powers, bodies, statute versions (two segments
    after ``instrument/``) and their subdivisions (deeper) have their own; every other IRI
    prl mints (units, duties, citations, list documents, source records, regions, runs,
    concepts …) is served by ``/v1/resources``; the ontology's terms by ``/ontology``.
    None for IRIs outside prl's space.

    >>> api_path("https://w3id.org/prl/id/power/克拉玛依市统计局/034c48b58627/duty/57a0b45c2da2")
    '/v1/resources/id/power/克拉玛依市统计局/034c48b58627/duty/57a0b45c2da2'
    >>> api_path("https://w3id.org/prl/ontology#Power")
    '/ontology'
    """
    if iri.startswith(PRL):
        return "/ontology"
    if not iri.startswith(SPACE):
        return None
    if iri.startswith(INSTRUMENT):
        parts = iri[len(INSTRUMENT) :].split("/")
        if len(parts) == 2 and not parts[1].startswith("as-cited"):
            return "/v1/instruments/" + "/".join(parts)
        if len(parts) > 2 and parts[-1] != "source":
            return "/v1/subdivisions/" + "/".join(parts)
    elif iri.startswith(POWER) and iri.count("/", len(POWER)) == 1:
        return "/v1/powers/" + iri[len(POWER) :]
    elif iri.startswith(BODY) and "/" not in iri[len(BODY) :]:
        return "/v1/bodies/" + iri[len(BODY) :]
    return resource_path(iri)


def resource_path(iri: str) -> str:
    """The route of the generic description of an IRI in prl's space."""
    return "/v1/resources/" + iri[len(SPACE) :]


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
