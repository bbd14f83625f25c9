"""The built web service: everything ``create_app`` serves, assembled once.

A :class:`Service` holds the served release, the settings, the query executor (local workers or
a ``--backend``), the release swapper and file watcher, the curators' writer, the example
queries, the answer cache and the metrics. ``kzgraph serve`` builds one from the data files
(:meth:`Service.build`), tests from a dataset (:meth:`Service.from_dataset`); ``create_app``
turns it into the HTTP app and route handlers find it as ``request.app.state.service``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph

from kzgraph.config import Settings
from kzgraph.curation import Curator
from kzgraph.dataset import load_dataset
from kzgraph.errors import UsageError
from kzgraph.examples import Example, load_examples, load_wikidata_examples
from kzgraph.query.cache import ResultCache
from kzgraph.query.executor import QueryExecutor, query_executor
from kzgraph.release import Release, Served
from kzgraph.validation import load_shapes
from kzgraph.web.metrics import Metrics
from kzgraph.web.ratelimit import RateLimiter
from kzgraph.web.releases import DataWatcher, Releases
from kzgraph.web.writes import Writer

__all__ = ["Service", "public_base"]


@dataclass(eq=False)
class Service:
    settings: Settings
    served: Served
    pool: QueryExecutor
    releases: Releases
    writer: Writer | None
    examples: list[Example]
    wikidata_examples: list[Example]
    cache: ResultCache
    metrics: Metrics
    limiter: RateLimiter
    watcher: DataWatcher | None = None

    @classmethod
    def build(cls, release: Release, settings: Settings, *, examples: list[Example] | None = None,
              curator: Curator | None = None, curator_tokens: dict[str, str] | None = None,
              sources: Callable[[], Sequence[Path]] | None = None, shapes: Graph | None = None,
              rebuild: Callable[[], Release] | None = None) -> "Service":
        """The service of ``release``; query workers start with the app.

        Read-only unless curator tokens are configured (``curator_tokens`` here, else the
        settings' tokens file or ``KZGRAPH_CURATOR_TOKEN``); writes then go through ``curator``
        (by default one committing to ``settings.data_dir``). ``sources`` names the files the
        release was loaded from: when they change, ``rebuild`` (by default: load them with
        rdflib) gives the new release, swapped in every ``settings.reload_interval`` seconds.
        ``shapes`` (default: the embedded ``shapes/``) is what readiness and reloads check."""
        served = Served(release)
        pool = query_executor(settings, release.sources)  # local workers, or --backend's endpoint
        releases = Releases(served, pool, _shapes_once(shapes),
                            validates=settings.readiness == "validate")
        writer = Writer.from_settings(settings, releases, curator, curator_tokens)
        if writer is not None and settings.backend:
            raise UsageError("curators' writes are not available with --backend (they would not "
                             "reach the backend); write locally, then kzgraph publish")
        metrics = Metrics(served, lambda: pool.busy)
        releases.listeners.append(metrics.on_release)
        return cls(settings, served, pool, releases, writer,
                   load_examples() if examples is None else examples, load_wikidata_examples(),
                   ResultCache(settings.cache_bytes), metrics,
                   RateLimiter(settings.rate_limit_requests, settings.rate_limit_query_seconds),
                   _watcher(releases, settings, sources, rebuild))

    @classmethod
    def from_dataset(cls, dataset: Dataset | Release, settings: Settings | None = None,
                     **options) -> "Service":
        """The service of an rdflib dataset (or a release): a test's data, a script's."""
        release = dataset if isinstance(dataset, Release) else Release.build(dataset)
        return cls.build(release, settings or Settings(), **options)

    async def start(self) -> list[asyncio.Task]:
        """Start the query workers, then the background work: the first check of the data
        against the shapes, and the file watcher."""
        await self.pool.start()
        tasks = [asyncio.create_task(self.releases.validate_current())] if self.releases.validates else []
        if self.watcher is not None:
            tasks.append(asyncio.create_task(self.watcher.run()))
        return tasks

    async def stop(self, tasks: list[asyncio.Task]) -> None:
        for task in tasks:
            task.cancel()
        self.releases.close()
        await self.pool.close()


def _watcher(releases: Releases, settings: Settings, sources: Callable[[], Sequence[Path]] | None,
             rebuild: Callable[[], Release] | None) -> DataWatcher | None:
    if sources is None or settings.reload_interval <= 0:
        return None
    if rebuild is None:
        rebuild = lambda: Release.build(load_dataset(sources()))  # noqa: E731
    return DataWatcher(releases, sources, rebuild, settings.reload_interval)


def _shapes_once(shapes: Graph | None) -> Callable[[], Graph]:
    """The shapes graph, loaded on first use (most apps never validate)."""
    loaded: list[Graph] = [shapes] if shapes is not None else []

    def get() -> Graph:
        if not loaded:
            loaded.append(load_shapes())
        return loaded[0]
    return get


def public_base(request) -> str:
    """The site's URL without a trailing slash: the public URL (``--public-url``), else the
    URL the request came to."""
    public = request.app.state.service.settings.public_url.rstrip("/")
    return public or str(request.base_url).rstrip("/")
