"""Shared fixtures: the embedded dataset, loaded once, and a live server on loopback."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from kzgraph import Settings, create_app, load_dataset
from kzgraph.cli import SERVER_HTTP
from kzgraph.web.service import Service

# Everything the tests read lives in the repository (nothing beside it is assumed).
ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "source" / "kazcosmos-article.txt"
WIKIDATA_IDS = ROOT / "data" / "wikidata-ids.tsv"  # the register of checked ids
W3C = ROOT / "tests" / "w3c" / "data" / "sparql11"  # the W3C manifests (tests/w3c/data/README.md)


@pytest.fixture(scope="session", autouse=True)
def store_cache(tmp_path_factory) -> Iterator[Path]:
    """Stores built from data files go to a directory of this run (servers started as
    subprocesses inherit it), never to the user's cache."""
    path = tmp_path_factory.mktemp("store-cache")
    previous = os.environ.get("KZGRAPH_STORE_CACHE")
    os.environ["KZGRAPH_STORE_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("KZGRAPH_STORE_CACHE", None)
    else:
        os.environ["KZGRAPH_STORE_CACHE"] = previous


@pytest.fixture(scope="session")
def dataset():
    return load_dataset()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """A real uvicorn server in a background thread, serving an app on 127.0.0.1."""

    def __init__(self, app, **options) -> None:
        """``options``: more of uvicorn's public options (as ``kzgraph.cli.server_options``)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # the HTTP implementation `kzgraph serve` runs, with uvicorn's stock options
        config = uvicorn.Config(app, **{**SERVER_HTTP, "log_level": "warning", **options,
                                        "host": "127.0.0.1", "port": self.port})
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 60  # worker processes start slowly on a loaded machine
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(dataset) -> Iterator[LiveServer]:
    # Shared by many tests from one client address: per-client limits are tested on their own.
    settings = Settings(port=0, rate_limit_requests=0, rate_limit_query_seconds=0)
    with LiveServer(create_app(Service.from_dataset(dataset, settings))) as server:
        yield server


@pytest.fixture()
def client(live_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30, follow_redirects=True) as http:
        yield http


def select(client: httpx.Client, query: str, method: str = "GET") -> list[dict[str, str]]:
    """Run a SELECT over HTTP; rows as {variable: value} with unbound variables left out."""
    headers = {"Accept": "application/sparql-results+json"}
    if method == "GET":
        response = client.get("/sparql", params={"query": query}, headers=headers)
    else:
        response = client.post("/sparql", data={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]
