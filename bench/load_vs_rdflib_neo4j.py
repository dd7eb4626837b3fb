"""Load the same N-Quads into Neo4j with prl's loader and with rdflib-neo4j; print both times.

Usage:
  python3 bench/load_vs_rdflib_neo4j.py --sample [--uri bolt://127.0.0.1:17687]
  python3 bench/load_vs_rdflib_neo4j.py --nq FILE
  python3 bench/load_vs_rdflib_neo4j.py --powers 10000      # synthetic, via bench/load.py

The database is cleared before each loader and after the run. An untimed warm-up round runs
first (a freshly started Neo4j spends the first loads compiling its code paths, which would
penalise whichever loader goes first), then ``--rounds`` timed rounds alternate the two
loaders; the medians and their ratio are printed. prl keeps named graphs, exact
datatypes and document ownership; rdflib-neo4j (batched, vocabulary IRIs shortened to local
names) drops the graph names, so it does less work. Its time includes rdflib's N-Quads
parsing, which is how it is used; the parse alone is timed and printed too.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from neo4j import GraphDatabase
from rdflib import Dataset, Graph

from prl.graph_api.store.neo4j import Neo4jStore
from prl.graph_api.store.neo4j.statements import Q_DROP_N10S_CONSTRAINT


def nquads(args) -> Path:
    if args.nq:
        return args.nq
    folder = Path(tempfile.mkdtemp(prefix="prl-bench-neo4j-"))
    if args.powers:
        from load import generate  # bench/load.py, beside this script

        out = folder / f"synthetic-{args.powers}.nq"
        print("generated", generate(out, args.powers))
        return out
    from prl.ingest.pipeline import ingest, write_graph
    from prl.sample import LISTS_DIR, STATUTES_DIR

    out = folder / "sample.nq"
    write_graph(ingest([LISTS_DIR], [STATUTES_DIR]), out)
    return out


def rdflib_neo4j_load(path: Path, driver, batch_size: int) -> int:
    from rdflib_neo4j import HANDLE_VOCAB_URI_STRATEGY, Neo4jStoreConfig
    from rdflib_neo4j import Neo4jStore as RdflibNeo4jStore

    config = Neo4jStoreConfig(
        auth_data=None,
        batching=True,
        batch_size=batch_size,
        handle_vocab_uri_strategy=HANDLE_VOCAB_URI_STRATEGY.IGNORE,
    )
    g = Graph(store=RdflibNeo4jStore(config=config, neo4j_driver=driver))
    try:
        ds = Dataset()  # rdflib parses N-Quads into a dataset; the triples then go to Neo4j
        ds.parse(str(path), format="nquads")
        n = 0
        for s, p, o, _ in ds.quads():
            g.add((s, p, o))
            n += 1
    finally:
        g.close(True)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--nq", type=Path, help="an N-Quads file (e.g. from bench/load.py)")
    src.add_argument("--sample", action="store_true", help="ingest the bundled sample")
    src.add_argument("--powers", type=int, help="generate this many synthetic powers")
    ap.add_argument("--uri", default="bolt://127.0.0.1:17687")
    ap.add_argument("--database", default="neo4j")
    ap.add_argument("--batch-size", type=int, default=5000, help="rdflib-neo4j batch size")
    ap.add_argument("--writers", type=int, default=2, help="prl's parallel write transactions")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds (medians are printed)")
    ap.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip the untimed first round (a fresh server compiles its code paths then)",
    )
    args = ap.parse_args()
    path = nquads(args)
    driver = GraphDatabase.driver(args.uri, auth=None, notifications_min_severity="OFF")
    store = Neo4jStore(args.uri, None, args.database, timeout=60, writers=args.writers)

    def ours() -> float:
        store.clear()
        t = time.perf_counter()
        n = store.load_file(path)
        took = time.perf_counter() - t
        print(f"  [prl] {n:,} quads in {took:.1f} s ({n / took:,.0f} quads/s): {store.counts()}")
        store.clear()
        return took

    def theirs() -> float:
        t = time.perf_counter()
        m = rdflib_neo4j_load(path, driver, args.batch_size)
        took = time.perf_counter() - t
        print(f"  [rdflib-neo4j] {m:,} triples in {took:.1f} s ({m / took:,.0f} triples/s)")
        store.clear()  # the store's own clear empties the whole database, its nodes too
        # rdflib-neo4j's own constraint (outside prl's schema) goes too
        with driver.session(database=args.database) as s:
            s.run(Q_DROP_N10S_CONSTRAINT).consume()
        return took

    if not args.no_warm_up:
        print("warm-up round (not timed):")
        ours(), theirs()
    times: dict[str, list[float]] = {"prl": [], "rdflib-neo4j": []}
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}:")
        times["prl"].append(ours())
        times["rdflib-neo4j"].append(theirs())
    t = time.perf_counter()
    Dataset().parse(str(path), format="nquads")
    parse = time.perf_counter() - t
    a, b = statistics.median(times["prl"]), statistics.median(times["rdflib-neo4j"])
    print(f"median prl: {a:.1f} s; median rdflib-neo4j: {b:.1f} s")
    print(f"  of which rdflib parsing the N-Quads alone takes ~{parse:.1f} s")
    print(
        f"ratio rdflib-neo4j / prl: {b / a:.1f}x (excluding rdflib parsing: {(b - parse) / a:.1f}x)"
    )
    store.close()
    driver.close()


if __name__ == "__main__":
    main()
