"""The hot path of ingest: N-Triples lines instead of rdflib graphs, files in parallel
processes, statutes parsed once. Each must give what the slow path gave."""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from prl.ingest.pipeline import ingest, nquads
from prl.ingest.quads import Quads, lit, tagged, typed, zh
from prl.ingest.statutes import StatuteCorpus
from prl.sample import LISTS_DIR, STATUTES_DIR
from tests.ingest_reference import REFERENCE, digests, of_result

TEXTS = [
    "plain",
    '引号"内"',
    "back\\slash\\",
    "line\nbreak\r\nand\ttab",
    "\x00\x1f\x7f control",
    "𠀀 beyond the BMP 😀",
    "",
    "trailing space ",
    '\\"',
]


def test_literals_are_what_rdflib_would_make():
    """Every literal helper, parsed back by pyoxigraph, is the literal rdflib builds."""
    s, p = URIRef("urn:s"), URIRef("urn:p")
    ours, theirs = Quads(), Graph()
    for i, text in enumerate(TEXTS):
        for term, same in (
            (zh(text), Literal(text, lang="zh")),
            (lit(text), Literal(text)),
            (tagged(text, "en"), Literal(text, lang="en")),
        ):
            ours.add((URIRef(f"urn:s{i}"), p, term))
            theirs.add((URIRef(f"urn:s{i}"), p, same))
    for n in (0, -3, 10**20):
        ours.add((s, p, lit(n)))
        theirs.add((s, p, Literal(n)))
    ours.add((s, p, typed("2024-09-13", XSD.date)))
    theirs.add((s, p, Literal("2024-09-13", datatype=XSD.date)))
    ours.add((s, p, typed("0.85", XSD.decimal)))
    theirs.add((s, p, Literal("0.85", datatype=XSD.decimal)))
    assert len(ours) == len(theirs)
    assert isomorphic(ours.to_rdflib(), theirs)
    parsed = list(ox.parse(ours.ntriples().encode(), ox.RdfFormat.N_TRIPLES))
    assert {str(t.object.value) for t in parsed if isinstance(t.object, ox.Literal)} >= set(TEXTS)


def test_rdflib_terms_are_written_too():
    """The concept schemes come parsed by rdflib: its literals and IRIs are written alike."""
    g = Graph()
    g.add((URIRef("urn:s"), URIRef("urn:p"), Literal("标签", lang="zh")))
    g.add((URIRef("urn:s"), URIRef("urn:p"), Literal("1", datatype=XSD.integer)))
    g.add((URIRef("urn:s"), URIRef("urn:p"), Literal("plain")))
    g.add((URIRef("urn:s"), URIRef("urn:p"), URIRef("urn:o")))
    q = Quads()
    q.update(g)
    assert isomorphic(q.to_rdflib(), g)


def test_a_triple_added_twice_is_one_and_order_is_kept():
    q = Quads()
    for o in ("b", "a", "b", "c"):
        q.add((URIRef("urn:s"), URIRef("urn:p"), lit(o)))
    assert [line.rsplit(" ", 1)[1] for line in q] == ['"b"', '"a"', '"c"']
    assert (URIRef("urn:s"), URIRef("urn:p"), lit("a")) in q


@pytest.mark.parametrize("bad", ["urn:a b", "urn:<x>", 'urn:"', "urn:a\nb", "urn:{}", "urn:\\"])
def test_an_iri_n_quads_cannot_carry_is_refused(bad):
    with pytest.raises(ValueError, match="not an IRI"):
        Quads().add((URIRef("urn:s"), URIRef("urn:p"), URIRef(bad)))


def test_subjects_and_retitle():
    q = Quads()
    work = URIRef("urn:x/instrument/a")
    q.add((work, URIRef("urn:label"), zh("甲")))
    q.add((URIRef(f"{work}/v1"), URIRef("urn:label"), zh("甲")))
    q.add((URIRef("urn:x/instrument/ab"), URIRef("urn:label"), zh("甲")))  # not below work
    q.add((work, URIRef("urn:type"), URIRef("urn:T")))
    assert q.subjects(URIRef("urn:type"), URIRef("urn:T")) == [work]
    q.retitle(work, zh("甲"), zh("乙"))
    assert sorted(q.subjects(URIRef("urn:label"), zh("乙"))) == [work, URIRef(f"{work}/v1")]
    assert q.subjects(URIRef("urn:label"), zh("甲")) == [URIRef("urn:x/instrument/ab")]


# ------------------------------------------------------------------ same output as before
def reference(name: str) -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))[name]


