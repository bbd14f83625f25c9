"""The one mapping from kzgraph's exceptions to HTTP statuses, as short JSON (or text) errors.

Every error a route raises ends here: typed kzgraph errors get their status from ``STATUS``;
FastAPI's own validation errors become 400; anything unexpected becomes a short 500 message and
a log entry with the traceback (never sent to the client).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kzgraph import errors

__all__ = ["STATUS", "install_error_handlers"]

log = logging.getLogger("kzgraph.web")

STATUS: dict[type[errors.KzgraphError], tuple[int, str]] = {
    errors.QuerySyntaxError: (400, "query_syntax"),
    errors.ServiceNotAllowed: (400, "service_not_allowed"),
    errors.BadRequest: (400, "bad_request"),
    errors.UpdateRefused: (403, "update_refused"),
    errors.Unauthorized: (401, "unauthorized"),
    errors.Forbidden: (403, "forbidden"),
    errors.WriteRejected: (422, "shacl_violation"),
    errors.MethodNotAllowed: (405, "method_not_allowed"),
    errors.NotAcceptable: (406, "not_acceptable"),
    errors.PayloadTooLarge: (413, "payload_too_large"),
    errors.ResultTooLarge: (413, "result_too_large"),
    errors.UnsupportedMediaType: (415, "unsupported_media_type"),
    errors.Overloaded: (503, "overloaded"),
    errors.RateLimited: (429, "rate_limited"),
    errors.QueryTimeout: (503, "timeout"),
    errors.WorkerLost: (503, "worker_lost"),
    errors.RequestTimeout: (408, "request_timeout"),
    errors.ServiceTimeout: (504, "service_timeout"),
    errors.ServiceFailed: (502, "service_failed"),
    errors.BackendUnavailable: (503, "backend_unavailable"),
    errors.BackendFailed: (502, "backend_failed"),
    errors.UsageError: (400, "bad_request"),
}


def status_of(error: errors.KzgraphError) -> tuple[int, str]:
    return next((v for kind, v in STATUS.items() if isinstance(error, kind)), (500, "internal_error"))


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   details: dict[str, object] | None = None):
    """The one error body: ``{"error": code, "message": …}``, plus the error's ``details`` (such
    as the line and column of a query's syntax error)."""
    return JSONResponse({"error": code, "message": message, **(details or {})},
                        status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.KzgraphError)
    async def kzgraph_error(request: Request, error: errors.KzgraphError):
        status, code = status_of(error)
        request.state.error_code = code  # for the metrics of refused queries
        return error_response(status, code, str(error), getattr(error, "headers", None),
                              getattr(error, "details", None))

    @app.exception_handler(errors.WriteRejected)
    async def write_rejected(request: Request, error: errors.WriteRejected):
        from kzgraph.web.writes import rejection_response

        request.state.error_code = status_of(error)[1]
        return rejection_response(error, request.headers.get("accept"))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        return error_response(400, "bad_request", "; ".join(e["msg"] for e in error.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return error_response(error.status_code, "http_error", str(error.detail), error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; it has been logged")
