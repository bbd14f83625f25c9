"""The W3C SPARQL 1.1 Protocol test suite, run from its manifest against a live kzgraph server.

The manifest's data files are loaded as named graphs (named as each test describes) into one
test dataset. Every test runs against the public, read-only endpoint: the query-side tests and
the refusals of malformed updates must pass there, and an update that the manifest expects to
succeed must be refused with 403 and change nothing. Every update test runs again with a
curator's token against a fresh server whose shapes allow the manifest's data, and must pass.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from rdflib import Dataset, Graph, URIRef

from kzgraph import Settings, create_app
from kzgraph.web.service import Service
from kzgraph.curation import Curator, DatasetFile

from ..conftest import W3C, LiveServer
from .manifest import read_manifest

MANIFEST = W3C / "protocol" / "manifest.ttl"
TESTS = read_manifest(MANIFEST)
TABULAR = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json",
             "application/trig", "application/n-quads")


def protocol_dataset() -> Dataset:
    dataset = Dataset(default_union=True)
    for test in TESTS:
        for name, file in test.graphs.items():
            graph = dataset.graph(URIRef(name))
            if not len(graph):
                graph.parse(file, format="nt")
    return dataset


TOKEN = "w3c-curator-token-0123456789"


@pytest.fixture(scope="module")
def w3c_server():
    with LiveServer(create_app(Service.from_dataset(protocol_dataset(), Settings(), examples=[]))) as server:
        yield server


@pytest.fixture(scope="module")
def curated_server(tmp_path_factory):
    """Writes enabled; no shapes (the manifest's data is not kzgraph's), default graph allowed.
    One server for every update test, in the manifest's order, as the suite is meant to run:
    each test sets up the graphs it then checks."""
    dataset = protocol_dataset()
    curator = Curator(dataset, DatasetFile(tmp_path_factory.mktemp("w3c")), Graph(),
                      named_graphs_only=False)
    settings = Settings(query_workers=1, rate_limit_requests=0, access_log="off")
    app = create_app(Service.from_dataset(dataset, settings, examples=[], curator=curator,
                     curator_tokens={TOKEN: "w3c"}))
    with LiveServer(app) as server:
        yield server


def test_manifest_has_all_34_tests():
    assert len(TESTS) == 34


def runnable(test) -> bool:
    succeeding_update = test.is_update and any(2 in r.statuses for r in test.requests)
    return not succeeding_update


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(w3c_server, test):
    with httpx.Client(base_url=w3c_server.url, timeout=30) as client:
        if not runnable(test):
            check_refused(client, test)
            return
        for request in test.requests:
            response = client.request(request.method, request.path, headers=request.headers,
                                      content=request.body)
            check_response(request, response)


UPDATE_TESTS = [t for t in TESTS if t.is_update]


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t.name for t in UPDATE_TESTS])
def test_update_with_a_curator_token(curated_server, test):
    with httpx.Client(base_url=curated_server.url, timeout=30) as client:
        for request in test.requests:
            headers = {**request.headers, "Authorization": f"Bearer {TOKEN}"}
            response = client.request(request.method, request.path, headers=headers,
                                      content=request.body)
            check_response(request, response)


def check_refused(client: httpx.Client, test) -> None:
    """The public endpoint refuses an update the manifest expects to succeed: 403, nothing changed."""
    before = client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"}).text
    update = test.requests[0]
    response = client.request(update.method, update.path, headers=update.headers,
                              content=update.body)
    assert response.status_code == 403 and response.json()["error"] == "update_refused"
    after = client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"}).text
    assert sorted(after.splitlines()) == sorted(before.splitlines())


def check_response(request, response: httpx.Response) -> None:
    assert response.status_code // 100 in request.statuses, (response.status_code, response.text)
    assert response.status_code < 500
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if request.expected_format == "tabular":
        assert media in TABULAR
    if request.expected_format == "RDF":
        assert media in RDF_TYPES
    if request.expected_boolean is not None:
        assert boolean_of(response, media) is request.expected_boolean


def boolean_of(response: httpx.Response, media: str) -> bool:
    if "json" in media:
        return json.loads(response.text)["boolean"]
    node = ET.fromstring(response.content).find("{http://www.w3.org/2005/sparql-results#}boolean")
    return node.text.strip() == "true"


def test_every_query_side_test_runs():
    refused = [t.name for t in TESTS if not runnable(t)]
    assert len(refused) == 7 and all(name.startswith("update_") for name in refused)
    assert len([t for t in TESTS if not t.is_update]) == 21 and len(UPDATE_TESTS) == 13
