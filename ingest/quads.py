"""The triples of one named graph, kept as N-Triples lines: what ingest emits in its hot path.

An rdflib ``Graph`` indexes every triple three ways as it is added; ingest only ever adds,
counts and writes, so it keeps each triple as the line that N-Quads will carry (a dict as an
insertion-ordered set, so a triple added twice is one). Terms are rdflib's ``URIRef`` (a
``str``) for IRIs and ``Lit`` for literals, a ``str`` already written in N-Triples syntax:

>>> q = Quads()
>>> q.add((URIRef("urn:s"), URIRef("urn:p"), zh('引号"与\\\\反斜杠')))
>>> q.add((URIRef("urn:s"), URIRef("urn:p"), lit(3)))
>>> q.add((URIRef("urn:s"), URIRef("urn:p"), lit(3)))
>>> len(q)
2
>>> print("".join(q.nquads(URIRef("urn:g"))), end="")
<urn:s> <urn:p> "引号\\"与\\\\反斜杠"@zh <urn:g> .
<urn:s> <urn:p> "3"^^<http://www.w3.org/2001/XMLSchema#integer> <urn:g> .

``to_rdflib`` gives the rdflib graph of the same triples (parsed by pyoxigraph), for the
callers that query a graph rather than write it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

#: what N-Triples must escape in a string (ECHAR); everything else is written as it is
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
#: characters an IRIREF may not hold (N-Triples grammar, production [8])
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_INTEGER = f"<{XSD.integer}>"


class Lit(str):
    """A literal written as N-Triples (``"lexical"@lang`` or ``"lexical"^^<datatype>``)."""

    __slots__ = ()


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def tagged(text: str, language: str) -> Lit:
    """A literal with a language tag."""
    return Lit(f"{_string(text)}@{language}")


def zh(text: str) -> Lit:
    """A Chinese-language literal."""
    return Lit(_string(text) + "@zh")


def lit(value: str | int) -> Lit:
    """A plain string (``xsd:string``) or an ``xsd:integer``."""
    if isinstance(value, bool):
        raise TypeError("no boolean literals in prl graphs")
    if isinstance(value, int):
        return Lit(f'"{value}"^^{_INTEGER}')
    return Lit(_string(value))


def typed(lexical: str, datatype: str) -> Lit:
    """A literal of a datatype, written as given (the lexical form must be canonical)."""
    return Lit(f"{_string(lexical)}^^<{datatype}>")


_IRIS: dict[str, str] = {}


def _iri(term: str) -> str:
    written = _IRIS.get(term)
    if written is None:
        if _BAD_IRI.search(term):
            raise ValueError(f"not an IRI that N-Quads can carry: {term!r}")
        written = f"<{term}>"
        if len(_IRIS) < 200_000:  # predicates, classes and shared nodes repeat; rows do not
            _IRIS[term] = written
    return written


def _term(term) -> str:
    if type(term) is Lit:
        return term
    if isinstance(term, Literal):  # from a parsed rdflib graph (the concept schemes)
        if term.language:
            return f"{_string(str(term))}@{term.language}"
        if term.datatype is not None and str(term.datatype) != str(XSD.string):
            return typed(str(term), str(term.datatype))
        return _string(str(term))
    if isinstance(term, BNode):
        return f"_:{term}"
    return _iri(term)


class Quads:
    """The triples of one graph as N-Triples lines, each once, in the order first added."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}

    def add(self, triple: tuple) -> None:
        s, p, o = triple
        self.lines[f"{_term(s)} {_iri(p)} {_term(o)}"] = None

    def update(self, triples) -> None:
        for t in triples:
            self.add(t)

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)

    def __contains__(self, triple: tuple) -> bool:
        s, p, o = triple
        return f"{_term(s)} {_iri(p)} {_term(o)}" in self.lines

    def subjects(self, predicate: str, obj) -> list[URIRef]:
        """The subjects of the triples with this predicate and object, in order (IRIs only)."""
        tail = f" {_iri(predicate)} {_term(obj)}"
        return [
            URIRef(line[1 : -len(tail) - 1])
            for line in self.lines
            if line.endswith(tail) and line.startswith("<")
        ]

    def retitle(self, subject: str, old: Lit, new: Lit) -> None:
        """Give ``subject`` and the nodes below it (``subject/…``) ``new`` where they had
        ``old`` as object, keeping the order of the lines."""
        heads, tail = (f"<{subject}>", f"<{subject}/"), f" {old}"
        self.lines = {
            (
                line[: -len(tail)] + f" {new}"
                if line.startswith(heads) and line.endswith(tail)
                else line
            ): None
            for line in self.lines
        }

    def nquads(self, name: str) -> Iterator[str]:
        """N-Quads lines of the triples in the graph ``name`` (each ends with a newline)."""
        suffix = f" {_iri(name)} .\n"
        for line in self.lines:
            yield line + suffix

    def ntriples(self) -> str:
        return "".join(line + " .\n" for line in self.lines)

    def to_rdflib(self) -> Graph:
        """The same triples as an rdflib graph."""
        from prl.ingest.validate import read_graph

        return read_graph(self.ntriples().encode("utf-8"), ".nt")
