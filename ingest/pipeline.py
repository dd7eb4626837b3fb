"""The ingest job: list files and statutes in, graph and quarantine report out.

``ingest`` reads every list file on its own (one bad file never stops the others), builds
one named graph per list document, adds the statute versions the citations reach (or all
statutes on request) and the code lists, and accounts for every input row: each ends up as
a Power or as a quarantine entry with its reason.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

from rdflib import RDF, RDFS, XSD, Graph, URIRef

from prl.ingest.graph import CitationStats, GraphBuilder, instrument_iri
from prl.ingest.lists import iter_list_files, read_list
from prl.ingest.quads import Quads, lit, tagged, typed, zh
from prl.ingest.records import IngestError, Instrument, QuarantineEntry
from prl.ingest.statutes import StatuteCorpus
from prl.ingest.vocab import ID, ORGANISATIONS_GRAPH, PRL, PROV, VOCAB_GRAPH, concept_graph, digest

STATUTE_SUFFIXES = {".md"}


class Progress(Protocol):
    """What a long job reports, step by step (the CLI draws it; a library caller may not)."""

    def start(self, step: str, total: int | None = None) -> None:
        """A step begins; ``total`` units of it when known (else only time passes)."""

    def advance(self, n: int = 1) -> None:
        """``n`` units of the step are done."""

    def finish(self) -> None:
        """The step is over."""


def software_version() -> str:
    try:
        return version("prl")
    except PackageNotFoundError:
        return "0+unknown"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class DocumentReport:
    """What happened to one input list file."""

    file: str
    title: str | None = None
    sheets: list[str] = field(default_factory=list)
    data_rows: int = 0
    items: int = 0  # rows that became ListItems (before building powers)
    powers: int = 0  # rows that became Powers
    distinct_powers: int = 0  # Power nodes (sub-item parents included)
    continuation_rows: int = 0  # rows merged into the item above (in the graph with it)
    quarantined: int = 0  # rows (and sheets) in the quarantine report
    error: str | None = None
    #: columns read by their contents because their header did not say (sheet, column, why)
    inferred_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class IngestResult:
    #: the named graphs, each as the N-Triples lines of its triples (what is written and loaded)
    quads: list[tuple[URIRef, Quads]]
    documents: list[DocumentReport]
    quarantine: list[QuarantineEntry]
    citations: dict
    run: URIRef
    statutes_loaded: int
    statutes_included: int
    seconds: float
    #: statute files that could not be read, and versions read twice (also in ``quarantine``)
    statute_errors: list[QuarantineEntry] = field(default_factory=list)
    statute_duplicates: list[QuarantineEntry] = field(default_factory=list)

    def failures(self) -> list[DocumentReport]:
        """The list files that gave no power: unreadable, or every row quarantined."""
        return [d for d in self.documents if d.error]

    def triples(self) -> int:
        return sum(len(g) for _, g in self.quads)

    @cached_property
    def graphs(self) -> list[tuple[URIRef, Graph]]:
        """The named graphs as rdflib graphs (built on first use, for callers that query)."""
        return [(name, q.to_rdflib()) for name, q in self.quads]

    def union(self) -> Graph:
        """All named graphs merged into one (what pyshacl and Turtle output take)."""
        from prl.ingest.validate import read_graph

        return read_graph("".join(nquads(self)).encode("utf-8"), ".nq")


def is_statute_root(path: Path) -> bool:
    """A folder of statutes: named ``statutes`` or holding ``lawrefbook`` / ``flk_via_ansvar``."""
    return path.is_dir() and (
        path.name in ("statutes", "lawrefbook", "flk_via_ansvar")
        or (path / "lawrefbook").is_dir()
        or (path / "flk_via_ansvar").is_dir()
    )


def split_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(list inputs, statute roots) from the command line's paths."""
    lists: list[Path] = []
    statutes: list[Path] = []
    for p in paths:
        (statutes if is_statute_root(p) or p.suffix in STATUTE_SUFFIXES else lists).append(p)
    return lists, statutes


def load_corpus(roots: list[Path], progress: Progress | None = None) -> StatuteCorpus:
    """The statutes under every root as one corpus (unreadable files in ``errors``)."""
    if progress is None:
        return StatuteCorpus.load_all(roots)

    def tick(n: int) -> None:
        if n < 0:
            progress.advance()
        else:
            progress.start("statutes", n)

    try:
        return StatuteCorpus.load_all(roots, tick)
    finally:
        progress.finish()


