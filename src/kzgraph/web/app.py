"""The application factory: the one place the HTTP app is assembled from a built service.

kzgraph's SPARQL routers (built on rdflib-endpoint's), the site's routers, the error handlers and
Starlette's middleware as they come. Another router joins with one ``include_router`` line in
``create_app`` (before the linked-data router, which holds the catch-all for thing IRIs).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.cors import CORSMiddleware

from kzgraph.prefixes import KZGRAPH_PREFIXES, WDQS_PREFIXES
from kzgraph.web.downloads import downloads_router
from kzgraph.web.errors import install_error_handlers
from kzgraph.web.findability import findability_router
from kzgraph.web.graph_store import graph_store_router
from kzgraph.web.operations import OperationsMiddleware, operations_router
from kzgraph.web.pages import linked_data_router
from kzgraph.web.reconcile import reconcile_router
from kzgraph.web.search import search_router
from kzgraph.web.service import Service
from kzgraph.web.sparql import KzgraphSparqlRouter
from kzgraph.web.timeline import timeline_router

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
    "with the Wikidata Query Service's prefixes predefined and its label service (SERVICE "
    "wikibase:label) answered locally: a query written for query.wikidata.org runs here "
    "unchanged. Entities without a checked Wikidata id keep their kzgraph IRIs."
)


def create_app(service: Service) -> FastAPI:
    """The web service over ``service`` (see ``Service.build`` / ``Service.from_dataset``);
    its query workers start with the app and stop with it."""
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = await service.start()
        try:
            yield
        finally:
            await service.stop(tasks)

    app = FastAPI(title=TITLE, description=DESCRIPTION, version="0.1.0", lifespan=lifespan)
    app.state.service = service
    install_error_handlers(app)
    _add_middleware(app, service)
    for router in sparql_routers(service):
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("kzgraph.web", "static")]), name="static")
    app.include_router(operations_router)
    app.include_router(downloads_router)
    app.include_router(graph_store_router)
    app.include_router(search_router)
    app.include_router(reconcile_router)
    app.include_router(findability_router)
    app.include_router(timeline_router)
    app.include_router(linked_data_router)  # last: it holds the catch-all for thing IRIs
    return app


def _add_middleware(app: FastAPI, service: Service) -> None:
    """The last middleware added is the outermost: CORS headers go on rate-limit refusals too,
    and queries reach their handlers with rate limits, metrics and access log applied."""
    settings = service.settings
    app.add_middleware(OperationsMiddleware, metrics=service.metrics, limiter=service.limiter,
                       query_paths=("/sparql", "/wikidata/sparql"),
                       log_requests=settings.access_log == "json")
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                       allow_credentials=False, allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type"], max_age=3600)


def sparql_routers(service: Service) -> list[KzgraphSparqlRouter]:
    """The SPARQL endpoints: kzgraph's vocabulary at /sparql, Wikidata's at /wikidata/sparql."""
    served, settings = service.served, service.settings
    common = {"pool": service.pool, "settings": settings, "cache": service.cache,
              "release_version": lambda: served.release.version, "version": "0.1.0"}
    return [KzgraphSparqlRouter(
        lambda: served.dataset, examples=service.examples, writer=service.writer, path="/sparql",
        prefixes=KZGRAPH_PREFIXES, title=TITLE, description=DESCRIPTION,
        related=[("/wikidata/sparql", WIKIDATA_TITLE, WIKIDATA_DESCRIPTION)],
        public_url=f"{settings.base_url}/sparql", **common,
    ), KzgraphSparqlRouter(
        lambda: served.view, examples=service.wikidata_examples, path="/wikidata/sparql",
        dataset_name="wikidata", prefixes=WDQS_PREFIXES, label_service=True,
        related=[("/sparql", TITLE, DESCRIPTION)],
        dataset_note="Wikidata's vocabulary, with the Wikidata Query Service's prefixes predefined",
        title=WIKIDATA_TITLE, description=WIKIDATA_DESCRIPTION,
        public_url=f"{settings.base_url}/wikidata/sparql", **common,
    )]
