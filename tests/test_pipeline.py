"""The ingest pipeline end to end: sample and real lists, provenance, validation, determinism."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from prl.ingest.pipeline import ingest, write_graph, write_quarantine
from prl.ingest.validate import validate_graph
from prl.ingest.vocab import CONCEPT, ELI, PRL, PROV
from prl.sample import LISTS_DIR, STATUTES_DIR


def test_sample_every_row_accounted(sample):
    assert len(sample.documents) == 8
    for d in sample.documents:
        assert d.error is None, d.error
        assert d.powers > 0, d.file
        rows_q = [q for q in sample.quarantine if q.file == d.file and q.row is not None]
        # every data row is a power, a row merged into the power above, or quarantined
        assert d.data_rows == d.powers + d.continuation_rows + len(rows_q), d


def test_sample_conforms(sample_report):
    report = sample_report
    assert report.violations == [], [
        (r.where(), r.message, r.focus) for r in report.violations[:10]
    ]
    assert report.conforms


def test_sample_powers_have_provenance_to_row(oracle):
    powers = set(oracle.subjects(RDF.type, PRL.Power))
    assert len(powers) > 60
    for p in powers:
        src = oracle.value(p, PROV.wasDerivedFrom)
        assert oracle.value(src, PRL.rowNumber) is not None or oracle.value(src, PRL.fileName)


def test_sample_citations_reach_articles(oracle):
    # 统计法 第四十一条 is cited by the statistics bureau's penalty items
    hits = [
        s
        for s in oracle.subjects(PRL.citesSubdivision, None)
        if "统计法" in str(oracle.value(s, PRL.citedTitle) or "")
    ]
    assert hits
    sub = oracle.value(hits[0], PRL.citesSubdivision)
    assert oracle.value(sub, PRL.text)
    version = oracle.value(sub, PRL.partOfInstrument)
    assert (version, RDF.type, PRL.InstrumentVersion) in oracle
    assert oracle.value(version, PRL.legalForce) == CONCEPT["legal-force-law"]


def test_same_body_one_node(oracle):
    labels = [str(oracle.value(b, ELI["title"]) or "") for b in oracle.subjects(RDF.type, PRL.Body)]
    body_labels = [
        str(o)
        for b in oracle.subjects(RDF.type, PRL.Body)
        for o in oracle.objects(b, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
    ]
    assert len(body_labels) == len(set(body_labels)), labels
    assert "克拉玛依市统计局" in body_labels  # written 市统计局 in the list


def test_deterministic_iris(sample):
    again = ingest([LISTS_DIR], [STATUTES_DIR])
    first = {(s, p, o) for s, p, o in sample.union() if p != PROV.startedAtTime}
    second = {(s, p, o) for s, p, o in again.union() if p != PROV.startedAtTime}
    assert first == second


def test_broken_copy_fails(oracle):
    broken = Graph()
    broken += oracle
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


def test_write_outputs(sample, tmp_path):
    out = tmp_path / "g.nq"
    write_graph(sample, out)
    j, t = write_quarantine(sample, out)
    assert out.stat().st_size > 0 and j.exists() and t.exists()
    from prl.ingest.validate import read_graph

    assert len(read_graph(out)) == len(sample.union())


# ------------------------------------------------------------------ all real lists
@pytest.mark.shared_data
@pytest.mark.slow
def test_all_real_lists_conform_and_resolve(real_result, real_validation):
    """Every row of the real lists is a power or quarantined, citations resolve to the
    subdivision, and the whole graph conforms to the shapes (validated by pySHACL in a
    process of its own: ``real_validation``)."""
    result = real_result
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
    report = real_validation
    print(
        f"{len(report['violations'])} violations, {report['warnings']} warnings "
        f"(validated in {report['seconds']} s)"
    )
    assert report["violations"] == [], report["violations"][:10]


@pytest.mark.shared_data
@pytest.mark.slow
def test_real_lists_validated_by_document_as_by_whole_graph(real_validation):
    """A broken copy of the shared lists (tests/test_validate_parts.py's defects) gives the
    same results document by document as in one whole-graph pySHACL run."""
    report = real_validation
    print(
        f"broken copy: {report['broken_results']} results; whole graph "
        f"{report['whole_seconds']} s, by document {report['parts_seconds']} s (intact)"
    )
    assert report["planted_missing"] == {}
    assert report["broken_results"] > 8
    assert report["broken_same"], (report["broken_only_whole"], report["broken_only_parts"])


@pytest.mark.shared_data
def test_two_rows_never_become_one_power(real_graph):
    """Rows of one list with the same body, name and sub-item but another legal basis (or
    another sheet) are different powers: the four merges the shared lists used to make."""
    g = real_graph
    rows: dict[tuple[str, str | None, int], set[str]] = {}
    for p in g.subjects(RDF.type, PRL.Power):
        if (None, PRL.subItemOf, p) in g:
            continue  # a sub-item's parent stands for all its rows
        for src in g.objects(p, PROV.wasDerivedFrom):
            file, row = g.value(src, PRL.fileName), g.value(src, PRL.rowNumber)
            if file is not None and row is not None:
                sheet = g.value(src, PRL.sheetName)
                key = (str(file), None if sheet is None else str(sheet), row.toPython())
                rows.setdefault(key, set()).add(str(p))
    by_power: dict[str, set] = {}
    for key, ps in rows.items():
        for p in ps:
            by_power.setdefault(p, set()).add(key)
    # no power of one list rests on two of its rows (a power in two lists is two sources)
    merged = [p for p, keys in by_power.items() if len(keys) > len({k[0] for k in keys})]
    assert merged == [], [sorted(by_power[p]) for p in merged[:3]]
    for split in (
        ("附件：克拉玛依市市场监督管理局2024年权责清单.xls", "Sheet1", 341, 342),
        ("克拉玛依市住房和城乡建设局2024年权责清单.xls", "准确版", 130, 141),
        ("克拉玛依市生态环境局2024年权责清单.xls", "市生态环境局（217项）", 70, 138),
    ):
        file, sheet, a, b = split
        assert rows[(file, sheet, a)].isdisjoint(rows[(file, sheet, b)]), split
    forestry = "克拉玛依市林业和草原系统2024年地县两级权责清单指导目录.xls"
    assert rows[(forestry, "地州级", 11)].isdisjoint(rows[(forestry, "区县级", 11)])


def test_unreadable_and_duplicate_statutes_are_reported(tmp_path):
    """A statute file that cannot be parsed, and a second copy of a version, end in the
    quarantine report; the citations of the unreadable one say why they found nothing."""
    statutes = tmp_path / "statutes"
    shutil.copytree(STATUTES_DIR, statutes)
    books = statutes / "lawrefbook" / "经济法"
    (books / "统计法(2024-09-13).md").write_text("not a statute: no title line\n", "utf-8")
    shutil.copy(books / "会计法(2024-06-28).md", books / "会计法 副本(2024-06-28).md")
    result = ingest([LISTS_DIR / "2025年克拉玛依市统计局权责清单.xlsx"], [statutes])
    unreadable = [q for q in result.quarantine if q.file.endswith("统计法(2024-09-13).md")]
    assert len(unreadable) == 1 and "statute not read" in unreadable[0].reason
    assert result.statute_errors == unreadable
    assert len(result.statute_duplicates) == 1
    assert "same title and version date" in result.statute_duplicates[0].reason
    g = result.union()
    reasons = {
        str(g.value(c, PRL.unresolvedReason))
        for c in g.subjects(PRL.citedTitle, None)
        if "统计法" in str(g.value(c, PRL.citedTitle))
        and "实施" not in str(g.value(c, PRL.citedTitle))
    }
    assert reasons == {"instrument-file-unreadable"}
