"""/v1/documents/{id}: loading, replacing and removing one list document (API token)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from prl.graph_api.store import StoreError, StoreInputError, StoreUnavailable
from prl.graph_api.web import models
from prl.graph_api.web.deps import CacheDep, SettingsDep, StoreDep, TokenDep
from prl.graph_api.web.models import DocumentLoaded, DocumentRemoved
from prl.ontology.namespaces import LIST

router = APIRouter(prefix="/v1", tags=["write"], responses=models.errors(401, 403, 413, 503))


@router.put(
    "/documents/{document_id:path}",
    summary="Load or replace one list document",
    response_model=DocumentLoaded,
    responses=models.errors(404),  # an id no route takes (a line break in it)
)
async def put_document(
    document_id: str,
    store: StoreDep,
    cache: CacheDep,
    settings: SettingsDep,
    _: TokenDep,
    request: Request,
) -> DocumentLoaded:
    """Body: N-Quads written by ``prl ingest`` holding this document's graph (and any shared
    graphs: bodies, statutes, code lists); a graph of another list document, or no quad in
    this one's, is refused with 422 naming it, and nothing is written. Needs the API token."""
    data = await _body(request, settings.max_upload_bytes)
    if not data:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": "empty body: send N-Quads", "type": "value_error"}]
        )
    try:
        n = await run_in_threadpool(
            store.load_nquads, data, source="the request body", document=LIST + document_id
        )
    except StoreInputError as e:
        raise HTTPException(
            422, [{"loc": ["body"], "msg": f"not N-Quads prl loads: {e}", "type": "value_error"}]
        ) from e
    except StoreError as e:
        raise HTTPException(503 if isinstance(e, StoreUnavailable) else 500, str(e)) from e
    finally:
        cache.clear()
    return DocumentLoaded(document=LIST + document_id, quads=n)


async def _body(request: Request, limit: int) -> bytes:
    """The request body, read up to ``limit`` bytes (413 beyond, before reading more)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body is over {limit} bytes (PRL_MAX_UPLOAD_BYTES)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"the body is over {limit} bytes (PRL_MAX_UPLOAD_BYTES)")
        chunks.append(chunk)
    return b"".join(chunks)


@router.delete(
    "/documents/{document_id:path}",
    summary="Remove one list document",
    response_model=DocumentRemoved,
    responses=models.errors(404),
)
async def delete_document(
    document_id: str, store: StoreDep, cache: CacheDep, _: TokenDep
) -> DocumentRemoved:
    removed = await run_in_threadpool(store.remove_document, LIST + document_id)
    cache.clear()
    if not removed:
        raise HTTPException(404, f"no document {document_id!r}")
    return DocumentRemoved(removed=LIST + document_id)
