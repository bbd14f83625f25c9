"""Operations: /health, /ready, /metrics, per-client rate limits, the JSON access log, and new
releases of the data swapped in without a restart."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from rdflib import Graph, Literal, URIRef

from kzgraph import Settings, create_app, load_dataset, paths
from kzgraph.web.service import Service
from kzgraph.namespaces import KZ, KZG

from ..conftest import LiveServer

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COMMENTS = ("SELECT ?c WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
            "<http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
CSV = {"Accept": "text/csv"}


def serve(dataset=None, **settings) -> LiveServer:
    options = {"query_workers": 1, "rate_limit_requests": 0, "rate_limit_query_seconds": 0,
               **settings}
    return LiveServer(create_app(Service.from_dataset(dataset or load_dataset(), Settings(**options), examples=[])))


def metrics(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    values = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def wait_until(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_ready_once_the_data_is_checked_and_health_at_once():
    with serve() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["quads"] == len(load_dataset())
        ready = wait_until(lambda: client.get("/ready").status_code == 200 and client.get("/ready"))
        assert ready.json()["status"] == "ready" and ready.json()["version"] == health["version"]


def test_not_ready_while_the_data_does_not_conform():
    broken = load_dataset()
    broken.graph(KZG["lead"]).add((KZ["KazCosmos"], URIRef("https://w3id.org/kzgraph/ontology#formationDate"),
                                   Literal("soon")))
    with serve(broken) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        answer = wait_until(lambda: (r := client.get("/ready")).json()["status"] == "invalid" and r)
        assert answer.status_code == 503 and "does not conform" in answer.json()["reason"]
        assert client.get("/health").status_code == 200  # alive all the same


def test_ready_with_readiness_loaded_skips_the_check():
    broken = load_dataset()
    broken.graph(KZG["lead"]).add((KZ["KazCosmos"], URIRef("https://w3id.org/kzgraph/ontology#formationDate"),
                                   Literal("soon")))
    with serve(broken, readiness="loaded") as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/ready").status_code == 200


def test_metrics_count_requests_queries_refusals_timeouts_and_the_data(dataset):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with serve(query_timeout=1.0) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(3):  # the engine answers once; the cache twice
            assert client.get("/sparql", params={"query": COUNT}).status_code == 200
        assert client.get("/sparql", params={"query": "SELECT nonsense"}).status_code == 400
        assert client.get("/sparql", params={"query": runaway}).status_code == 503
        values = metrics(client)
        ok = (("method", "GET"), ("route", "/sparql"), ("status", "200"))
        assert values[("kzgraph_http_requests_total", ok)] == 3
        assert values[("kzgraph_query_duration_seconds_count",
                       (("endpoint", "/sparql"), ("outcome", "ok")))] == 1
        # misses: the count, and the two that failed in the engine (never kept)
        assert values[("kzgraph_query_cache_total", (("result", "miss"),))] == 3
        assert values[("kzgraph_query_cache_total", (("result", "hit"),))] == 2
        assert values[("kzgraph_queries_rejected_total",
                       (("endpoint", "/sparql"), ("reason", "query_syntax")))] == 1
        assert values[("kzgraph_query_timeouts_total", (("endpoint", "/sparql"),))] == 1
        assert values[("kzgraph_dataset_quads", ())] == len(dataset)
        version = client.get("/health").json()["version"]
        info = [labels for (name, labels) in values if name == "kzgraph_dataset_info"]
        assert dict(info[0])["version"] == version


def test_the_dataset_version_is_in_the_service_description_and_void():
    with serve() as server, httpx.Client(base_url=server.url, timeout=30) as client:
        version = client.get("/health").json()["version"]
        owl_version = URIRef("http://www.w3.org/2002/07/owl#versionInfo")
        for path in ("/sparql", "/.well-known/void"):
            graph = Graph().parse(data=client.get(path, headers={"Accept": "text/turtle"}).text,
                                  format="turtle")
            assert [str(v) for v in graph.objects(None, owl_version)] == [version], path


def test_a_client_over_its_requests_per_minute_gets_429_and_others_do_not():
    with serve(rate_limit_requests=5) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        statuses = [client.get("/doc/resource/KazCosmos").status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        refused = client.get("/sparql", params={"query": COUNT},
                             headers={"Origin": "https://app.example"})
        assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.headers["access-control-allow-origin"] == "*"
        assert client.get("/health").status_code == 200  # monitoring is never limited
        # uvicorn takes the client from X-Forwarded-For when the proxy is trusted (loopback here)
        other = client.get("/sparql", params={"query": COUNT}, headers={"X-Forwarded-For": "192.0.2.7"})
        assert other.status_code == 200
        assert metrics(client)[("kzgraph_rate_limited_total", (("limit", "requests"),))] == 2


def test_a_client_over_its_query_seconds_gets_429_with_when_to_come_back():
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with serve(rate_limit_query_seconds=1, query_timeout=1.5) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/sparql", params={"query": runaway}).status_code == 503
        refused = client.get("/sparql", params={"query": COUNT})
        assert refused.status_code == 429 and "query time" in refused.json()["message"]
        assert client.get("/doc/resource/KazCosmos").status_code == 200  # pages are not queries
        # ~0.5 s of debt, refilled at 1 s per minute: back in about 30 s (refill: test_ratelimit)
        assert 20 <= int(refused.headers["retry-after"]) <= 60


def test_every_request_is_one_json_access_log_line_with_the_query_hash(caplog):
    secret = "SELECT ?s WHERE { ?s ?p 'a private search' } LIMIT 1"
    with serve(access_log="json") as server, httpx.Client(base_url=server.url, timeout=30) as client:
        with caplog.at_level(logging.INFO, logger="kzgraph.access"):
            assert client.get("/sparql", params={"query": secret}).status_code == 200
            assert client.get("/doc/resource/Nowhere").status_code == 404
            # the line is written once the response is sent: the client may be first
            records = lambda: [r for r in caplog.records if r.name == "kzgraph.access"]  # noqa: E731
            wait_until(lambda: len(records()) >= 2, seconds=5)
    lines = [json.loads(r.getMessage()) for r in records()]
    query, page = lines[-2], lines[-1]
    assert query["route"] == "/sparql" and query["status"] == 200 and query["method"] == "GET"
    assert len(query["query_hash"]) == 16 and query["query_seconds"] >= query["query_cost"] >= 0
    assert "private" not in json.dumps(lines)  # the query is hashed, never logged
    assert page["status"] == 404 and "query_hash" not in page and page["ms"] >= 0


@pytest.fixture()
def data_copy(tmp_path):
    for file in paths.data_files():
        shutil.copy(file, tmp_path / file.name)
    return tmp_path


def test_changed_data_files_are_swapped_in_while_readers_keep_reading(data_copy):
    files = lambda: sorted(data_copy.glob("*.trig"))  # noqa: E731
    app = create_app(Service.from_dataset(load_dataset(files()), Settings(query_workers=2, reload_interval=0.2,
                                                     rate_limit_requests=0), examples=[],
                     sources=files))
    errors: list[int] = []
    stop = threading.Event()
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        before = client.get("/health").json()["version"]

        def read() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as reader:
                while not stop.is_set():
                    response = reader.get("/sparql", params={"query": COUNT}, headers=CSV)
                    if response.status_code != 200:
                        errors.append(response.status_code)

        readers = [threading.Thread(target=read) for _ in range(3)]
        for thread in readers:
            thread.start()
        try:
            lead = data_copy / "kazcosmos.trig"
            lead.write_text(lead.read_text(encoding="utf-8").replace(
                "kzo:officialEstablishmentDate", 'rdfs:comment "released"@en ;\n'
                "        kzo:officialEstablishmentDate", 1), encoding="utf-8")
            wait_until(lambda: client.get("/sparql", params={"query": COMMENTS},
                                          headers=CSV).text.splitlines()[1:] == ["released"])
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        after = client.get("/health").json()["version"]
        assert after != before and errors == []
        assert client.get("/ready").json()["version"] == after
        assert "released" in client.get("/doc/resource/KazCosmos", headers={"Accept": "text/turtle"}).text
        values = metrics(client)
        assert values[("kzgraph_releases_total", (("source", "files"),))] == 1


def test_broken_or_non_conforming_files_are_not_swapped_in(data_copy):
    files = lambda: sorted(data_copy.glob("*.trig"))  # noqa: E731
    app = create_app(Service.from_dataset(load_dataset(files()), Settings(query_workers=1, reload_interval=0.2,
                                                     rate_limit_requests=0), examples=[],
                     sources=files))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        version = client.get("/health").json()["version"]
        lead = data_copy / "kazcosmos.trig"
        original = lead.read_text(encoding="utf-8")
        lead.write_text(original + "\nkzg:broken { kz:x kz:y ", encoding="utf-8")
        wait_until(lambda: metrics(client).get(("kzgraph_releases_total", (("source", "rejected"),))) == 1)
        lead.write_text(original.replace('"2007-03-24"^^xsd:date', '"soon"', 1), encoding="utf-8")
        wait_until(lambda: metrics(client).get(("kzgraph_releases_total", (("source", "rejected"),))) == 2)
        assert client.get("/health").json()["version"] == version
        assert app.state.service.watcher.rejected.startswith("the changed data files do not conform")
        count = client.get("/sparql", params={"query": COUNT}, headers=CSV)
        assert count.status_code == 200 and int(count.text.splitlines()[1]) > 0
