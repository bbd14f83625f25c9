"""Encoding abuse: invalid UTF-8, UTF-16, NUL bytes, overlong and broken percent-encoding, odd
charsets and mixed parameter repetition get a 4xx with a JSON message, never a 5xx or a crash.
(The basic misuses are in tests/web/test_sparql_safety.py::test_protocol_misuse_gets_a_clear_4xx.)"""

from __future__ import annotations

import socket

import pytest

from .conftest import answers_normally

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"

RAW_QUERIES = [  # percent-encoded query strings, as a client could send them
    "query=%C0%AF", "query=%E0%80%AF", "query=%F0%80%80%AF", "query=%ED%A0%80", "query=%ff%fe",
    "query=%00", "query=ASK%20%7B%7D%00", "query=%", "query=%ZZ", "query=ASK%20%7B%7D%2",
    "query=ASK+%7B%7D&query=ASK+%7B%7D", "query=ASK+%7B%7D&Query=x&QUERY=y&query=",
    "query=ASK+%7B%7D&update=CLEAR+ALL", "update=CLEAR+ALL&query=ASK+%7B%7D",
    "query=ASK+%7B%7D&format=json&format=%00", "query=ASK+%7B%7D&format=%C0%AF",
    "query=ASK+%7B%7D&default-graph-uri=%00", "query=ASK+%7B%7D&named-graph-uri=%ff",
    "query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%22%5Cu0000%22%20%7D%00",
]


@pytest.mark.parametrize("raw", RAW_QUERIES)
def test_broken_query_strings_get_a_4xx(http, raw):
    response = http.get(f"/sparql?{raw}", headers={"Accept": "application/sparql-results+json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]


@pytest.mark.parametrize("content_type,body", [
    (DIRECT, b"ASK { \xc3\x28 }"),                      # invalid UTF-8
    (DIRECT, b"ASK {\xc0\xaf}"),                        # overlong UTF-8
    (DIRECT, b"ASK { \xed\xa0\x80 }"),                  # an encoded surrogate
    (DIRECT, "ASK {}".encode("utf-16-le")),             # UTF-16 without BOM or charset
    (DIRECT, b"\xef\xbb\xbf\xef\xbb\xbfASK {}"),         # doubled BOM
    (DIRECT, b"ASK {}\x00\x00\x00"),                   # NULs
    (DIRECT + "; charset=utf-16", "ASK {}".encode("utf-16")),
    (DIRECT + "; charset=latin1", b"ASK {}"),
    (DIRECT + '; charset="', b"ASK {}"),
    (FORM, b"query=ASK+%7B%7D\xff"),
    (FORM, b"query=%C0%AF"),
    (FORM, "query=ASK {}".encode("utf-16")),
    (FORM + "; charset=utf-32", b"query=ASK+%7B%7D"),
    (FORM, b"query=ASK+%7B%7D&query=ASK+%7B%7D"),
    (FORM, b"query=ASK+%7B%7D&update=CLEAR+ALL"),
    (FORM, b"\x00=\x00&query"),
    (FORM, b"&&&=&="),
    ("application/sparql-update", b"CLEAR ALL\xff"),
    ("text/plain; charset=utf-8", b"ASK {}"),
    (";;;", b"ASK {}"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=query"
                                        b"\r\n\r\nASK {}\r\n--x--\r\n"),
])
def test_broken_bodies_get_a_4xx(http, content_type, body):
    response = http.post("/sparql", content=body, headers={
        "Content-Type": content_type, "Accept": "application/sparql-results+json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["message"]


def test_query_in_the_url_and_in_the_body_is_refused(http):
    response = http.post("/sparql?query=ASK%7B%7D", content=b"query=ASK%7B%7D",
                         headers={"Content-Type": FORM})
    assert response.status_code == 400 and "got 2" in response.json()["message"]


@pytest.mark.parametrize("head", [
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: a\x00b\r\n\r\n",
    b"GET /sparql?query=ASK\x00%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sparql?query=ASK\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: -5\r\n\r\nASK {}",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Content-Length: 6\r\nContent-Length: 7\r\n\r\nASK {}",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nASK {}\r\n0\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX: " + b"y" * 1_000_000 + b"\r\n\r\n",
])
def test_malformed_http_gets_a_4xx_and_the_server_stays_up(public_server, http, head):
    with socket.create_connection(("127.0.0.1", public_server.port)) as sock:
        sock.settimeout(10)
        sock.sendall(head)
        answer = sock.recv(200)
    assert answer.startswith(b"HTTP/1.1 4"), answer
    assert answers_normally(http)
