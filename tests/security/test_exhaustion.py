"""Resource exhaustion: each hostile query or request ends within its limit with the documented
status, and the server then answers a normal query correctly."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest

from ..conftest import LiveServer
from .conftest import answers_normally, public_app

TIMEOUT = 2.0  # the query timeout of the server below
LIMITS = dict(query_timeout=TIMEOUT, max_query_length=100_000, max_body_bytes=1_000_000,
              max_result_bytes=5_000_000)


@pytest.fixture(scope="module")
def bounded(dataset):
    with LiveServer(public_app(dataset, **LIMITS)) as server, \
            httpx.Client(base_url=server.url, timeout=60) as client:
        yield server, client


ROW = "[?p " * 100  # 100 nested blank-node property lists


@pytest.mark.parametrize("name,text,status,error", [
    ("cross join", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
     503, "timeout"),
    ("regex backtracking", 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c '
     'FILTER(REGEX(CONCAT(STR(?o), STR(?c), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), "^(a+)+$")) }',
     (200, 503), None),  # Oxigraph's regex engine is linear-time: no catastrophic backtracking
    ("regex too big to compile", 'ASK { ?s ?p ?o FILTER(REGEX(STR(?o), "((a{100}){100}){100}")) }',
     200, None),
    ("unbounded property path", "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:x>|!<urn:x>)* ?o . "
     "?o (<urn:x>|!<urn:x>)* ?z . ?z (<urn:x>|!<urn:x>)* ?w }", 503, "timeout"),
    ("huge VALUES", "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?x { "
     + " ".join(f"<urn:{i}>" for i in range(9000)) + " } ?x ?p ?o . ?a ?b ?c }", 200, None),
    ("deep groups", "SELECT * WHERE " + "{ " * 1000 + "?s ?p ?o" + " }" * 1000, 413,
     "payload_too_large"),
    ("deep subqueries", "SELECT * WHERE { " + "{ SELECT * WHERE " * 70 + "{ ?s ?p ?o }"
     + " }" * 70 + " }", 413, "payload_too_large"),
    ("deep blank nodes", "SELECT * WHERE { ?s ?p " + ROW + "?o" + " ]" * 100 + " }", 413,
     "payload_too_large"),
    ("long run of !", "ASK { FILTER(" + "!" * 20_000 + "true) }", 413, "payload_too_large"),
    ("deep parentheses", "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", 413,
     "payload_too_large"),
    ("union fan-out", "SELECT * WHERE { {?s ?p ?o}" + " UNION {?s ?p ?o}" * 3000 + " }", 413,
     "result_too_large"),
    ("very long IRI", "SELECT * WHERE { <http://x/" + "a" * 99_000 + "> ?p ?o }", 200, None),
    ("over-long query", "ASK {} #" + "x" * 200_000, 413, "payload_too_large"),
])
def test_hostile_query_ends_within_its_limit(bounded, name, text, status, error):
    server, client = bounded
    started = time.monotonic()
    response = client.post("/sparql", data={"query": text},
                           headers={"Accept": "application/sparql-results+json"})
    elapsed = time.monotonic() - started
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), \
        (name, response.text[:300])
    if error:
        assert response.json()["error"] == error
    assert elapsed < TIMEOUT + 3, (name, elapsed)
    assert answers_normally(client)


def test_ten_megabyte_query_strings_are_refused_in_every_form(bounded):
    server, client = bounded
    big = "ASK {} #" + "x" * 10_000_000
    direct = client.post("/sparql", content=big.encode(),
                         headers={"Content-Type": "application/sparql-query"})
    form = client.post("/sparql", data={"query": big})
    assert (direct.status_code, form.status_code) == (413, 413)
    assert raw_exchange(server.port, b"GET /sparql?query=" + b"x" * 10_000_000
                        + b" HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 4")
    assert answers_normally(client)


def raw_exchange(port: int, data: bytes, wait: float = 30) -> bytes:
    """Send ``data`` while reading: the server may answer (and close) before it has all of it."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(wait)
        sender = threading.Thread(target=lambda: _send_quietly(sock, data), daemon=True)
        sender.start()
        try:
            return sock.recv(200)
        except ConnectionResetError:
            return b"reset"


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server answered and closed first


def test_a_slow_loris_body_gets_408_after_the_limit(bounded):
    server, client = bounded
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(TIMEOUT + 10)
        started = time.monotonic()
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                     b"\r\nContent-Length: 100\r\n\r\nASK")  # ...and the other 97 bytes never come
        answer = sock.recv(500)
        elapsed = time.monotonic() - started
        while b"}" not in answer and (more := sock.recv(500)):
            answer += more  # the JSON body may come in a packet of its own
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert b"request_timeout" in answer
    assert TIMEOUT - 0.5 < elapsed < TIMEOUT + 3
    assert answers_normally(client)


def test_a_trickling_body_is_cut_at_the_same_limit(bounded):
    server, client = bounded
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(TIMEOUT + 10)
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                     b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        started = time.monotonic()
        answer = b""
        while not answer and time.monotonic() - started < TIMEOUT + 5:
            try:
                sock.sendall(b"1\r\n \r\n")  # one byte every 0.2 s, for ever
                sock.settimeout(0.2)
                answer = sock.recv(500)
            except TimeoutError:
                continue
            except OSError:
                break
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert answers_normally(client)
