"""/v1/reports/citations: the citation findings a legal officer acts on, as JSON or .xlsx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from prl.graph_api.answers.findings import KINDS, count_by, findings_xlsx
from prl.graph_api.web import models
from prl.graph_api.web.deps import SettingsDep, StoreDep
from prl.graph_api.web.limits import limited
from prl.graph_api.web.paths import page_view

router = APIRouter(
    prefix="/v1/reports",
    tags=["reports"],
    responses=models.errors(429, 503),
    dependencies=[Depends(limited("report"))],
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Kind = Literal["mismatch", "version", "unresolved"]


@router.get(
    "/citations",
    summary="Citations to check: quotes that are not the numbered provision, versions, unresolved",
    response_model=models.CitationFindings,
    responses={200: {"content": {XLSX: {}}, "description": "JSON, or .xlsx with format=xlsx"}},
)
def citations_report(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[list[Kind] | None, Query(description="only these kinds")] = None,
    format: Annotated[Literal["json", "xlsx"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    kinds = set(kind or KINDS)
    found = [f for f in request.app.state.findings.get(store) if f.kind in kinds]
    counts = count_by(found, "kind", [k for k in KINDS if k in kinds])
    return findings_response(
        request,
        found,
        counts,
        findings_xlsx,
        "citation-findings.xlsx",
        format,
        page,
        min(page_size, settings.max_page_size),
    )


def findings_response(
    request: Request,
    found: list,
    counts: dict[str, int],
    to_xlsx: Callable[[list], bytes],
    filename: str,
    format: str | None,
    page: int,
    size: int,
) -> Any:
    """One page of findings as JSON (with the counts over all pages), or all of them as an
    .xlsx workbook when ``format=xlsx`` or the Accept header asks for one."""
    if format == "xlsx" or (format is None and XLSX in request.headers.get("accept", "")):
        return Response(
            to_xlsx(found),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    items = [f.as_dict() for f in found[(page - 1) * size : page * size]]
    body = page_view(len(found), page, size, items)
    body["counts"] = counts
    return body
