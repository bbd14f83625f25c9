"""External stores on 127.0.0.1 for the publish and backend tests.

:class:`OxigraphServer` runs the real Oxigraph server (PyPI package ``oxigraph``) in memory,
read-write. :class:`StandInStore` is a small Graph Store + SPARQL endpoint stand-in that records
every request (method, path, parameters, headers, body) and can be scripted: answers queued in
``script`` (status, headers, body, delay in seconds) are served before its normal behaviour.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.conftest import free_port
from tests.loopback import LoopbackServer, QuietHandler, send

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


class OxigraphServer:
    def __init__(self, *flags: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.store_url = f"{self.url}/store"
        self.query_url = f"{self.url}/query"
        binary = str(OXIGRAPH) if OXIGRAPH.exists() else shutil.which("oxigraph")
        if binary is None:
            raise RuntimeError("the Oxigraph server is missing: pip install -e '.[test]'")
        self.command = [binary, "serve", "--bind", f"127.0.0.1:{self.port}", *flags]

    def __enter__(self) -> "OxigraphServer":
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=2)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the Oxigraph server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def select(self, query: str) -> list[dict[str, str]]:
        response = httpx.post(self.query_url, data={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert response.status_code == 200, response.text
        return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]

    def count(self, graph: str | None = None) -> int:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        return int(self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")[0]["n"])

    def graphs(self) -> set[str]:
        return {r["g"] for r in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes


SELECT_ANSWER = (b'{"head":{"vars":["x"]},"results":{"bindings":'
                 b'[{"x":{"type":"literal","value":"from the stand-in"}}]}}')


class StandInStore(LoopbackServer):
    """``/store``: Graph Store (PUT, GET, DELETE; ``?graph=`` or ``?default``);
    ``/sparql``: answers every query with one SELECT row (:data:`SELECT_ANSWER`)."""

    def __init__(self) -> None:
        super().__init__(_handler(self))
        self.graphs: dict[str | None, bytes] = {}
        self.requests: list[Recorded] = []
        self.script: list[tuple[int, dict[str, str], bytes, float]] = []
        self.drop_a_triple = False  # store one triple less than sent in every graph
        self.digest = False         # challenge requests without Digest credentials
        self.lock = threading.Lock()
        self.store_url = f"{self.url}/store"
        self.sparql_url = f"{self.url}/sparql"

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes, float]:
        with self.lock:
            self.requests.append(request)
            if self.script:
                return self.script.pop(0)
        if self.digest and not request.headers.get("authorization", "").startswith("Digest "):
            return 401, {"WWW-Authenticate": 'Digest realm="SPARQL", nonce="4f1e", qop="auth", '
                                               'algorithm="MD5", opaque="5ebe"'}, b"", 0
        if request.path == "/store":
            return self.graph_store(request)
        if request.path == "/sparql":
            return 200, {"Content-Type": "application/sparql-results+json"}, SELECT_ANSWER, 0
        return 404, {}, b"not found", 0

    def graph_store(self, request: Recorded) -> tuple[int, dict[str, str], bytes, float]:
        graph = request.params["graph"][0] if "graph" in request.params else None
        if request.method == "PUT":
            lines = [line for line in request.body.split(b"\n") if line.strip()]
            with self.lock:
                created = graph not in self.graphs
                self.graphs[graph] = b"\n".join(lines[1:] if self.drop_a_triple else lines) + b"\n"
            return (201 if created else 204), {}, b"", 0
        if request.method == "DELETE":
            with self.lock:
                found = self.graphs.pop(graph, None) is not None
            return (204 if found else 404), {}, b"", 0
        if graph not in self.graphs:
            return 404, {}, b"no such graph", 0
        return 200, {"Content-Type": "application/n-triples"}, self.graphs[graph], 0


def _handler(stand_in: StandInStore) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(self.command, url.path, parse_qs(url.query, keep_blank_values=True),
                                {k.lower(): v for k, v in self.headers.items()}, body)
            status, headers, payload, delay = stand_in.answer(recorded)
            if delay:
                time.sleep(delay)
            send(self, status, headers, payload)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

    return Handler
