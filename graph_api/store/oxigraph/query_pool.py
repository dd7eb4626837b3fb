"""SPARQL queries of the embedded store run in worker processes, where they can be stopped and
cannot hurt the server.

Each worker opens a read-only snapshot of the store (a RocksDB checkpoint: hard links, made
again after each write), drops its network (a network namespace of its own where the kernel
allows it, so a ``SERVICE`` that slips past the checks reaches nothing), caps its memory, and
runs one query at a time. When a query outlives its timeout, or its worker dies (a crash in
the query parser, the memory cap), the worker is killed and the slot is free at once; a new
worker starts on the next query. What a query may do is decided on the parsed query
(``check``), not on its text.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import shutil
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prl.graph_api.store.errors import (
    QueryInvalid,
    QueryNotAcceptable,
    QueryRefused,
    QueryTimeout,
    StoreError,
)
from prl.graph_api.store.models import NO_DATASET, RESULT_BYTES, Dataset, SparqlAnswer

MAX_NESTING = 64  # braces and brackets: deeper queries crash the parser, none is useful
_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def nesting(query: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` outside strings, IRIs and comments.

    >>> nesting("SELECT * { ?s ?p ?o FILTER((1 + 2) > 0) }"), nesting("ASK {{{}}}")
    (3, 3)
    """
    from prl.graph_api.store.oxigraph.sparql import _keywords

    depth = deepest = 0
    for ch in _keywords(query):
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "})]":
            depth = max(0, depth - 1)
    return deepest


def _isolate_network() -> bool:
    """Put this process in a network namespace of its own (no interface but a loopback that
    is down): a query can reach no host. False when the kernel does not allow it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True
        return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


class _Pipe:
    """Length-prefixed pickles over a pair of file descriptors (the worker's stdin/stdout)."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd

    def send(self, obj) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(struct.pack("!Q", len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view) :]

    def poll(self, timeout: float) -> bool:
        return bool(select.select([self.read_fd], [], [], max(0.0, timeout))[0])

    def _exactly(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = os.read(self.read_fd, n - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

    def recv(self):
        (n,) = struct.unpack("!Q", self._exactly(8))
        return pickle.loads(self._exactly(n))

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass
class _Worker:
    process: Any
    conn: Any


@dataclass
class QueryPool:
    """At most ``size`` queries at once, each in its own worker process."""

    folder: Path  # where the snapshots go
    size: int = 4
    memory_mb: int = 2048
    _idle: list[_Worker] = field(default_factory=list)
    _busy: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _snapshot: tuple[int, str] | None = None  # (store generation, folder)
    _old: list[str] = field(default_factory=list)
    isolated: bool | None = None  # whether the workers have no network (None: none started)

    # ------------------------------------------------------------------ snapshots
    def snapshot(self, store, generation: int) -> str:
        """The folder of a read-only copy of ``store`` as of ``generation`` (made once)."""
        with self._lock:
            if self._snapshot and self._snapshot[0] == generation:
                return self._snapshot[1]
            if self._snapshot is None:  # the first: what an earlier run left goes
                shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"snapshot-{generation}-{time.monotonic_ns()}"
            store.backup(str(target))
            if self._snapshot:
                self._old.append(self._snapshot[1])
            self._snapshot = (generation, str(target))
            if self._busy == 0:  # no query reads an older one
                for old in self._old:
                    shutil.rmtree(old, ignore_errors=True)
                self._old.clear()
            return str(target)

    # ------------------------------------------------------------------ workers
    def _start(self) -> _Worker:
        memory = str(self.memory_mb * 1024 * 1024)
        p = subprocess.Popen(
            [sys.executable, "-m", "prl.graph_api.store.oxigraph.query_worker", memory],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a Ctrl+C of the server's terminal is the server's
        )
        assert p.stdin is not None and p.stdout is not None
        conn = _Pipe(os.dup(p.stdout.fileno()), os.dup(p.stdin.fileno()))
        p.stdin.close()
        p.stdout.close()
        try:
            if not conn.poll(60):
                raise StoreError("a SPARQL worker process did not start within 60 s")
            _, isolated = conn.recv()
        except (EOFError, StoreError) as e:
            p.kill()
            conn.close()
            raise StoreError(f"a SPARQL worker process could not start: {e}") from None
        self.isolated = isolated
        return _Worker(p, conn)

    def _acquire(self) -> _Worker | None:
        with self._lock:
            if self._busy >= self.size:
                return None
            self._busy += 1
            while self._idle:
                w = self._idle.pop()
                if w.process.poll() is None:
                    return w
                self._kill(w)
        try:
            return self._start()
        except BaseException:
            with self._lock:
                self._busy -= 1
            raise

    def _release(self, w: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if w is not None:
                self._idle.append(w)

    @staticmethod
    def _kill(w: _Worker) -> None:
        with contextlib.suppress(Exception):
            w.process.kill()
            w.process.wait(5)
        w.conn.close()

    def run(
        self,
        folder: str,
        query: str,
        *,
        timeout: float,
        limit: int,
        max_bytes: int = RESULT_BYTES,
        accept: str,
        dataset: Dataset = NO_DATASET,
    ) -> SparqlAnswer:
        if nesting(query) > MAX_NESTING:
            raise QueryInvalid(f"the query nests deeper than {MAX_NESTING} levels")
        w = self._acquire()
        if w is None:
            raise QueryTimeout(
                f"too many SPARQL queries running (at most {self.size}); try again later"
            )
        keep: _Worker | None = None
        try:
            w.conn.send((folder, query, (limit, max_bytes), accept, dataset))
            if not w.conn.poll(timeout):
                raise QueryTimeout(
                    f"SPARQL query did not finish within {timeout:g} s (it was stopped)"
                )
            try:
                answer = w.conn.recv()
            except EOFError:
                try:
                    code = w.process.wait(1)
                except subprocess.TimeoutExpired:
                    code = None
                raise QueryInvalid(
                    "the query stopped the process that ran it"
                    + (f" (exit {code})" if code is not None else "")
                    + ": it was refused"
                ) from None
            kind = answer[0]
            if kind == "ok":
                keep = w
                return answer[1]
            keep = w if kind != "memory" else None
            message = answer[1]
            if kind == "refused":
                raise QueryRefused(message)
            if kind == "invalid":
                raise QueryInvalid(message)
            if kind == "not-acceptable":
                raise QueryNotAcceptable(message)
            if kind == "memory":
                raise QueryInvalid(message)
            raise StoreError(f"SPARQL query failed: {message}")
        finally:
            if keep is None:
                self._kill(w)
            self._release(keep)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            made = self._snapshot is not None
            self._snapshot = None
        for w in idle:
            self._kill(w)
        if made:
            shutil.rmtree(self.folder, ignore_errors=True)
