"""Time the analyses of issue #15 (overlaps, basis, gaps, impact) on a store.

Usage:
    python3 bench/analyses.py [--powers 100000] [--data-dir DIR] [--nq FILE]

Without ``--data-dir`` of a loaded store, builds ``bench/load.py``'s synthetic graph of
``--powers`` powers (or reads ``--nq``, e.g. ``prl ingest`` output of the shared lists),
loads it into an embedded store, then runs each analysis once over the store interface and
prints its findings, wall time and the peak memory of the process. The synthetic statutes'
texts are not real law: the figures are run times, not findings.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--powers", type=int, default=100_000)
    ap.add_argument("--data-dir", type=Path, default=None, help="a loaded embedded store")
    ap.add_argument("--nq", type=Path, default=None, help="graph to load (skips generating)")
    args = ap.parse_args()

    from prl.graph_api.analyses.basis import basis_findings
    from prl.graph_api.analyses.gaps import gap_findings
    from prl.graph_api.analyses.impact import impact_findings
    from prl.graph_api.analyses.overlaps import clusters, pairs
    from prl.graph_api.store.oxigraph import OxigraphStore

    work = Path(tempfile.mkdtemp(prefix="prl-analyses-"))
    folder = args.data_dir
    if folder is None:
        nq = args.nq
        if nq is None:
            from load import generate

            nq = work / f"synthetic-{args.powers}.nq"
            t = time.perf_counter()
            counts = generate(nq, args.powers)
            print(f"generated {counts} in {time.perf_counter() - t:.1f} s", flush=True)
        folder = work / "store"
        t = time.perf_counter()
        store = OxigraphStore(folder)
        store.load_file(nq)
        print(f"loaded {nq.name} in {time.perf_counter() - t:.1f} s", flush=True)
        store.close()
    store = OxigraphStore(folder)
    print(f"store: {store.counts()}", flush=True)
    for name, run in (
        ("overlaps", lambda: pairs(store)),
        ("basis", lambda: basis_findings(store)),
        ("gaps", lambda: gap_findings(store)),
        ("impact", lambda: impact_findings(store)),
    ):
        t = time.perf_counter()
        found = run()
        took = time.perf_counter() - t
        extra = f", {len(clusters(found))} overlap clusters" if name == "overlaps" else ""
        print(
            f"{name:9} {len(found):7} findings{extra} in {took:7.1f} s "
            f"(peak RSS so far {peak_mb():.0f} MB)",
            flush=True,
        )
    store.close()


if __name__ == "__main__":
    main()
