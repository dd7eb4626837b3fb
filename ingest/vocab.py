"""Namespaces, IRI minting and the code lists read from ``ontology/concepts.ttl``.

IRIs are deterministic: they are built only from the input's content (titles, names, dates,
paths), never from counters or clocks, so re-ingesting the same input yields the same IRIs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from prl.ontology import CONCEPTS_TTL
from prl.ontology import namespaces as ns

PRL = Namespace(ns.PRL)
ID = Namespace(ns.ID)
CONCEPT = Namespace(ns.CONCEPT)
ELI = Namespace(ns.ELI)
ORG = Namespace(ns.ORG)
PROV = Namespace(ns.PROV)
CPSV = Namespace(ns.CPSV)
CV = Namespace(ns.CV)

VOCAB_GRAPH = URIRef(ns.VOCAB_GRAPH)
ORGANISATIONS_GRAPH = URIRef(ns.ORGANISATIONS_GRAPH)

# characters that may not appear in an IRI (RFC 3987) or that we keep out for readability
_UNSAFE = re.compile(r"[\s<>\"{}|\\^`%#?/\[\]@!$&'()*+,;=:：，、；（）【】《》〈〉“”‘’。·]+")


def slug(text: str) -> str:
    """A readable, IRI-safe segment: keeps CJK, letters and digits, folds the rest to ``-``."""
    s = unicodedata.normalize("NFKC", text).strip()
    s = _UNSAFE.sub("-", s).strip("-.")
    return s or "x"


def digest(*parts: str | None, size: int = 12) -> str:
    """A short stable hash of the parts (for IRIs of things without a natural short key)."""
    h = hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8"))
    return h.hexdigest()[:size]


@dataclass(frozen=True)
class Concept:
    iri: str
    notation: str | None
    label: str


@cache
def concept_graph() -> Graph:
    g = Graph()
    g.parse(CONCEPTS_TTL, format="turtle")
    return g


@cache
def scheme(name: str) -> dict[str, Concept]:
    """Map every label (pref, alt, hidden; spaces removed) of a scheme to its concept."""
    g = concept_graph()
    out: dict[str, Concept] = {}
    for c in g.subjects(SKOS.inScheme, CONCEPT[name]):
        zh = next(
            (
                str(lbl)
                for lbl in g.objects(c, SKOS.prefLabel)
                if isinstance(lbl, Literal) and lbl.language == "zh"
            ),
            "",
        )
        notation = g.value(c, SKOS.notation)
        concept = Concept(str(c), str(notation) if notation is not None else None, zh)
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for lbl in g.objects(c, prop):
                if getattr(lbl, "language", None) in (None, "zh"):
                    out[re.sub(r"\s+", "", str(lbl))] = concept
        if notation is not None:
            out.setdefault(str(notation), concept)
    return out


@cache
def close_match(local_iri: str) -> str | None:
    """The national concept a local variant maps to (skos:closeMatch or skos:broadMatch)."""
    g = concept_graph()
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch):
        target = g.value(URIRef(local_iri), prop)
        if target is not None:
            return str(target)
    return None
