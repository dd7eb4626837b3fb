"""/v1/responsibility (the main question) and /v1/powers.

The two hot routes answer on the event loop: from the app's cache when they can, else from
the store's ``…_async`` reads, which wait for Neo4j without holding a thread (a thread per
request waiting on the network cost more, with the GIL, than the reads themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from prl.graph_api.answers.responsibility import power_json_async, responsibility_json_async
from prl.graph_api.store.models import PowerFilter
from prl.graph_api.web import models
from prl.graph_api.web.deps import CacheDep, SettingsDep, StoreDep
from prl.graph_api.web.negotiation import respond, wanted
from prl.graph_api.web.paths import iri_of, powers_page
from prl.ontology.namespaces import POWER

router = APIRouter(prefix="/v1", tags=["powers"], responses=models.errors(503))


TYPE_CODES = "^(0[1-9]|10|20)$"


@router.get(
    "/responsibility",
    summary="Who is responsible for a matter, and under which law",
    response_class=Response,
    responses={200: {"model": models.Answers, "content": {"application/json": {}}}},
)
async def ask(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    cache: CacheDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="A power name, part of it, or a question in Chinese",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
):
    """Ranked answers for a matter in ordinary Chinese (e.g. 噪音扰民找谁, 砍树要审批吗,
    统计法第四十四条): the power, the responsible body and unit, every citation with the article
    text, the duties by phase and the accountability, each with its source file, sheet and
    row, its confidence and where the question's words matched. ``reading`` says how the
    question was read (intent, place, words and the list words for them, a cited article).
    When no power of the loaded lists clears the threshold, ``answered`` is false, ``answers``
    is empty, ``message`` says what the lists do not hold and ``suggestions`` are the closest
    powers with why."""
    if len(q) > settings.max_query_length:
        raise HTTPException(
            422,
            [
                {
                    "loc": ["query", "q"],
                    "type": "string_too_long",
                    "msg": f"q is longer than {settings.max_query_length} characters",
                }
            ],
        )
    if not q.strip():
        raise HTTPException(
            422, [{"loc": ["query", "q"], "msg": "q is blank", "type": "value_error"}]
        )
    key = ("responsibility", q, limit)
    data = cache.peek(key)
    if data is None:
        data = cache.put(key, await responsibility_json_async(store, q, limit=limit))
    return Response(data, media_type="application/json")


@router.get("/powers", summary="Browse and filter the open list", response_model=models.PowersPage)
def list_powers(
    store: StoreDep,
    settings: SettingsDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Keyword in the power's name (事项名称)")
    ] = None,
    body: Annotated[str | None, Query(max_length=500, description="Body id or IRI")] = None,
    type: Annotated[
        str | None,
        Query(
            pattern=TYPE_CODES,
            description="Power type code (GB/T 39046): 01 许可 … 10 其他, 20 公共服务",
        ),
    ] = None,
    level: Annotated[
        str | None,
        Query(
            pattern="^[1-6]$", description="Administrative level code 1 (national) … 6 (village)"
        ),
    ] = None,
    region: Annotated[
        str | None, Query(max_length=500, description="Region id or IRI of an exercising body")
    ] = None,
    instrument: Annotated[
        str | None,
        Query(max_length=500, description="Instrument version id or IRI cited by the power"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
):
    """Powers ordered by IRI (stable), filtered by all given parameters, one page at a time."""
    size = min(page_size, settings.max_page_size)
    flt = PowerFilter(
        text=q or None,
        body=iri_of("body", body),
        type=type,
        level=level,
        region=iri_of("region", region),
        instrument=iri_of("instrument", instrument),
    )
    result = store.find_powers(flt, offset=(page - 1) * size, limit=size)
    return powers_page(result, page, size)


@router.get(
    "/powers/{power_id:path}",
    summary="One power with its bodies, citations, duties and accountability",
    response_class=Response,
    responses={
        200: {
            "model": models.PowerDocument,
            "content": {"application/json": {}, **models.RDF_CONTENT},
        },
        **models.errors(404),
    },
)
async def get_power(power_id: str, store: StoreDep, cache: CacheDep, request: Request):
    """The power, dereferenceable as JSON, JSON-LD or Turtle (``Accept`` header)."""
    iri = POWER + power_id
    if wanted(request) != "json":
        return await run_in_threadpool(_rdf, request, store, iri)
    key = ("power", iri)
    data = cache.peek(key)
    if data is None:
        data = cache.put(key, await power_json_async(store, iri))
    if data is None:
        raise HTTPException(404, f"no power {power_id!r}")
    return Response(data, media_type="application/json")


def _rdf(request: Request, store, iri: str):
    if store.get_power(iri) is None:
        raise HTTPException(404, f"no power {iri.rsplit('/power/', 1)[-1]!r}")
    return respond(request, store, iri, None)
