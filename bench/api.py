"""Drive the API with wrk at concurrency 50 against each store and print requests/s, p50, p99.

Usage:
    python3 bench/api.py [--powers 100000] [--duration 30] [--neo4j-uri bolt://127.0.0.1:17687]

Generates the synthetic graph of ``bench/load.py`` (or reuses ``--nq FILE``), loads it into
the embedded store (and into Neo4j when a URI is given), serves the API with ``prl serve``
on 127.0.0.1 in a subprocess, and runs wrk (Debian package ``wrk``) twice per store: random
power lookups ``/v1/powers/{id}`` and random questions ``/v1/responsibility?q=…``. Only
loopback addresses are used; every run is bounded by ``--duration``.

On the embedded store it first times ``/health`` while four runaway SPARQL queries and a
``PUT`` of a large document (``--attack-powers`` powers) are in flight, and prints the
server's RSS.

Neo4j is served by ``--neo4j-workers`` API processes (``prl serve --workers``, default 3).
Give its server a page cache that holds the store, as for any Neo4j in use: after the load
the store files are about 1.3 GB (``NEO4J_PAGECACHE=2g scripts/neo4j-server start --port 17687
--data DIR``; the script's default of 256 MB is sized for the tests).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, unquote

from load import generate  # bench/load.py, beside this script

from prl.graph_api.store.neo4j.statements import Q_POWER_NAME
from prl.ontology.namespaces import POWER, RDFS_LABEL

LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 300) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"API at {url} did not become ready")


def sample_paths(nq: Path, n: int = 2000, seed: int = 11) -> tuple[list[str], list[str]]:
    """Power ids and questions (name fragments) picked from the N-Quads."""
    rng = random.Random(seed)
    names: dict[str, str] = {}
    pat = re.compile(rf'^<{re.escape(POWER)}([^>]+)> <{re.escape(RDFS_LABEL)}> "([^"]*)"@zh')
    with open(nq, encoding="utf-8") as f:
        for line in f:
            m = pat.match(line)
            if m:
                names[m.group(1)] = m.group(2)
    ids = rng.sample(sorted(names), min(n, len(names)))
    powers = [f"/v1/powers/{quote(i, safe='/')}" for i in ids]
    questions = []
    for i in ids:
        name = names[i]
        k = rng.choice([2, 4, 6, len(name)])
        start = rng.randrange(0, max(1, len(name) - k + 1))
        frag = name[start : start + k]
        q = rng.choice([frag, f"{frag}谁负责", f"{frag}依据什么法律"])
        questions.append("/v1/responsibility?q=" + quote(q) + "&limit=5")
    return powers, questions


def run_wrk(base: str, paths: list[str], duration: int, conns: int) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        plist = Path(tmp) / "paths.txt"
        plist.write_text("\n".join(paths) + "\n", encoding="utf-8")
        script = Path(tmp) / "paths.lua"
        script.write_text(LUA % (plist, 42), encoding="utf-8")
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{conns}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                str(script),
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": rps.group(1) if rps else "?",
        "p50": p50.group(1) if p50 else "?",
        "p99": p99.group(1) if p99 else "?",
        "requests": total.group(1) if total else "?",
        "errors": (non2xx.group(1) if non2xx else "0")
        + (f" (socket:{sock.group(1).strip()})" if sock else ""),
    }


def serve(serve_args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``prl serve`` on a free loopback port with ``env`` added to the environment, once it
    answers; the process and its base URL."""
    import os

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "prl.cli", "serve", "--port", str(port), *serve_args],
        env=dict(os.environ, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stderr is not None
    # the banner comes once every worker listens (several workers: each on its own socket, so
    # that connections opened before all listen would all go to the first)
    for line in server.stdout:
        if line.startswith("prl API on"):
            break
    else:
        raise SystemExit(f"prl serve {' '.join(serve_args)} stopped: {server.stderr.read()}")
    base = f"http://127.0.0.1:{port}"
    wait_ready(base)
    return server, base


def stop(server: subprocess.Popen) -> None:
    """Stop a server; one still busy (a PUT loading) after 60 s is killed, not waited for."""
    server.terminate()
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=60)


def start_server(serve_args: list[str], cache_bytes: int) -> tuple[subprocess.Popen, str]:
    # a TTL longer than one benchmark cycle, so that the second pass measures a warm cache
    server, base = serve(serve_args, {"PRL_CACHE_BYTES": str(cache_bytes), "PRL_CACHE_TTL": "3600"})
    run_wrk(base, ["/health"], 2, 2)  # warms the process, not the answers
    return server, base


