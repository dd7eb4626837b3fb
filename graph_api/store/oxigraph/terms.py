"""Terms of the embedded store: pyoxigraph nodes of prl's IRIs, and rdflib <-> pyoxigraph."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from prl.ontology import namespaces as ns


@lru_cache(maxsize=65_536)
def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def node_or_none(iri: str) -> ox.NamedNode | None:
    try:
        return node(iri)
    except ValueError:
        return None


def valid_iri(iri: str) -> bool:
    """False for text that is no IRI (an id from a request with a quote in it, say): such a
    resource cannot exist, so lookups answer "not found" instead of failing."""
    return node_or_none(iri) is not None


def prl(local: str) -> ox.NamedNode:
    return node(ns.PRL + local)


RDF_TYPE = node(ns.RDF_TYPE)
RDFS_LABEL = node(ns.RDFS_LABEL)


def zh_or_plain(term: object) -> bool:
    """A literal that may be a name: Chinese or untagged (``@en`` labels are not names)."""
    return isinstance(term, ox.Literal) and (
        term.language is None or term.language.lower().startswith("zh")
    )


def to_ox(t) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(t, URIRef):
        return node(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=node(str(t.datatype)))
        return ox.Literal(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    raise ValueError(f"unsupported RDF term {t!r}")


def to_rdflib(t) -> URIRef | Literal | BNode:
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == ns.XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    raise ValueError(f"unsupported RDF term {t}")


def triple_to_rdflib(q: ox.Quad | ox.Triple) -> tuple:
    return (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
