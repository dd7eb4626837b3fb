"""The HTTP/1.1 protocol prl serves with: uvicorn's httptools protocol with a bound, in
bytes, on what a request may send before its header block ends.

httptools keeps an unfinished header in memory however long it grows (a 100 MB header
grew the server by 93 MB, for good); the ``HttpConventions`` middleware can refuse a large
header block only once it has been read whole. Here the bytes received while a request's
head is incomplete are counted, and past ``HEAD_LIMIT`` the connection gets ``431`` and is
closed, having kept at most that much (plus one read) in memory.
"""

from __future__ import annotations

import json

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: bytes of request line and headers read at most (the middleware's finer bound, 16 KiB by
#: default, answers first for anything under this)
HEAD_LIMIT = 64 * 1024


class BoundedHeadProtocol(HttpToolsProtocol):
    _head_bytes = 0
    _in_head = True

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > HEAD_LIMIT and not self.transport.is_closing():
            self.headers = []  # what the parser handed over so far goes at once
            body = json.dumps({"detail": f"request head over {HEAD_LIMIT} bytes"}).encode()
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: application/json\r\nconnection: close\r\n"
                b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            self.transport.close()


def config(app, **kwargs) -> uvicorn.Config:
    """uvicorn's configuration for ``app``: Python's own asyncio loop (uvloop served a
    saturated server unfairly, docs/performance.md) and the bounded protocol."""
    return uvicorn.Config(
        app, log_level="warning", loop="asyncio", http=BoundedHeadProtocol, **kwargs
    )
