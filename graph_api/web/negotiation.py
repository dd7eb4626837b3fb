"""Content negotiation: JSON by default, JSON-LD or Turtle by ``Accept`` for resources."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from rdflib import Graph

from prl.graph_api.store import Store
from prl.ontology import namespaces as ns

TURTLE = "text/turtle"
JSONLD = "application/ld+json"
CONTEXT = {p: ns.PREFIXES[p] for p in ("prl", "rdfs", "skos", "eli", "org", "prov")}


def wanted(request: Request) -> str:
    accept = request.headers.get("accept", "")
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in (TURTLE, "application/x-turtle"):
            return TURTLE
        if media == JSONLD:
            return JSONLD
        if media in ("application/json", "*/*", "application/*", ""):
            return "json"
    return "json"


def respond(request: Request, store: Store, iri: str, body: Any) -> Response:
    """``body`` as JSON, or the resource's RDF description as Turtle or JSON-LD."""
    if wanted(request) == "json":
        return JSONResponse(jsonable_encoder(body))
    return respond_graph(request, store.describe(iri), body)


def respond_graph(request: Request, g: Graph, body: Any) -> Response:
    """``body`` as JSON, or ``g`` as Turtle or JSON-LD, by ``Accept``."""
    kind = wanted(request)
    if kind == "json":
        return JSONResponse(jsonable_encoder(body))
    for prefix, space in CONTEXT.items():
        g.bind(prefix, space)
    if kind == TURTLE:
        return Response(g.serialize(format="turtle"), media_type=f"{TURTLE}; charset=utf-8")
    return Response(
        g.serialize(format="json-ld", context=CONTEXT, auto_compact=True), media_type=JSONLD
    )