def warm(base: str, paths: list[str]) -> float:
    """Request every path once (4 at a time), so that the next pass finds every answer cached."""
    from concurrent.futures import ThreadPoolExecutor

    def get(path: str) -> None:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            r.read()

    t = time.perf_counter()
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(get, paths))
    return time.perf_counter() - t


def bench_store(
    label: str,
    serve_args: list[str],
    powers: list[str],
    questions: list[str],
    duration: int,
    conns: int,
) -> None:
    """Per endpoint: answer cache off; cache on, from empty (cold); cache on after every path
    was requested once (warm: every answer cached, the steady state for repeated requests)."""
    runs = [("no cache", 0, ["off"]), ("cache", 1 << 30, ["cold", "warm"])]
    for mode, cache_bytes, passes in runs:
        server, base = start_server(serve_args, cache_bytes)
        try:
            for state in passes:
                name_mode = mode if state == "off" else f"cache, {state}"
                for name, paths in (
                    ("GET /v1/powers/{id}", powers),
                    ("GET /v1/responsibility", questions),
                ):
                    if state == "warm":
                        took = warm(base, paths)
                        print(f"  (warmed {len(paths)} paths in {took:.1f} s)", flush=True)
                    r = run_wrk(base, paths, duration, conns)
                    print(
                        f"{label:9} {name_mode:12} {name:24} c={conns} {duration}s: "
                        f"{r['rps']:>8} req/s  p50 {r['p50']:>8}  p99 {r['p99']:>8}  "
                        f"requests {r['requests']}  errors {r['errors']}",
                        flush=True,
                    )
        finally:
            server.terminate()
            server.wait(timeout=60)


#: the attack queries (data: query text lives in the store engines, tests/test_architecture.py)
QUERIES = json.loads((Path(__file__).parent / "attack_queries.json").read_text(encoding="utf-8"))
RUNAWAY = QUERIES["runaway"]


def rss_mb(pid: int) -> float:
    """Resident memory of a process (MB), from /proc."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def put_body(work: Path, powers: int) -> bytes:
    """A large list document for ``PUT``: the list documents of a synthetic graph of
    ``powers`` powers (another seed) as one, ``list/bench-put``."""
    from prl.ontology.namespaces import LIST

    path = work / f"put-{powers}.nq"
    if not path.exists():
        generate(path, powers, seed=99)
    doc = re.compile(rf"<{re.escape(LIST)}[^/>]+> \.$")
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        renamed, n = doc.subn(f"<{LIST}bench-put> .", line)
        if n:  # the list documents' statements only: a new list citing what the store has
            lines.append(renamed)
    return ("\n".join(lines) + "\n").encode()


def bench_under_attack(
    serve_args: list[str], body: bytes, duration: int, runaways: int = 4, put_too: bool = True
) -> None:
    """``/health`` latency (one request at a time, 20 a second) while four runaway SPARQL
    queries (from four loopback addresses, each sent again when it is stopped) and a large
    ``PUT`` (sent again when done) are in flight; the server's RSS before and after."""
    import http.client
    import threading

    token = "bench-token"
    server, base = serve(serve_args, {"PRL_API_TOKEN": token})
    port = int(base.rsplit(":", 1)[1])
    stop = threading.Event()
    tally: dict[str, list[int]] = {"sparql": [], "put": []}
    put_times: list[float] = []

    def conn(source: str, timeout: float = 600) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout, source_address=(source, 0)
        )

    def runaway(source: str) -> None:
        path = "/sparql?query=" + quote(RUNAWAY)
        while not stop.is_set():
            c = conn(source)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            tally["sparql"].append(r.status)
            c.close()

    def put() -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/n-quads"}
        while not stop.is_set():
            c = conn("127.0.0.6")
            t = time.perf_counter()
            c.request("PUT", "/v1/documents/bench-put", body=body, headers=headers)
            r = c.getresponse()
            r.read()
            put_times.append(time.perf_counter() - t)
            tally["put"].append(r.status)
            c.close()

    def health(seconds: float) -> list[float]:
        c = conn("127.0.0.7", 30)
        took = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            c.request("GET", "/health")
            c.getresponse().read()
            took.append((time.perf_counter() - t) * 1000)
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - t)))
        c.close()
        return took

    def line(label: str, took: list[float]) -> str:
        took = sorted(took)
        p = lambda q: took[min(len(took) - 1, int(q * len(took)))]  # noqa: E731
        return (
            f"oxigraph  /health {label:34} {len(took):5} requests  p50 {p(0.5):7.1f} ms  "
            f"p99 {p(0.99):7.1f} ms  max {took[-1]:7.1f} ms"
        )

    try:
        print(line("quiet", health(5)), f" RSS {rss_mb(server.pid):.0f} MB", flush=True)
        threads = [
            threading.Thread(target=runaway, args=(f"127.0.0.{i + 2}",)) for i in range(runaways)
        ]
        if put_too:
            threads.append(threading.Thread(target=put))
        what = " + ".join(
            ([f"{runaways} runaway SPARQL"] if runaways else []) + (["PUT"] if put_too else [])
        )
        for t in threads:
            t.start()
        time.sleep(1)
        took = health(duration)
        rss = rss_mb(server.pid)
        stop.set()
        for t in threads:
            t.join(300)
        if put_too:  # the store as it was, for what is measured next
            c = conn("127.0.0.6")
            c.request(
                "DELETE", "/v1/documents/bench-put", headers={"Authorization": f"Bearer {token}"}
            )
            c.getresponse().read()
            c.close()
        print(line(f"{what} in flight", took), f" RSS {rss:.0f} MB", flush=True)
        counts = {k: {s: v.count(s) for s in sorted(set(v))} for k, v in tally.items()}
        print(
            f"oxigraph  under attack: SPARQL answers {counts['sparql']}, PUT answers "
            f"{counts['put']} ({len(body) / 1e6:.0f} MB each, "
            f"{', '.join(f'{x:.1f}' for x in put_times)} s); RSS after {rss_mb(server.pid):.0f} MB",
            flush=True,
        )
    finally:
        stop(server)


