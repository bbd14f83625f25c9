"""kzgraph's CORS layer answers exactly as Starlette's CORSMiddleware, with or without Origin."""

from __future__ import annotations

import asyncio

import pytest
from starlette.middleware.cors import CORSMiddleware

from kzgraph.web.cors import Cors, with_vary_origin

SETTINGS = [
    {"allow_origins": ["*"]},
    {"allow_origins": ["https://example.org"]},
]
REQUEST_HEADERS = [
    [],
    [(b"accept", b"text/csv")],
    [(b"origin", b"https://example.org")],
    [(b"origin", b"https://elsewhere.example")],
    [(b"origin", b"https://example.org"), (b"access-control-request-method", b"POST")],
]
RESPONSE_HEADERS = [
    None,  # the app sends no headers at all
    [],
    [(b"content-type", b"text/csv")],
    [(b"vary", b"Accept"), (b"etag", b'"x"')],
    [(b"vary", b"Accept"), (b"content-type", b"text/csv"), (b"vary", b"Cookie")],
    [(b"Vary", b"Accept")],  # not lowercase: Starlette does not see it as Vary either
]


def answer(middleware_class, settings: dict, method: str, request_headers, response_headers) -> list:
    async def app(scope, receive, send) -> None:
        start = {"type": "http.response.start", "status": 200}
        if response_headers is not None:
            start["headers"] = list(response_headers)
        await send(start)
        await send({"type": "http.response.body", "body": b"answer"})

    middleware = middleware_class(app, allow_credentials=False, allow_headers=["Accept"],
                                  allow_methods=["GET", "POST", "HEAD", "OPTIONS"], max_age=60,
                                  **settings)
    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}
    scope = {"type": "http", "method": method, "path": "/sparql", "headers": list(request_headers)}
    asyncio.run(middleware(scope, receive, send))
    return sent


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
@pytest.mark.parametrize("request_headers", REQUEST_HEADERS)
@pytest.mark.parametrize("response_headers", RESPONSE_HEADERS)
def test_every_answer_is_starlettes(settings, method, request_headers, response_headers):
    assert (answer(Cors, settings, method, request_headers, response_headers)
            == answer(CORSMiddleware, settings, method, request_headers, response_headers))


def test_origin_is_added_to_vary_in_the_first_varys_place():
    headers = [(b"a", b"1"), (b"vary", b"Accept"), (b"b", b"2"), (b"vary", b"Cookie")]
    assert with_vary_origin(headers) == [(b"a", b"1"), (b"vary", b"Accept, Cookie, Origin"),
                                         (b"b", b"2")]
    assert with_vary_origin([]) == [(b"vary", b"Origin")]
