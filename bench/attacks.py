"""The attacks of issue 13 against a running ``prl serve``, each a few requests on loopback:
the status each gets now, whether the server is still up, and its RSS after each.

Usage:
    python3 bench/attacks.py --data-dir STORE

Serves the embedded store in ``STORE`` (with an API token, for the write attacks) in a
subprocess, runs the attacks one after the other, prints one line per attack, and stops the
server. The write attacks use a document id of their own; each is refused, so the store is
left as it was.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).parent))
from api import QUERIES, RUNAWAY, rss_mb, serve, stop  # noqa: E402  (bench/api.py)

TOKEN = "attack-token"
LIST = "https://w3id.org/prl/id/list/"


class Server:
    def __init__(self, data_dir: Path) -> None:
        serve_args = ["--store", "oxigraph", "--data-dir", str(data_dir)]
        self.process, base = serve(serve_args, {"PRL_API_TOKEN": TOKEN})
        self.port = int(base.rsplit(":", 1)[1])

    def request(self, method: str, path: str, body: bytes | None = None, headers=None,
                source: str = "127.0.0.1", timeout: float = 120):  # fmt: skip
        c = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0)
        )
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, dict(r.getheaders()), data
        finally:
            c.close()

    def alive(self) -> bool:
        try:
            return self.request("GET", "/health", timeout=10)[0] == 200
        except OSError:
            return False

    def rss(self) -> float:
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        stop(self.process)


def sparql(q: str, **params) -> str:
    return "/sparql?" + urlencode({"query": q, **params})


def listener() -> tuple[int, list[bytes], socket.socket]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    hits: list[bytes] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            hits.append(conn.recv(1024))
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()[1], hits, srv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, required=True)
    args = ap.parse_args()
    s = Server(args.data_dir)
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/n-quads"}
    rows: list[tuple[str, str]] = []

    def report(name: str, outcome: str) -> None:
        up = "up" if s.alive() else "DOWN"
        line = f"{name:58} {outcome:44} server {up}, RSS {s.rss():5.0f} MB"
        print(line, flush=True)
        rows.append((name, outcome))

    try:
        report("(start)", "-")
        nested = QUERIES["nested_head"] + "{" * 3000 + "}" * 3000
        st, _, body = s.request("GET", sparql(nested))
        report("GET /sparql, 3,000 nested braces (6 KB)", f"{st} {body[:40].decode()!r}")

        port, hits, srv = listener()
        for label, q in (
            ("SERVICE", QUERIES["service"].format(port=port)),
            ("SERVICE behind an escaped \\#", QUERIES["service_escaped_hash"].format(port=port)),
            ("SERVICE inside 1<2 … 2>1", QUERIES["service_comparison_pair"].format(port=port)),
            ("LOAD (an update)", QUERIES["load"].format(port=port)),
        ):  # fmt: skip
            st, _, _ = s.request("GET", sparql(q))
            time.sleep(0.3)
            report(f"GET /sparql, {label}", f"{st}, listener got {len(hits)} connections")
        srv.close()

        t = time.perf_counter()
        st, _, _ = s.request("GET", sparql(RUNAWAY))
        took = time.perf_counter() - t
        st2, _, _ = s.request("GET", sparql("ASK {}"))
        report("runaway query (timeout 5 s)", f"{st} after {took:.1f} s; next query {st2}")

        codes: list[int] = []

        def runaway(source: str) -> None:
            codes.append(s.request("GET", sparql(RUNAWAY), source=source)[0])

        threads = [threading.Thread(target=runaway, args=("127.0.0.9",)) for _ in range(4)]
        for th in threads:
            th.start()
        time.sleep(1)
        other = s.request("GET", sparql("ASK {}"), source="127.0.0.10")[0]
        for th in threads:
            th.join(60)
        report("4 runaway queries from one client", f"{sorted(codes)}; another client {other}")

        codes = []
        threads = [threading.Thread(target=runaway, args=(f"127.0.1.{i}",)) for i in range(1, 5)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        st2 = s.request("GET", sparql("ASK {}"))[0]
        report("4 runaway queries from 4 clients", f"{sorted(codes)}; next query {st2}")

        for i in range(2000):
            s.request("GET", "/v1/responsibility?" + urlencode({"q": f"许可{i}谁负责"}))
        report("2,000 distinct questions", "answers 200; cache bounded (64 MiB)")

        big = QUERIES["cross_product"]
        st, headers, body = s.request("GET", sparql(big))
        trunc = headers.get("prl-truncated", "-")
        report("600-character cross product of article texts",
               f"{st}, {len(body) / 1e6:.1f} MB, Prl-Truncated {trunc}")  # fmt: skip

        st, _, _ = s.request("GET", sparql(QUERIES["count_nonexistent"]))
        _, _, body = s.request("GET", sparql(QUERIES["count_nonexistent"]))
        n = re.search(rb'"value":\s*"(\d+)"', body)
        report("COUNT(*) FROM <urn:nonexistent>", f"{st}, n = {n.group(1).decode() if n else '?'}")

        st, headers, _ = s.request(
            "POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"}
        )
        report("direct POST (application/sparql-query)", f"{st} {headers.get('content-type')}")
        st, _, _ = s.request(
            "POST", "/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"}
        )
        report("POST application/sparql-update", str(st))
        st, headers, _ = s.request(
            "GET", sparql("ASK {}"), headers={"Accept": "application/sparql-results+xml"}
        )
        report("Accept: application/sparql-results+xml", f"{st} {headers.get('content-type')}")
        st, _, _ = s.request("GET", sparql("ASK {}"), headers={"Accept": "image/png"})
        report("Accept: image/png", str(st))

        st = raw_header(s.port, 100 * 1024 * 1024)
        report("a 100 MB request header", st)

        doc = "attack-doc"
        other_graph = f"<{LIST}someone-else> ."
        body = f'<{LIST}{doc}> <http://www.w3.org/2000/01/rdf-schema#label> "x" {other_graph}\n'
        st, _, data = s.request("PUT", f"/v1/documents/{doc}", body.encode(), auth)
        report("PUT /v1/documents/{id} with another document's graph",
               f"{st} {data[:60].decode()!r}")  # fmt: skip
        st = upload(s.port, f"/v1/documents/{doc}", 210 * 1024 * 1024, auth)
        report("PUT 210 MB", st)
        st, _, _ = s.request("PUT", f"/v1/documents/{doc}", b"<a> <b> <c> <d> .\n", {})
        report("PUT without a token", str(st))

        st, headers, _ = s.request("GET", "/docs")
        st2, _, js = s.request("GET", "/static/docs/swagger-ui-bundle.js")
        report("/docs offline", f"{st}; its script {st2} ({len(js) / 1e6:.1f} MB from here)")
        st, headers, _ = s.request("GET", "/health", headers={"Origin": "https://example.org"})
        report("CORS read", f"{st} allow-origin {headers.get('access-control-allow-origin')}")
        st, headers, _ = s.request("OPTIONS", f"/v1/documents/{doc}", headers={
            "Origin": "https://example.org", "Access-Control-Request-Method": "PUT"})  # fmt: skip
        report("CORS preflight for a write", str(st))
    finally:
        s.stop()


def raw_header(port: int, size: int) -> str:
    """Send a request whose one header is ``size`` bytes; the status, or what happened."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as c:
        c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = 0
        chunk = b"a" * (1 << 20)
        try:
            while sent < size:
                c.sendall(chunk)
                sent += len(chunk)
            c.sendall(b"\r\n\r\n")
        except OSError as e:
            answer = _status(c)
            return f"{answer or 'no answer'}; connection closed after {sent / 1e6:.0f} MB ({e.strerror})"
        return _status(c) or "no answer"


def upload(port: int, path: str, size: int, headers: dict) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
        head = f"PUT {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        c.sendall(head.encode())
        sent = 0
        try:
            while sent < size:
                c.sendall(b"a" * (1 << 20))
                sent += 1 << 20
        except OSError:
            pass
        return f"{_status(c) or 'no answer'} (sent {sent / 1e6:.0f} MB before the answer)"


def _status(c: socket.socket) -> str:
    try:
        data = c.recv(200)
    except OSError:
        return ""
    m = re.match(rb"HTTP/1.1 (\d+)", data)
    return m.group(1).decode() if m else ""


if __name__ == "__main__":
    main()
