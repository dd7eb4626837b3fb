"""What a store accepts to load: the input rules every engine enforces, in one place.

A store takes what ``prl ingest`` writes: every quad in a named graph, with IRIs or literals
only (no blank nodes, no quoted triples). ``read_nquads`` yields the quads of a file or of
bytes, ``check_graph`` checks an rdflib graph; both raise ``StoreInputError`` naming the
source (and the line) for anything else, so that the same bad input gets the same answer
from every store, before anything is written.

>>> [q.graph_name.value for q in read_nquads(b'<urn:s> <urn:p> "o" <urn:g> .\\n', "x.nq")]
['urn:g']
>>> list(read_nquads(b'<urn:s> <urn:p> "o" .\\n', "x.nq"))
Traceback (most recent call last):
...
prl.graph_api.store.errors.StoreInputError: x.nq, line 1: a triple outside a named graph (prl loads named graphs only)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from prl.graph_api.store.errors import StoreError, StoreInputError
from prl.ontology.namespaces import is_document_graph


def read_nquads(source: Path | bytes, name: str, document: str | None = None) -> Iterator[ox.Quad]:
    """The quads of an N-Quads file (``Path``) or document (``bytes``), checked; ``name``
    names the source in errors (a file name, never a server's temporary path). With
    ``document``, the input must hold that list document's graph and no other document's
    (shared graphs, such as bodies or statutes, may come with it).

    :raises StoreInputError: a syntax error, a quad prl does not load, or (with
        ``document``) a graph of another document or none of this one
    :raises StoreError: the file cannot be read
    """
    if isinstance(source, bytes):
        quads = ox.parse(source, format=ox.RdfFormat.N_QUADS)
    else:
        quads = ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS)
    n = 0
    seen = False
    try:
        for q in quads:
            n += 1
            problem = _problem(q)
            if problem is None and document is not None:
                g = q.graph_name.value  # _problem: a named graph
                if g == document:
                    seen = True
                elif is_document_graph(g):
                    problem = f"the graph <{g}> is another list document than <{document}>"
            if problem:
                raise StoreInputError(problem, source=name, line=_line_of(source, n))
            yield q
        if document is not None and not seen:
            raise StoreInputError(f"no quad in the graph of the document <{document}>", source=name)
    except SyntaxError as e:
        raise StoreInputError(e.msg, source=name, line=e.lineno, column=e.offset) from None
    except OSError as e:
        raise StoreError(f"cannot read {name}: {e.strerror or e}") from None


def _problem(q: ox.Quad) -> str | None:
    if not isinstance(q.graph_name, ox.NamedNode):
        return "a triple outside a named graph (prl loads named graphs only)"
    if not isinstance(q.subject, ox.NamedNode):
        return f"the subject {q.subject} is not an IRI (prl's graphs have no blank nodes)"
    if not isinstance(q.object, ox.NamedNode | ox.Literal):
        return f"the object {q.object} is neither an IRI nor a literal (no blank nodes)"
    return None


def _line_of(source: Path | bytes, n: int) -> int | None:
    """The line of the ``n``-th statement (N-Quads has one statement per line; blank lines
    and comments hold none). Only called for an error."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError:
        return None
    seen = 0
    for i, line in enumerate(data.splitlines(), 1):
        text = line.strip()
        if text and not text.startswith(b"#"):
            seen += 1
            if seen == n:
                return i
    return None


def check_graph(name: str, graph: Graph) -> None:
    """Raise ``StoreInputError`` unless every triple of ``graph`` has an IRI subject and
    predicate and an IRI or literal object.

    :raises StoreInputError: naming the graph and the first offending triple
    """
    for s, p, o in graph:
        if not (isinstance(s, URIRef) and isinstance(p, URIRef)) or not isinstance(
            o, URIRef | Literal
        ):
            raise StoreInputError(
                f"the triple ({s.n3()} {p.n3()} {o.n3()}) has a blank node or a term that is "
                "neither an IRI nor a literal (prl's graphs have none)",
                source=f"graph <{name}>",
            )
