"""``GET /search?q=…&limit=…``: label search over the served data, as JSON or an HTML page.

JSON is the default (machines); browsers get HTML through content negotiation, and
``format=json|html`` chooses explicitly. The index (``kzgraph.search.SearchIndex``) is built on
the first search and again after a new release replaced the served data (``served.version``).
Unusable input (empty, too long, nothing to search for, a bad limit) is a 400: a short JSON error,
or for browsers the search page saying what to change.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kzgraph.errors import BadRequest
from kzgraph.search import DEFAULT_LIMIT, MAX_LIMIT, Hit, SearchIndex, SearchResults
from kzgraph.web.conneg import negotiate
from kzgraph.web.errors import error_response
from kzgraph.web.pages import CANONICAL_BASE, local_path, template_environment
from kzgraph.release import Served

__all__ = ["CurrentIndex", "search_router"]

FORMATS = {"json": "application/json", "html": "text/html"}
OFFERED = list(FORMATS.values())  # JSON first: a client that states no preference is a machine


class CurrentIndex:
    """The search index of the data being served, rebuilt when a new release replaced it."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self._lock = threading.Lock()
        self._built: tuple[int, SearchIndex] | None = None

    def get(self) -> SearchIndex:
        with self._lock:  # one build per release, even when searches arrive together
            version = self.served.version
            if self._built is None or self._built[0] != version:
                release = self.served.release
                kept = release.entry.path / "search.sqlite" if release.entry is not None else None
                self._built = (version, SearchIndex(release.dataset, kept))
            return self._built[1]


search_router = APIRouter(tags=["search"])
TEMPLATES = template_environment()


@lru_cache(maxsize=4)  # one per served data (tests build many apps in one process)
def _index_of(served: Served) -> CurrentIndex:
    return CurrentIndex(served)


def _page(status: int, **context) -> HTMLResponse:
    html = TEMPLATES.get_template("search.html").render(max_limit=MAX_LIMIT, **context)
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


@search_router.get("/search", summary="Search labels in every language and script")
async def search(request: Request, q: str | None = None, limit: str | None = None,
                 format: str | None = None) -> Response:
    media = _media(request, format)
    current = _index_of(request.app.state.service.served)
    try:
        count = _limit(limit)
        results = await run_in_threadpool(lambda: current.get().search(q or "", count))
    except BadRequest as error:
        if media == "text/html":  # a browser without a query gets the search form itself
            empty = not (q or "").strip()
            return _page(200 if empty else 400, q=q or "", error=None if empty else str(error))
        return error_response(error)
    if media == "text/html":
        return _page(200, q=results.query, results=results, hits=[_view(h) for h in results.hits])
    return JSONResponse(_json(results), headers={"Vary": "Accept"})


def _media(request: Request, format: str | None) -> str:
    if format is None:
        return negotiate(request.headers.get("accept"), OFFERED)
    if format in FORMATS:
        return FORMATS[format]
    raise BadRequest(f"format must be one of {', '.join(FORMATS)}")


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    try:
        return int(text)
    except ValueError:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}") from None


def _href(iri: str) -> str:
    """Where a result links: the entity's page on this server, or the IRI itself."""
    return local_path(iri) if iri.startswith(CANONICAL_BASE) else iri


def _view(hit: Hit) -> dict:
    return {"hit": hit, "href": _href(hit.iri),
            "types": [{"label": t.label, "href": _href(t.iri)} for t in hit.types]}


def _json(results: SearchResults) -> dict:
    return {
        "query": results.query, "limit": results.limit, "total": results.total,
        "results": [{
            "iri": h.iri, "href": _href(h.iri), "label": h.label, "language": h.language,
            "property": h.property, "match": h.match, "score": h.score, "name": h.name,
            "types": [{"iri": t.iri, "label": t.label} for t in h.types],
        } for h in results.hits],
    }
