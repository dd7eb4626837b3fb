"""The ordering and choice rules both engines must share, written once.

``models`` documents an order for every list a store returns and a choice for every field
the graph may hold several values of; the contract tests compare both engines' answers
exactly, so these keys are the only place those rules live.

>>> ordinal_key(3, None, "urn:a") < ordinal_key(3, 1, "urn:b") < ordinal_key(4, None, "urn:c")
True
>>> sorted([ordinal_key(None, None, "urn:z"), ordinal_key(1, None, "urn:a")])[0][3]
'urn:z'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prl.graph_api.store.models import DutyView, Provenance

if TYPE_CHECKING:
    pass

#: citation roles in the order a power's citations are listed (basis first), with the
#: ontology property of each
CITATION_ROLES = (("basis", "hasCitation"), ("duty-basis", "hasDutyCitation"))


def provenance_key(p: Provenance) -> tuple:
    """Sources by file, then sheet (none first), then row (none first)."""
    return (p.file, p.sheet is not None, p.sheet or "", p.row is not None, p.row or 0)


def ordinal_key(ordinal: object, suffix: object, iri: str) -> tuple:
    """Subdivisions by ordinal (subdivisions without an integer ordinal first), then by the
    ordinal suffix (条之一 after 条), then by IRI."""
    numbered = isinstance(ordinal, int)
    return (numbered, ordinal if numbered else 0, suffix or 0, iri)


def duty_key(d: DutyView) -> tuple:
    """Duties by their order in the list, then IRI."""
    return (d.order, d.iri)


def score_value(lexical: object) -> float | None:
    """A citation's match score from its stored lexical form (an xsd:decimal), or None.

    >>> score_value("0.923"), score_value(None), score_value("n/a")
    (0.923, None, None)
    """
    if lexical is None:
        return None
    try:
        return float(str(lexical))
    except ValueError:
        return None
