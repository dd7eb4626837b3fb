"""The loading job: ingest → validate → report → load, as one library call.

``load(store, paths, statutes=…)`` is what ``prl load`` and ``prl demo`` run: list files and
folders are ingested against the statutes, ``.nq`` files (``prl ingest`` output) are taken as
they are, the whole graph is checked against the SHACL shapes, and only a graph without
violations is loaded (``ValidationFailed`` otherwise: nothing is written). It returns a
``LoadReport``; the commands only print it. This module is where the two halves meet: it is
the only part of ``graph_api`` that imports ``ingest``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF

from prl.graph_api.store import Store
from prl.graph_api.store.models import Counts
from prl.ingest.pipeline import IngestResult, Progress, ingest, nquads, split_inputs
from prl.ingest.validate import ValidationReport
from prl.ingest.validate_parts import validate_documents
from prl.ingest.vocab import PRL


class ValidationFailed(Exception):
    """The graph has SHACL violations; nothing was loaded."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violations: nothing loaded")


@dataclass
class LoadReport:
    """What one load did."""

    ingest: IngestResult | None  # the lists ingested (None when only .nq files were given)
    files: list[Path] = field(default_factory=list)  # the .nq files loaded as they are
    validation: ValidationReport | None = None  # None when validation was skipped
    quads: int = 0  # quads handed to the store
    powers: int = 0  # distinct powers in what was loaded
    counts: Counts | None = None  # what the store holds afterwards


def load(
    store: Store,
    paths: Sequence[Path],
    *,
    statutes: Iterable[Path] = (),
    validate: bool = True,
    clear: bool = False,
    progress: Progress | None = None,
    jobs: int = 1,
) -> LoadReport:
    """Ingest the list inputs among ``paths`` against ``statutes`` (and statute folders among
    the paths), take the ``.nq`` files as they are, validate everything (unless told not to)
    and load it into ``store``: each list document replaces its earlier version; with
    ``clear`` the store is emptied first.

    :raises ValidationFailed: the graph has SHACL violations (nothing loaded)
    :raises StoreError: from the store (a ``StoreInputError`` names the file and line)
    :raises SyntaxError: a ``.nq`` file does not parse (``filename`` and ``lineno`` set)
    """
    files = [Path(p) for p in paths if Path(p).suffix == ".nq"]
    rest = [Path(p) for p in paths if Path(p).suffix != ".nq"]
    report = LoadReport(ingest=None, files=files)
    inputs: list[tuple[str, bytes]] = []
    if rest:
        lists, roots = split_inputs(rest)
        result = ingest(lists, [*roots, *statutes], progress=progress, jobs=jobs)
        report.ingest = result
        inputs.append(("the ingested lists", "".join(nquads(result)).encode()))
    inputs += [(f.name, f.read_bytes()) for f in files]
    if validate:
        report.validation = _validate(report, inputs, progress, jobs)
        if not report.validation.conforms:
            raise ValidationFailed(report.validation)
    _step(progress, f"load into {store.kind}", len(inputs))
    try:
        if clear:
            store.clear()
        for name, data in inputs:
            report.quads += store.load_nquads(data, source=name)
            if progress:
                progress.advance()
    finally:
        if progress:
            progress.finish()
    report.powers = _powers(report, inputs)
    report.counts = store.counts()
    return report


def _validate(
    report: LoadReport, inputs: list[tuple[str, bytes]], progress: Progress | None, jobs: int
) -> ValidationReport:
    _step(progress, "validate (SHACL)")
    try:
        return validate_documents(*inputs, jobs=jobs)
    finally:
        if progress:
            progress.finish()


def _powers(report: LoadReport, inputs: list[tuple[str, bytes]]) -> int:
    """Distinct powers in what was loaded (the count the store's own count includes)."""
    found: set[bytes] = set()
    if report.ingest:
        for _, g in report.ingest.quads:
            found.update(f"<{p}>".encode() for p in g.subjects(RDF.type, PRL.Power))
    power = f"<{RDF.type}> <{PRL.Power}>".encode()
    for _, data in inputs[1 if report.ingest else 0 :]:
        found.update(line.split(b" ", 1)[0] for line in data.splitlines() if power in line)
    return len(found)


def _step(progress: Progress | None, step: str, total: int | None = None) -> None:
    if progress:
        progress.start(step, total)
