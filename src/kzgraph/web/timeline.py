"""The timeline page: ``/timeline`` (HTML with the inline SVG chart) and its JSON form.

``/timeline`` negotiates HTML or JSON (``Vary: Accept``); ``/timeline.json`` and
``/timeline.html`` name one. The page needs no script: the SVG is decoration
(``aria-hidden``) and the ordered list beside it carries every event, its date and its sources
for keyboards, screen readers and print.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from kzgraph.errors import NotFound
from kzgraph.timeline import TIMELINE_QUERY
from kzgraph.web.conneg import negotiate
from kzgraph.web.pages import PageView, template_environment
from kzgraph.web.timeline_chart import chart_of, query_ui_link, timeline_of

__all__ = ["timeline_router"]

OFFERED = ["text/html", "application/json"]
EXTENSIONS = {"json": "application/json", "html": "text/html"}


timeline_router = APIRouter(tags=["linked data"])


@timeline_router.get("/timeline", include_in_schema=False)
@timeline_router.get("/timeline.{ext}", include_in_schema=False)
async def timeline(request: Request, ext: str | None = None) -> Response:
    if ext is not None and ext not in EXTENSIONS:
        raise NotFound(f"no timeline as .{ext}: ask for /timeline.json or /timeline.html")
    media = EXTENSIONS[ext] if ext else negotiate(request.headers.get("accept"), OFFERED)
    served = request.app.state.service.served
    events = timeline_of(served)
    if media == "application/json":
        return JSONResponse(events.as_json(), headers={"Vary": "Accept"})
    html = template_environment().get_template("timeline.html").render(
        view=PageView(served.dataset), timeline=events, chart=chart_of(events),
        query=TIMELINE_QUERY, query_link=query_ui_link())
    return HTMLResponse(html, headers={"Vary": "Accept"})
