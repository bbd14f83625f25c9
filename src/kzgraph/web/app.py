"""The application factory: kzgraph's SPARQL router (built on rdflib-endpoint's) and site routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from rdflib import Dataset, Graph

from kzgraph.config import Settings
from kzgraph.curation import Curator
from kzgraph.dataset import load_dataset
from kzgraph.errors import UsageError
from kzgraph.examples import Example, load_examples, load_wikidata_examples
from kzgraph.prefixes import KZGRAPH_PREFIXES, WDQS_PREFIXES
from kzgraph.query.cache import ResultCache
from kzgraph.query.remote import query_executor
from kzgraph.validation import load_shapes
from kzgraph.web.cors import Cors
from kzgraph.web.dispatch import SparqlDispatch
from kzgraph.web.downloads import downloads_router
from kzgraph.web.errors import install_error_handlers
from kzgraph.web.graph_store import graph_store_router
from kzgraph.web.metrics import Metrics
from kzgraph.web.operations import OperationsMiddleware, operations_router
from kzgraph.web.pages import linked_data_router
from kzgraph.web.ratelimit import RateLimiter
from kzgraph.web.releases import DataWatcher, Releases
from kzgraph.web.search import search_router
from kzgraph.web.sparql import KzgraphSparqlRouter
from kzgraph.web.state import Release, Served
from kzgraph.web.timeline import timeline_router
from kzgraph.web.writes import Writer

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


def create_app(
    dataset: Dataset | Release, settings: Settings | None = None,
    examples: list[Example] | None = None,
    curator: Curator | None = None, curator_tokens: dict[str, str] | None = None,
    sources: Callable[[], Sequence[Path]] | None = None, shapes: Graph | None = None,
    rebuild: Callable[[], Release] | None = None,
) -> FastAPI:
    """Build the web service over ``dataset`` (an rdflib dataset, or a release of a built store);
    query workers start with the app.

    Read-only unless curator tokens are configured (``curator_tokens`` here, else the settings'
    tokens file or ``KZGRAPH_CURATOR_TOKEN``); writes then go through ``curator`` (by default one
    committing to ``settings.data_dir`` and validating with the embedded shapes). ``sources``
    names the data files ``dataset`` was loaded from: when they change, the app loads them
    again (with ``rebuild``; by default with rdflib, as data files) and swaps the new release in
    (every ``settings.reload_interval`` seconds).
    ``shapes`` (default: the embedded ``shapes/``) is what readiness and reloads check against.
    """
    settings = settings or Settings()
    examples = load_examples() if examples is None else examples
    served = Served(dataset)
    pool = query_executor(settings, served.release.sources)  # local workers, or --backend's endpoint
    releases = Releases(served, pool, _shapes_once(shapes),
                        validates=settings.readiness == "validate")
    writer = Writer.from_settings(settings, releases, curator, curator_tokens)
    if writer is not None and settings.backend:
        raise UsageError("curators' writes are not available with --backend (they would not reach "
                         "the backend); write locally, then kzgraph publish")
    metrics = Metrics(served, lambda: pool.busy)
    releases.listeners.append(metrics.on_release)
    if sources is not None and rebuild is None:
        rebuild = lambda: Release.build(load_dataset(sources()))  # noqa: E731
    watcher = (DataWatcher(releases, sources, rebuild, settings.reload_interval)
               if sources is not None and settings.reload_interval > 0 else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.start()
        tasks = [asyncio.create_task(releases.validate_current())] if releases.validates else []
        if watcher is not None:
            tasks.append(asyncio.create_task(watcher.run()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            releases.close()
            await pool.close()

    app = FastAPI(title=TITLE, description=DESCRIPTION, version="0.1.0", lifespan=lifespan)
    app.state.pool = pool
    app.state.served = served
    app.state.releases = releases
    app.state.watcher = watcher
    install_error_handlers(app)
    cache = ResultCache(settings.cache_bytes)
    app.state.cache = cache
    sparql_routers = [KzgraphSparqlRouter(
        lambda: served.dataset, pool, settings, examples, writer=writer,
        release_version=lambda: served.release.version, cache=cache, path="/sparql",
        prefixes=KZGRAPH_PREFIXES, title=TITLE, description=DESCRIPTION, version="0.1.0",
        related=[("/wikidata/sparql", WIKIDATA_TITLE, WIKIDATA_DESCRIPTION)],
        public_url=f"{settings.base_url}/sparql",
    ), KzgraphSparqlRouter(
        lambda: served.view, pool, settings, load_wikidata_examples(), path="/wikidata/sparql",
        release_version=lambda: served.release.version, cache=cache,
        dataset_name="wikidata", prefixes=WDQS_PREFIXES, label_service=True,
        related=[("/sparql", TITLE, DESCRIPTION)],
        dataset_note="Wikidata's vocabulary, with the Wikidata Query Service's prefixes predefined",
        title=WIKIDATA_TITLE, description=WIKIDATA_DESCRIPTION, version="0.1.0",
        public_url=f"{settings.base_url}/wikidata/sparql",
    )]
    # The last middleware added is the outermost: CORS headers go on rate-limit refusals too,
    # and queries reach their handlers with rate limits, metrics and access log applied.
    app.add_middleware(SparqlDispatch, routers=sparql_routers,
                       exception_handlers=app.exception_handlers)
    app.add_middleware(OperationsMiddleware, metrics=metrics,
                       limiter=RateLimiter(settings.rate_limit_requests,
                                           settings.rate_limit_query_seconds),
                       query_paths=("/sparql", "/wikidata/sparql"),
                       log_requests=settings.access_log == "json")
    app.add_middleware(Cors, allow_origins=list(settings.cors_origins),
                       allow_credentials=False, allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                       allow_headers=["Accept", "Content-Type"], max_age=3600)
    for router in sparql_routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("kzgraph.web", "static")]), name="static")
    app.include_router(operations_router(releases, pool, metrics))
    app.include_router(downloads_router(served, settings.public_url.rstrip("/") or None))
    app.include_router(graph_store_router(served, writer))
    app.include_router(search_router(served))
    app.include_router(timeline_router(served))
    app.include_router(linked_data_router(served))  # last: it holds the catch-all for thing IRIs
    return app


def _shapes_once(shapes: Graph | None) -> Callable[[], Graph]:
    """The shapes graph, loaded on first use (most apps never validate)."""
    loaded: list[Graph] = [shapes] if shapes is not None else []

    def get() -> Graph:
        if not loaded:
            loaded.append(load_shapes())
        return loaded[0]
    return get
