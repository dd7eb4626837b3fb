"""/sparql: the read-only SPARQL 1.1 query endpoint, on stores with the ``SPARQL`` capability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from prl.graph_api.settings import Settings
from prl.graph_api.store import (
    SPARQL,
    QueryInvalid,
    QueryRefused,
    QueryTimeout,
    Store,
    Unsupported,
)
from prl.graph_api.web import models
from prl.graph_api.web.deps import SettingsDep, StoreDep

router = APIRouter(tags=["sparql"])
RESULTS: dict[int | str, dict] = {
    200: {
        "description": "SPARQL results (JSON, CSV or TSV) or a graph (N-Triples, Turtle)",
        "content": {
            "application/sparql-results+json": {
                "schema": {"$ref": "#/components/schemas/SparqlResults"}
            },
            "text/csv": {},
            "text/tab-separated-values": {},
            "application/n-triples": {},
            "text/turtle": {},
        },
        "model": models.SparqlResults,
    },
    **models.errors(400, 403, 501, 503),
}


def _run(store: Store, settings: Settings, query: str, request: Request) -> Response:
    if SPARQL not in store.capabilities:
        raise HTTPException(501, f"SPARQL is not served by this server's store ({store.kind})")
    accept = request.headers.get("accept", "application/sparql-results+json")
    try:
        body, media = store.sparql(
            query, timeout=settings.sparql_timeout, limit=settings.sparql_result_cap, accept=accept
        )
    except Unsupported as e:
        raise HTTPException(501, str(e)) from e
    except QueryRefused as e:
        raise HTTPException(403, str(e)) from e
    except QueryTimeout as e:
        raise HTTPException(503, str(e)) from e
    except QueryInvalid as e:
        raise HTTPException(400, f"query: {e}") from e
    return Response(body, media_type=media)


@router.get(
    "/sparql",
    summary="Read-only SPARQL 1.1 query endpoint",
    responses=RESULTS,
    response_class=Response,
)
async def sparql_get(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    query: Annotated[str, Query(min_length=1, max_length=20_000)],
) -> Response:
    """SPARQL 1.1 protocol (query via GET) on the embedded store, with a timeout and a result
    cap; updates are refused."""
    return await run_in_threadpool(_run, store, settings, query, request)


@router.post(
    "/sparql",
    summary="Read-only SPARQL 1.1 query endpoint (POST form)",
    responses=RESULTS,
    response_class=Response,
)
async def sparql_post(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    query: Annotated[str, Form(min_length=1, max_length=20_000)],
) -> Response:
    return await run_in_threadpool(_run, store, settings, query, request)