def compare(found: dict, expected: dict) -> None:
    assert found.keys() == expected.keys(), (
        f"graphs only now: {sorted(found.keys() - expected.keys())[:5]}, "
        f"only before: {sorted(expected.keys() - found.keys())[:5]}"
    )
    differ = [g for g in found if found[g] != expected[g]]
    assert not differ, f"{len(differ)} graphs differ from the reference, e.g. {differ[:3]}"


def test_sample_output_is_the_reference(sample):
    """The sample's graphs are, graph by graph, those the rdflib emitter wrote
    (tests/ingest_reference.py says how the reference was made)."""
    compare(of_result(sample), reference("sample"))


def test_shared_lists_output_is_the_reference(real_result):
    compare(of_result(real_result), reference("shared"))


def test_rdflib_graphs_of_a_result_are_its_quads(small):
    """``result.graphs`` (rdflib, for callers that query) holds what is written."""
    for (name, q), (same, g) in zip(small.quads, small.graphs, strict=True):
        assert name == same and len(g) == len(q)
    lines = "".join(nquads(small)).encode()
    assert sum(len(g) for _, g in small.graphs) == len(digests_lines(lines))


def digests_lines(data: bytes) -> list:
    return list(ox.parse(data, ox.RdfFormat.N_QUADS))


# ------------------------------------------------------------------ jobs
def outputs(result) -> tuple:
    lines = [ln for ln in nquads(result) if "startedAtTime" not in ln]
    return (
        lines,
        [q.as_dict() for q in result.quarantine],
        [d.as_dict() for d in result.documents],
        result.citations,
    )


def test_jobs_give_the_same_output_line_for_line(sample):
    """Two processes give the same lines in the same order, the same quarantine and the
    same reports as one."""
    assert outputs(ingest([LISTS_DIR], [STATUTES_DIR], jobs=2)) == outputs(sample)


def test_jobs_with_a_bad_file_and_shared_instruments(tmp_path):
    """A bad file among good ones, and two files citing the same instruments: the same
    whatever the number of jobs (the bad file in the quarantine, the others ingested)."""
    for f in sorted(LISTS_DIR.iterdir())[:3]:
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (tmp_path / "空表.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    one = ingest([tmp_path], [STATUTES_DIR], jobs=1)
    three = ingest([tmp_path], [STATUTES_DIR], jobs=3)
    assert outputs(one) == outputs(three)
    failed = {d.file.rsplit("/", 1)[-1] for d in three.failures()}
    assert failed == {"坏文件.xlsx", "空表.csv"}
    assert {q.file.rsplit("/", 1)[-1] for q in three.quarantine} >= failed


# ------------------------------------------------------------------ statute cache
def test_statutes_are_parsed_once_and_again_when_a_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("PRL_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "statutes"
    shutil.copytree(STATUTES_DIR, root)
    files = sorted(root.rglob("*.md"))
    cold = StatuteCorpus.load_all([root])
    assert cold.cache_hits == 0 and len(cold.instruments) > 3
    warm = StatuteCorpus.load_all([root])
    assert warm.cache_hits == len(files) + len(list(root.rglob("seed/*.json")))
    same = [
        (i.title, i.version_date, i.level, i.status, i.effective_date, len(i.parts))
        for i in warm.instruments
    ]
    assert same == [
        (i.title, i.version_date, i.level, i.status, i.effective_date, len(i.parts))
        for i in cold.instruments
    ]
    # a changed file is parsed again: its new article is there, the others come from the cache
    changed = next(f for f in files if f.name == "统计法(2024-09-13).md")
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text + "\n第九百九十九条 新加的条文。\n", encoding="utf-8")
    again = StatuteCorpus.load_all([root])
    assert again.cache_hits == warm.cache_hits - 1
    key = next(StatuteCorpus.key(i) for i in again.instruments if i.source_path == str(changed))
    assert again.subdivision(key, "art_999") is not None
    # a cache file that cannot be read is ignored and written anew
    for f in (tmp_path / "cache" / "statutes").iterdir():
        f.write_bytes(b"not a pickle")
    broken = StatuteCorpus.load_all([root])
    assert broken.cache_hits == 0 and len(broken.instruments) == len(again.instruments)
    assert StatuteCorpus.load_all([root]).cache_hits == warm.cache_hits


def test_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("PRL_CACHE_DIR", "")
    assert StatuteCorpus.load_all([STATUTES_DIR]).cache_hits == 0
    assert StatuteCorpus.load_all([STATUTES_DIR]).cache_hits == 0


def test_reference_digests_see_a_changed_triple(sample):
    """The comparison is not blind: one literal changed changes its graph's digest."""
    lines = "".join(nquads(sample))
    changed = lines.replace('"@zh', ' "@zh', 1)
    a, b = digests(lines.encode()), digests(changed.encode())
    assert sum(a[g] != b[g] for g in a) == 1
