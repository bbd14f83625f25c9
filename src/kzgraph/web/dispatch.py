"""Queries go straight to the SPARQL endpoints' handlers, past FastAPI's router.

For a cached answer, FastAPI's route matching (every route of the app is tried in turn), its
dependency solving, exception middleware and exit stacks cost about as much as everything kzgraph
does itself. ``SparqlDispatch`` sits inside the operations middleware (so rate limits, metrics
and the access log still see every request) and hands a GET or POST to a SPARQL endpoint's path
to its handler at once, with the same ``scope["route"]`` FastAPI would set. An error the handler
raises goes to the app's own exception handlers (``web/errors.py``), found as Starlette finds
them; an error they do not handle goes on up, as before, to the app's last-resort 500. Every
other request takes the app's ordinary way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["SparqlDispatch"]

Handler = Callable[[Request, Exception], Awaitable[Response]]
DISPATCHED = ("GET", "POST")


class SparqlDispatch:
    def __init__(self, app, routers: Iterable[Any], exception_handlers: Mapping[Any, Handler]) -> None:
        """``routers``: the SPARQL routers whose GET and POST routes are dispatched here;
        ``exception_handlers``: the app's table (read at each error, so later additions count)."""
        self.app = app
        self.exception_handlers = exception_handlers
        self.routes: dict[tuple[str, str], APIRoute] = {
            (route.path, method): route
            for router in routers for route in router.routes if isinstance(route, APIRoute)
            for method in DISPATCHED if method in route.methods}

    async def __call__(self, scope, receive, send) -> None:
        route = (self.routes.get((scope["path"], scope["method"]))
                 if scope["type"] == "http" and not scope.get("root_path") else None)
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {}
        request = Request(scope, receive, send)
        try:
            response = await route.endpoint(request)
        except Exception as error:
            handler = self._handler_for(error)
            if handler is None:
                raise
            response = await handler(request, error)
        await response(scope, receive, send)

    def _handler_for(self, error: Exception) -> Handler | None:
        """The app's handler for this error's class or its nearest base, as Starlette's
        exception middleware picks it; ``Exception``'s own is the app's outermost layer's."""
        for kind in type(error).__mro__:
            if kind is Exception:
                return None
            if kind in self.exception_handlers:
                return self.exception_handlers[kind]
        return None
