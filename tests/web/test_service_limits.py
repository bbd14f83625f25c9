"""SERVICE has its own time limit and response cap, enforced by the worker's forwarder, and never
follows redirects; a failure is a clear 502/504 (or nothing, for SERVICE SILENT)."""

from __future__ import annotations

import time

import httpx
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service
from kzgraph.query.inspect import service_iri_spans
from tests.conftest import LiveServer
from tests.loopback import LoopbackServer, QuietHandler, send
from tests.wikidata.standin import StandIn

JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def remote(dataset):
    """(stand-in query service, client of a kzgraph server allowing it, tight SERVICE limits)."""
    with StandIn() as stand_in:
        settings = Settings(port=0, service_allowlist=(f"{stand_in.url}/sparql",),
                            service_timeout=0.5, service_max_bytes=1500, query_timeout=8)
        with LiveServer(create_app(Service.from_dataset(dataset, settings))) as server:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                yield stand_in, client


def service_query(stand_in, pattern: str = "?s ?p ?o", silent: bool = False) -> str:
    return (f"SELECT * WHERE {{ SERVICE {'SILENT ' if silent else ''}<{stand_in.url}/sparql> "
            f"{{ {pattern} }} }}")


def still_serves(client) -> bool:
    response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
    return response.status_code == 200 and response.json()["boolean"] is True


def test_a_small_answer_passes(remote):
    stand_in, client = remote
    query = service_query(stand_in, "?x <http://www.wikidata.org/prop/direct/P27> ?c")
    response = client.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]["bindings"]) == 2


def test_a_slow_service_gets_504_after_the_service_timeout(remote):
    stand_in, client = remote
    stand_in.script.append((200, {}, 3.0))
    started = time.monotonic()
    response = client.get("/sparql", params={"query": service_query(stand_in)}, headers=JSON)
    elapsed = time.monotonic() - started
    assert response.status_code == 504, response.text
    assert response.json()["error"] == "service_timeout"
    assert f"{stand_in.url}/sparql" in response.text and "0.5 s" in response.text
    assert elapsed < 3.0  # the forwarder gave up; the query did not wait for the slow answer
    assert still_serves(client)


def test_an_oversized_answer_gets_502_naming_the_cap(remote):
    stand_in, client = remote
    response = client.get("/sparql", params={"query": service_query(stand_in)}, headers=JSON)
    assert response.status_code == 502, response.text
    assert response.json()["error"] == "service_failed" and "1500 bytes" in response.text
    assert still_serves(client)


def test_service_silent_ignores_the_failure(remote):
    stand_in, client = remote
    stand_in.script.append((200, {}, 3.0))
    response = client.get("/sparql", params={"query": service_query(stand_in, silent=True)},
                          headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{}]  # SILENT: one empty solution


def test_redirects_are_not_followed(remote):
    stand_in, client = remote
    hits = []

    class Listener(QuietHandler):
        def do_GET(self):
            hits.append(self.path)
            send(self, 200, {}, b"")

        do_POST = do_GET

    with LoopbackServer(Listener) as listener:
        target = f"{listener.url}/secret"
        stand_in.script.append((302, {"Location": target}, 0))
        response = client.get("/sparql", params={"query": service_query(stand_in)}, headers=JSON)
    assert response.status_code == 502, response.text
    assert "redirect" in response.text and target in response.text
    assert hits == []


def test_only_service_iris_are_rewritten():
    query = ('PREFIX ex: <http://example.org/> SELECT * WHERE { '
             '?s ex:p "SERVICE <http://a/sparql>" . # SERVICE <http://b/sparql>\n'
             'SERVICE SILENT <http://c/sparql> { ?s ?p ?o } service <http://d/sparql> { ?s ?q ?r } '
             '?s ex:q <http://c/sparql> }')
    spans = service_iri_spans(query)
    assert [iri for _, _, iri in spans] == ["http://c/sparql", "http://d/sparql"]
    assert all(query[start:end] == f"<{iri}>" for start, end, iri in spans)
