"""Validation document by document gives exactly what one whole-graph pySHACL run gives:
the same focus nodes, paths, shapes, severities and messages, on intact and broken graphs."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph

from prl.ingest.validate import read_graph, validate_graph
from prl.ingest.validate_parts import (
    Partition,
    batches,
    inverse_predicates,
    validate_documents,
)

PRL = "https://w3id.org/prl/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def key(report) -> list[tuple]:
    return sorted(
        (r.severity, r.focus, r.path or "", r.shape or "", r.message) for r in report.results
    )


def break_graph(data: str) -> tuple[str, dict[str, str]]:
    """A broken copy of N-Quads: one defect of each kind a cut could hide (a node of one
    document, a node several documents share, a statute's node, a node found only by an
    inverse path, a concept). Returns the copy and what was planted where."""
    lines = data.splitlines(keepends=True)
    planted: dict[str, str] = {}

    def first(pred, where=lambda ln: True) -> int:
        return next(i for i, ln in enumerate(lines) if f" <{PRL}{pred}> " in ln and where(ln))

    # 1. a power loses its body (minCount on prl:exercisedBy): a node of one document; the
    # body is one that exercises other powers too (they break in 2.)
    bodies = Counter(ln.split(" ")[2] for ln in lines if f" <{PRL}exercisedBy> " in ln)
    i = first("exercisedBy", lambda ln: bodies[ln.split(" ")[2]] > 1)
    planted["no body"] = lines[i].split(" ", 1)[0]
    body = lines[i].split(" ")[2]
    lines[i] = ""
    # 2. a body loses its type: every power of every document exercised by it breaks
    j = next(
        k for k, ln in enumerate(lines) if ln.startswith(body + " " + RDF_TYPE) and "Body>" in ln
    )
    lines[j] = ""
    planted["body untyped"] = next(  # a power it exercises now points at no prl:Body
        ln.split(" ", 1)[0] for ln in lines if ln and f" <{PRL}exercisedBy> {body} " in ln
    )
    # 3. a statute version gets a second title (maxCount across the shared graphs)
    k = next(k for k, ln in enumerate(lines) if "/ontology#InstrumentVersion>" in ln)
    version = lines[k].split(" ", 1)[0]
    graph = lines[k].rsplit(" ", 2)[-2]
    lines.append(
        f'{version} <http://data.europa.eu/eli/ontology#title> "第二个标题"@zh {graph} .\n'
    )
    planted["two titles"] = version
    # 4. a responsibility whose power no longer points at it (found by ^hasResponsibility)
    r = first("hasResponsibility")
    planted["orphan duty"] = lines[r].split(" ")[2]
    lines[r] = ""
    # 5. a citation linking a subdivision that does not exist (sh:class on a value node)
    c = first("citesSubdivision")
    s, p, o, g = lines[c].split(" ")[:4]
    lines.append(f"{s} {p} <{o[1:-1]}x> {g} .\n")
    planted["dangling subdivision"] = s
    # 6. one power stated by two documents, with two parents (maxCount 1 of prl:subItemOf)
    sub = first("subItemOf")
    s, p, o, g = lines[sub].split(" ")[:4]
    other = next(
        ln.rsplit(" ", 2)[-2]
        for ln in lines
        if ln and "/id/list/" in ln.rsplit(" ", 2)[-2] and ln.rsplit(" ", 2)[-2] != g
    )
    lines.append(f"{s} {p} <{o[1:-1]}-other> {other} .\n")
    planted["power in two documents"] = s
    # 7. a row number that is no integer
    n = first("rowNumber")
    s, p = lines[n].split(" ")[:2]
    g = lines[n].rsplit(" ", 2)[-2]
    lines[n] = f'{s} {p} "row seven" {g} .\n'
    planted["bad row"] = s
    # 8. a concept out of its scheme
    cs = next(
        k for k, ln in enumerate(lines) if "<http://www.w3.org/2004/02/skos/core#inScheme>" in ln
    )
    planted["concept without scheme"] = lines[cs].split(" ", 1)[0]
    lines[cs] = ""
    return "".join(lines), planted


@pytest.fixture(scope="module")
def sample_data(sample_nquads) -> bytes:
    return sample_nquads


def test_the_shapes_use_only_paths_the_cut_keeps():
    inverse = inverse_predicates()
    assert inverse is not None, "a shape follows a path validate_parts falls back on"
    assert f"<{PRL}hasResponsibility>" in inverse and f"<{PRL}hasCitation>" in inverse


def test_a_path_the_cut_cannot_keep_means_no_cut():
    g = Graph()
    g.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
        ex:S a sh:NodeShape ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert inverse_predicates(g) is None


def test_every_node_has_one_unit(sample_data):
    units = Partition([("sample", sample_data)], inverse_predicates()).units()
    owned = [n for u in units for n in u.owned]
    assert len(owned) == len(set(owned))
    subjects = {ln.split(" ", 1)[0] for u in units for ln in u.lines}
    assert set(owned) == subjects
    assert {u.name for u in units} >= {"shared"} and len(units) > 20
    packed = batches(units, size=10_000)
    assert sorted(u.name for b in packed for u in b) == sorted(u.name for u in units)


def test_intact_sample_same_as_whole_graph(sample_data, sample_report, monkeypatch, tmp_path):
    monkeypatch.setenv("PRL_CACHE_DIR", str(tmp_path))
    whole = sample_report
    parts = validate_documents(sample_data, jobs=2)
    assert key(parts) == key(whole)
    assert parts.conforms == whole.conforms
    # again, from the cache of unchanged documents: the same
    assert key(validate_documents(sample_data)) == key(whole)


def test_broken_sample_same_as_whole_graph(sample_data, monkeypatch, tmp_path):
    monkeypatch.setenv("PRL_CACHE_DIR", "")
    broken, planted = break_graph(sample_data.decode("utf-8"))
    whole = validate_graph(read_graph(broken.encode("utf-8"), ".nq"))
    foci = {f"<{r.focus}>" for r in whole.violations}
    missing = {what: node for what, node in planted.items() if node not in foci}
    assert not missing, f"the broken copy does not break where planted: {missing}"
    parts = validate_documents(broken.encode("utf-8"), jobs=2)
    assert key(parts) == key(whole)
    assert not parts.conforms
    # where the results point is the same too, for the nodes of a document
    located = {(r.focus, r.file, r.sheet, r.row) for r in whole.results if r.row is not None}
    assert located <= {(r.focus, r.file, r.sheet, r.row) for r in parts.results}


def test_a_changed_document_is_validated_again(sample_data, monkeypatch, tmp_path):
    monkeypatch.setenv("PRL_CACHE_DIR", str(tmp_path))
    assert validate_documents(sample_data).conforms
    broken, _ = break_graph(sample_data.decode("utf-8"))
    assert not validate_documents(broken.encode("utf-8")).conforms


def test_syntax_error_names_its_source(tmp_path):
    bad = tmp_path / "bad.nq"
    bad.write_text("<urn:s> <urn:p> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError) as e:
        validate_documents(("good", b""), bad)
    assert str(bad) in str(e.value.filename)
