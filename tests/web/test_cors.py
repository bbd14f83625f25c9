"""CORS through the live server: Starlette's CORSMiddleware, as configured by ``create_app``."""

from __future__ import annotations

import httpx

ASK = {"query": "ASK { ?s ?p ?o }"}
JSON = "application/sparql-results+json"


def test_a_page_on_another_origin_may_read_query_answers(client: httpx.Client):
    response = client.get("/sparql", params=ASK,
                          headers={"Accept": JSON, "Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_answers_vary_on_origin_and_accept_with_or_without_an_origin(client: httpx.Client):
    """A cache in front (deploy/nginx) keys on Origin: every answer says it varies on it."""
    for headers in ({"Accept": JSON}, {"Accept": JSON, "Origin": "https://example.org"}):
        vary = {part.strip().lower() for part in client.get(
            "/sparql", params=ASK, headers=headers).headers["vary"].split(",")}
        assert {"accept", "origin"} <= vary


def test_a_preflight_for_a_post_is_allowed_and_kept_an_hour(client: httpx.Client):
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type"})
    assert response.status_code == 200
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["access-control-max-age"] == "3600"


def test_a_preflight_for_a_method_not_offered_is_refused(client: httpx.Client):
    response = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "DELETE"})
    assert response.status_code == 400
