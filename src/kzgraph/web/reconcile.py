"""``/reconcile``: the Reconciliation Service API v0.2 over HTTP (OpenRefine's reconciliation).

HTTP only; what is answered is :mod:`kzgraph.reconciliation`'s. ``GET /reconcile`` is the
manifest; ``queries=`` (GET or a POSTed form, as OpenRefine sends it) a reconciliation batch;
``extend=`` a data extension query. Beside it: ``/reconcile/preview?id=``, the suggest services
``/reconcile/suggest/{entity,type,property}?prefix=&cursor=`` and the property proposals
``/reconcile/properties?type=&limit=``. CORS is the app's middleware's. The service is rebuilt
when a new release replaced the served data (``served.version``).
"""

from __future__ import annotations

import threading
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kzgraph.errors import BadRequest, UnsupportedMediaType
from kzgraph.reconciliation import Reconciler, named_entity_classes, parse_json
from kzgraph.search import MAX_LIMIT
from kzgraph.validation import load_shapes
from kzgraph.web.pages import template_environment
from kzgraph.web.search import CurrentIndex
from kzgraph.web.service import public_base
from kzgraph.release import Served

__all__ = ["reconcile_router"]

NAME = "kzgraph — the KazCosmos knowledge graph"
SERVICE_VERSION = "0.1.0"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SUGGEST_KINDS = ("entity", "type", "property")


class CurrentReconciler:
    """The reconciliation service of the data being served, rebuilt with each release."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.index = CurrentIndex(served)
        self._lock = threading.Lock()
        self._built: tuple[int, Reconciler] | None = None

    def get(self) -> Reconciler:
        with self._lock:
            version = self.served.version
            if self._built is None or self._built[0] != version:
                self._built = (version, Reconciler(self.served.dataset, self.index.get(),
                                                   _named_classes()))
            return self._built[1]


@lru_cache(maxsize=1)
def _named_classes() -> tuple:
    return tuple(named_entity_classes(load_shapes()))


reconcile_router = APIRouter(tags=["reconciliation"])
TEMPLATES = template_environment()


@lru_cache(maxsize=4)  # one per served data (tests build many apps in one process)
def _reconciler_of(served: Served) -> CurrentReconciler:
    return CurrentReconciler(served)


async def _service(request: Request) -> Reconciler:
    return await run_in_threadpool(_reconciler_of(request.app.state.service.served).get)


async def _answer(request: Request, fields: dict) -> Response:
    queries, extend = fields.get("queries"), fields.get("extend")
    if queries is not None and extend is not None:
        raise BadRequest("send either queries= or extend=, not both")
    service = await _service(request)
    if queries is not None:
        batch = parse_json(queries, "queries")
        return JSONResponse(await run_in_threadpool(service.reconcile, batch))
    if extend is not None:
        body = parse_json(extend, "extend")
        return JSONResponse(await run_in_threadpool(service.extend, body))
    return JSONResponse(service.manifest(public_base(request), NAME, SERVICE_VERSION))


@reconcile_router.get("/reconcile", summary="Reconciliation service: manifest, queries= or extend=")
async def reconcile_get(request: Request) -> Response:
    return await _answer(request, dict(request.query_params))


@reconcile_router.post("/reconcile", summary="Reconciliation service: queries= or extend= as a form")
async def reconcile_post(request: Request) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in FORM_TYPES:
        raise UnsupportedMediaType(
            "send queries= or extend= as a form (application/x-www-form-urlencoded), "
            f"not {media or 'a body without a Content-Type'}")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if not fields.keys() & {"queries", "extend"}:
        raise BadRequest("the form has no queries= or extend= field")
    return await _answer(request, fields)


@reconcile_router.get("/reconcile/preview", summary="An HTML card of an entity, with its sources")
async def preview(request: Request, id: str | None = None) -> HTMLResponse:
    if not id:
        raise BadRequest("preview needs id=, an entity id such as KazSat-1")
    service = await _service(request)
    card = await run_in_threadpool(service.card, id)
    return HTMLResponse(TEMPLATES.get_template("reconcile_preview.html").render(card=card))


@reconcile_router.get("/reconcile/suggest/{kind}", summary="Autocomplete of entities, types, properties")
async def suggest(request: Request, kind: str, prefix: str | None = None,
                  cursor: str | None = None) -> Response:
    if kind not in SUGGEST_KINDS:
        raise BadRequest(f"the suggest services are {', '.join(SUGGEST_KINDS)}, not {kind!r}")
    if prefix is None:
        raise BadRequest("suggest needs prefix=, the text typed so far")
    skip = _whole_number(cursor, "cursor", 0)
    service = await _service(request)
    method = {"entity": service.suggest_entities, "type": service.suggest_types,
              "property": service.suggest_properties}[kind]
    return JSONResponse(await run_in_threadpool(method, prefix, skip))


@reconcile_router.get("/reconcile/properties", summary="Properties to extend a column of a type with")
async def properties(request: Request, type: str | None = None, limit: str | None = None) -> Response:
    count = _whole_number(limit, "limit", 1) if limit not in (None, "") else None
    if count is not None and count > MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    service = await _service(request)
    return JSONResponse(await run_in_threadpool(service.propose_properties, type or "", count))


def _whole_number(text: str | None, name: str, least: int) -> int:
    if text is None or text == "":
        return least
    if not text.strip().isdigit() or int(text) < least:
        raise BadRequest(f"{name} must be a whole number, at least {least}")
    return int(text)
