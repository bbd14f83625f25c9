"""The HTTP protocol kzgraph serves with: httptools, with h11's 16 KiB cap on request heads kept.

A small echo app behind the protocol, talked to over raw sockets on loopback, so that each test
controls exactly which bytes are sent and how they are split."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from kzgraph.web.protocol import HTTP_PROTOCOL, MAX_HEAD_BYTES, CappedHttpToolsProtocol, http_protocol

from ..conftest import LiveServer

# What the exact count adds for "GET /echo HTTP/1.1\r\nHost: x\r\nX: <value>\r\n\r\n", besides
# the value: the URL, and each header's name, value and four bytes of separators.
OVERHEAD = len("/echo") + (len("Host") + len("x") + 4) + (len("X") + 4)


async def echo(scope, receive, send) -> None:
    """Answers with how many header fields and body bytes it was given."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = json.dumps({"headers": len(scope["headers"]), "body": size, "path": scope["path"]})
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body.encode()})


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(echo) as running:
        yield running


def exchange(server: LiveServer, *pieces: bytes, pause: float = 0.0) -> bytes:
    """Send ``pieces`` (pausing between them, so they arrive as separate reads), then read the
    answer until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(10)
        try:
            for piece in pieces:
                sock.sendall(piece)
                time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the client finished: the answer is already there
        answer = b""
        sock.settimeout(1)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def head_with_value(size: int) -> bytes:
    return b"GET /echo HTTP/1.1\r\nHost: x\r\nX: " + b"v" * size + b"\r\n\r\n"


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_serve_uses_the_capped_httptools_protocol():
    assert HTTP_PROTOCOL is CappedHttpToolsProtocol


def test_a_head_at_the_cap_is_served(server):
    answer = exchange(server, head_with_value(MAX_HEAD_BYTES - OVERHEAD))
    assert status(answer) == 200 and b'"headers": 2' in answer


def test_a_head_one_byte_over_the_cap_gets_431_and_the_connection_closes(server):
    answer = exchange(server, head_with_value(MAX_HEAD_BYTES - OVERHEAD + 1))
    assert status(answer) == 431, answer[:200]
    assert b"connection: close" in answer
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body["error"] == "header_too_large" and str(MAX_HEAD_BYTES) in body["message"]


def test_many_small_headers_over_the_cap_get_431(server):
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"v" * 90) for i in range(200))  # ~20 KiB
    answer = exchange(server, b"GET /echo HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert status(answer) == 431


def test_a_url_over_the_cap_gets_431_even_sent_in_small_pieces(server):
    url = b"/echo?q=" + b"a" * MAX_HEAD_BYTES
    request = b"GET " + url + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    pieces = [request[i:i + 1024] for i in range(0, len(request), 1024)]
    assert status(exchange(server, *pieces, pause=0.005)) == 431


def test_a_header_line_that_never_ends_is_refused_before_it_does(server):
    """The parser keeps an unfinished header to itself: counted as it arrives, and refused
    long before the 1 MiB the client means to send."""
    start = b"GET /echo HTTP/1.1\r\nHost: x\r\nX: "
    pieces = [start] + [b"v" * 4096] * 256
    answer = exchange(server, *pieces, pause=0.002)
    assert status(answer) == 431


def test_a_head_just_under_the_cap_in_many_reads_is_served(server):
    request = head_with_value(MAX_HEAD_BYTES - OVERHEAD)
    pieces = [request[i:i + 512] for i in range(0, len(request), 512)]
    assert status(exchange(server, *pieces, pause=0.002)) == 200


def test_bodies_do_not_count_as_head(server):
    """A body of any size (the app's own limits apply to it) is not a head: sent at once, in
    small reads, or chunked."""
    body = b"q" * 200_000
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
    answer = exchange(server, head + body)
    assert status(answer) == 200 and b'"body": 200000' in answer
    pieces = [head] + [body[i:i + 2048] for i in range(0, len(body), 2048)]
    assert b'"body": 200000' in exchange(server, *pieces, pause=0.001)
    chunked = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = [b"%x\r\n%s\r\n" % (1000, b"c" * 1000)] * 40 + [b"0\r\n\r\n"]
    assert b'"body": 40000' in exchange(server, chunked, *chunks, pause=0.001)


def test_keep_alive_requests_each_get_their_own_budget(server):
    """Several heads near the cap on one connection, pipelined in one write: each is counted on
    its own, and each is answered."""
    request = head_with_value(MAX_HEAD_BYTES - OVERHEAD)
    answer = exchange(server, request * 3)
    assert answer.count(b"HTTP/1.1 200") == 3


def test_the_server_still_answers_after_refusals(server):
    exchange(server, head_with_value(3 * MAX_HEAD_BYTES))
    assert status(exchange(server, head_with_value(10))) == 200


# --- the time a request head may take ----------------------------------------------------------

HEAD_LIMIT = 1.0


@pytest.fixture(scope="module")
def timed_server() -> Iterator[LiveServer]:
    with LiveServer(echo, http=http_protocol(HEAD_LIMIT)) as running:
        yield running


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """What the server sends until it closes, and when it closed (seconds from now)."""
    started, answer = time.monotonic(), b""
    sock.settimeout(limit)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return answer, time.monotonic() - started


def test_a_head_that_never_ends_gets_408_and_the_connection_closes(timed_server):
    with socket.create_connection(("127.0.0.1", timed_server.port)) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\nX: ")
        for _ in range(3):  # a byte now and then keeps no connection open past the limit
            time.sleep(HEAD_LIMIT / 3)
            sock.sendall(b"v")
        answer, closed_after = read_until_closed(sock, 5 * HEAD_LIMIT)
    assert status(answer) == 408 and b'"request_timeout"' in answer
    assert closed_after < 2 * HEAD_LIMIT


def test_a_connection_that_sends_nothing_is_closed_after_the_limit(timed_server):
    with socket.create_connection(("127.0.0.1", timed_server.port)) as sock:
        answer, closed_after = read_until_closed(sock, 5 * HEAD_LIMIT)
    assert status(answer) == 408 and HEAD_LIMIT * 0.8 < closed_after < 3 * HEAD_LIMIT


def test_the_limit_counts_from_each_requests_first_byte_on_a_kept_alive_connection(timed_server):
    """Idle time between requests is the keep-alive timeout's business, not the head's."""
    request = b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", timed_server.port)) as sock:
        sock.settimeout(5)
        sock.sendall(request)
        first = sock.recv(65536)
        time.sleep(1.5 * HEAD_LIMIT)  # longer than the head limit, shorter than keep-alive (5 s)
        sock.sendall(request[:10])
        time.sleep(HEAD_LIMIT / 2)
        sock.sendall(request[10:])
        second = sock.recv(65536)
    assert status(first) == 200 and status(second) == 200


def test_a_slow_body_is_not_a_slow_head(timed_server):
    body = b"x" * 30
    with socket.create_connection(("127.0.0.1", timed_server.port)) as sock:
        sock.settimeout(10)
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n")
        for start in range(0, 30, 10):
            time.sleep(HEAD_LIMIT / 2)
            sock.sendall(body[start:start + 10])
        answer = sock.recv(65536)
    assert status(answer) == 200 and json.loads(answer.split(b"\r\n\r\n", 1)[1])["body"] == 30


def test_no_limit_with_zero():
    with LiveServer(echo, http=http_protocol(0)) as server, \
            socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\n")
        time.sleep(1.5)
        sock.sendall(b"Host: x\r\n\r\n")
        sock.settimeout(5)
        assert status(sock.recv(65536)) == 200
