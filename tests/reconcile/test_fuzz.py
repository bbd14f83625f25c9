"""Generated batches, extension queries and suggest prefixes (hypothesis): whatever arrives,
/reconcile answers with a valid response or a 4xx JSON error, never a 5xx or a traceback."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzgraph.reconciliation import QUERY_FIELDS

from .schemas import check

KEYS = st.sampled_from([*QUERY_FIELDS, "pid", "v", "id", "name", "ids", "settings", "x"]) | st.text(max_size=4)
SCALARS = (st.none() | st.booleans() | st.integers(-10, 10**20) | st.floats(allow_nan=True)
           | st.text(max_size=12) | st.sampled_from(["KazSat", "Aimbetov", "Person", "launchDate",
                                                    "2014", "Q232", "Казахстан", "?!", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(KEYS, inner, max_size=5), max_leaves=16)
QUERY = st.fixed_dictionaries({}, optional={
    "query": st.text(max_size=30) | st.sampled_from(["KazSat 1", "Токтар", "Soyuz_TMA-16M"]),
    "type": st.sampled_from(["Person", "Spacecraft", ["Place", "Country"], "Event", 3]),
    "limit": st.sampled_from([1, 3, 0, 100, 101, 2.5, "3", 1e300]),
    "properties": st.lists(st.fixed_dictionaries({"pid": st.sampled_from(["launchDate", "wikidata", "nationality", "x"]),
                                                  "v": VALUES}), max_size=3),
    "type_strict": st.sampled_from(["any", "should", "all", "none"]),
})
BATCH = st.dictionaries(st.text(max_size=4), QUERY | VALUES, max_size=4)
EXTEND = st.fixed_dictionaries({"ids": st.lists(st.sampled_from(["KazSat-1", "Mir", "Kazakhstan", "", "x/y"]) | SCALARS, max_size=3),
                                "properties": st.lists(st.fixed_dictionaries(
                                    {"id": st.sampled_from(["launchDate", "wikidata", "country", "nope"]) | SCALARS},
                                    optional={"settings": VALUES}), max_size=3)}) | VALUES
TEXT = st.one_of(BATCH.map(json.dumps), EXTEND.map(json.dumps), st.text(max_size=60),
                 st.sampled_from(["NaN", "[Infinity]", '{"q": {"query": "x", "limit": 1e400}}', "{" * 50]))


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def kept_promises(response: httpx.Response, schema: str) -> None:
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    if response.status_code == 200:
        check(schema, response.json())
    else:
        assert 400 <= response.status_code < 500 and response.json()["message"], response.text


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(text=TEXT, method=st.sampled_from(["GET", "POST"]))
def test_generated_batches(http, text, method):
    response = (http.get("/reconcile", params={"queries": text}) if method == "GET"
                else http.post("/reconcile", data={"queries": text}))
    kept_promises(response, "reconciliation-result-batch")


@FUZZ
@given(text=TEXT)
def test_generated_extension_queries(http, text):
    kept_promises(http.post("/reconcile", data={"extend": text}), "data-extension-response")


@FUZZ
@given(prefix=st.text(max_size=40), kind=st.sampled_from(["entity", "type", "property"]),
       cursor=st.sampled_from(["", "0", "5", "-1", "x", "99999999999999999999"]))
def test_generated_suggestions(http, prefix, kind, cursor):
    schema = {"entity": "suggest-entities-response", "type": "suggest-types-response",
              "property": "suggest-properties-response"}[kind]
    kept_promises(http.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix, "cursor": cursor}), schema)


@FUZZ
@given(body=st.binary(max_size=80), media=st.sampled_from(
    ["application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
     "application/json", "", "text/plain; charset=utf-16"]))
def test_generated_bodies(http, body, media):
    response = http.post("/reconcile", content=body, headers={"Content-Type": media} if media else {})
    assert response.status_code < 500 and "Traceback" not in response.text, response.text
