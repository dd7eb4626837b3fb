"""SHACL validation of the real lists in a process of its own: ``python -m
tests.real_validation OUT.json`` ingests ../shared/data (lists and statutes), validates the
graph document by document (``validate_documents``), validates a broken copy both that way
and in one whole-graph pySHACL run (``validate_graph``), and writes the results as JSON.

pySHACL over the 600,000 triples of the shared lists takes minutes on one core; conftest
starts this beside the test session when ``test_all_real_lists_conform_and_resolve`` is
selected, so that it runs on the second core while the other tests run, and the test reads
what it wrote (waiting for it if need be).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(out: Path) -> None:
    from prl.ingest.pipeline import ingest, nquads
    from prl.ingest.validate import read_graph, validate_graph
    from prl.ingest.validate_parts import validate_documents
    from tests.test_validate_parts import break_graph, key

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    started = time.perf_counter()
    result = ingest([shared / "lists"], [shared / "statutes"])
    data = "".join(nquads(result))
    t0 = time.perf_counter()
    report = validate_documents(data.encode("utf-8"))  # document by document
    parts_seconds = time.perf_counter() - t0
    # the proof that it is the whole-graph run's result: a broken copy validated both ways
    # (the documents the breaks do not touch come from the cache of the run above)
    broken, planted = break_graph(data)
    t0 = time.perf_counter()
    whole = validate_graph(read_graph(broken.encode("utf-8"), ".nq"))
    whole_seconds = time.perf_counter() - t0
    parts = validate_documents(broken.encode("utf-8"))
    foci = {f"<{r.focus}>" for r in whole.violations}
    tmp = out.with_suffix(".part")
    tmp.write_text(
        json.dumps(
            {
                "violations": [r.as_dict() for r in report.violations],
                "warnings": len(report.warnings),
                "seconds": round(time.perf_counter() - started, 1),
                "parts_seconds": round(parts_seconds, 1),
                "whole_seconds": round(whole_seconds, 1),
                "broken_results": len(whole.results),
                "broken_same": key(parts) == key(whole),
                "broken_only_whole": sorted(set(key(whole)) - set(key(parts)))[:5],
                "broken_only_parts": sorted(set(key(parts)) - set(key(whole)))[:5],
                "planted_missing": {w: n for w, n in planted.items() if n not in foci},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    tmp.replace(out)  # whole or not at all


if __name__ == "__main__":
    main(Path(sys.argv[1]))