def statute_entries(corpus: StatuteCorpus) -> tuple[list[QuarantineEntry], list[QuarantineEntry]]:
    """Quarantine entries of the statute files that could not be read, and of those dropped
    as a second copy of a version already read."""
    errors = [
        QuarantineEntry(
            file=e.file or "", sheet=None, row=None, reason=f"statute not read: {e.message}"
        )
        for e in corpus.errors
    ]
    duplicates = [
        QuarantineEntry(
            file=f,
            sheet=None,
            row=None,
            reason="statute not used: the same title and version date were read from another file",
        )
        for f in corpus.duplicates
    ]
    return errors, duplicates


@dataclass
class FileOutcome:
    """What one list file gave: its report, its graph (``None`` when unreadable), its
    quarantine, and what it adds to the run's shared state (merged in file order)."""

    report: DocumentReport
    document: URIRef | None
    graph: Quads | None
    quarantine: list[QuarantineEntry]
    cited: list[str]  # keys of the statute versions its citations reached, in order
    organisations: Quads
    stats: CitationStats
    titles: dict[URIRef, str]  # the spelling it gave each instrument the corpus lacks


def ingest_file(corpus: StatuteCorpus, run: URIRef, f: Path, sha256: str) -> FileOutcome:
    """Read one list file and build its graph; never raises for a bad file."""
    builder = GraphBuilder(corpus, run)
    report = DocumentReport(file=str(f))

    def outcome(document=None, graph=None, quarantine=()) -> FileOutcome:
        return FileOutcome(
            report,
            document,
            graph,
            list(quarantine),
            list(builder.cited),
            builder.organisations,
            builder.stats,
            builder.cited_titles,
        )

    try:
        doc = read_list(f)
    except IngestError as e:
        report.error = str(e)
        entry = QuarantineEntry(
            file=str(f), sheet=e.sheet, row=e.row, column=e.column, reason=e.message
        )
        return outcome(quarantine=[entry])
    except Exception as e:  # a reader bug must not stop the other files
        report.error = f"{f}: unexpected error while reading: {type(e).__name__}: {e}"
        return outcome(
            quarantine=[QuarantineEntry(file=str(f), sheet=None, row=None, reason=report.error)]
        )
    g, rejected = builder.list_document(doc, sha256)
    report.title, report.sheets, report.data_rows = doc.title, doc.sheets, doc.data_rows
    report.items = len(doc.items)
    report.inferred_columns = list(doc.inferred)
    report.powers = len(doc.items) - len(rejected)
    report.distinct_powers = len(set(g.subjects(RDF.type, PRL.Power)))
    report.continuation_rows = sum(len(i.continuations) for i in doc.items)
    report.quarantined = len(doc.quarantine) + len(rejected)
    quarantine = [*doc.quarantine, *rejected]
    if report.powers == 0:
        # a list that gave no power at all is a failure, not a quiet quarantine line
        why = (
            f"all {doc.data_rows} data rows were quarantined"
            if doc.data_rows
            else "no table with a recognisable header (事项名称, 权力类型, 实施依据 …) "
            "and data rows below it"
        )
        report.error = f"{f}: no power could be read from this file: {why}"
        if not quarantine:
            quarantine.append(
                QuarantineEntry(file=str(f), sheet=None, row=None, reason=report.error)
            )
    document = next(iter(g.subjects(RDF.type, PRL.ListDocument)))
    return outcome(document, g, quarantine)


# ------------------------------------------------------------------ parallel jobs
#: what the worker processes work with: set before they are forked, inherited by them
_WORK: tuple[StatuteCorpus, URIRef] | None = None


def _file_job(job: tuple[Path, str]) -> FileOutcome:
    assert _WORK is not None
    return ingest_file(*_WORK, *job)


def _instrument_job(key: str) -> Quads:
    assert _WORK is not None
    corpus, run = _WORK
    return GraphBuilder(corpus, run).instrument(_version(corpus, key))


