"""Ingest all real workbooks and print items/s and peak memory.

Usage: python3 bench/ingest.py [LISTS_DIR] [STATUTES_DIR]
(defaults: ../shared/data/lists/xinjiang-karamay and ../shared/data/statutes)
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from prl.ingest.pipeline import ingest, load_corpus

ROOT = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    lists = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "lists" / "xinjiang-karamay"
    statutes = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "statutes"
    t0 = time.perf_counter()
    corpus = load_corpus([statutes])
    t_corpus = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = ingest([lists], [statutes])
    total = time.perf_counter() - t1
    items = sum(d.powers for d in result.documents)
    rows = sum(d.data_rows for d in result.documents)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"statute corpus: {len(corpus.instruments)} versions loaded in {t_corpus:.2f} s")
    print(
        f"files: {len(result.documents)}, data rows: {rows}, items (powers from rows): {items}, "
        f"quarantined: {len(result.quarantine)}"
    )
    print(f"triples: {result.triples()}, statutes in graph: {result.statutes_included}")
    print(f"ingest (incl. corpus load): {total:.2f} s, {items / total:.1f} items/s")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
