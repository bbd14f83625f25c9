"""Fixtures of the reliability and security suite: kzgraph as the public deploys it (no curator
token: read-only), on loopback, with listeners that count every request reaching them."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service

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
    return create_app(Service.from_dataset(dataset, public_settings(**overrides), examples=[], curator_tokens={}))


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


_BLANK = re.compile(r"_:\S+")


def quads_checksum(lines: list[str]) -> str:
    """sha256 of quads as sorted text lines, blank-node labels erased (each load may rename them)."""
    canonical = sorted(_BLANK.sub("_:", line.strip()) for line in lines if line.strip())
    return f"{len(canonical)}:" + hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def served_checksum(client: httpx.Client, path: str = "/sparql") -> str:
    """Checksum of every quad the query workers serve (named graphs and the default graph)."""
    every_quad = ("SELECT ?g ?s ?p ?o WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }")
    response = client.post(path, data={"query": every_quad},
                           headers={"Accept": "text/tab-separated-values"})
    assert response.status_code == 200, response.text
    return quads_checksum(response.text.splitlines()[1:])


def dataset_checksum(dataset) -> str:
    """Checksum of the in-process dataset object every app of the session was built from."""
    return quads_checksum(dataset.serialize(format="nquads").splitlines())


@pytest.fixture(scope="session", autouse=True)
def dataset_unchanged_by_the_suite(dataset):
    """However the suite attacks the servers, the dataset they serve ends as it began."""
    before = dataset_checksum(dataset)
    yield before
    assert dataset_checksum(dataset) == before, "the security suite changed the dataset"