def _version(corpus: StatuteCorpus, key: str) -> Instrument:
    found = corpus.get(key)
    assert found is not None  # keys come from the corpus
    return found


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def _mapper(jobs: int, corpus: StatuteCorpus, run: URIRef):
    """``map`` over ``jobs`` forked processes (results in input order), or in this process
    for one job or where processes cannot be forked."""
    global _WORK
    _WORK = (corpus, run)
    try:
        if jobs <= 1 or "fork" not in mp.get_all_start_methods():
            yield map
            return
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:

            def run_map(fn, items):
                # files one at a time (they differ in size); many small statutes per task
                items = list(items)
                size = 1 if fn is _file_job else max(1, len(items) // (4 * jobs))
                return pool.map(fn, items, chunksize=size)

            yield run_map
    finally:
        _WORK = None


def ingest(
    paths: Iterable[Path],
    statute_roots: Iterable[Path] = (),
    *,
    all_statutes: bool = False,
    progress: Progress | None = None,
    jobs: int = 1,
) -> IngestResult:
    """Ingest list files (folders are read recursively) against the statutes under the roots,
    ``jobs`` files at a time in as many processes. The result is the same whatever ``jobs``:
    each file is built on its own and the files' results are joined in file order."""
    started = time.perf_counter()
    start_time = datetime.now(UTC)
    corpus = load_corpus(list(statute_roots), progress)
    statute_errors, statute_duplicates = statute_entries(corpus)
    files = iter_list_files(list(paths))
    hashes = {f: sha256_of(f) for f in files if f.is_file()}
    run = ID[f"run/{digest(software_version(), *sorted(hashes.values()), size=16)}"]
    graphs: list[tuple[URIRef, Quads]] = []
    documents: list[DocumentReport] = []
    quarantine: list[QuarantineEntry] = [*statute_errors, *statute_duplicates]
    organisations = Quads()
    cited: dict[str, None] = {}
    stats = CitationStats()
    titles: dict[URIRef, str] = {}

    with _mapper(min(jobs, max(1, len(files))), corpus, run) as run_map:
        if progress:
            progress.start("lists", len(files))
        for out in run_map(_file_job, [(f, hashes.get(f, "")) for f in files]):
            if progress:
                progress.advance()
            documents.append(out.report)
            quarantine.extend(out.quarantine)
            organisations.lines.update(out.organisations.lines)
            cited.update(dict.fromkeys(out.cited))
            stats.merge(out.stats)
            if out.graph is None or out.document is None:
                continue
            for work, title in out.titles.items():
                first = titles.setdefault(work, title)
                if first != title:  # one spelling per instrument: the first file's
                    out.graph.retitle(work, zh(title), zh(first))
            graphs.append((out.document, out.graph))
        if progress:
            progress.finish()
        included = [corpus.key(i) for i in corpus.instruments] if all_statutes else list(cited)
        for key, g in zip(included, run_map(_instrument_job, included), strict=True):
            _, v = instrument_iri(_version(corpus, key))
            graphs.append((v, g))
    graphs.append((ORGANISATIONS_GRAPH, organisations))
    graphs.append((VOCAB_GRAPH, vocabulary_graph()))
    graphs.append((run, run_graph(run, start_time)))
    return IngestResult(
        quads=graphs,
        documents=documents,
        quarantine=quarantine,
        citations=stats.as_dict(),
        run=run,
        statutes_loaded=len(corpus.instruments),
        statutes_included=len(included),
        seconds=round(time.perf_counter() - started, 2),
        statute_errors=statute_errors,
        statute_duplicates=statute_duplicates,
    )


def vocabulary_graph() -> Quads:
    g = Quads()
    g.update(concept_graph())
    g.lines = dict.fromkeys(sorted(g.lines))  # one order in every process (rdflib's is not)
    return g


def run_graph(run: URIRef, started: datetime) -> Quads:
    g = Quads()
    g.add((run, RDF.type, PRL.IngestRun))
    g.add((run, RDFS.label, tagged("prl ingest", "en")))
    g.add((run, PRL.softwareVersion, lit(software_version())))
    g.add((run, PROV.startedAtTime, typed(started.isoformat(), XSD.dateTime)))
    return g


# ------------------------------------------------------------------------ output
def nquads(result: IngestResult) -> Iterator[str]:
    """The lines of the result as N-Quads, graph after graph (each named by its IRI)."""
    for name, g in result.quads:
        yield from g.nquads(name)


def write_graph(result: IngestResult, out: Path) -> None:
    """Write N-Quads (``.nq``, one named graph per document) or Turtle/N-Triples (union)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".nq":
        with open(out, "w", encoding="utf-8") as f:
            f.writelines(nquads(result))
        return
    union = result.union()
    union.bind("prl", PRL)
    fmt = {".ttl": "turtle", ".nt": "nt"}.get(out.suffix)
    if fmt is None:
        raise ValueError(f"unknown graph format for {out}: use .nq, .ttl or .nt")
    union.serialize(destination=str(out), format=fmt, encoding="utf-8")


def quarantine_paths(out: Path) -> tuple[Path, Path]:
    stem = out.with_suffix("")
    return Path(f"{stem}.quarantine.json"), Path(f"{stem}.quarantine.txt")


def write_quarantine(result: IngestResult, out: Path) -> tuple[Path, Path]:
    """Write the quarantine report beside the graph, as JSON and as readable text."""
    json_path, text_path = quarantine_paths(out)
    data = {
        "run": str(result.run),
        "documents": [d.as_dict() for d in result.documents],
        "citations": result.citations,
        "entries": [q.as_dict() for q in result.quarantine],
    }
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [f"Quarantine report: {len(result.quarantine)} entries", ""]
    lines += [f"{q.where()}{q.reason}" for q in result.quarantine]
    text_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json_path, text_path
