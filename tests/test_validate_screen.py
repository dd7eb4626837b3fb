"""The screen passes no node pySHACL reports: on the sample, on randomly mutated copies of
it, shape by shape; and what it cannot compile it flags whole."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from prl.ingest.validate import read_graph, shape_name, shapes_graph, validate_graph
from prl.ingest.validate_parts import Partition, _flagged, inverse_predicates, reach
from prl.ingest.validate_screen import compile_shapes, read_predicates

XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def mutate(data: str, seed: int, n: int = 60) -> str:
    """``n`` random defects of the kinds shapes check: a triple dropped, a literal retyped
    (ill-typed too) or emptied, an object swapped for another node, a second value."""
    rnd = random.Random(seed)
    lines = data.splitlines(keepends=True)
    subjects = sorted({ln.split(" ", 1)[0] for ln in lines if ln.startswith("<")})
    for _ in range(n):
        i = rnd.randrange(len(lines))
        ln = lines[i]
        if not ln.strip():
            continue
        s, p, rest = ln.split(" ", 2)
        obj, graph = rest.rsplit(" ", 2)[0], rest.rsplit(" ", 2)[1]
        kind = rnd.choice(["drop", "retype", "empty", "swap", "second"])
        if kind == "drop":
            lines[i] = ""
            continue
        if kind in ("retype", "empty") and obj.startswith('"'):
            lexical = '""' if kind == "empty" else obj[: obj.rindex('"') + 1]
            suffix = rnd.choice(
                ["", "@en", "@zh", f"^^<{XSD}integer>", f"^^<{XSD}date>", f"^^<{XSD}decimal>"]
            )
            if rnd.random() < 0.3:
                lexical = rnd.choice(['"abc"', '"-1"', '"2020-02-30"', '"1.5"', '"0"'])
            obj = lexical + suffix
        elif kind == "swap" or (kind in ("retype", "empty") and not obj.startswith('"')):
            obj = rnd.choice(subjects)
        else:  # a second value next to the first
            other = rnd.choice(subjects) if not obj.startswith('"') else '"另一个"@zh'
            lines.append(f"{s} {p} {other} {graph} .\n")
            continue
        lines[i] = f"{s} {p} {obj} {graph} .\n"
    return "".join(lines)


def screened(data: bytes) -> dict[str, set[str]]:
    partition = Partition([("data", data)], inverse_predicates(), read_predicates(shapes_graph()))
    found = _flagged(partition, shapes_graph())
    assert found is not None
    return found


def missed(data: bytes, whole=None) -> tuple[list, int]:
    """The results of one whole-graph pySHACL run (``whole``, or one run now) whose node
    the screen passed for the result's shape, and how many results there were."""
    whole = whole or validate_graph(read_graph(data, ".nq"))
    flagged = screened(data)
    g = shapes_graph()
    tops: dict[str, set[str]] = {}  # result shape -> the top shapes it can come from
    for name in flagged:
        top = next(s for s in g.subjects() if shape_name(g, s) == name)
        for s in [top, *g.objects(top, SH.property)]:
            tops.setdefault(shape_name(g, s) or "", set()).add(name)
    out = []
    for r in whole.results:
        node = f"<{r.focus}>" if not r.focus.startswith("_:") else r.focus
        if not any(node in flagged[t] for t in tops.get(r.shape or "", ())):
            out.append((r.focus, r.shape, r.message))
    return out, len(whole.results)


def test_the_screen_flags_every_reported_node_of_the_sample(sample_nquads, sample_report):
    lost, total = missed(sample_nquads, sample_report)
    assert total > 100 and not lost


@pytest.mark.parametrize("seed", [1, 2])
def test_the_screen_flags_every_reported_node_of_a_mutated_sample(
    sample_nquads, sample_report, seed
):
    data = mutate(sample_nquads.decode("utf-8"), seed).encode("utf-8")
    lost, total = missed(data)
    assert not lost, f"{len(lost)} of {total} results passed by the screen: {lost[:3]}"
    # the mutations broke something beyond the sample's own warnings
    assert total > len(sample_report.results)


def test_the_screen_is_tight_on_the_sample(sample_nquads, sample_report):
    """Of the nodes flagged, nearly all are reported (the screen saves the work)."""
    flagged = set().union(*screened(sample_nquads).values())
    reported = {r.focus for r in sample_report.results}
    assert len(flagged) <= 1.1 * len(reported)


def shapes(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


def run(shapes_text: str, data: str) -> set[str]:
    screen = compile_shapes(shapes(shapes_text))
    assert screen is not None
    store = ox.Store()
    store.load(PREFIXES + data, format=ox.RdfFormat.TURTLE)
    return set().union(*screen.flagged(store).values())


def test_what_the_screen_cannot_compile_flags_every_target():
    # a pattern under sh:not cannot be made stricter: every target is flagged, even one
    # that conforms
    text = """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:not [ sh:pattern "^a" ] ] ."""
    assert run(text, 'ex:x a ex:C ; ex:p "b" .') == {"<http://example.org/x>"}
    # an unknown component too
    text = """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:uniqueLang true ] ."""
    assert run(text, 'ex:x a ex:C ; ex:p "b" . ex:y a ex:D .') == {"<http://example.org/x>"}
    # a SPARQL target cannot be enumerated: no screen at all
    g = shapes("ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ] .")
    assert compile_shapes(g) is None


def test_the_screen_compiles_counts_classes_and_negations():
    text = """ex:S a sh:NodeShape ; sh:targetClass ex:C ;
        sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 ; sh:class ex:K ] ;
        sh:property [ sh:path [ sh:inversePath ex:q ] ; sh:not [ sh:in ( ex:bad ) ] ] ;
        sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] ."""
    data = """ex:K2 <http://www.w3.org/2000/01/rdf-schema#subClassOf> ex:K .
        ex:k a ex:K2 . ex:k2 a ex:K .
        ex:ok a ex:C ; ex:p ex:k ; ex:n 3 .
        ex:none a ex:C .
        ex:two a ex:C ; ex:p ex:k , ex:k2 .
        ex:wrong a ex:C ; ex:p ex:ok .
        ex:inv a ex:C ; ex:p ex:k . ex:bad ex:q ex:inv .
        ex:ill a ex:C ; ex:p ex:k ; ex:n "x"^^xsd:integer ."""
    got = {n.rsplit("/", 1)[1][:-1] for n in run(text, data)}
    assert got == {"none", "two", "wrong", "inv", "ill"}


def test_the_cut_reads_every_triple_the_shapes_can_see():
    keep = read_predicates(shapes_graph())
    assert keep is not None and "<https://w3id.org/prl/ontology#hasAccountability>" in keep
    assert "<https://w3id.org/prl/ontology#quotedText>" not in keep  # no shape reads it
    assert read_predicates(shapes("ex:S sh:closed true .")) is None
    assert reach() == 2
