"""SHACL validation of the real lists in a process of its own: ``python -m
tests.real_validation OUT.json`` ingests ../shared/data (lists and statutes), validates the
union graph with ``validate_graph`` and writes the results as JSON.

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
    from prl.ingest.pipeline import ingest
    from prl.ingest.validate import validate_graph

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    started = time.perf_counter()
    result = ingest([shared / "lists"], [shared / "statutes"])
    report = validate_graph(result.union())
    tmp = out.with_suffix(".part")
    tmp.write_text(
        json.dumps(
            {
                "violations": [r.as_dict() for r in report.violations],
                "warnings": len(report.warnings),
                "seconds": round(time.perf_counter() - started, 1),
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    tmp.replace(out)  # whole or not at all


if __name__ == "__main__":
    main(Path(sys.argv[1]))
