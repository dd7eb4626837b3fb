"""Digests of ``prl ingest``'s output, graph by graph, to compare a new emitter with the old.

``tests/data/ingest_reference.json`` holds, for the bundled sample and for the shared lists,
each named graph's number of triples and the SHA-256 of its sorted triples (as pyoxigraph
writes them, so two spellings of one term are one), the run's IRI written ``<run>`` and its
start time left out. It was written from the output of the rdflib-based emitter that the
N-Triples lines of ``ingest/quads.py`` replaced. When the output changes on purpose, write
it again and say why in the commit:

    python3 -m tests.ingest_reference --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

REFERENCE = Path(__file__).resolve().parent / "data" / "ingest_reference.json"
STARTED = "http://www.w3.org/ns/prov#startedAtTime"


def digests(nquads: bytes) -> dict[str, list]:
    """{graph: [triples, sha256]} of N-Quads bytes."""
    graphs: dict[str, list[str]] = defaultdict(list)
    runs = set()
    quads = list(ox.parse(nquads, ox.RdfFormat.N_QUADS))
    for q in quads:
        if q.predicate.value == STARTED:
            runs.add(str(q.subject))
    for q in quads:
        if q.predicate.value == STARTED:
            continue
        g = "<run>" if str(q.graph_name) in runs else str(q.graph_name)
        line = str(ox.Triple(q.subject, q.predicate, q.object))
        for r in runs:
            line = line.replace(r, "<run>")
        graphs[g].append(line)
    return {
        g: [len(lines), hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()]
        for g, lines in sorted(graphs.items())
    }


def of_result(result) -> dict[str, list]:
    from prl.ingest.pipeline import nquads

    return digests("".join(nquads(result)).encode("utf-8"))


def main() -> None:
    from prl.ingest.pipeline import ingest
    from prl.sample import LISTS_DIR, STATUTES_DIR

    if "--write" not in sys.argv:
        raise SystemExit(__doc__)
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    out = {"sample": of_result(ingest([LISTS_DIR], [STATUTES_DIR]))}
    if shared.is_dir():
        out["shared"] = of_result(ingest([shared / "lists"], [shared / "statutes"], jobs=2))
    REFERENCE.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE}: {', '.join(f'{k} {len(v)} graphs' for k, v in out.items())}")


if __name__ == "__main__":
    main()
