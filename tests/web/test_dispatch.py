"""Queries dispatched straight to the SPARQL handlers answer exactly as through FastAPI's router."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from prometheus_client.parser import text_string_to_metric_families

from kzgraph import Settings, create_app
from kzgraph.errors import BadRequest, KzgraphError
from kzgraph.web.dispatch import SparqlDispatch

from ..conftest import LiveServer

HEAD = ("SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
        "<https://w3id.org/kzgraph/ontology#head> ?h }")
JSON = {"Accept": "application/sparql-results+json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ORIGIN = {"Origin": "https://example.org"}

# (method, path, params, headers, body): answers, refusals and what is not dispatched at all
REQUESTS = [
    ("GET", "/sparql", {"query": HEAD}, JSON, None),
    ("GET", "/sparql", {"query": HEAD}, {**JSON, **ORIGIN}, None),
    ("POST", "/sparql", None, {**JSON, **FORM}, f"query={HEAD}"),
    ("POST", "/sparql/", None, {"Content-Type": "application/sparql-query", "Accept": "text/csv"}, HEAD),
    ("GET", "/sparql", {"query": HEAD, "format": "tsv"}, {}, None),
    ("GET", "/wikidata/sparql", {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2"}, JSON, None),
    ("GET", "/sparql", {"query": "SELECT ?s WHERE { ?s"}, JSON, None),
    ("POST", "/sparql", None, {**JSON, **FORM}, "query=" + "x" * 200_001),
    ("GET", "/sparql", {"update": "CLEAR ALL"}, JSON, None),
    ("POST", "/sparql", None, FORM, "update=CLEAR%20ALL"),
    ("POST", "/sparql", None, {"Content-Type": "text/plain"}, HEAD),
    ("GET", "/sparql", {"query": HEAD}, {"Accept": "image/png"}, None),
    ("GET", "/sparql", {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}, JSON, None),
    ("GET", "/sparql", {"query": HEAD, "query ": "x"}, {"Accept": "text/csv"}, None),
    ("GET", "/sparql", None, {"Accept": "text/turtle"}, None),
    ("HEAD", "/sparql", {"query": HEAD}, JSON, None),
    ("PUT", "/sparql", None, JSON, HEAD),
    ("OPTIONS", "/sparql", None, {**ORIGIN, "Access-Control-Request-Method": "POST"}, None),
    ("GET", "/sparqlx", {"query": HEAD}, JSON, None),
]


@pytest.fixture(scope="module")
def twins(dataset) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The same app twice: as built, and with the dispatch taken out (FastAPI routes every
    request). A fixed public URL, so that answers do not name each server's port."""
    settings = Settings(query_workers=1, rate_limit_requests=0, rate_limit_query_seconds=0,
                        public_url="http://kzgraph.example", access_log="off")
    dispatched = create_app(dataset, settings, examples=[])
    routed = create_app(dataset, settings, examples=[])
    assert any(m.cls is SparqlDispatch for m in routed.user_middleware)
    routed.user_middleware = [m for m in routed.user_middleware if m.cls is not SparqlDispatch]
    with LiveServer(dispatched) as a, LiveServer(routed) as b, \
            httpx.Client(base_url=a.url, timeout=30) as one, httpx.Client(base_url=b.url, timeout=30) as two:
        yield one, two


def answer(client: httpx.Client, method, path, params, headers, body) -> tuple:
    response = client.request(method, path, params=params, headers=headers, content=body)
    here = f"{client.base_url.host}:{client.base_url.port}"  # each server's own, in redirects
    kept = sorted((k, v.replace(here, "HOST")) for k, v in response.headers.items() if k != "date")
    return response.status_code, kept, response.content.replace(here.encode(), b"HOST")


@pytest.mark.parametrize("request_", REQUESTS, ids=[f"{r[0]} {r[1]} {i}" for i, r in enumerate(REQUESTS)])
def test_each_answer_is_the_routed_answer(twins, request_):
    dispatched, routed = twins
    first = answer(dispatched, *request_)
    assert first == answer(routed, *request_)
    assert answer(dispatched, *request_) == first  # and again, from the result cache


def test_metrics_name_the_same_routes(twins):
    """The request counts are labelled by route template as FastAPI names it."""
    dispatched, routed = twins
    before = {client: requests_counted(client) for client in twins}
    for request_ in REQUESTS:
        answer(dispatched, *request_)
        answer(routed, *request_)
    added = {client: {labels: value - before[client].get(labels, 0)
                      for labels, value in requests_counted(client).items()} for client in twins}
    assert added[dispatched] == added[routed]
    # the JSON answers with and without Origin, the TSV one, the one with a stray parameter, and
    # the service description
    assert added[dispatched][(("method", "GET"), ("route", "/sparql"), ("status", "200"))] == 5


def requests_counted(client: httpx.Client) -> dict:
    """kzgraph_http_requests_total of the SPARQL routes, by labels."""
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(client.get("/metrics").text)
            if family.name == "kzgraph_http_requests" for s in family.samples
            if s.name == "kzgraph_http_requests_total"
            and s.labels["route"] in ("/sparql", "/sparql/", "/wikidata/sparql")}


# The dispatch on its own, with a stand-in app behind it.

async def hello(request) -> PlainTextResponse:
    if "fail" in request.query_params:
        raise BadRequest("asked to fail")
    if "crash" in request.query_params:
        raise RuntimeError("unexpected")
    return PlainTextResponse(f"hello {request.scope['route'].path}")


async def refused(request, error: KzgraphError) -> PlainTextResponse:
    return PlainTextResponse(f"refused: {error}", status_code=400)


def call(dispatch: SparqlDispatch, method: str, path: str, query: bytes = b"") -> tuple[int, bytes]:
    sent: list[dict] = []
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "query_string": query,
             "headers": [], "state": {}}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)
    asyncio.run(dispatch(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def stand_in() -> tuple[SparqlDispatch, list[str]]:
    passed: list[str] = []

    async def app(scope, receive, send) -> None:
        passed.append(f"{scope['method']} {scope['path']}")
        await PlainTextResponse("routed", status_code=404)(scope, receive, send)
    router = APIRouter()
    router.add_api_route("/q", hello, methods=["GET"])
    return SparqlDispatch(app, [router], {KzgraphError: refused, Exception: refused}), passed


def test_only_the_routes_methods_are_dispatched():
    dispatch, passed = stand_in()
    assert call(dispatch, "GET", "/q") == (200, b"hello /q")
    assert call(dispatch, "POST", "/q") == (404, b"routed")
    assert call(dispatch, "GET", "/other") == (404, b"routed")
    assert passed == ["POST /q", "GET /other"]


def test_errors_go_to_the_apps_handlers_but_not_its_last_resort():
    """A typed error gets the handler of its nearest class; anything else goes on up to the
    app's outermost layer, which answers 500 (and uvicorn logs it), as before."""
    dispatch, _ = stand_in()
    assert call(dispatch, "GET", "/q", b"fail") == (400, b"refused: asked to fail")
    with pytest.raises(RuntimeError, match="unexpected"):
        call(dispatch, "GET", "/q", b"crash")
