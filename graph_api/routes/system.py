"""/health, /id/… dereferencing, /sparql, and the token-protected document endpoints."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from graph_api.deps import CacheDep, SettingsDep, StoreDep, TokenDep
from graph_api.ids import BASE, api_path
from graph_api.store import StoreError, StoreUnavailable

router = APIRouter()


@router.get("/health", tags=["system"], summary="Store reachable, and what it holds")
def health(store: StoreDep):
    try:
        store.ping()
        counts = store.counts()
    except StoreUnavailable as e:
        from fastapi.responses import JSONResponse

        return JSONResponse(
            {"status": "unavailable", "store": store.kind, "detail": str(e)}, status_code=503
        )
    return {"status": "ok", "store": store.kind, "counts": asdict(counts)}


@router.get("/id/{rest:path}", tags=["system"], summary="Dereference a prl IRI")
def dereference(rest: str, request: Request):
    """``https://w3id.org/prl/id/<rest>`` is served here: 303 See Other to the resource's route
    (which answers JSON, JSON-LD or Turtle by ``Accept``)."""
    path = api_path(BASE + rest)
    if path is None:
        raise HTTPException(404, f"no resource route for id/{rest}")
    return RedirectResponse(path, status_code=303)


SPARQL_RESULTS = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/n-triples",
    "text/turtle",
}


def _sparql(store, settings, query: str, request: Request) -> Response:
    if not hasattr(store, "sparql"):
        raise HTTPException(
            501, f"SPARQL is served by the embedded store only (this server uses {store.kind})"
        )
    from graph_api.oxigraph_store import QueryRefused, QueryTimeout

    accept = request.headers.get("accept", "application/sparql-results+json")
    try:
        body, media = store.sparql(
            query, timeout=settings.sparql_timeout, limit=settings.sparql_result_cap, accept=accept
        )
    except QueryRefused as e:
        raise HTTPException(403, str(e)) from e
    except QueryTimeout as e:
        raise HTTPException(503, str(e)) from e
    except SyntaxError as e:
        raise HTTPException(400, f"query: {e}") from e
    return Response(body, media_type=media)


@router.get("/sparql", tags=["sparql"], summary="Read-only SPARQL 1.1 query endpoint")
def sparql_get(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    query: Annotated[str, Query(min_length=1, max_length=20_000)],
):
    """SPARQL 1.1 protocol (query via GET) on the embedded store, with a timeout and a result
    cap; updates are refused."""
    return _sparql(store, settings, query, request)


@router.post("/sparql", tags=["sparql"], summary="Read-only SPARQL 1.1 query endpoint (POST form)")
def sparql_post(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    query: Annotated[str, Form(min_length=1, max_length=20_000)],
):
    return _sparql(store, settings, query, request)


@router.put(
    "/v1/documents/{document_id:path}", tags=["write"], summary="Load or replace one list document"
)
async def put_document(
    document_id: str, store: StoreDep, cache: CacheDep, _: TokenDep, request: Request
):
    """Body: N-Quads written by ``prl ingest`` holding this document's graph (and any shared
    graphs). Needs the API token."""
    data = await request.body()
    if not data:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": "empty body: send N-Quads", "type": "value_error"}]
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.nq"
        path.write_bytes(data)
        try:
            n = store.load_file(path)
        except SyntaxError as e:
            raise HTTPException(
                422, [{"loc": ["body"], "msg": f"not N-Quads: {e}", "type": "value_error"}]
            ) from e
        except StoreError as e:
            raise HTTPException(503 if isinstance(e, StoreUnavailable) else 500, str(e)) from e
        finally:
            cache.clear()
    return {"document": BASE + "list/" + document_id, "quads": n}


@router.delete(
    "/v1/documents/{document_id:path}", tags=["write"], summary="Remove one list document"
)
def delete_document(document_id: str, store: StoreDep, cache: CacheDep, _: TokenDep):
    removed = store.remove_document(BASE + "list/" + document_id)
    cache.clear()
    if not removed:
        raise HTTPException(404, f"no document {document_id!r}")
    return {"removed": BASE + "list/" + document_id}
