"""``prl serve --workers N``: several API processes on one port, for Neo4j."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from prl.cli import main
from tests.conftest import neo4j_uri as server_uri

ROOT = Path(__file__).resolve().parent.parent


def test_several_workers_need_neo4j(tmp_path):
    res = CliRunner().invoke(
        main, ["serve", "--workers", "2", "--store", "oxigraph", "--data-dir", str(tmp_path)]
    )
    assert res.exit_code == 2
    assert "--workers above 1 needs --store neo4j" in res.output


def test_an_unreachable_neo4j_is_said_before_workers_start():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    res = CliRunner().invoke(
        main,
        ["serve", "--workers", "2", "--store", "neo4j", "--neo4j-uri", f"bolt://127.0.0.1:{port}"],
    )
    assert res.exit_code != 0
    assert "unavailable" in res.output and f"127.0.0.1:{port}" in res.output


def _workers(parent: int) -> list[int]:
    """The worker processes of ``parent`` (not multiprocessing's resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"multiprocessing-fork" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def neo4j_uri():
    uri = server_uri()
    if not uri:
        pytest.skip("neo4j: set PRL_TEST_NEO4J_URI (scripts/neo4j-server start --port 17687 ...)")
    return uri


def _start(uri: str, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "prl.cli", "serve", "--store", "neo4j", "--neo4j-uri", uri]
        + ["--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = server.stdout.readline()  # printed once every worker listens
    assert banner.startswith(f"prl API on http://127.0.0.1:{port}/"), banner + server.stderr.read()
    assert f"{workers} workers" in banner
    return server, f"http://127.0.0.1:{port}"


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
        return r.status


def test_workers_share_the_port_and_stop_together(neo4j_uri):
    server, base = _start(neo4j_uri, 2)
    try:
        workers = _workers(server.pid)
        assert len(workers) == 2, workers
        paths = [f"{base}/health", f"{base}/v1/responsibility?q=%E8%AE%B8%E5%8F%AF"] * 40
        with ThreadPoolExecutor(16) as ex:
            assert set(ex.map(_get, paths)) == {200}
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) != 0
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers), "a worker outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()


def test_a_worker_that_dies_stops_the_server_with_the_reason(neo4j_uri):
    server, base = _start(neo4j_uri, 2)
    try:
        first, second = _workers(server.pid)
        os.kill(first, signal.SIGKILL)
        assert server.wait(timeout=60) == 1
        assert f"worker {first} stopped" in server.stderr.read()
        deadline = time.monotonic() + 30
        while _alive(second) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(second), "the other worker outlived the server"
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
