"""/sparql: the read-only SPARQL 1.1 query endpoint, on stores with the ``SPARQL`` capability."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from prl.graph_api.settings import Settings
from prl.graph_api.store import (
    SPARQL,
    QueryInvalid,
    QueryNotAcceptable,
    QueryRefused,
    QueryTimeout,
    Store,
    Unsupported,
)
from prl.graph_api.web import models
from prl.graph_api.web.deps import SettingsDep, StoreDep
from prl.graph_api.web.limits import limited

router = APIRouter(tags=["sparql"], dependencies=[Depends(limited("SPARQL"))])
RESULTS: dict[int | str, dict] = {
    200: {
        "description": "SPARQL results (JSON, CSV or TSV) or a graph (N-Triples, Turtle)",
        "content": {
            "application/sparql-results+json": {
                "schema": {"$ref": "#/components/schemas/SparqlResults"}
            },
            "application/sparql-results+xml": {},
            "text/csv": {},
            "text/tab-separated-values": {},
            "application/n-triples": {},
            "text/turtle": {},
            "application/rdf+xml": {},
            "application/ld+json": {},
        },
        "headers": {
            "Prl-Result-Cap": {"description": "the result cap", "schema": {"type": "integer"}},
            "Prl-Result-Bytes": {
                "description": "the cap in bytes (about: whole rows are sent)",
                "schema": {"type": "integer"},
            },
            "Prl-Truncated": {
                "description": "true when a cap (rows or bytes) cut the results",
                "schema": {"type": "string"},
            },
        },
        "model": models.SparqlResults,
    },
    **models.errors(400, 403, 406, 413, 415, 429, 501, 503),
}


CAP_HEADER = "Prl-Result-Cap"  # the cap: rows (or triples) at most
BYTES_HEADER = "Prl-Result-Bytes"  # and about this many bytes of them
TRUNCATED_HEADER = "Prl-Truncated"  # "true" when the cap cut the results
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
MAX_QUERY = 20_000
Graphs = Annotated[list[str] | None, Query(max_length=100)]


def _run(
    store: Store, settings: Settings, query: str, request: Request, dataset=((), ())
) -> Response:
    if SPARQL not in store.capabilities:
        raise HTTPException(501, f"SPARQL is not served by this server's store ({store.kind})")
    accept = request.headers.get("accept", "")
    try:
        answer = store.sparql(
            query,
            timeout=settings.sparql_timeout,
            limit=settings.sparql_result_cap,
            max_bytes=settings.sparql_result_bytes,
            accept=accept,
            dataset=dataset,
        )
    except Unsupported as e:
        raise HTTPException(501, str(e)) from e
    except QueryRefused as e:
        raise HTTPException(403, str(e)) from e
    except QueryTimeout as e:
        raise HTTPException(503, str(e)) from e
    except QueryNotAcceptable as e:
        raise HTTPException(406, str(e)) from e
    except QueryInvalid as e:
        raise HTTPException(400, f"query: {e}") from e
    headers = {
        CAP_HEADER: str(settings.sparql_result_cap),
        BYTES_HEADER: str(settings.sparql_result_bytes),
        "Vary": "Accept",
    }
    if answer.truncated:
        headers[TRUNCATED_HEADER] = "true"
    return Response(answer.body, media_type=answer.media_type, headers=headers)


def _one_operation(queries: list, updates: list) -> None:
    """The protocol's one operation per request: an update is refused (403), two queries
    are a bad request (400)."""
    if updates:
        raise HTTPException(403, "this endpoint is read-only: SPARQL updates are refused")
    if len(queries) > 1:
        raise HTTPException(400, f"one query per request, not {len(queries)}")


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return ""


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+")


def _dataset(defaults: list[str] | None, named: list[str] | None) -> tuple:
    """The protocol's dataset, each graph an absolute IRI (422 naming the field if not)."""
    for field, values in (("default-graph-uri", defaults), ("named-graph-uri", named)):
        for v in values or ():
            if not _IRI.fullmatch(v):
                raise HTTPException(
                    422,
                    [
                        {
                            "loc": ["query", field],
                            "msg": "not an absolute IRI",
                            "type": "value_error",
                        }
                    ],
                )
    return (tuple(defaults or ()), tuple(named or ()))


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
    query: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
    default_graph_uri: Annotated[Graphs, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[Graphs, Query(alias="named-graph-uri")] = None,
) -> Response:
    """SPARQL 1.1 protocol, query via GET, on the embedded store: a timeout, a result cap
    (``Prl-Result-Cap``; ``Prl-Truncated: true`` when it cut the results), the dataset by
    FROM / FROM NAMED or ``default-graph-uri`` / ``named-graph-uri`` (else the union of the
    graphs); updates and SERVICE are refused."""
    _one_operation(request.query_params.getlist("query"), request.query_params.getlist("update"))
    dataset = _dataset(default_graph_uri, named_graph_uri)
    return await run_in_threadpool(_run, store, settings, query, request, dataset)


@router.post(
    "/sparql",
    summary="Read-only SPARQL 1.1 query endpoint (form POST or direct POST)",
    responses=RESULTS,
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {
                            "query": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY},
                            "default-graph-uri": {"type": "string"},
                            "named-graph-uri": {"type": "string"},
                        },
                    }
                },
                QUERY_TYPE: {"schema": {"type": "string", "minLength": 1}},
            },
        }
    },
)
async def sparql_post(
    store: StoreDep,
    settings: SettingsDep,
    request: Request,
    default_graph_uri: Annotated[Graphs, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[Graphs, Query(alias="named-graph-uri")] = None,
) -> Response:
    """The query as a form field (``application/x-www-form-urlencoded``) or as the whole
    body (``application/sparql-query``); ``application/sparql-update`` is refused (403)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    defaults, named = list(default_graph_uri or ()), list(named_graph_uri or ())
    if kind == UPDATE_TYPE:
        raise HTTPException(403, "this endpoint is read-only: SPARQL updates are refused")
    charset = _charset(request.headers.get("content-type", ""))
    if charset not in ("", "utf-8", "utf8"):
        raise HTTPException(415, f"the body's charset is {charset}: send UTF-8")
    if kind == QUERY_TYPE:
        body = await request.body()
        if len(body) > MAX_QUERY * 4:
            raise HTTPException(413, f"the query is over {MAX_QUERY} characters")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, "the query is not UTF-8") from None
    elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form(max_files=0, max_fields=200)
        _one_operation(form.getlist("query"), form.getlist("update"))
        query = str(form.get("query") or "")
        defaults += [str(v) for v in form.getlist("default-graph-uri")]
        named += [str(v) for v in form.getlist("named-graph-uri")]
    else:
        raise HTTPException(
            415, f"send the query as {QUERY_TYPE} or application/x-www-form-urlencoded"
        )
    if not query.strip():
        raise HTTPException(422, [{"loc": ["body", "query"], "msg": "no query", "type": "missing"}])
    if len(query) > MAX_QUERY:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["body", "query"],
                    "msg": f"at most {MAX_QUERY} characters",
                    "type": "string_too_long",
                }
            ],
        )
    dataset = _dataset(defaults, named)
    return await run_in_threadpool(_run, store, settings, query, request, dataset)
