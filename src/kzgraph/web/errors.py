"""Errors as HTTP answers: the one function that writes an error body, and the app's handlers.

Every error a route raises ends here. A kzgraph error answers with the status and code its class
carries (``kzgraph.errors``) and the body ``{"error": code, "message": …, **details}``;
FastAPI's validation errors and Starlette's own HTTP errors become the kzgraph errors they are;
anything unexpected becomes a short 500 message and a log entry with the traceback (never sent
to the client).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kzgraph import errors

__all__ = ["error_body", "error_response", "install_error_handlers"]

log = logging.getLogger("kzgraph.web")

# Starlette's own refusals (no route, wrong method) as the kzgraph errors they are.
_STARLETTE = {404: errors.NotFound, 405: errors.MethodNotAllowed}


def error_body(error: errors.KzgraphError) -> dict[str, object]:
    return {"error": error.code, "message": str(error), **error.details}


def error_response(error: errors.KzgraphError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=error.status,
                        headers=getattr(error, "headers", None) or None)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.KzgraphError)
    async def kzgraph_error(request: Request, error: errors.KzgraphError):
        request.state.error_code = error.code  # for the metrics of refused queries
        return error_response(error)

    @app.exception_handler(errors.WriteRejected)
    async def write_rejected(request: Request, error: errors.WriteRejected):
        from kzgraph.web.writes import rejection_response

        request.state.error_code = error.code
        return rejection_response(error, request.headers.get("accept"))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        return error_response(errors.BadRequest("; ".join(e["msg"] for e in error.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        kind = _STARLETTE.get(error.status_code)
        if kind is not None:
            return error_response(kind(str(error.detail), headers=error.headers))
        body = {"error": "http_error", "message": str(error.detail)}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(errors.KzgraphError("internal error; it has been logged"))
