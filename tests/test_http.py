"""HTTP conventions of the API, on both stores: HEAD, ETag and 304, Vary, gzip, CORS for reads
only, a correct Allow on 405, and limits in bytes (431 for headers, 413 for uploads)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from prl.graph_api.settings import Settings
from prl.graph_api.web.app import create_app
from tests.conftest import BACKENDS, make_store

TOKEN = "t0ken"


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, small_nq, tmp_path_factory):
    store = make_store(request.param, tmp_path_factory.mktemp(request.param))
    store.load_nquads(small_nq)
    settings = Settings(store=store.kind, api_token=TOKEN, max_upload_bytes=4096)
    with TestClient(create_app(settings, store)) as c:
        yield c
    store.close()


def some_power(client) -> str:
    return client.get("/v1/powers", params={"page_size": 1}).json()["items"][0]["id"]


def test_head_is_get_without_the_body(client):
    for path in ("/health", "/v1/powers", f"/v1/powers/{some_power(client)}"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["etag"] == get.headers["etag"]
        assert head.headers["content-length"] == get.headers["content-length"]


def test_etag_and_304(client):
    path = f"/v1/powers/{some_power(client)}"
    r = client.get(path)
    tag = r.headers["etag"]
    assert r.headers["cache-control"] == "no-cache" and "Accept" in r.headers["vary"]
    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.headers["etag"] != tag  # another representation, another tag


def test_gzip_when_asked(client):
    r = client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    plain = client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json()["openapi"]
    assert r.json() == plain.json()  # the client decoded it


def test_cors_for_reads_only(client):
    r = client.get("/v1/powers", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    ok = client.options(
        "/v1/powers",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert ok.status_code == 200 and "GET" in ok.headers["access-control-allow-methods"]
    for method in ("PUT", "DELETE"):
        no = client.options(
            "/v1/documents/x",
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": method},
        )
        assert no.status_code == 400
        assert method not in no.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/sparql", "GET, HEAD, POST"),
        ("DELETE", "/v1/powers", "GET, HEAD"),
        ("POST", "/v1/documents/x", "DELETE, PUT"),
    ],
)
def test_405_names_every_method_of_the_path(client, method, path, allow):
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow


def test_limits_in_bytes(client):
    r = client.get("/health", headers={"X-Padding": "a" * 20_000})
    assert r.status_code == 431
    big = b"<urn:s> <urn:p> <urn:o> <urn:g> .\n" * 200  # over the 4,096-byte test limit
    r = client.put("/v1/documents/x", content=big, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 413 and "4096 bytes" in r.json()["detail"]
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_work_offline(client, page):
    """Every script, style and icon the documentation pages load comes from this server (an
    intranet has no CDN), and each of them is served."""
    import re

    html = client.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']+)["\']', html.text)
    refs += re.findall(r'url:\s*["\']([^"\']+)["\']', html.text)  # Swagger UI's spec
    refs += re.findall(r'spec-url\s*=\s*["\']([^"\']+)["\']', html.text)  # ReDoc's spec
    assert len(refs) >= 2, refs
    for ref in refs:
        assert not re.match(r"(?i)^(https?:)?//", ref), f"{page} loads {ref} from elsewhere"
        r = client.get(ref)
        assert r.status_code == 200 and len(r.content) > 100, (ref, r.status_code)
    assert "fonts.googleapis" not in html.text and "cdn.jsdelivr" not in html.text


def test_reports_are_rate_limited_per_client(client):
    store = client.app.state.store
    settings = Settings(store=store.kind, report_rate=0.01, report_burst=2)
    app = create_app(settings, store)
    one, two = TestClient(app, client=("192.0.2.1", 1)), TestClient(app, client=("192.0.2.2", 1))
    codes = [one.get("/v1/reports/citations").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    r = one.get("/v1/reports/citations")
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 1
    assert two.get("/v1/reports/citations").status_code == 200


def test_last_modified_and_if_modified_since(client):
    from email.utils import formatdate, parsedate_to_datetime

    path = f"/v1/powers/{some_power(client)}"
    client.get("/health")  # Neo4j learns the last write's time with its version check
    client.get("/v1/powers", params={"q": "科技"})
    r = client.get(path)
    stamp = parsedate_to_datetime(r.headers["last-modified"]).timestamp()
    store_time = client.app.state.store.modified()
    assert store_time is not None and int(store_time) == stamp
    later = formatdate(stamp + 10, usegmt=True)
    again = client.get(path, headers={"If-Modified-Since": later})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["last-modified"] == r.headers["last-modified"]
    earlier = formatdate(stamp - 10, usegmt=True)
    assert client.get(path, headers={"If-Modified-Since": earlier}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "yesterday"}).status_code == 200
    # If-None-Match wins: a tag that does not match is a 200, whatever the date says
    both = {"If-Modified-Since": later, "If-None-Match": '"other"'}
    assert client.get(path, headers=both).status_code == 200
    assert "last-modified" not in client.get("/openapi.json").headers  # not from the store


def test_a_write_moves_last_modified(client):
    import time

    before = client.app.state.store.modified()
    time.sleep(1.1)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    doc = "test-last-modified"
    body = (
        f"<https://w3id.org/prl/id/list/{doc}> <http://www.w3.org/2000/01/rdf-schema#label> "
        f'"x" <https://w3id.org/prl/id/list/{doc}> .\n'
    ).encode()
    assert client.put(f"/v1/documents/{doc}", content=body, headers=auth).status_code == 200
    client.get("/v1/powers", params={"q": "科技"})  # Neo4j: the next version check
    after = client.app.state.store.modified()
    assert client.delete(f"/v1/documents/{doc}", headers=auth).status_code == 200
    assert after is not None and (before is None or after > before)


def test_distinct_questions_cannot_grow_the_cache_past_its_bytes(client):
    """The attack: many distinct questions, each answer kept. The cache stays in its bound."""
    store = client.app.state.store
    bound = 256 * 1024
    app = create_app(Settings(store=store.kind, cache_bytes=bound), store)
    with TestClient(app) as c:
        sizes = 0
        for i in range(200):
            r = c.get("/v1/responsibility", params={"q": f"科技{i}项目谁负责", "limit": 10})
            assert r.status_code == 200
            sizes += len(r.content)
        assert sizes > 2 * bound  # the answers would not all fit
        assert 0 < app.state.cache.bytes <= bound and len(app.state.cache) < 200


def test_a_huge_header_is_cut_off_at_the_protocol(client):
    """Served as ``prl serve`` serves (uvicorn with prl's protocol): a header that never ends
    gets 431 once 64 KiB are in, and the connection closes; the rest is never read."""
    import socket
    import threading
    import time

    import uvicorn

    from prl.graph_api.web.protocol import HEAD_LIMIT, config

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(config(client.app, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ")
            sent = 0
            try:
                while sent < 50 * 1024 * 1024:
                    c.sendall(b"a" * 65536)
                    sent += 65536
            except OSError:
                pass
            answer = c.recv(200)
        assert answer.startswith(b"HTTP/1.1 431"), answer
        assert sent < 50 * 1024 * 1024  # refused long before the end
        import http.client

        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        plain.request("GET", "/health", headers={"X-Fine": "a" * 8000})
        assert plain.getresponse().status == 200
        plain.close()
        mid = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mid.request("GET", "/health", headers={"X-Big": "a" * (HEAD_LIMIT // 2)})
        r = mid.getresponse()
        assert r.status == 431 and b"16384" in r.read()  # the middleware's finer bound
        mid.close()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
