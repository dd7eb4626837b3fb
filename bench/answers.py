"""How well everyday questions are answered: the gold questions against the real lists.

Usage:
    python3 bench/answers.py [--store oxigraph|neo4j|both] [--neo4j-uri bolt://…]
                             [--nq FILE] [--data-dir DIR] [--heldout]

Ingests the shared lists with the statute corpus (or reads ``--nq``, the output of
``prl ingest``), loads them into each store and asks every question of
``tests/data/gold_questions.json`` (the tuning set). With ``--heldout`` it also scores
``gold_questions_tuned2.json`` (two sets held out once, scored, then tuned on) and
``gold_questions_heldout.json``, written apart and kept out of tuning. Prints, per
store and set: top-1 and top-3 hit rates (the expected body and instrument in one answer),
no-answer precision and recall (the answer "the lists hold no such power" against the
questions whose answer is not in the lists), the same by kind of question, the latency of
each question (p50, p99, max; answered in process, no HTTP) and every miss.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

from prl.graph_api.answers import evaluation, retrieval

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "tests" / "data"
TUNING = DATA / "gold_questions.json"
TUNED2 = DATA / "gold_questions_tuned2.json"
HELDOUT = DATA / "gold_questions_heldout.json"


def ingest(work: Path) -> Path:
    from prl.ingest.pipeline import ingest as run
    from prl.ingest.pipeline import write_graph

    out = work / "real.nq"
    t = time.perf_counter()
    result = run([SHARED / "lists"], [SHARED / "statutes"])
    write_graph(result, out)
    print(f"ingested the shared lists in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def open_store(kind: str, work: Path, uri: str | None):
    if kind == "oxigraph":
        from prl.graph_api.store.oxigraph import OxigraphStore

        return OxigraphStore(work / "oxigraph")
    from prl.graph_api.store.neo4j import Neo4jStore

    if not uri:
        sys.exit("--neo4j-uri is needed for the Neo4j store")
    store = Neo4jStore(uri, auth=None, database="neo4j", timeout=60)
    store.clear()
    return store


def report(kind: str, path: Path, store) -> None:
    entries = evaluation.load(path)
    s = evaluation.score(store, entries)
    lat = sorted(x * 1000 for x in s.latencies)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    print(f"\n{kind} · {path.name} ({len(entries)} questions): {s.summary()}")
    print(
        f"  latency per question: p50 {statistics.median(lat):.1f} ms, p99 {p99:.1f} ms, "
        f"max {lat[-1]:.1f} ms"
    )
    by_kind = collections.defaultdict(list)
    for e in entries:
        by_kind[e.get("kind", "?")].append(e)
    for k, group in sorted(by_kind.items()):
        g = evaluation.score(store, group)
        print(f"  {k:11} {len(group):3}: {g.summary()}")
    for m in s.misses:
        print("  miss:", m)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", choices=["oxigraph", "neo4j", "both"], default="oxigraph")
    ap.add_argument("--neo4j-uri", default=None)
    ap.add_argument("--nq", type=Path, default=None, help="graph from prl ingest (skips ingest)")
    ap.add_argument("--data-dir", type=Path, default=None, help="work folder (default: temp)")
    ap.add_argument("--heldout", action="store_true", help="also score the held-out set")
    args = ap.parse_args()
    if args.nq is None and not SHARED.exists():
        sys.exit(f"{SHARED} is absent: pass --nq")
    print(f"threshold {retrieval.THRESHOLD}, type gap {retrieval.TYPE_GAP}")
    with tempfile.TemporaryDirectory(prefix="prl-answers-") as tmp:
        work = args.data_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        nq = args.nq or ingest(work)
        kinds = ["oxigraph", "neo4j"] if args.store == "both" else [args.store]
        for kind in kinds:
            store = open_store(kind, work, args.neo4j_uri)
            try:
                t = time.perf_counter()
                store.load_file(nq)
                print(f"\nloaded into {kind} in {time.perf_counter() - t:.1f} s", flush=True)
                t = time.perf_counter()
                index = retrieval.text_index(store)
                print(
                    f"text index of {len(index)} powers built in {time.perf_counter() - t:.2f} s "
                    f"({index.nbytes / 1e6:.1f} MB of postings)"
                )
                for path in [TUNING, TUNED2, HELDOUT] if args.heldout else [TUNING, TUNED2]:
                    report(kind, path, store)
            finally:
                store.close()


if __name__ == "__main__":
    main()
