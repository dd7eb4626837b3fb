"""/v1/bodies, /v1/instruments and /v1/subdivisions: browsing bodies and the law."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from prl.graph_api.store.models import PowerFilter
from prl.graph_api.web import models
from prl.graph_api.web.deps import SettingsDep, StoreDep
from prl.graph_api.web.negotiation import respond
from prl.graph_api.web.paths import api_path, linked, page_view, power_summary_view, powers_page
from prl.ontology.namespaces import BODY, INSTRUMENT

router = APIRouter(prefix="/v1", tags=["browse"], responses=models.errors(503))
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]


def _resource(model: type) -> dict:
    """``responses=`` of a resource served as JSON (``model``), Turtle or JSON-LD."""
    return {200: {"model": model, "content": models.RDF_CONTENT}, **models.errors(404)}


@router.get("/bodies", summary="Bodies that exercise powers", response_model=models.RefsPage)
def list_bodies(
    store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    size = min(page_size, settings.max_page_size)
    refs, total = store.list_bodies(offset=(page - 1) * size, limit=size)
    return page_view(total, page, size, [linked(r) for r in refs])


@router.get(
    "/bodies/{body_id:path}/powers",
    summary="Powers of one body",
    response_model=models.PowersPage,
    responses=models.errors(404),
)
def body_powers(
    body_id: str, store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 20
) -> dict[str, Any]:
    if store.get_body(BODY + body_id) is None:
        raise HTTPException(404, f"no body {body_id!r}")
    size = min(page_size, settings.max_page_size)
    result = store.find_powers(
        PowerFilter(body=BODY + body_id), offset=(page - 1) * size, limit=size
    )
    return powers_page(result, page, size)


@router.get(
    "/bodies/{body_id:path}",
    summary="One body with its power counts by type",
    responses=_resource(models.Body),
)
def get_body(body_id: str, store: StoreDep, request: Request):
    view = store.get_body(BODY + body_id)
    if view is None:
        raise HTTPException(404, f"no body {body_id!r}")
    body = asdict(view)
    body["counts_by_type"] = dict(view.counts_by_type)
    body["powers_href"] = f"/v1/bodies/{body_id}/powers"
    return respond(request, store, view.iri, body)


@router.get("/instruments", summary="Statute versions in the graph", response_model=models.RefsPage)
def list_instruments(
    store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    size = min(page_size, settings.max_page_size)
    refs, total = store.list_instruments(offset=(page - 1) * size, limit=size)
    return page_view(total, page, size, [linked(r) for r in refs])


@router.get(
    "/instruments/{instrument_id:path}",
    summary="One statute version with its structure",
    responses=_resource(models.Instrument),
)
def get_instrument(instrument_id: str, store: StoreDep, request: Request):
    view = store.get_instrument(INSTRUMENT + instrument_id)
    if view is None:
        raise HTTPException(404, f"no instrument {instrument_id!r}")
    body = asdict(view)
    for part in body["parts"]:
        part["href"] = api_path(part["iri"])
    return respond(request, store, view.iri, body)


@router.get(
    "/subdivisions/{subdivision_id:path}",
    summary="An article, paragraph or item: its text and the powers that cite it",
    responses=_resource(models.Subdivision),
)
def get_subdivision(subdivision_id: str, store: StoreDep, request: Request):
    """The impact list a legal officer needs when this article changes."""
    view = store.get_subdivision(INSTRUMENT + subdivision_id)
    if view is None:
        raise HTTPException(404, f"no subdivision {subdivision_id!r}")
    body = asdict(view)
    body["cited_by"] = [power_summary_view(p) for p in view.cited_by]
    for child in body["children"]:
        child["href"] = api_path(child["iri"])
    return respond(request, store, view.iri, body)
