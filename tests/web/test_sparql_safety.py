"""Safety by default: no file read, no URL fetched, SERVICE allowlist, bounded queries, no 500s."""

from __future__ import annotations

import concurrent.futures
import json
import os
import time

import httpx
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service

from ..conftest import LiveServer, select
from ..loopback import LoopbackServer, QuietHandler, send
from ..query.workers import cpu_seconds, query_workers, wait_for_workers

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HEAD = "SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> <https://w3id.org/kzgraph/ontology#head> ?h }"


class Listener(LoopbackServer):
    """A loopback HTTP server that counts the requests reaching it and answers SPARQL JSON."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        listener = self

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                self._answer()

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self._answer()

            def _answer(self):
                listener.hits.append(self.path)
                body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                    {"x": {"type": "literal", "value": "from the stand-in"}}]}}).encode()
                send(self, 200, {"Content-Type": "application/sparql-results+json"}, body)

        super().__init__(Handler)


@pytest.fixture()
def listener():
    with Listener() as running:
        yield running


def server(dataset, **settings):
    # Per-client limits are off here: these tests fire many queries from one address on purpose.
    unlimited = {"rate_limit_requests": 0, "rate_limit_query_seconds": 0}
    return LiveServer(create_app(Service.from_dataset(dataset, Settings(**{**unlimited, **settings}), examples=[])))


def ask(client: httpx.Client, query: str, **params) -> httpx.Response:
    return client.post("/sparql", data={"query": query, **params},
                       headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"})


@pytest.mark.parametrize("query", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }",
    "DESCRIBE <file:///etc/passwd>",
    "CONSTRUCT { ?s ?p ?o } FROM <file:///etc/hostname> WHERE { ?s ?p ?o }",
])
def test_no_local_file_is_ever_read(client, query):
    response = ask(client, query)
    assert response.status_code == 200
    assert "root:" not in response.text and os.uname().nodename not in response.text


def test_no_url_named_in_a_query_or_request_is_fetched(client, listener):
    target = f"{listener.url}/data.ttl"
    statuses = [
        ask(client, f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}").status_code,
        ask(client, f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}").status_code,
        ask(client, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": target}).status_code,
        ask(client, f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}").status_code,
        ask(client, f"DESCRIBE <{target}>").status_code,
        client.post("/sparql", data={"update": f"LOAD <{target}>"}).status_code,
        client.post("/sparql", content=f"LOAD <{target}>",
                    headers={"Content-Type": "application/sparql-update"}).status_code,
        client.post("/sparql", data={"update": f"INSERT {{ ?s ?p ?o }} USING <{target}> WHERE {{ ?s ?p ?o }}"}).status_code,
    ]
    assert statuses == [200, 200, 200, 400, 200, 403, 403, 403]
    time.sleep(0.2)
    assert listener.hits == []


@pytest.mark.parametrize("endpoint", [
    "https://QUERY.wikidata.org/sparql",
    "https://query.wikidata.org./sparql",
    "https://query.wikidata.org:8443/sparql",
    "https://user@query.wikidata.org/sparql",
    "https://query.wikidata.org.evil.example/sparql",
    "http://query.wikidata.org/sparql",
    "http://[::1]/sparql",
    "http://169.254.169.254/latest/meta-data",
])
def test_service_outside_the_allowlist_is_refused_naming_it(client, endpoint):
    response = ask(client, f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
    assert response.status_code == 400
    assert response.json()["error"] == "service_not_allowed"
    assert "https://query.wikidata.org/sparql" in response.json()["message"]


def test_service_given_as_variable_or_prefixed_name_is_refused(client):
    for query in ("SELECT * WHERE { SERVICE ?x { ?s ?p ?o } }",
                  "PREFIX wdqs: <https://query.wikidata.org/> SELECT * WHERE { SERVICE wdqs:sparql { ?s ?p ?o } }"):
        assert ask(client, query).status_code == 400


def test_allowlisted_service_is_queried(dataset, listener):
    with server(dataset, service_allowlist=(f"{listener.url}/sparql",)) as running, \
            httpx.Client(base_url=running.url, timeout=30) as client:
        rows = select(client, f"SELECT ?x WHERE {{ SERVICE <{listener.url}/sparql> {{ ?x ?p ?o }} }}")
    assert rows == [{"x": "from the stand-in"}]
    assert len(listener.hits) == 1


def test_timeout_answers_503_and_stops_the_work(dataset):
    others = query_workers()  # of other tests' servers, if any
    app = create_app(Service.from_dataset(dataset, Settings(query_timeout=1.0, query_workers=1), examples=[]))
    with LiveServer(app) as running, httpx.Client(base_url=running.url, timeout=30) as client:
        before = wait_for_workers(1, others)
        started = time.monotonic()
        response = ask(client, RUNAWAY)
        assert response.status_code == 503
        assert response.json()["error"] == "timeout" and "timed out" in response.json()["message"]
        assert time.monotonic() - started < 5
        time.sleep(0.3)
        for pid in before:  # the worker that ran the query is gone, not spinning in the background
            first = cpu_seconds(pid)
            time.sleep(0.5)
            assert first is None or cpu_seconds(pid) in (None, first)
        assert select(client, HEAD)  # a fresh worker answers the next query


def test_saturated_server_answers_503_with_retry_after_promptly(dataset):
    app = create_app(Service.from_dataset(dataset, Settings(query_timeout=4.0, query_workers=1, max_waiting=1), examples=[]))
    with LiveServer(app) as running, concurrent.futures.ThreadPoolExecutor(4) as pool:
        def send(query):
            with httpx.Client(base_url=running.url, timeout=30) as client:
                return ask(client, query)

        runaway = [pool.submit(send, RUNAWAY) for _ in range(2)]  # one runs, one waits
        deadline = time.monotonic() + 3  # a fixed pause was too short on a loaded machine
        while not (app.state.service.pool.busy == 1 and app.state.service.pool.waiting == 1):
            assert time.monotonic() < deadline, "the two runaway queries never filled the pool"
            time.sleep(0.02)
        started = time.monotonic()
        refused = send(RUNAWAY)
        assert refused.status_code == 503 and refused.headers["retry-after"].isdigit()
        assert refused.json()["error"] == "overloaded"
        assert time.monotonic() - started < 1.0
        assert {f.result().status_code for f in runaway} == {503}


def test_health_answers_quickly_while_eight_runaway_queries_are_in_flight(dataset):
    app = create_app(Service.from_dataset(dataset, Settings(query_timeout=6.0, query_workers=2), examples=[]))
    with LiveServer(app) as running, concurrent.futures.ThreadPoolExecutor(8) as pool:
        def send():
            with httpx.Client(base_url=running.url, timeout=30) as client:
                return ask(client, RUNAWAY).status_code

        flying = [pool.submit(send) for _ in range(8)]
        time.sleep(1.0)
        with httpx.Client(base_url=running.url, timeout=5) as client:
            latencies = []
            for _ in range(5):
                started = time.monotonic()
                assert client.get("/health").status_code == 200
                latencies.append(time.monotonic() - started)
        assert sorted(latencies)[2] < 0.1, latencies  # the median of five
        assert all(f.result() == 503 for f in flying)


def test_two_hundred_concurrent_first_queries_all_succeed(dataset):
    with server(dataset) as running, concurrent.futures.ThreadPoolExecutor(50) as pool:
        def send(_):
            with httpx.Client(base_url=running.url, timeout=60) as client:
                return select(client, HEAD)

        answers = list(pool.map(send, range(200)))
    assert answers == [[{"h": "https://w3id.org/kzgraph/resource/Talgat_Musabayev"}]] * 200


def test_body_length_and_depth_caps(dataset):
    with server(dataset, max_body_bytes=10_000, max_query_length=5_000, max_query_depth=20) as running, \
            httpx.Client(base_url=running.url, timeout=30) as client:
        big = client.post("/sparql", content=b"x" * 20_000,
                          headers={"Content-Type": "application/sparql-query"})
        assert big.status_code == 413
        long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 6_000
        assert client.get("/sparql", params={"query": long_query}).status_code == 413
        deep = "SELECT * WHERE " + "{ " * 500 + "?s ?p ?o" + " }" * 500
        response = client.get("/sparql", params={"query": deep})
        assert response.status_code == 413 and "nests 500 levels" in response.json()["message"]
        assert select(client, HEAD)


def test_result_size_cap(dataset):
    with server(dataset, max_result_bytes=2_000) as running, \
            httpx.Client(base_url=running.url, timeout=30) as client:
        response = ask(client, "SELECT * WHERE { ?s ?p ?o }")
        assert response.status_code == 413 and response.json()["error"] == "result_too_large"


@pytest.mark.parametrize("query", [
    "SELEC * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o ", "SELECT * WHERE { ?s ?p \"\\uZZZZ\" }",
    "ASK { FILTER(?x = ) }", "\x00", "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
    "PREFIX : <http://a/> SELECT * WHERE { :a :b :c } GROUP BY",
])
def test_malformed_queries_get_400_with_the_parser_message(client, query):
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.json()["message"]
    assert "Traceback" not in response.text


@pytest.mark.parametrize("method,kwargs,status", [
    ("PUT", {}, 405), ("DELETE", {}, 405),
    ("POST", {"content": b"query=ASK{}", "headers": {"Content-Type": "text/plain"}}, 415),
    ("POST", {"content": "ASK {}".encode("utf-16"), "headers": {"Content-Type": "application/sparql-query"}}, 400),
    ("POST", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 400),
    ("GET", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}, 400),
    ("GET", {"params": {"query": ""}}, 400),
])
def test_protocol_misuse_gets_a_clear_4xx(client, method, kwargs, status):
    response = client.request(method, "/sparql", **kwargs)
    assert response.status_code == status, response.text


def test_cors_allows_any_origin_without_credentials(client):
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    simple = client.get("/sparql", params={"query": HEAD}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("accept,expected", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json", "application/json"),
    (None, "application/sparql-results+json"),
])
def test_select_content_negotiation(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", params={"query": HEAD}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "Talgat_Musabayev" in response.text


@pytest.mark.parametrize("fmt,expected", [
    ("text/turtle", "text/turtle"), ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"), ("application/ld+json", "application/ld+json"),
    ("application/trig", "application/trig"), ("application/n-quads", "application/n-quads"),
])
def test_construct_content_negotiation(client, fmt, expected):
    response = client.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/kzgraph/resource/KazSat-2>"},
                          headers={"Accept": fmt})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert "KazSat-2" in response.text


def test_format_parameter_overrides_accept(client):
    response = client.get("/sparql", params={"query": HEAD, "format": "csv"},
                          headers={"Accept": "application/sparql-results+xml"})
    assert response.headers["content-type"].startswith("text/csv")


def test_406_lists_what_is_offered(client):
    response = client.get("/sparql", params={"query": HEAD}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.json()["message"]


def test_every_update_form_is_refused_and_changes_nothing(client):
    update = "INSERT DATA { <https://w3id.org/kzgraph/resource/KazCosmos> <http://www.w3.org/2000/01/rdf-schema#label> 'x' }"
    responses = [
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
        client.get("/sparql", params={"update": update}),
        client.post("/sparql", content=update, headers={"Content-Type": "application/sparql-query"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 405, 403]
    rows = select(client, "SELECT ?l WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
                          "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    assert [r["l"] for r in rows] == ["National Space Agency of the Republic of Kazakhstan"]


def test_cors_origins_are_configurable(dataset):
    with server(dataset, cors_origins=("https://allowed.example",)) as running, \
            httpx.Client(base_url=running.url, timeout=30) as client:
        allowed = client.get("/sparql", params={"query": HEAD}, headers={"Origin": "https://allowed.example"})
        other = client.get("/sparql", params={"query": HEAD}, headers={"Origin": "https://other.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://allowed.example"
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in other.headers
