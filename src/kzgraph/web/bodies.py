"""Reading request bodies within their limits: size (413) and time (408).

Every route that reads a body goes through here, so that no route can be held open by a client
that sends a huge body, or a slow one byte by byte (slow loris).
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.requests import ClientDisconnect

from kzgraph.errors import BadRequest, PayloadTooLarge, RequestTimeout

__all__ = ["check_declared_length", "read_body"]


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse at once a body whose Content-Length is over ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the request body is {declared} bytes; the limit is {limit}")


async def read_body(request: Request, limit: int, seconds: float) -> bytes:
    """The body, refused past ``limit`` bytes or ``seconds`` (a slow-loris client would
    otherwise hold its connection open for as long as it likes)."""
    check_declared_length(request, limit)
    chunks, size = [], 0
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the request body is over the {limit}-byte limit")
                chunks.append(chunk)
    except TimeoutError:
        raise RequestTimeout(f"the request body did not arrive within {seconds:g} s") from None
    except ClientDisconnect:  # nobody to answer; not a server error either
        raise BadRequest("the client closed the connection before the body ended") from None
    return b"".join(chunks)
