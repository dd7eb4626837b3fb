"""The ingest job: list files and statutes in, graph and quarantine report out.

``ingest`` reads every list file on its own (one bad file never stops the others), builds
one named graph per list document, adds the statute versions the citations reach (or all
statutes on request) and the code lists, and accounts for every input row: each ends up as
a Power or as a quarantine entry with its reason.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Protocol

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef

from prl.ingest.graph import GraphBuilder, instrument_iri
from prl.ingest.lists import iter_list_files, read_list
from prl.ingest.records import IngestError, QuarantineEntry
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
    graphs: list[tuple[URIRef, Graph]]
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
        return sum(len(g) for _, g in self.graphs)

    def union(self) -> Graph:
        """All named graphs merged into one (what pyshacl and Turtle output take)."""
        union = Graph()
        for _, g in self.graphs:
            union += g
        return union


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


def ingest(
    paths: Iterable[Path],
    statute_roots: Iterable[Path] = (),
    *,
    all_statutes: bool = False,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest list files (folders are read recursively) against the statutes under the roots."""
    started = time.perf_counter()
    start_time = datetime.now(UTC)
    corpus = load_corpus(list(statute_roots), progress)
    statute_errors, statute_duplicates = statute_entries(corpus)
    files = iter_list_files(list(paths))
    hashes = {f: sha256_of(f) for f in files if f.is_file()}
    run = ID[f"run/{digest(software_version(), *sorted(hashes.values()), size=16)}"]
    builder = GraphBuilder(corpus, run)
    graphs: list[tuple[URIRef, Graph]] = []
    documents: list[DocumentReport] = []
    quarantine: list[QuarantineEntry] = [*statute_errors, *statute_duplicates]

    if progress:
        progress.start("lists", len(files))
    for f in files:
        if progress:
            progress.advance()
        report = DocumentReport(file=str(f))
        documents.append(report)
        try:
            doc = read_list(f)
        except IngestError as e:
            report.error = str(e)
            quarantine.append(
                QuarantineEntry(
                    file=str(f), sheet=e.sheet, row=e.row, column=e.column, reason=e.message
                )
            )
            continue
        except Exception as e:  # a reader bug must not stop the other files
            report.error = f"{f}: unexpected error while reading: {type(e).__name__}: {e}"
            quarantine.append(
                QuarantineEntry(file=str(f), sheet=None, row=None, reason=report.error)
            )
            continue
        g, rejected = builder.list_document(doc, hashes.get(f, ""))
        report.title, report.sheets, report.data_rows = doc.title, doc.sheets, doc.data_rows
        report.items = len(doc.items)
        report.inferred_columns = list(doc.inferred)
        report.powers = len(doc.items) - len(rejected)
        report.distinct_powers = len(set(g.subjects(RDF.type, PRL.Power)))
        report.continuation_rows = sum(len(i.continuations) for i in doc.items)
        report.quarantined = len(doc.quarantine) + len(rejected)
        quarantine.extend(doc.quarantine)
        quarantine.extend(rejected)
        if report.powers == 0:
            # a list that gave no power at all is a failure, not a quiet quarantine line
            why = (
                f"all {doc.data_rows} data rows were quarantined"
                if doc.data_rows
                else "no table with a recognisable header (事项名称, 权力类型, 实施依据 …) "
                "and data rows below it"
            )
            report.error = f"{f}: no power could be read from this file: {why}"
            if not doc.quarantine and not rejected:
                quarantine.append(
                    QuarantineEntry(file=str(f), sheet=None, row=None, reason=report.error)
                )
        document = next(iter(g.subjects(RDF.type, PRL.ListDocument)))
        assert isinstance(document, URIRef)  # list_document names the document by its IRI
        graphs.append((document, g))

    if progress:
        progress.finish()
    included = corpus.instruments if all_statutes else list(builder.cited.values())
    for instr in included:
        _, v = instrument_iri(instr)
        graphs.append((v, builder.instrument(instr)))
    graphs.append((ORGANISATIONS_GRAPH, builder.organisations))
    graphs.append((VOCAB_GRAPH, vocabulary_graph()))
    graphs.append((run, run_graph(run, start_time)))
    return IngestResult(
        graphs=graphs,
        documents=documents,
        quarantine=quarantine,
        citations=builder.stats.as_dict(),
        run=run,
        statutes_loaded=len(corpus.instruments),
        statutes_included=len(included),
        seconds=round(time.perf_counter() - started, 2),
        statute_errors=statute_errors,
        statute_duplicates=statute_duplicates,
    )


def vocabulary_graph() -> Graph:
    g = Graph()
    for t in concept_graph():
        g.add(t)
    return g


def run_graph(run: URIRef, started: datetime) -> Graph:
    g = Graph()
    g.add((run, RDF.type, PRL.IngestRun))
    g.add((run, RDFS.label, Literal("prl ingest", lang="en")))
    g.add((run, PRL.softwareVersion, Literal(software_version())))
    g.add((run, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    return g


# ------------------------------------------------------------------------ output
def nquads(result: IngestResult) -> Iterator[str]:
    """The lines of the result as N-Quads, graph after graph (each named by its IRI)."""
    for name, g in result.graphs:
        suffix = f" <{name}> .\n"
        for line in g.serialize(format="nt").splitlines():
            if line.endswith(" ."):
                yield line[:-2] + suffix


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
