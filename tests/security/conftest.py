"""Fixtures of the reliability and security suite: kzgraph as the public deploys it (no curator
token: read-only), on loopback, with listeners that count every request reaching them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import httpx
import pytest

from kzgraph import Settings, create_app

from ..conftest import LiveServer
from ..web.test_sparql_safety import Listener

ACCEPT = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
HEAD = ("SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
        "<https://w3id.org/kzgraph/ontology#head> ?h }")
MUSABAYEV = "https://w3id.org/kzgraph/resource/Talgat_Musabayev"


def public_settings(**overrides) -> Settings:
    """The defaults, with the given limits; per-client rate limits off (where this version has
    them), since every request of the suite comes from one loopback address."""
    known = {f.name for f in dataclasses.fields(Settings)}
    wanted = {"port": 0, "rate_limit_requests": 0, "rate_limit_query_seconds": 0, **overrides}
    return Settings(**{k: v for k, v in wanted.items() if k in known})


def public_app(dataset, **overrides):
    """The app as deployed publicly: no curator token, so every write is refused."""
    return create_app(dataset, public_settings(**overrides), examples=[], curator_tokens={})


@pytest.fixture(scope="session")
def public_server(dataset) -> Iterator[LiveServer]:
    with LiveServer(public_app(dataset, query_timeout=3.0)) as server:
        yield server


@pytest.fixture()
def http(public_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=public_server.url, timeout=30) as client:
        yield client


@pytest.fixture()
def listener() -> Iterator[Listener]:
    with Listener() as running:
        yield running


def query(client: httpx.Client, text: str, **params) -> httpx.Response:
    return client.post("/sparql", data={"query": text, **params}, headers=ACCEPT)


def answers_normally(client: httpx.Client) -> bool:
    """The server still answers a normal query, correctly."""
    response = client.get("/sparql", params={"query": HEAD}, headers=ACCEPT)
    return (response.status_code == 200
            and [b["h"]["value"] for b in response.json()["results"]["bindings"]] == [MUSABAYEV])
