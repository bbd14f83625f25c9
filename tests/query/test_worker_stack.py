"""Long operator chains within the query length cap get an answer or a timeout, never a crashed
worker: Oxigraph recurses once per operator, and on the main thread's 8 MiB stack a chain of
10,000 killed the worker (503 worker_lost, again on every retry)."""

import httpx
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service

from ..conftest import LiveServer

DIRECT = {"Content-Type": "application/sparql-query", "Accept": "text/csv"}


def chain(operator: str, terms: int) -> str:
    term = "true" if operator == "&&" else "1"
    return f"SELECT ({f' {operator} '.join([term] * terms)} AS ?x) {{}}"


@pytest.fixture(scope="module")
def server(dataset):
    settings = Settings(query_workers=1, query_timeout=8, rate_limit_requests=0,
                        rate_limit_query_seconds=0, access_log="off", cache_bytes=0)
    with LiveServer(create_app(Service.from_dataset(dataset, settings, examples=[]))) as running, \
            httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


@pytest.mark.parametrize("operator,expected", [("+", "10000"), ("*", "1"), ("&&", "true")])
def test_a_chain_of_ten_thousand_operators_is_answered(server, operator, expected):
    response = server.post("/sparql", content=chain(operator, 10_000).encode(), headers=DIRECT)
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[1] == expected


def test_the_longest_chain_the_length_cap_allows_times_out_cleanly(server):
    """Oxigraph takes time quadratic in the chain: 50,000 operators run past the timeout; the
    worker is stopped and replaced, and the next query is answered."""
    query = "SELECT (" + "+".join(["1"] * 49_990) + " AS ?x) {}"
    assert len(query) <= Settings().max_query_length
    response = server.post("/sparql", content=query.encode(), headers=DIRECT)
    assert response.status_code == 503 and response.json()["error"] == "timeout"
    again = server.post("/sparql", content=chain("+", 100).encode(), headers=DIRECT)
    assert again.status_code == 200 and again.text.splitlines()[1] == "100"
