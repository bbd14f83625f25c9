"""Calls of the reconciliation service over HTTP, each request and response checked against the
Reconciliation Service API v0.2 schemas."""

from __future__ import annotations

import json

import httpx
import pytest

from .schemas import check


class Service:
    """The live server's /reconcile, spoken as OpenRefine speaks it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def manifest(self) -> dict:
        response = self.client.get("/reconcile")
        assert response.status_code == 200, response.text
        return check("manifest", response.json())

    def reconcile(self, queries: dict, method: str = "POST") -> dict:
        check("reconciliation-query-batch", queries)
        response = self.send("queries", json.dumps(queries), method)
        assert response.status_code == 200, response.text
        return check("reconciliation-result-batch", response.json())

    def one(self, query: dict) -> list[dict]:
        """The candidates of a single query."""
        return self.reconcile({"q0": query})["q0"]["result"]

    def extend(self, request: dict, method: str = "POST") -> dict:
        check("data-extension-query", request)
        response = self.send("extend", json.dumps(request), method)
        assert response.status_code == 200, response.text
        return check("data-extension-response", response.json())

    def suggest(self, kind: str, prefix: str, **params) -> list[dict]:
        response = self.client.get(f"/reconcile/suggest/{kind}", params={"prefix": prefix, **params})
        assert response.status_code == 200, response.text
        schema = {"entity": "suggest-entities-response", "type": "suggest-types-response",
                  "property": "suggest-properties-response"}[kind]
        return check(schema, response.json())["result"]

    def proposals(self, **params) -> dict:
        response = self.client.get("/reconcile/properties", params=params)
        assert response.status_code == 200, response.text
        return check("data-extension-property-proposal", response.json())

    def send(self, field: str, text: str, method: str = "POST") -> httpx.Response:
        if method == "GET":
            return self.client.get("/reconcile", params={field: text})
        return self.client.post("/reconcile", data={field: text})


@pytest.fixture()
def service(client) -> Service:
    return Service(client)


def ids(candidates: list[dict]) -> list[str]:
    return [c["id"] for c in candidates]


def refused(response: httpx.Response, status: int, words: str) -> dict:
    """The JSON error body, after asserting its status and that its message says ``words``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert words in body["message"], body
    return body
