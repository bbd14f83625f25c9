"""The server's Prometheus metrics (``/metrics``), with the maintained Prometheus client library.

Each app has its own registry (tests build many apps in one process). Request counts are labelled
by route template (``/doc/{kind}/{name:path}``), never by raw path, so that the number of series
stays bounded whatever clients ask for. Figures of the data (version, quads, busy workers) are
read when Prometheus scrapes, not kept up to date by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from kzgraph.release import Release, Served

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
QUERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    def __init__(self, served: Served, busy_workers: Callable[[], int]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("kzgraph_http_requests", "HTTP requests by route, method and status",
                                ["route", "method", "status"], registry=r)
        self.query_latency = Histogram("kzgraph_query_duration_seconds",
                                       "Time to answer a SPARQL query, by endpoint and outcome",
                                       ["endpoint", "outcome"], buckets=QUERY_BUCKETS, registry=r)
        self.timeouts = Counter("kzgraph_query_timeouts", "Queries stopped at their time limit",
                                ["endpoint"], registry=r)
        self.rejected = Counter("kzgraph_queries_rejected",
                                "Query requests refused, by error code (syntax, limits, overload...)",
                                ["endpoint", "reason"], registry=r)
        self.rate_limited = Counter("kzgraph_rate_limited", "Requests refused by a per-client limit",
                                    ["limit"], registry=r)
        self.cache = Counter("kzgraph_query_cache", "Query result cache lookups", ["result"], registry=r)
        self.writes = Counter("kzgraph_writes", "Curators' writes by outcome", ["outcome"], registry=r)
        self.releases = Counter("kzgraph_releases", "Releases of the data put in service (or rejected)",
                                ["source"], registry=r)
        r.register(_DataCollector(served, busy_workers))

    def count_request(self, route: str, method: str, status: int) -> None:
        self.requests.labels(route, method, str(status)).inc()

    def count_cache(self, result: str) -> None:
        self.cache.labels(result).inc()

    def observe_query(self, endpoint: str, outcome: str, seconds: float) -> None:
        self.query_latency.labels(endpoint, outcome).observe(seconds)

    def on_release(self, source: str, release: Release | None) -> None:
        self.releases.labels(source).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _DataCollector(Collector):
    """Figures of the release in service, read at scrape time."""

    def __init__(self, served: Served, busy_workers: Callable[[], int]) -> None:
        self.served = served
        self.busy_workers = busy_workers

    def collect(self) -> Iterator:
        release = self.served.release
        info = InfoMetricFamily("kzgraph_dataset", "The dataset version in service")
        info.add_metric([], {"version": release.version, "digest": release.digest,
                             "built": release.built.isoformat(timespec="seconds")})
        yield info
        yield GaugeMetricFamily("kzgraph_dataset_quads", "Quads in the dataset in service",
                                value=len(release.dataset))
        yield GaugeMetricFamily("kzgraph_dataset_releases_served",
                                "Releases put in service since the server started",
                                value=self.served.version)
        yield GaugeMetricFamily("kzgraph_query_workers_busy", "Query workers running a query now",
                                value=self.busy_workers())
