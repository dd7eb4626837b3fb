"""Time SHACL validation (prl's shapes, pySHACL) of the bundled sample, and of the real lists
when ../shared/data is beside the checkout, and print the figures with peak memory.

Usage: python3 bench/validate.py [--real] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from prl.ingest.pipeline import ingest
from prl.ingest.validate import validate_graph
from prl.sample import LISTS_DIR, STATUTES_DIR

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def measure(label: str, lists: Path, statutes: Path, rounds: int) -> None:
    result = ingest([lists], [statutes])
    graph = result.union()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        report = validate_graph(graph)
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {len(graph):,} triples, {len(report.violations)} violations, "
        f"{len(report.warnings)} warnings; validate median {statistics.median(times):.1f} s "
        f"of {rounds} ({', '.join(f'{t:.1f}' for t in times)}); peak RSS so far {peak:.0f} MB",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", action="store_true", help="also the real lists in ../shared/data")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    measure("sample", LISTS_DIR, STATUTES_DIR, args.rounds)
    if args.real:
        measure("real lists", SHARED / "lists", SHARED / "statutes", max(1, args.rounds // 3))


if __name__ == "__main__":
    main()
