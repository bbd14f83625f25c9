"""The application factory: kzgraph's SPARQL router (built on rdflib-endpoint's) and site routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from rdflib import Dataset

from kzgraph.config import Settings
from kzgraph.curation import Curator
from kzgraph.errors import UsageError
from kzgraph.examples import Example, load_examples, load_wikidata_examples
from kzgraph.query.pool import WorkerPool
from kzgraph.query.remote import query_executor
from kzgraph.web.downloads import downloads_router
from kzgraph.web.errors import install_error_handlers
from kzgraph.web.graph_store import graph_store_router
from kzgraph.web.pages import linked_data_router
from kzgraph.web.search import search_router
from kzgraph.web.sparql import KzgraphSparqlRouter
from kzgraph.web.state import Served
from kzgraph.web.writes import Writer
from kzgraph.wikidata.view import WIKIBASE_PREFIXES

__all__ = ["create_app"]

TITLE = "kzgraph — the KazCosmos knowledge graph"
DESCRIPTION = (
    "Sourced facts about KazCosmos, Kazakhstan's national space agency, from the Wikipedia "
    "article and its references, linked to Wikidata. Every fact sits in a named graph per "
    "cited passage; the default graph is the union of all graphs."
)
WIKIDATA_TITLE = "kzgraph in Wikidata's vocabulary"
WIKIDATA_DESCRIPTION = (
    "The same facts in Wikidata's RDF model (wdt:, p:/ps:/pq:, prov:wasDerivedFrom references), "
    "with the Wikidata Query Service's prefixes predefined: a query written for "
    "query.wikidata.org runs here unchanged. Entities without a checked Wikidata id keep their "
    "kzgraph IRIs."
)


def create_app(
    dataset: Dataset, settings: Settings | None = None, examples: list[Example] | None = None,
    curator: Curator | None = None, curator_tokens: dict[str, str] | None = None,
) -> FastAPI:
    """Build the web service over ``dataset``; query workers start with the app.

    Read-only unless curator tokens are configured (``curator_tokens`` here, else the settings'
    tokens file or ``KZGRAPH_CURATOR_TOKEN``); writes then go through ``curator`` (by default one
    committing to ``settings.data_dir`` and validating with the embedded shapes).
    """
    settings = settings or Settings()
    examples = load_examples() if examples is None else examples
    served = Served(dataset)
    pool = query_executor(settings, served.nquads())  # local workers, or --backend's endpoint
    writer = Writer.from_settings(settings, served, pool, curator, curator_tokens)
    if writer is not None and settings.backend:
        raise UsageError("curators' writes are not available with --backend (they would not reach "
                         "the backend); write locally, then kzgraph publish")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title=TITLE, description=DESCRIPTION, version="0.1.0", lifespan=lifespan)
    app.state.pool = pool
    app.state.served = served
    install_error_handlers(app)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_credentials=False, allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type"], max_age=3600)
    app.include_router(KzgraphSparqlRouter(
        lambda: served.dataset, pool, settings, examples, writer=writer, path="/sparql",
        title=TITLE, description=DESCRIPTION, version="0.1.0",
        public_url=f"{settings.base_url}/sparql",
    ))
    app.include_router(KzgraphSparqlRouter(
        lambda: served.view, pool, settings, load_wikidata_examples(), path="/wikidata/sparql",
        dataset_name="wikidata", prefixes={k: str(v) for k, v in WIKIBASE_PREFIXES.items()},
        dataset_note="Wikidata's vocabulary, with the Wikidata Query Service's prefixes predefined",
        title=WIKIDATA_TITLE, description=WIKIDATA_DESCRIPTION, version="0.1.0",
        public_url=f"{settings.base_url}/wikidata/sparql",
    ))
    app.mount("/static", StaticFiles(packages=[("kzgraph.web", "static")]), name="static")
    _add_site_routes(app, pool, served)
    app.include_router(downloads_router(served, settings.public_url.rstrip("/") or None))
    app.include_router(graph_store_router(served, writer))
    app.include_router(search_router(served))
    app.include_router(linked_data_router(served))  # last: it holds the catch-all for thing IRIs
    return app


def _add_site_routes(app: FastAPI, pool: WorkerPool, served: Served) -> None:
    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "quads": len(served.dataset), "busy_workers": pool.busy})
