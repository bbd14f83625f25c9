"""Running kzgraph in production: liveness, readiness, metrics, rate limits and access logs.

``OperationsMiddleware`` wraps the whole app (plain ASGI, so responses still stream): it applies
the per-client rate limits before a request reaches a route, and afterwards counts the request
in the metrics and writes one JSON access-log line. Routes tell it about the query they ran
through ``request.state`` (``query_hash``, ``query_seconds`` waited, ``query_cost`` spent by the
engine, ``query_outcome``, ``error_code``),
so query handlers need know nothing of metrics or logs.

The client is ``scope["client"]``: behind a reverse proxy, let uvicorn take it from
``X-Forwarded-For`` (``--forwarded-allow-ips``) or every client shares the proxy's limits.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from kzgraph.errors import RateLimited
from kzgraph.query.executor import QueryExecutor
from kzgraph.web.errors import error_response
from kzgraph.web.metrics import CONTENT_TYPE, Metrics
from kzgraph.web.ratelimit import RateLimiter
from kzgraph.web.releases import Releases

__all__ = ["OperationsMiddleware", "operations_router"]

access_log = logging.getLogger("kzgraph.access")
# Monitoring must always get through, and must not use up a client's budget.
UNLIMITED = ("/health", "/ready", "/metrics")


class OperationsMiddleware:
    def __init__(self, app, metrics: Metrics, limiter: RateLimiter, query_paths: tuple[str, ...],
                 log_requests: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.limiter = limiter
        self.query_paths = {p.rstrip("/") for p in query_paths}
        self.log_requests = log_requests

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        client = (scope.get("client") or ("unknown", 0))[0]
        endpoint = scope["path"].rstrip("/")
        endpoint = endpoint if endpoint in self.query_paths else None
        sent = {"status": 500, "bytes": 0}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            elif message["type"] == "http.response.body":
                sent["bytes"] += len(message.get("body", b""))
            await send(message)

        limited = self._admit(scope, client, endpoint is not None)
        try:
            if limited is not None:
                state["error_code"] = "rate_limited"
                await limited(scope, receive, watch)
            else:
                await self.app(scope, receive, watch)
        finally:
            self._account(scope, state, client, endpoint, sent, time.perf_counter() - started)

    def _admit(self, scope, client: str, runs_query: bool) -> Response | None:
        if not self.limiter.enabled or scope["path"] in UNLIMITED or scope["method"] == "OPTIONS":
            return None
        refusal = self.limiter.admit(client, runs_query)
        if refusal is None:
            return None
        self.metrics.rate_limited.labels(refusal.limit).inc()
        return error_response(
            RateLimited(refusal.message, headers={"Retry-After": str(refusal.retry_after)}))

    def _account(self, scope, state: dict, client: str, endpoint: str | None, sent: dict,
                 seconds: float) -> None:
        if state.get("query_cost") is not None:
            self.limiter.charge(client, state["query_cost"])
        template = getattr(scope.get("route"), "path", None) or "unmatched"
        status = sent["status"]
        self.metrics.count_request(template, scope["method"], status)
        if endpoint is not None:
            self._count_query(endpoint, state, status)
        if self.log_requests and access_log.isEnabledFor(logging.INFO):
            line = json.dumps(_log_record(scope, state, client, status, sent["bytes"], template,
                                          seconds), ensure_ascii=False)
            access_log.info(line)

    def _count_query(self, endpoint: str, state: dict, status: int) -> None:
        if state.get("cache"):
            self.metrics.count_cache(state["cache"])
        outcome = state.get("query_outcome")
        if outcome is not None:
            self.metrics.observe_query(endpoint, outcome, state["query_seconds"])
            if outcome == "timeout":
                self.metrics.timeouts.labels(endpoint).inc()
        if status >= 400 and state.get("error_code"):
            self.metrics.rejected.labels(endpoint, state["error_code"]).inc()


def _log_record(scope, state: dict, client: str, status: int, size: int, route: str,
                seconds: float) -> dict:
    """One access-log line. The query itself is not logged (it may be private): its hash is,
    so that repeated or expensive queries can be found."""
    record = {
        "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "client": client, "method": scope["method"], "path": scope["path"], "route": route,
        "status": status, "bytes": size, "ms": round(seconds * 1000, 2),
    }
    for key in ("query_hash", "query_seconds", "query_cost", "query_outcome", "cache",
                "error_code", "curator"):
        if state.get(key) is not None:
            record[key] = state[key]
    return record


operations_router = APIRouter(tags=["operations"])


@operations_router.get("/health", summary="Liveness: the server answers")
async def health(request: Request) -> JSONResponse:
    service = request.app.state.service
    release = service.served.release
    return JSONResponse({"status": "ok", "version": release.version,
                         "quads": len(release.dataset), "busy_workers": service.pool.busy})


@operations_router.get("/ready", summary="Readiness: data loaded, query workers up, data valid")
async def ready(request: Request) -> JSONResponse:
    service = request.app.state.service
    status, reason = _readiness(service.releases, service.pool)
    release = service.served.release
    body = {"status": status, "version": release.version, "quads": len(release.dataset)}
    if reason:
        body["reason"] = reason
    return JSONResponse(body, status_code=200 if status == "ready" else 503,
                        headers=None if status == "ready" else {"Retry-After": "5"})


@operations_router.get("/metrics", summary="Prometheus metrics")
async def prometheus(request: Request) -> Response:
    return Response(request.app.state.service.metrics.exposition(), media_type=CONTENT_TYPE)


def _readiness(releases: Releases, pool: QueryExecutor) -> tuple[str, str | None]:
    if not pool.started:
        return "starting", "the query workers are starting"
    if not releases.validates:
        return "ready", None
    state = releases.validation
    if state.digest != releases.served.release.digest or state.report is None:
        return "validating", "the data in service is being checked against the shapes"
    if not state.report.conforms:
        return "invalid", f"the data in service does not conform: {state.report.summary()}"
    return "ready", None
