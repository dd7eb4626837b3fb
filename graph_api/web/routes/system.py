"""/health and /id/… dereferencing."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, RedirectResponse

from prl.graph_api.store import StoreUnavailable
from prl.graph_api.web import models
from prl.graph_api.web.deps import StoreDep
from prl.graph_api.web.paths import api_path
from prl.ontology.namespaces import ID

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    summary="Store reachable, and what it holds",
    response_model=models.Health,
    responses={503: {"model": models.Unavailable, "description": "the store cannot answer"}},
)
def health(store: StoreDep):
    try:
        store.ping()
        counts = store.counts()
    except StoreUnavailable as e:
        return JSONResponse(
            {"status": "unavailable", "store": store.kind, "detail": str(e)}, status_code=503
        )
    return {"status": "ok", "store": store.kind, "counts": asdict(counts)}


@router.get(
    "/id/{rest:path}",
    summary="Dereference a prl IRI",
    response_class=RedirectResponse,
    status_code=303,
    responses={
        303: {"description": "See Other: the route that serves the resource"},
        **models.errors(404),
    },
)
def dereference(rest: str) -> RedirectResponse:
    """``https://w3id.org/prl/id/<rest>`` is served here: 303 See Other to the resource's route
    (which answers JSON, JSON-LD or Turtle by ``Accept``)."""
    path = api_path(ID + rest)
    if path is None:
        raise HTTPException(404, f"no resource route for id/{rest}")
    return RedirectResponse(path, status_code=303)
