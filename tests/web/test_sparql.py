"""Reading a protocol request: the URL's parameters, the endpoint's own URL, the negotiated
format."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service


def scope(headers=(), **fields) -> dict:
    return {"type": "http", "scheme": "http", "server": ("127.0.0.1", 8000), "path": "/sparql",
            "root_path": "", "query_string": b"", "headers": list(headers), **fields}


def test_the_endpoint_url_in_the_service_description_is_the_one_the_client_used(client):
    description = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "example.org:8770"})
    assert description.status_code == 200 and "<http://example.org:8770/sparql>" in description.text


def raw_get(server_url: str, target: bytes) -> tuple[int, bytes]:
    """A GET whose request target is sent as is (httpx would encode or cut it)."""
    host, port = server_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() +
                           b"\r\nAccept: application/sparql-results+json\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_a_fragment_in_the_request_target_is_not_part_of_the_query(live_server):
    status, body = raw_get(live_server.url, b"/sparql?query=ASK%7B%7D#&query=ASK%7B%7D")
    assert status == 200 and b'"boolean"' in body


def test_the_same_accept_header_gives_each_query_form_its_own_format(client: httpx.Client):
    """The format is negotiated per Accept header and query form: application/xml is
    SPARQL results XML for a SELECT and RDF/XML for a CONSTRUCT."""
    accept = {"Accept": "application/xml"}
    for _ in range(2):
        select = client.post("/sparql", data={"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"},
                             headers=accept)
        construct = client.post("/sparql", data={
            "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"}, headers=accept)
        assert select.status_code == construct.status_code == 200
        assert b"sparql-results" in select.content and b"rdf:RDF" in construct.content


def test_a_query_string_that_is_not_utf8_is_a_clear_error(dataset):
    """An ASGI server may pass such a request line on; Starlette's query parameters would read
    it as Latin-1 and run another query."""
    app = create_app(Service.from_dataset(dataset, Settings(), examples=[]))
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    request = scope([(b"host", b"127.0.0.1:8000")], method="GET", http_version="1.1",
                    query_string=b"query=ASK%7B%7D&x=\xff", client=("127.0.0.1", 5000))
    asyncio.run(app(request, receive, send))
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert sent[0]["status"] == 400 and body["error"] == "bad_request" and "UTF-8" in body["message"]


@pytest.mark.parametrize("padding", [10, 9000, 20_000], ids=["short", "over-kept-size", "long"])
def test_forms_and_query_strings_of_any_length_are_read_alike(client, padding):
    """A short or long form, the first time as the next: the same parameters come out."""
    query = "SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> " \
            "<https://w3id.org/kzgraph/ontology#head> ?h }" + " " * padding
    accept = {"Accept": "text/csv"}
    for _ in range(2):
        form = client.post("/sparql", data={"query": query, "format": "tsv"}, headers=accept)
        assert form.status_code == 200 and form.headers["content-type"].startswith(
            "text/tab-separated-values")
        assert "Talgat_Musabayev" in form.text
        both = client.post("/sparql?query=ASK%7B%7D", data={"query": query}, headers=accept)
        assert both.status_code == 400 and "got 2" in both.json()["message"]
        if padding < 10_000:  # request heads are capped at 16 KiB
            url = client.get("/sparql", params={"query": query}, headers=accept)
            assert url.status_code == 200 and "Talgat_Musabayev" in url.text


def test_a_syntax_error_answers_400_with_what_and_where(client: httpx.Client):
    query = "SELECT ?name WHERE {\n  ?x nope:label ?name\n}"
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "query_syntax"
    assert body["message"].startswith("prefix `nope:` is not declared; declare it (PREFIX nope: <…>)")
    assert (body["line"], body["column"]) == (2, 6)
    assert body["excerpt"] == "1 | SELECT ?name WHERE {\n2 |   ?x nope:label ?name\n  |      ^"


def test_an_unknown_extension_function_is_named(client: httpx.Client):
    query = "SELECT * WHERE { ?s ?p ?o FILTER(<http://example.org/nofunction>(?o)) }"
    body = client.get("/sparql", params={"query": query}).json()
    assert body["error"] == "query_syntax" and body["column"] == 34
    assert body["message"].startswith("unknown function <http://example.org/nofunction>")
    assert "<https://w3id.org/kzgraph/function#match>" in body["message"]
