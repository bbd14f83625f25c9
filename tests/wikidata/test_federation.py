"""The federated examples (examples/federated/): SERVICE to the Wikidata Query Service, run by the
real server against the local stand-in, which is allowlisted in place of query.wikidata.org."""

from __future__ import annotations

import httpx
import pytest

from kzgraph import Settings, create_app, load_examples, paths
from kzgraph.web.service import Service
from kzgraph.config import WIKIDATA_QUERY_SERVICE
from tests.conftest import LiveServer
from tests.wikidata.standin import StandIn

EXAMPLES = load_examples(paths.example_files("federated"))
KZ = "https://w3id.org/kzgraph/resource/"


@pytest.fixture(scope="module")
def federation(dataset):
    """(stand-in, client of a kzgraph server whose SERVICE allowlist is the stand-in only)."""
    with StandIn() as stand_in:
        settings = Settings(port=0, service_allowlist=(f"{stand_in.url}/sparql",))
        with LiveServer(create_app(Service.from_dataset(dataset, settings))) as server:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                yield stand_in, client


def run(federation, example) -> list[tuple[str, ...]]:
    stand_in, client = federation
    query = example.query.replace(WIKIDATA_QUERY_SERVICE, f"{stand_in.url}/sparql")
    assert query != example.query, "a federated example must name the Wikidata Query Service"
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = response.json()
    names = body["head"]["vars"]
    return [tuple(b.get(v, {}).get("value", "") for v in names) for b in body["results"]["bindings"]]


def test_the_federated_examples_are_offered_in_the_query_ui(client):
    page = client.get("/sparql", headers={"Accept": "text/html"}).text
    assert len(EXAMPLES) >= 3 and all(e.title in page for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_federated_example_answers_as_stated(federation, example):
    found = run(federation, example)
    assert example.matches(found), f"{example.name}: got {found}"


def test_space_station_labels_join_only_linked_stations(federation):
    found = run(federation, EXAMPLES[0])
    assert found == [
        (KZ + "International_Space_Station", "International Space Station", "test label kk ISS", "kk"),
        (KZ + "International_Space_Station", "International Space Station", "test label ru ISS", "ru"),
        (KZ + "Mir", "Mir", "test label ru Mir", "ru"),
    ]  # the stand-in's third station has no kzgraph counterpart


def test_inception_is_typed_as_on_wikidata(federation):
    assert run(federation, EXAMPLES[1]) == [
        (KZ + "Baikonur_Cosmodrome", "Baikonur Cosmodrome", "1900-01-01T00:00:00Z")]


def test_candidates_match_by_label_and_citizenship(federation):
    assert run(federation, EXAMPLES[2]) == [
        (KZ + "Talgat_Musabayev", "Talgat Musabayev", "http://www.wikidata.org/entity/Q900000502")]


def test_the_service_was_really_called_by_the_engine(federation):
    stand_in, _ = federation
    before = len(stand_in.requests)
    run(federation, EXAMPLES[0])
    calls = stand_in.requests[before:]
    assert [path for path, _, _ in calls] == ["/sparql"]
    assert "wdt:P31" in calls[0][1]["query"] or "P31" in calls[0][1]["query"]


def test_the_real_wikidata_endpoint_is_not_allowed_when_not_listed(federation):
    _, client = federation
    response = client.post("/sparql", data={"query": EXAMPLES[0].query})
    assert response.status_code == 400
    assert WIKIDATA_QUERY_SERVICE in response.text and "not allowed" in response.text
