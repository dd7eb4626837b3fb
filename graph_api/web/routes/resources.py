"""/v1/resources and /ontology: every other IRI prl mints, described.

Powers, bodies, statute versions and subdivisions have their own routes; duties, citations,
accountability, units, list documents, source records, regions, runs, concepts and the shared
graphs are served here, as what the store states about them (JSON, or Turtle and JSON-LD by
``Accept``), so that every IRI in an answer or in served RDF leads somewhere useful.
"""

from __future__ import annotations

from functools import cache
from importlib import resources as package_files

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from rdflib import RDF, RDFS, Graph, Literal, URIRef

from prl.graph_api.web import models
from prl.graph_api.web.deps import StoreDep
from prl.graph_api.web.negotiation import CONTEXT, JSONLD, TURTLE, respond_graph, wanted
from prl.graph_api.web.paths import api_path
from prl.ontology.namespaces import PREFIXES, SHARED_GRAPHS, SPACE

NAMED_GRAPH = URIRef("http://www.w3.org/ns/sparql-service-description#NamedGraph")
router = APIRouter(tags=["browse"], responses=models.errors(503))


@router.get(
    "/v1/resources/{rest:path}",
    summary="Any resource prl mints: a duty, citation, list document, region, concept …",
    responses={
        200: {"model": models.Resource, "content": models.RDF_CONTENT},
        **models.errors(404),
    },
)
def get_resource(rest: str, store: StoreDep, request: Request):
    """What the store states about ``https://w3id.org/prl/<rest>`` (every graph), predicates
    as CURIEs, each resource value with the API route that serves it."""
    iri = SPACE + rest
    g = store.describe(iri)
    if len(g) == 0:
        if iri not in SHARED_GRAPHS:
            raise HTTPException(404, f"nothing is known about {rest!r}")
        g.add((URIRef(iri), RDF.type, NAMED_GRAPH))
        g.add((URIRef(iri), RDFS.label, Literal(SHARED_GRAPHS[iri], lang="en")))
    return respond_graph(request, g, resource_view(iri, g))


def resource_view(iri: str, g: Graph) -> dict:
    s = URIRef(iri)
    props: dict[str, list[dict]] = {}
    types: list[str] = []
    label = None
    for p, o in sorted(g.predicate_objects(s)):
        if p == RDF.type:
            types.append(str(o))
            continue
        if p == RDFS.label and isinstance(o, Literal) and label is None:
            label = str(o)
        if isinstance(o, URIRef):
            value = {"iri": str(o), "href": api_path(str(o))}
        elif isinstance(o, Literal):
            value = {"value": str(o)}
            if o.language:
                value["language"] = o.language
            elif o.datatype is not None:
                value["datatype"] = str(o.datatype)
        else:  # a blank node: prl mints none, a foreign one says nothing outside its graph
            continue
        props.setdefault(curie(str(p)), []).append(value)
    return {"iri": iri, "label": label, "types": sorted(types), "properties": props}


def curie(iri: str) -> str:
    for prefix, space in PREFIXES.items():
        if iri.startswith(space) and iri != space:
            return f"{prefix}:{iri[len(space) :]}"
    return iri


@router.get(
    "/ontology",
    summary="The prl ontology (the terms https://w3id.org/prl/ontology#…)",
    response_class=Response,
    responses={200: {"content": {"text/turtle": {}, "application/ld+json": {}}}},
)
def ontology(request: Request) -> Response:
    """The ontology as Turtle (the default) or JSON-LD (its code lists and their concepts are
    under ``/concept/…``)."""
    if wanted(request) == JSONLD:
        return Response(_ontology_jsonld(), media_type=JSONLD)
    return Response(_ontology_turtle(), media_type=f"{TURTLE}; charset=utf-8")


@cache
def _ontology_turtle() -> str:
    """The packaged file, read once (it changes only with the package)."""
    return (package_files.files("prl.ontology") / "prl.ttl").read_text(encoding="utf-8")


@cache
def _ontology_jsonld() -> str:
    g = Graph().parse(data=_ontology_turtle(), format="turtle")
    return g.serialize(format="json-ld", context=CONTEXT, auto_compact=True)
