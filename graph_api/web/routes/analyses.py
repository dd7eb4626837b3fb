"""/v1/analyses/…: what reform and legal affairs offices ask of the lists, as JSON or .xlsx.
Each finding names the rule that produced it and the evidence behind it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from prl.graph_api.analyses import gaps, impact, overlaps
from prl.graph_api.analyses.basis import SEVERITIES, basis_xlsx
from prl.graph_api.answers.findings import count_by
from prl.graph_api.web import models
from prl.graph_api.web.deps import SettingsDep, StoreDep
from prl.graph_api.web.limits import limited
from prl.graph_api.web.routes.reports import XLSX, findings_response

router = APIRouter(
    prefix="/v1/analyses",
    tags=["analyses"],
    responses=models.errors(429, 503),
    dependencies=[Depends(limited("report"))],
)
Severity = Literal["defect", "check"]


@router.get(
    "/basis",
    summary="Powers set by a source too low to set them (设定权: 行政许可法, 行政处罚法, 行政强制法)",
    response_model=models.BasisFindings,
    responses={200: {"content": {XLSX: {}}, "description": "JSON, or .xlsx with format=xlsx"}},
)
def basis_report(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    severity: Annotated[list[Severity] | None, Query(description="only these")] = None,
    format: Annotated[Literal["json", "xlsx"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    wanted = set(severity or SEVERITIES)
    found = [f for f in request.app.state.basis.get(store) if f.severity in wanted]
    counts = count_by(found, "severity", [s for s in SEVERITIES if s in wanted])
    return findings_response(
        request,
        found,
        counts,
        basis_xlsx,
        "basis-findings.xlsx",
        format,
        page,
        min(page_size, settings.max_page_size),
    )


ImpactKind = Literal["removed", "changed", "moved", "repealed", "amended"]


@router.get(
    "/impact",
    summary="What an amendment breaks: powers citing provisions changed, moved or removed",
    response_model=models.ImpactFindings,
    responses={200: {"content": {XLSX: {}}, "description": "JSON, or .xlsx with format=xlsx"}},
)
def impact_report(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    kind: Annotated[list[ImpactKind] | None, Query(description="only these kinds")] = None,
    format: Annotated[Literal["json", "xlsx"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    kinds = set(kind or impact.KINDS)
    found = [f for f in request.app.state.impact.get(store) if f.kind in kinds]
    counts = count_by(found, "kind", [k for k in impact.KINDS if k in kinds])
    return findings_response(
        request,
        found,
        counts,
        impact.impact_xlsx,
        "impact-findings.xlsx",
        format,
        page,
        min(page_size, settings.max_page_size),
    )


@router.get(
    "/gaps",
    summary="Powers the cited statutes grant a body's kind that none of its powers carries",
    response_model=models.GapFindings,
    responses={200: {"content": {XLSX: {}}, "description": "JSON, or .xlsx with format=xlsx"}},
)
def gaps_report(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    body: Annotated[
        str | None, Query(max_length=200, description="only this body (its name)")
    ] = None,
    format: Annotated[Literal["json", "xlsx"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    found = [f for f in request.app.state.gaps.get(store) if body is None or f.body == body]
    counts = count_by(found, "power_type")
    return findings_response(
        request,
        found,
        counts,
        gaps.gaps_xlsx,
        "gap-findings.xlsx",
        format,
        page,
        min(page_size, settings.max_page_size),
    )


Relation = Literal["overlap", "cooperation", "hierarchy"]
PICTURES = {
    "svg": ("image/svg+xml", overlaps.overlaps_svg),
    "png": ("image/png", overlaps.overlaps_png),
}


@router.get(
    "/overlaps",
    summary="Overlapping functions: the same power held by several bodies (pairs, or the picture)",
    response_model=models.OverlapPairs,
    responses={
        200: {
            "content": {XLSX: {}, "image/svg+xml": {}, "image/png": {}},
            "description": "JSON, .xlsx (a sheet per cluster), or the bodies' graph as SVG or PNG",
        }
    },
)
def overlaps_report(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    relation: Annotated[list[Relation] | None, Query(description="only these")] = None,
    format: Annotated[Literal["json", "xlsx", "svg", "png"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    wanted = set(relation or overlaps.RELATIONS)
    found = [p for p in request.app.state.overlaps.get(store) if p.relation in wanted]
    if format in PICTURES:
        media, draw = PICTURES[format]
        return Response(draw(found), media_type=media)
    counts = count_by(found, "relation", [r for r in overlaps.RELATIONS if r in wanted])
    return findings_response(
        request,
        found,
        counts,
        overlaps.overlaps_xlsx,
        "overlaps.xlsx",
        format,
        page,
        min(page_size, settings.max_page_size),
    )