def driver_ceiling(uri: str, iris: list[str]) -> None:
    """Reads/s of the Neo4j Python driver alone (not prl) for the cheapest read there is, one
    power's name by its indexed IRI, from 8 and 32 threads: the ceiling that any route making
    one Neo4j round trip per request stays under on this machine."""
    from concurrent.futures import ThreadPoolExecutor

    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=None) as driver:

        def read(iri: str) -> None:
            driver.execute_query(Q_POWER_NAME, iri=iri, routing_="r")

        for threads in (8, 32):
            with ThreadPoolExecutor(threads) as ex:
                list(ex.map(read, iris[:200]))
                t = time.perf_counter()
                list(ex.map(read, iris))
                took = time.perf_counter() - t
            print(
                f"neo4j     driver ceiling: {len(iris) / took:.0f} indexed one-row reads/s "
                f"from {threads} threads (the driver alone, no HTTP)",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--powers", type=int, default=100_000)
    ap.add_argument(
        "--nq", type=Path, default=None, help="reuse an N-Quads file from bench/load.py"
    )
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--neo4j-uri", default=None)
    ap.add_argument(
        "--neo4j-workers",
        type=int,
        default=3,
        help="API processes serving Neo4j (prl serve --workers; the embedded store has one)",
    )
    ap.add_argument(
        "--attack-powers",
        type=int,
        default=3_000,
        help="powers in the document PUT while /health is timed under attack (0: skip that; "
        "3,000 make 25 MB of N-Quads)",
    )
    ap.add_argument("--store", choices=["oxigraph", "neo4j"], help="only this store")
    ap.add_argument("--skip-load", action="store_true", help="the stores already hold the graph")
    ap.add_argument("--work", type=Path, default=None, help="folder for the graph and the store")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = args.work or Path(tempfile.mkdtemp(prefix="prl-bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    nq = args.nq or work / "synthetic.nq"
    if not nq.exists():
        t = time.perf_counter()
        stats = generate(nq, args.powers)
        print(f"generated {stats} in {time.perf_counter() - t:.1f} s", flush=True)
    powers, questions = sample_paths(nq)
    stores = [("oxigraph", ["--store", "oxigraph", "--data-dir", str(work / "oxigraph")])]
    if args.neo4j_uri:
        stores.append(("neo4j", ["--store", "neo4j", "--neo4j-uri", args.neo4j_uri]))
    if args.store:
        stores = [(label, serve) for label, serve in stores if label == args.store]
    for label, serve_args in stores:
        if not args.skip_load:
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "prl.cli", "load", "--no-validate", str(nq), *serve_args],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(f"{label}: loaded {nq.name} in {time.perf_counter() - t:.1f} s", flush=True)
        if label == "neo4j":
            iris = [POWER + unquote(p.rsplit("/powers/", 1)[1]) for p in powers]
            driver_ceiling(args.neo4j_uri, iris)
            serve_args = [*serve_args, "--workers", str(args.neo4j_workers)]
            print(f"neo4j     served by {args.neo4j_workers} API processes", flush=True)
        if label == "oxigraph" and args.attack_powers:
            body = put_body(work, args.attack_powers)
            for runaways, put_too in ((4, False), (0, True), (4, True)):
                bench_under_attack(serve_args, body, args.duration, runaways, put_too)
        bench_store(label, serve_args, powers, questions, args.duration, args.connections)


if __name__ == "__main__":
    main()
