"""What runs a query: the one interface of the local workers and the remote backend, and the choice.

The web layer types against :class:`QueryExecutor` only and asks the executor what it can do
(``runs_kzgraph_functions``) instead of asking which class it is. :func:`query_executor` picks
the local worker processes (:class:`~kzgraph.query.pool.WorkerPool`) or, with ``--backend``, the
external SPARQL endpoint (:class:`~kzgraph.query.remote.RemoteExecutor`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from kzgraph.config import Settings
from kzgraph.query.pool import WorkerPool
from kzgraph.query.remote import RemoteExecutor
from kzgraph.query.worker import Job, StoreFiles

__all__ = ["QueryExecutor", "query_executor"]


@runtime_checkable
class QueryExecutor(Protocol):
    """Runs jobs, bounded: one deadline for waiting and running, a bounded queue, typed errors."""

    @property
    def started(self) -> bool:
        """Ready to run jobs (``start`` has finished)."""

    @property
    def busy(self) -> int:
        """Jobs running now."""

    @property
    def waiting(self) -> int:
        """Jobs waiting for a worker or a connection."""

    def runs_kzgraph_functions(self, dataset: str) -> bool:
        """Whether queries of ``dataset`` may call kzgraph's own functions (kzf:match,
        kzf:score): kzgraph's engine has them, an external backend does not."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def reload(self, datasets: Mapping[str, "bytes | StoreFiles"]) -> None:
        """Serve ``datasets`` (name → N-Quads or a built store) from now on."""

    async def run(self, job: Job, timeout: float, timing: dict | None = None) -> bytes:
        """The serialized answer of ``job``; QueryTimeout after ``timeout`` seconds, waiting
        included; ``timing["started"]`` (loop time) is when the job began to run."""


def query_executor(settings: Settings, datasets: Mapping[str, "bytes | StoreFiles"]) -> QueryExecutor:
    """Where queries run: the local worker processes, or ``settings.backend`` when it is set."""
    if settings.backend:
        return RemoteExecutor.from_settings(settings, datasets)
    return WorkerPool(dict(datasets), workers=settings.query_workers, max_waiting=settings.max_waiting)
