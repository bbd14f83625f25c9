"""The HTTP/1.1 protocol ``kzgraph serve`` speaks: uvicorn's httptools protocol, with h11's cap on
request heads.

uvicorn's httptools protocol (the C parser ``uvicorn[standard]`` picks) answers a cheap request
about 0.1–0.2 ms sooner than its h11 protocol here, a third of the Oxigraph server's whole time
for a lookup. But it takes a request head of any size, where h11 refuses one past 16 KiB. This
subclass keeps that cap, counted two ways:

- exactly, as the parser hands over each piece: the URL and every header field (name, value and
  their four bytes of separators) add up, and past ``MAX_HEAD_BYTES`` the request never reaches
  the app;
- as bytes arrive, for a piece that never ends (one endless header line, which the parser keeps
  to itself until its end): the reads in which the parser began or finished nothing but URL and
  header pieces add up, and past twice the cap the connection is refused. The margin leaves room
  for what the exact count leaves out (the request line's method and version, line ends, spaces
  around values), so this rule never refuses a head the first one accepts; it bounds the memory
  one head can take to about 32 KiB and a read.

Either way the client gets ``431 Request Header Fields Too Large`` (a short JSON error, as the
app's) and the connection is closed.

It also bounds the time a head may take, which uvicorn does not: a connection that has not sent
a whole request head within ``head_timeout`` seconds of its start (or of the request's first
byte, on a kept-alive connection) gets ``408 Request Timeout`` and is closed. Without it, clients
sending a head a byte at a time could hold every connection slot (``--max-connections``).
Between requests, uvicorn's keep-alive timeout closes idle connections.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CappedHttpToolsProtocol", "HEAD_TIMEOUT", "HTTP_PROTOCOL", "MAX_HEAD_BYTES",
           "http_protocol"]

MAX_HEAD_BYTES = 16 * 1024  # h11's own cap (its default max_incomplete_event_size)
HEAD_TIMEOUT = 10.0  # seconds, as Settings.header_timeout
_SEPARATORS = len(b": \r\n")  # around and after each header field
_STALLED_LIMIT = 2 * MAX_HEAD_BYTES  # raw bytes, see the module's docstring


class HeadTooLarge(Exception):
    """Raised inside a parser callback to stop parsing a head that went past the cap."""


def _refusal_bytes() -> bytes:
    body = json.dumps({"error": "header_too_large",
                       "message": f"the request's URL and header fields exceed {MAX_HEAD_BYTES} "
                                  "bytes"}).encode("ascii")
    return (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)) + body


REFUSAL = _refusal_bytes()


def _timeout_bytes() -> bytes:
    body = json.dumps({"error": "request_timeout",
                       "message": "the request's head (request line and headers) did not arrive "
                                  "in time"}).encode("ascii")
    return (b"HTTP/1.1 408 Request Timeout\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % len(body)) + body


TIMED_OUT = _timeout_bytes()


class CappedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing request heads over ``MAX_HEAD_BYTES`` (431) or
    slower than ``head_timeout`` seconds (408; 0: no limit)."""

    head_timeout: float = HEAD_TIMEOUT

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self._head_bytes = 0     # this message's URL and header fields, as parsed
        self._stalled_bytes = 0  # bytes of the last reads that only added to a URL or header
        self._progress = 0       # messages begun, heads and bodies read: anything but head pieces
        self._too_large = False
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        if self._head_timer is None and self.head_timeout > 0:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _head_arrived(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        if cycle is None or cycle.response_complete:  # never into the middle of another response
            self.transport.write(TIMED_OUT)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        progress = self._progress
        super().data_received(data)
        if self._progress != progress:
            self._stalled_bytes = 0
            return
        self._stalled_bytes += len(data)
        if self._stalled_bytes > _STALLED_LIMIT and not self.transport.is_closing():
            self._refuse()

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        self._progress += 1
        self._await_head()
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + _SEPARATORS)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._progress += 1
        self._head_arrived()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._progress += 1
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._progress += 1
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            # httptools turns a callback's exception into a parser error, which uvicorn answers
            # with send_400_response: that is where the 431 goes out instead.
            self._too_large = True
            raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._refuse()
        else:
            super().send_400_response(msg)

    def _refuse(self) -> None:
        self.logger.warning("Request head over %d bytes refused (431).", MAX_HEAD_BYTES)
        cycle = self.cycle
        if cycle is None or not cycle.response_started or cycle.response_complete:
            self.transport.write(REFUSAL)  # never into the middle of another response
        self.transport.close()


def http_protocol(head_timeout: float = HEAD_TIMEOUT) -> type[CappedHttpToolsProtocol]:
    """The protocol class for ``uvicorn.run(http=...)`` (it takes a class as well as a name),
    with this time limit on request heads."""
    if head_timeout == HEAD_TIMEOUT:
        return CappedHttpToolsProtocol
    return type("CappedHttpToolsProtocol", (CappedHttpToolsProtocol,), {"head_timeout": head_timeout})


# What uvicorn.run(http=...) is given by default.
HTTP_PROTOCOL = CappedHttpToolsProtocol
