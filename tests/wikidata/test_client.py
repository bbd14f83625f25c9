"""The HTTP client against the local stand-in: real requests, no mocks of the client."""

from __future__ import annotations

import time

import pytest

from kzgraph.errors import WikidataResponseError, WikidataUnavailable
from kzgraph.wikidata import USER_AGENT, WikidataClient, WikidataSettings
from kzgraph.wikidata.client import retry_after


def test_user_agent_names_the_project(stand_in):
    with WikidataClient(stand_in.settings()) as client:
        client.search("Star City")
    agent = stand_in.requests[0][2]["User-Agent"]
    assert agent == USER_AGENT and agent.startswith("kzgraph/") and "w3id.org/kzgraph" in agent


def test_search_and_get_entities_in_recorded_shapes(stand_in):
    with WikidataClient(stand_in.settings()) as client:
        hits = client.search("Aidyn Aimbetov")
        entities = client.get_entities([hit["id"] for hit in hits] + ["Q900000002", "Q900000004"])
    assert [hit["id"] for hit in hits] == ["Q900000201", "Q900000202"]
    assert entities["Q900000201"]["labels"]["en"]["value"] == "Aidyn Aimbetov"
    assert entities["Q900000002"]["redirects"] == {"from": "Q900000002", "to": "Q900000003"}
    assert "missing" in entities["Q900000004"]


def test_entity_data_follows_the_redirect_of_a_merged_id(stand_in):
    with WikidataClient(stand_in.settings()) as client:
        assert list(client.entity_data("Q900000002")["entities"]) == ["Q900000003"]


def test_sparql_json(stand_in):
    query = """PREFIX wd: <http://www.wikidata.org/entity/>
    PREFIX wdt: <http://www.wikidata.org/prop/direct/>
    SELECT ?item WHERE { ?item wdt:P31 wd:Q25956 } ORDER BY ?item"""
    with WikidataClient(stand_in.settings()) as client:
        bindings = client.sparql(query)["results"]["bindings"]
    assert [b["item"]["value"] for b in bindings] == [
        "http://www.wikidata.org/entity/Q25271", "http://www.wikidata.org/entity/Q48604",
        "http://www.wikidata.org/entity/Q900000501"]
    assert stand_in.requests[0][2]["Accept"] == "application/sparql-results+json"


def test_429_waits_as_long_as_retry_after_says(stand_in):
    stand_in.script.append((429, {"Retry-After": "1"}, 0))
    started = time.monotonic()
    with WikidataClient(stand_in.settings()) as client:
        assert client.sparql("ASK {}")["boolean"] is True
    assert time.monotonic() - started >= 1.0
    assert len(stand_in.requests) == 2


def test_retry_after_longer_than_the_cap_gives_up_at_once(stand_in):
    stand_in.script.append((429, {"Retry-After": "3600"}, 0))
    with WikidataClient(stand_in.settings()) as client, pytest.raises(WikidataUnavailable, match="3600"):
        client.search("Star City")
    assert len(stand_in.requests) == 1


def test_server_errors_are_retried_with_backoff(stand_in):
    stand_in.script.extend([(503, {}, 0), (502, {}, 0)])
    with WikidataClient(stand_in.settings(retries=2)) as client:
        assert client.search("Star City")
    assert len(stand_in.requests) == 3


def test_timeouts_are_retried_then_reported(stand_in):
    stand_in.script.extend([(200, {}, 1.0)] * 3)
    settings = stand_in.settings(timeout=0.2, retries=2)
    with WikidataClient(settings) as client, pytest.raises(WikidataUnavailable, match="3 attempts"):
        client.search("Star City")


def test_unreachable_service_is_unavailable():
    settings = WikidataSettings(api_url="http://127.0.0.1:9/w/api.php", retries=1, backoff=0.01)
    with WikidataClient(settings) as client, pytest.raises(WikidataUnavailable):
        client.search("x")


def test_not_found_and_non_json_answers_are_response_errors(stand_in):
    with WikidataClient(stand_in.settings()) as client:
        with pytest.raises(WikidataResponseError, match="404"):
            client.entity_data("Q900000004")
        stand_in.script.append((200, {"Content-Type": "text/html"}, 0))
        with pytest.raises(WikidataResponseError):
            client.search("Star City")


def test_settings_from_environment():
    settings = WikidataSettings.from_env({"KZGRAPH_WIKIDATA_API_URL": "http://x/api.php",
                                          "KZGRAPH_WIKIDATA_RETRIES": "5"}, timeout=3.0)
    assert (settings.api_url, settings.retries, settings.timeout) == ("http://x/api.php", 5, 3.0)


def test_retry_after_accepts_seconds_and_http_dates():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after(None) is None
