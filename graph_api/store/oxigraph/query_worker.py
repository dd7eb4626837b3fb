"""The process a SPARQL query runs in (``python -m prl.graph_api.store.oxigraph.query_worker
MEMORY``), started and killed by ``query_pool``: it reads jobs on stdin and answers on
stdout, one query at a time, over a read-only snapshot of the store, without network."""

from __future__ import annotations

import contextlib
import os
import sys

from prl.graph_api.store.errors import QueryInvalid, QueryNotAcceptable, QueryRefused
from prl.graph_api.store.oxigraph.query_pool import _isolate_network, _Pipe

NICE = 10  # how much lower a query's CPU priority is than the server's


def _worker(memory_bytes: int) -> None:
    """Take (snapshot folder, query, limit, accept) jobs on stdin, answer ("ok", body,
    media) or (error kind, message) on stdout, until stdin closes."""
    import resource

    import pyoxigraph as ox

    from prl.graph_api.store.oxigraph import sparql

    out_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed goes to stderr, not into the answers
    conn = _Pipe(0, out_fd)
    isolated = _isolate_network()
    if memory_bytes:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # below the API's own priority: four runaway queries on a 2-core machine otherwise take
    # the CPU from the server process, and every other request waits (docs/performance.md)
    with contextlib.suppress(OSError):
        os.nice(NICE)
    conn.send(("ready", isolated))
    store = None
    opened = None
    while True:
        try:
            folder, query, limit, accept, dataset = conn.recv()
        except EOFError:
            return
        try:
            if folder != opened:
                store = None
                store = ox.Store.read_only(folder)
                opened = folder
            assert store is not None
            rows, size = limit
            answer = sparql.execute(
                store, query, limit=rows, max_bytes=size, accept=accept, dataset=dataset
            )
            conn.send(("ok", answer))
        except QueryRefused as e:
            conn.send(("refused", str(e)))
        except QueryInvalid as e:
            conn.send(("invalid", str(e)))
        except QueryNotAcceptable as e:
            conn.send(("not-acceptable", str(e)))
        except MemoryError:
            conn.send(("memory", "the query needs more memory than a query may use"))
        except Exception as e:  # noqa: BLE001 - reported to the caller, the worker goes on
            conn.send(("error", f"{type(e).__name__}: {e}"))


if __name__ == "__main__":
    _worker(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
