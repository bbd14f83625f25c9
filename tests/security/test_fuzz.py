"""A short fuzz run in CI (the long one, over 10,000 requests, is scripts/reliability/run.py):
generated requests and generated SPARQL keep every promise of ``fuzz.broken_promises``, and no
request reaches a listener that is not on the SERVICE allowlist."""

from __future__ import annotations

import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import LiveServer
from ..web.test_sparql_safety import Listener
from .conftest import answers_normally, public_app
from .fuzz import Tally, disguised_services, requests, send_and_record, sparql

TIMEOUT = 2.0
SHORT = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def target(dataset):
    """(client, allowed listener, forbidden listener) of a server allowing only the first."""
    with Listener() as allowed, Listener() as forbidden:
        app = public_app(dataset, query_timeout=TIMEOUT,
                         service_allowlist=(f"{allowed.url}/sparql",), max_result_bytes=2_000_000)
        with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
            yield client, allowed, forbidden


@SHORT
@given(request=requests(("http://127.0.0.1:1",)))
def test_generated_requests_keep_every_promise(target, request):
    client, _, _ = target
    tally = Tally()
    send_and_record(client, request, tally, TIMEOUT)
    assert tally.failures == []


@SHORT
@given(text=sparql())
def test_generated_queries_keep_every_promise(target, text):
    client, _, _ = target
    tally = Tally()
    for method in ("GET", "POST"):
        started = time.monotonic()
        response = (client.get("/sparql", params={"query": text}) if method == "GET"
                    else client.post("/sparql", data={"query": text}))
        tally.record(f"{method} {text!r}", response, time.monotonic() - started, TIMEOUT)
    assert tally.failures == []


def test_generated_service_calls_reach_only_the_allowlisted_listener(target):
    client, allowed, forbidden = target
    urls = (allowed.url, forbidden.url)
    tally = Tally()

    @SHORT
    @given(text=st.one_of(sparql(urls), disguised_services(urls)))
    def run(text):
        started = time.monotonic()
        response = client.post("/sparql", data={"query": text})
        tally.record(repr(text), response, time.monotonic() - started, TIMEOUT)

    run()
    time.sleep(0.3)
    assert tally.failures == []
    assert forbidden.hits == []
    assert allowed.hits  # the control: SERVICE calls were generated, and the allowed ones ran
    assert answers_normally(client)
