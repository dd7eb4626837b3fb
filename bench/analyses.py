"""Time the analyses of issue #15 (overlaps, basis, gaps, impact) on a store.

Usage:
    python3 bench/analyses.py [--powers 100000] [--data-dir DIR] [--nq FILE]
                              [--neo4j-uri bolt://…]

Without ``--data-dir`` of a loaded store, builds ``bench/load.py``'s synthetic graph of
``--powers`` powers (or reads ``--nq``, e.g. ``prl ingest`` output of the shared lists),
loads it into an embedded store, then runs each analysis once over the store interface and
prints its findings, wall time and the peak memory of the process. The synthetic statutes'
texts are not real law: the figures are run times, not findings. With ``--neo4j-uri`` the
same graph is loaded into that (emptied) Neo4j database too, every analysis runs on both
stores, and whether their findings are the same is printed.
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
    ap.add_argument("--neo4j-uri", default=None, help="compare with this Neo4j (it is emptied)")
    args = ap.parse_args()

    from prl.graph_api.analyses.basis import basis_findings
    from prl.graph_api.analyses.gaps import gap_findings
    from prl.graph_api.analyses.impact import impact_findings
    from prl.graph_api.analyses.overlaps import clusters, pairs
    from prl.graph_api.store.oxigraph import OxigraphStore

    work = Path(tempfile.mkdtemp(prefix="prl-analyses-"))
    nq = args.nq
    if nq is None and (args.data_dir is None or args.neo4j_uri):
        from load import generate

        nq = work / f"synthetic-{args.powers}.nq"
        t = time.perf_counter()
        counts = generate(nq, args.powers)
        print(f"generated {counts} in {time.perf_counter() - t:.1f} s", flush=True)
    folder = args.data_dir
    if folder is None:
        folder = work / "store"
        t = time.perf_counter()
        store = OxigraphStore(folder)
        store.load_file(nq)
        print(f"loaded {nq.name} into oxigraph in {time.perf_counter() - t:.1f} s", flush=True)
        store.close()
    stores = [OxigraphStore(folder)]
    if args.neo4j_uri:
        from prl.graph_api.store.neo4j import Neo4jStore

        neo = Neo4jStore(args.neo4j_uri, auth=None, database="neo4j", timeout=120)
        neo.clear()
        t = time.perf_counter()
        neo.load_file(nq)
        print(f"loaded {nq.name} into neo4j in {time.perf_counter() - t:.1f} s", flush=True)
        stores.append(neo)
    print(f"store: {stores[0].counts()}", flush=True)
    for name, run in (
        ("overlaps", pairs),
        ("basis", basis_findings),
        ("gaps", gap_findings),
        ("impact", impact_findings),
    ):
        found = []
        for store in stores:
            t = time.perf_counter()
            found.append(run(store))
            took = time.perf_counter() - t
            extra = f", {len(clusters(found[-1]))} overlap clusters" if name == "overlaps" else ""
            print(
                f"{name:9} {store.kind:8} {len(found[-1]):7} findings{extra} in {took:7.1f} s "
                f"(peak RSS so far {peak_mb():.0f} MB)",
                flush=True,
            )
        if len(found) == 2:
            same = [f.as_dict() for f in found[0]] == [f.as_dict() for f in found[1]]
            print(f"{name:9} the same findings on both stores: {same}", flush=True)
    for store in stores:
        store.close()


if __name__ == "__main__":
    main()
