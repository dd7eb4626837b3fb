"""Serving the API from several processes on one port (``prl serve --workers N``).

One Python process answers on one core: it parses HTTP, segments and ranks the question and
decodes what the store sent, all under one GIL. Against Neo4j, which keeps the graph in its
own server, ``N`` processes can answer side by side: each opens its own listening socket on
the same port with ``SO_REUSEPORT``, so that the kernel spreads new connections over them
(one shared socket let the first process accept them all), and each builds its own name index
before it listens. The parent waits until every worker listens, reports the address, and
stops them all when one fails or when it is told to stop.

Only Neo4j: the embedded store is a folder that one process holds open.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import socket
from collections.abc import Callable
from multiprocessing.connection import Connection, wait

START_TIMEOUT = 600.0  # seconds a worker may take to build its name index and listen


class WorkerFailed(RuntimeError):
    """A worker process could not start or stopped on its own."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other processes may bind too (``SO_REUSEPORT``);
    not listening yet: the kernel gives a socket connections only once it listens."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise WorkerFailed("several workers need SO_REUSEPORT (Linux, BSD, macOS)")
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise WorkerFailed(f"cannot listen on {host}:{port}: {e}") from e
    return sock


def _worker(settings, host: str, port: int, ready) -> None:
    """One worker: its own store and app; says on ``ready`` when it listens."""
    import uvicorn

    from prl.graph_api.store import open_store
    from prl.graph_api.web.app import create_app
    from prl.graph_api.web.protocol import config

    try:
        sock = listening_socket(host, port)
        app = create_app(settings, open_store(settings))
    except Exception as e:
        ready.send(f"{type(e).__name__}: {e}")
        raise SystemExit(1) from None
    server = uvicorn.Server(config(app))

    async def main() -> None:
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not serving.done():
            await asyncio.sleep(0.05)
        if server.started:
            ready.send(None)
        await serving

    asyncio.run(main())


def serve(
    settings, host: str, port: int, workers: int, on_ready: Callable[[], None] | None = None
) -> None:
    """Run ``workers`` API processes on ``host:port`` until interrupted, terminated, or one
    of them stops (then the others are stopped and ``WorkerFailed`` says which and why)."""
    ctx = multiprocessing.get_context("spawn")
    procs, pipes = [], []
    for _ in range(workers):
        mine, theirs = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_worker, args=(settings, host, port, theirs), name="prl-worker")
        p.start()
        theirs.close()
        procs.append(p)
        pipes.append(mine)

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        waiting = dict(zip(pipes, procs, strict=True))
        while waiting:  # a worker that exits closes its pipe: EOF here
            ready = wait(list(waiting), START_TIMEOUT)
            if not ready:
                raise WorkerFailed(f"workers did not listen within {START_TIMEOUT:.0f} s")
            for conn in ready:
                assert isinstance(conn, Connection)  # wait() hands back what it was given
                try:
                    error = conn.recv()
                except EOFError:
                    error = "exited while starting"
                p = waiting.pop(conn)
                if error is not None:
                    raise WorkerFailed(f"worker {p.pid} could not start: {error}")
        if on_ready is not None:
            on_ready()
        ended = wait([p.sentinel for p in procs])  # each runs until it is stopped
        gone = next(p for p in procs if p.sentinel in ended)
        gone.join(timeout=5)  # its sentinel may be ready a moment before it can be reaped
        raise WorkerFailed(f"worker {gone.pid} stopped (exit code {gone.exitcode})")
    finally:
        signal.signal(signal.SIGTERM, previous)
        for p in procs:
            if p.is_alive() and p.pid is not None:
                os.kill(p.pid, signal.SIGTERM)  # uvicorn shuts down gracefully
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
