"""The ingest pipeline end to end: sample and real lists, provenance, validation, determinism."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from ingest.pipeline import ingest, write_graph, write_quarantine
from ingest.validate import validate_graph
from ingest.vocab import CONCEPT, ELI, PRL, PROV
from sample import LISTS_DIR, STATUTES_DIR
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def sample_result():
    return ingest([LISTS_DIR], [STATUTES_DIR])


@pytest.fixture(scope="module")
def sample_graph(sample_result) -> Graph:
    return sample_result.union()


def test_sample_every_row_accounted(sample_result):
    assert len(sample_result.documents) == 8
    for d in sample_result.documents:
        assert d.error is None, d.error
        assert d.powers > 0, d.file
        rows_q = [q for q in sample_result.quarantine if q.file == d.file and q.row is not None]
        # every data row is a power, a row merged into the power above, or quarantined
        assert d.data_rows == d.powers + d.continuation_rows + len(rows_q), d


def test_sample_conforms(sample_graph):
    report = validate_graph(sample_graph)
    assert report.violations == [], [
        (r.where(), r.message, r.focus) for r in report.violations[:10]
    ]
    assert report.conforms


def test_sample_powers_have_provenance_to_row(sample_graph):
    powers = set(sample_graph.subjects(RDF.type, PRL.Power))
    assert len(powers) > 60
    for p in powers:
        src = sample_graph.value(p, PROV.wasDerivedFrom)
        assert sample_graph.value(src, PRL.rowNumber) is not None or sample_graph.value(
            src, PRL.fileName
        )


def test_sample_citations_reach_articles(sample_graph):
    # 统计法 第四十一条 is cited by the statistics bureau's penalty items
    hits = [
        s
        for s in sample_graph.subjects(PRL.citesSubdivision, None)
        if "统计法" in str(sample_graph.value(s, PRL.citedTitle) or "")
    ]
    assert hits
    sub = sample_graph.value(hits[0], PRL.citesSubdivision)
    assert sample_graph.value(sub, PRL.text)
    version = sample_graph.value(sub, PRL.partOfInstrument)
    assert (version, RDF.type, PRL.InstrumentVersion) in sample_graph
    assert sample_graph.value(version, PRL.legalForce) == CONCEPT["legal-force-law"]


def test_same_body_one_node(sample_graph):
    labels = [
        str(sample_graph.value(b, ELI["title"]) or "")
        for b in sample_graph.subjects(RDF.type, PRL.Body)
    ]
    body_labels = [
        str(o)
        for b in sample_graph.subjects(RDF.type, PRL.Body)
        for o in sample_graph.objects(b, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    ]
    assert len(body_labels) == len(set(body_labels)), labels
    assert "克拉玛依市统计局" in body_labels  # written 市统计局 in the list


def test_deterministic_iris(sample_result):
    again = ingest([LISTS_DIR], [STATUTES_DIR])
    first = {(s, p, o) for s, p, o in sample_result.union() if p != PROV.startedAtTime}
    second = {(s, p, o) for s, p, o in again.union() if p != PROV.startedAtTime}
    assert first == second


def test_broken_copy_fails(sample_graph):
    broken = Graph()
    broken += sample_graph
    powers = sorted(broken.subjects(RDF.type, PRL.Power))
    a, b, c = powers[0], powers[1], powers[2]
    broken.remove((a, PRL.powerType, None))  # no type
    broken.add((b, PRL.powerType, CONCEPT["power-type-01"]))
    broken.add((b, PRL.powerType, CONCEPT["power-type-02"]))  # two types
    broken.remove((c, PRL.hasCitation, None))  # no citation
    article = next(broken.subjects(RDF.type, PRL.Article))
    broken.remove((article, ELI.is_part_of, None))  # orphan subdivision
    broken.add((b, PRL.powerType, Literal("行政许可")))  # a literal, not a concept
    report = validate_graph(broken)
    assert not report.conforms
    got = {(r.focus, r.path) for r in report.violations}
    assert (str(a), str(PRL.powerType)) in got
    assert (str(b), str(PRL.powerType)) in got
    assert (str(c), str(PRL.hasCitation)) in got
    assert (str(article), str(ELI.is_part_of)) in got
    located = [r for r in report.violations if r.focus == str(c)]
    assert located[0].file and located[0].row, "violations name the source file and row"


def test_bad_file_does_not_stop_others(tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    shutil.copy(LISTS_DIR / "克拉玛依市科学技术局2024年权责清单.xls", folder)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    bad = ["corrupt.xlsx", "no_header.xlsx", "bad_encoding.csv", "empty.csv"]
    for name in bad:
        shutil.copy(Path(__file__).parent / "data" / "lists" / name, folder)
    result = ingest([folder], [STATUTES_DIR])
    by_name = {Path(d.file).name: d for d in result.documents}
    assert by_name["克拉玛依市科学技术局2024年权责清单.xls"].powers == 4
    for name in ["broken.xlsx", *bad]:
        assert by_name[name].error and name in by_name[name].error, by_name[name]
    files = {Path(q.file).name for q in result.quarantine}
    assert {"broken.xlsx", *bad} <= files


def test_write_outputs(sample_result, tmp_path):
    out = tmp_path / "g.nq"
    write_graph(sample_result, out)
    j, t = write_quarantine(sample_result, out)
    assert out.stat().st_size > 0 and j.exists() and t.exists()
    from ingest.validate import load_graph

    assert len(load_graph(out)) == len(sample_result.union())


# ------------------------------------------------------------------ all real lists
@pytest.mark.shared_data
@pytest.mark.slow
def test_all_real_lists_conform_and_resolve():
    lists = shared_path("lists")
    statutes = shared_path("statutes")
    result = ingest([lists], [statutes])
    assert len(result.documents) == 18
    for d in result.documents:
        assert d.error is None, d.error
        assert d.powers > 0
        rows_q = [q for q in result.quarantine if q.file == d.file and q.row is not None]
        assert d.data_rows == d.powers + d.continuation_rows + len(rows_q), d
        print(
            f"{Path(d.file).name}: {d.powers} powers from {d.data_rows} rows, {len(rows_q)} quarantined"
        )
    stats = result.citations
    print("citations:", stats)
    assert stats["subdivision_share_of_found"] >= 0.95
    report = validate_graph(result.union())
    print(f"{len(report.violations)} violations, {len(report.warnings)} warnings")
    assert report.violations == [], [
        (r.where(), r.message, r.focus, r.path) for r in report.violations[:10]
    ]
