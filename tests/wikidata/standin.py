"""A stand-in for Wikidata on 127.0.0.1: real HTTP, answers in the shapes Wikidata's services use.

Serves ``/w/api.php`` (wbsearchentities, wbgetentities) and ``/wiki/Special:EntityData/Q….json``
from the JSON fixtures in ``fixtures/``, and ``/sparql`` (GET, form or direct POST, as the query
service takes them) by running the query with pyoxigraph over ``fixtures/wdqs.ttl``. Every id in the fixtures is test data
(Q9000…), not a real Wikidata item. Tests script failures by queueing answers in ``script``
(status, headers, delay in seconds) that are served before the fixtures, and read ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph

from tests.loopback import LoopbackServer, QuietHandler, send

FIXTURES = Path(__file__).resolve().parent / "fixtures"


class StandIn(LoopbackServer):
    def __init__(self, fixtures: Path = FIXTURES) -> None:
        super().__init__(_handler(self))
        self.entities = {}
        for path in sorted((fixtures / "entities").glob("*.json")):
            self.entities.update(json.loads(path.read_text(encoding="utf-8"))["entities"])
        self.redirects = json.loads((fixtures / "redirects.json").read_text(encoding="utf-8"))
        self.searches = json.loads((fixtures / "wbsearchentities.json").read_text(encoding="utf-8"))
        self.store = pyoxigraph.Store()
        self.store.load(path=str(fixtures / "wdqs.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
        self.script: list[tuple[int, dict[str, str], float]] = []
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        self.lock = threading.Lock()

    def settings(self, **overrides):
        from kzgraph.wikidata import WikidataSettings

        values = dict(api_url=f"{self.url}/w/api.php",
                      entity_data_url=f"{self.url}/wiki/Special:EntityData",
                      sparql_url=f"{self.url}/sparql", timeout=2.0, retries=2, backoff=0.05)
        return WikidataSettings(**{**values, **overrides})

    def options(self) -> list[str]:
        """The same settings as ``kzgraph wikidata`` options."""
        return ["--api-url", f"{self.url}/w/api.php",
                "--entity-data-url", f"{self.url}/wiki/Special:EntityData",
                "--sparql-url", f"{self.url}/sparql", "--timeout", "2", "--backoff", "0.05"]

    # answers

    def answer(self, path: str, params: dict[str, str]) -> tuple[int, dict, object]:
        if path == "/w/api.php" and params.get("action") == "wbsearchentities":
            return 200, {}, self.search(params["search"])
        if path == "/w/api.php" and params.get("action") == "wbgetentities":
            return 200, {}, self.get_entities(params["ids"].split("|"))
        if path.startswith("/wiki/Special:EntityData/") and path.endswith(".json"):
            return self.entity_data(path.rsplit("/", 1)[1][:-5])
        if path == "/sparql" and "query" in params:
            return self.sparql(params["query"])
        return 404, {}, {"error": "not found"}

    def sparql(self, query: str) -> tuple[int, dict, object]:
        try:
            results = self.store.query(query)
        except SyntaxError as error:
            return 400, {}, {"error": str(error)}
        serialized = results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)
        return 200, {"Content-Type": "application/sparql-results+json"}, json.loads(serialized)

    def search(self, text: str) -> dict:
        found = self.searches.get(text, [])
        return {"searchinfo": {"search": text}, "search": found, "success": 1}

    def get_entities(self, ids: list[str]) -> dict:
        entities = {}
        for qid in ids:
            target = self.redirects.get(qid, qid)
            if target not in self.entities:
                entities[qid] = {"id": qid, "missing": ""}
            elif target != qid:
                entities[target] = {**self.entities[target], "redirects": {"from": qid, "to": target}}
            else:
                entities[qid] = self.entities[qid]
        return {"entities": entities, "success": 1}

    def entity_data(self, qid: str) -> tuple[int, dict, object]:
        if qid in self.redirects:
            return 303, {"Location": f"/wiki/Special:EntityData/{self.redirects[qid]}.json"}, None
        if qid not in self.entities:
            return 404, {}, {"error": f"no entity {qid}"}
        return 200, {}, {"entities": {qid: self.entities[qid]}}


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.respond({})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if media_type == "application/sparql-query":
                self.respond({"query": body})
            else:
                self.respond({k: v[0] for k, v in parse_qs(body).items()})

        def respond(self, posted: dict[str, str]) -> None:
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()} | posted
            with stand_in.lock:
                stand_in.requests.append((parts.path, params, dict(self.headers)))
                scripted = stand_in.script.pop(0) if stand_in.script else None
            if scripted:
                status, headers, delay = scripted
                time.sleep(delay)
                body: object = {"error": "scripted"}
            else:
                status, headers, body = stand_in.answer(parts.path, params)
            self.reply(status, headers, body)

        def reply(self, status: int, headers: dict, body: object) -> None:
            payload = json.dumps(body).encode("utf-8") if body is not None else b""
            if "html" in headers.get("Content-Type", ""):
                payload = b"<html><body>Wikimedia error page</body></html>"
            send(self, status, {"Content-Type": "application/json; charset=utf-8", **headers}, payload)

    return Handler
