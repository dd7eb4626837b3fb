"""HTTP conventions every route follows, as one ASGI middleware (no per-request task or
thread, so the hot routes pay a header scan and a hash):

- ``HEAD`` is ``GET`` without the body;
- a request whose header block is larger than ``max_header_bytes`` is refused (431);
- ``GET`` answers carry a strong ``ETag`` (a hash of the representation), ``Cache-Control:
  no-cache`` (reuse after revalidation) and ``Vary: Accept`` (several routes negotiate), and
  an ``If-None-Match`` that matches gets ``304 Not Modified`` without a body;
- answers drawn from the store (``/v1/…``, ``/sparql``) carry ``Last-Modified``, the time of
  the store's last write, and an ``If-Modified-Since`` at or after it gets ``304`` (when the
  request has no ``If-None-Match``, which wins);
- a ``405`` names in ``Allow`` every method the path takes (not only those of the first
  route that matched it).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpConventions:
    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: list[tuple[re.Pattern[str], set[str]]] = (),  # type: ignore[assignment]
        max_header_bytes: int = 16 * 1024,
        modified: Callable[[], float | None] | None = None,
    ) -> None:
        self.app = app
        self.modified = modified  # the store's last write (POSIX time), for Last-Modified
        self.routes = list(routes)  # (path pattern, methods) of every route
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = sum(len(k) + len(v) + 4 for k, v in scope["headers"]) + len(
            scope.get("raw_path") or b""
        )
        if size > self.max_header_bytes:
            await _plain(send, 431, f"request headers over {self.max_header_bytes} bytes")
            return
        method = scope["method"]
        head = method == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        if scope["method"] != "GET":
            await self.app(scope, receive, self._allow(scope, send))
            return
        await self._get(scope, receive, send, head)

    def _allow(self, scope: Scope, send: Send) -> Send:
        """``send`` that rewrites the ``Allow`` header of a 405."""
        path = scope["path"]

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                methods: set[str] = set()
                for pattern, allowed in self.routes:
                    if pattern.match(path):
                        methods |= allowed
                if "GET" in methods:
                    methods.add("HEAD")
                headers = [(k, v) for k, v in message["headers"] if k.lower() != b"allow"]
                headers.append((b"allow", ", ".join(sorted(methods)).encode()))
                message = dict(message, headers=headers)
            await send(message)

        return wrapped

    async def _get(self, scope: Scope, receive: Receive, send: Send, head: bool) -> None:
        start: Message | None = None
        body = bytearray()
        streamed = False

        async def buffer(message: Message) -> None:
            nonlocal start, streamed
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            if streamed:
                await send(dict(message, body=b"") if head else message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body") and len(body) > _BUFFER:
                # too big to hash first: sent as it comes, without an ETag
                streamed = True
                await send(start)
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"" if head else bytes(body),
                        "more_body": True,
                    }
                )
                return
            if not message.get("more_body"):
                await self._finish(scope, send, start, bytes(body), head, self._stamp(scope))

        await self.app(scope, receive, buffer)

    def _stamp(self, scope: Scope) -> float | None:
        """The ``Last-Modified`` time of an answer drawn from the store (None: no header)."""
        if self.modified is None or not scope["path"].startswith(_FROM_STORE):
            return None
        return self.modified()

    @staticmethod
    async def _finish(
        scope: Scope, send: Send, start: Message, body: bytes, head: bool, stamp: float | None
    ) -> None:
        headers = list(start["headers"])
        names = {k.lower() for k, _ in headers}
        status = start["status"]
        if status == 200:
            etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
            if b"etag" not in names:
                headers.append((b"etag", etag.encode()))
            if b"cache-control" not in names:
                headers.append((b"cache-control", b"no-cache"))
            vary = [v for k, v in headers if k.lower() == b"vary"]
            if not any(b"accept" in [x.strip().lower() for x in v.split(b",")] for v in vary):
                headers = [(k, v) for k, v in headers if k.lower() != b"vary"]
                headers.append((b"vary", b", ".join([*vary, b"Accept"])))
            if stamp is not None and b"last-modified" not in names:
                headers.append((b"last-modified", formatdate(int(stamp), usegmt=True).encode()))
            if _matches(scope, etag) or _not_modified_since(scope, stamp):
                keep = {b"etag", b"cache-control", b"vary", b"last-modified"}
                await send(
                    {
                        "type": "http.response.start",
                        "status": 304,
                        "headers": [(k, v) for k, v in headers if k.lower() in keep],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await send(dict(start, headers=headers))
        await send({"type": "http.response.body", "body": b"" if head else body})


_BUFFER = 8 * 1024 * 1024  # answers up to this size are hashed for their ETag
_FROM_STORE = ("/v1/", "/sparql")  # the paths whose answers the store's last write dates


def _matches(scope: Scope, etag: str) -> bool:
    for k, v in scope["headers"]:
        if k == b"if-none-match":
            tags = [t.strip().removeprefix("W/") for t in v.decode("latin-1").split(",")]
            return "*" in tags or etag in tags
    return False


def _not_modified_since(scope: Scope, stamp: float | None) -> bool:
    """``If-Modified-Since`` at or after ``stamp`` (ignored beside ``If-None-Match``)."""
    if stamp is None:
        return False
    since = None
    for k, v in scope["headers"]:
        if k == b"if-none-match":
            return False
        if k == b"if-modified-since":
            since = v.decode("latin-1")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # not an HTTP date: the header is ignored (RFC 9110, 13.1.3)
    if when.tzinfo is None:
        return False
    return int(stamp) <= when.timestamp()


async def _plain(send: Send, status: int, text: str) -> None:
    body = json.dumps({"detail": text}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
