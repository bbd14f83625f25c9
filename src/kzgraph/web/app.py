"""The application factory: rdflib-endpoint's SparqlRouter mounted next to kzgraph's own routes."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse
from rdflib import Dataset
from rdflib_endpoint import SparqlRouter

from kzgraph.config import Settings
from kzgraph.examples import Example, load_examples

__all__ = ["create_app"]

TITLE = "kzgraph — the KazCosmos knowledge graph"
DESCRIPTION = (
    "Sourced facts about KazCosmos, Kazakhstan's national space agency, from the Wikipedia "
    "article and its references, linked to Wikidata. Every fact sits in a named graph per "
    "cited passage; the default graph is the union of all graphs."
)


def create_app(
    dataset: Dataset, settings: Settings | None = None, examples: list[Example] | None = None
) -> FastAPI:
    """Build the read-only web service over ``dataset``."""
    settings = settings or Settings()
    examples = load_examples() if examples is None else examples
    app = FastAPI(title=TITLE, description=DESCRIPTION, version="0.1.0")
    app.include_router(SparqlRouter(
        path="/sparql", title=TITLE, description=DESCRIPTION, version="0.1.0",
        graph=dataset, public_url=f"{settings.base_url}/sparql",
        example_queries={e.title: {"query": e.query} for e in examples},
        enable_update=False,
    ))
    _add_site_routes(app, dataset)
    return app


def _add_site_routes(app: FastAPI, dataset: Dataset) -> None:
    quads = len(dataset)  # the published dataset is read-only: count once
    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        # The query UI lives at /sparql: YASGUI queries the URL it is served from.
        return RedirectResponse("/sparql", status_code=303)

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "quads": quads})
