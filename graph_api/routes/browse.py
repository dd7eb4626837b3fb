"""/v1/bodies, /v1/instruments and /v1/subdivisions: browsing bodies and the law."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from graph_api.deps import SettingsDep, StoreDep
from graph_api.ids import BODY, INSTRUMENT, api_path, page_view, power_summary_view
from graph_api.models import Page, PowerFilter
from graph_api.negotiation import respond

router = APIRouter(prefix="/v1", tags=["browse"])
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=100)]


def _refs(refs, total, page, size):
    items = [{**asdict(r), "href": api_path(r.iri)} for r in refs]
    return {
        "items": items,
        "total": total,
        "page": page,
        "page_size": size,
        "pages": (total + size - 1) // size,
    }


@router.get("/bodies", summary="Bodies that exercise powers")
def list_bodies(store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 50):
    size = min(page_size, settings.max_page_size)
    refs, total = store.list_bodies(offset=(page - 1) * size, limit=size)
    return _refs(refs, total, page, size)


@router.get("/bodies/{body_id:path}/powers", summary="Powers of one body")
def body_powers(
    body_id: str, store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 20
):
    if store.get_body(BODY + body_id) is None:
        raise HTTPException(404, f"no body {body_id!r}")
    size = min(page_size, settings.max_page_size)
    result: Page = store.find_powers(
        PowerFilter(body=BODY + body_id), offset=(page - 1) * size, limit=size
    )
    return page_view(result, page, size, [power_summary_view(p) for p in result.items])


@router.get("/bodies/{body_id:path}", summary="One body with its power counts by type")
def get_body(body_id: str, store: StoreDep, request: Request):
    view = store.get_body(BODY + body_id)
    if view is None:
        raise HTTPException(404, f"no body {body_id!r}")
    body = asdict(view)
    body["counts_by_type"] = dict(view.counts_by_type)
    body["powers_href"] = f"/v1/bodies/{body_id}/powers"
    return respond(request, store, view.iri, body)


@router.get("/instruments", summary="Statute versions in the graph")
def list_instruments(
    store: StoreDep, settings: SettingsDep, page: PageNo = 1, page_size: PageSize = 50
):
    size = min(page_size, settings.max_page_size)
    refs, total = store.list_instruments(offset=(page - 1) * size, limit=size)
    return _refs(refs, total, page, size)


@router.get("/instruments/{instrument_id:path}", summary="One statute version with its structure")
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
