"""/health, and dereferencing /id/… and /concept/… IRIs."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse, RedirectResponse

from prl.graph_api.store import Store, StoreUnavailable
from prl.graph_api.web import models
from prl.graph_api.web.deps import StoreDep
from prl.graph_api.web.paths import api_path, resource_path
from prl.ontology.namespaces import CONCEPT, ID

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


def _dereference_route(path: str):
    return router.get(
        path,
        summary="Dereference a prl IRI",
        response_class=RedirectResponse,
        status_code=303,
        responses={
            303: {"description": "See Other: the route that serves the resource"},
            **models.errors(404),
        },
    )


@_dereference_route("/id/{rest:path}")
def dereference(rest: str, store: StoreDep) -> RedirectResponse:
    """``https://w3id.org/prl/id/<rest>`` is served here: 303 See Other to the resource's route
    (which answers JSON, JSON-LD or Turtle by ``Accept``)."""
    return _see_other(store, ID + rest)


@_dereference_route("/concept/{rest:path}")
def dereference_concept(rest: str, store: StoreDep) -> RedirectResponse:
    """``https://w3id.org/prl/concept/<rest>`` (a code list or one of its concepts)."""
    return _see_other(store, CONCEPT + rest)


def _see_other(store: Store, iri: str) -> RedirectResponse:
    path = api_path(iri)
    if path is None:
        raise HTTPException(404, f"no resource route for {iri}")
    if not path.startswith("/v1/resources/") and not _has_view(store, iri, path):
        # a statute version the corpus has no text of, say: described, not viewed
        path = resource_path(iri)
    return RedirectResponse(path, status_code=303)


def _has_view(store: Store, iri: str, path: str) -> bool:
    view = {
        "/v1/powers/": store.get_power,
        "/v1/bodies/": store.get_body,
        "/v1/instruments/": store.get_instrument,
        "/v1/subdivisions/": store.get_subdivision,
    }
    for prefix, get in view.items():
        if path.startswith(prefix):
            return get(iri) is not None
    return True
