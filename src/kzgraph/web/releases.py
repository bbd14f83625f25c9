"""Putting a new release of the data into service without a restart, and noticing new files.

:class:`Releases` swaps a release in: the query workers are reloaded first (fresh workers load
the new data while the old ones go on answering; see ``WorkerPool.reload``), then the served
release is replaced in one assignment, so no in-flight request fails and none sees half a
release. One lock serializes every swap with curators' commits.

:class:`DataWatcher` polls the files the data is served from (the data directory's committed
file, or the data and ontology files) and publishes them again when they change, after they
parse and conform to the shapes; a release that does not is logged and counted, and the old one
stays in service.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from kzgraph.dataset import new_dataset
from kzgraph.errors import KzgraphError
from kzgraph.query.executor import QueryExecutor
from kzgraph.query.worker import die_with_the_server
from kzgraph.validation import ValidationReport, validate_dataset
from kzgraph.release import Release, Served

__all__ = ["DataWatcher", "Releases", "ValidationState", "validate_nquads"]

log = logging.getLogger("kzgraph.releases")


@dataclass(frozen=True)
class ValidationState:
    """How the release in service fared against the shapes (None: not checked yet)."""

    digest: str
    report: ValidationReport | None


class Releases:
    def __init__(self, served: Served, pool: QueryExecutor, shapes: Callable[[], Graph],
                 validates: bool = True) -> None:
        """``validates``: new releases of the files must conform to ``shapes()`` to be served,
        and readiness waits for the data in service to be checked (off for graphs so big that
        SHACL would take minutes; curators' writes are always checked)."""
        self.served = served
        self.pool = pool
        self._shapes = shapes
        self.validates = validates
        self.lock = asyncio.Lock()
        self.validation = ValidationState(served.release.digest, None)
        self._checker: ProcessPoolExecutor | None = None
        self._shapes_turtle: bytes | None = None
        # Told (source, release) of every swap, and ("rejected", None) of refused files.
        self.listeners: list[Callable[[str, Release | None], None]] = []

    async def publish(self, release: Release, source: str) -> None:
        """Serve ``release`` from now on; the caller holds ``self.lock``."""
        await self.pool.reload(release.sources)
        self.served.install(release)
        for listener in self.listeners:
            listener(source, release)
        log.info("release %s in service (from %s, %d quads)", release.version, source,
                 len(release.dataset))

    async def validate_current(self) -> ValidationReport:
        """Check the release in service against the shapes."""
        release = self.served.release
        report = await self.check(release)
        self.validation = ValidationState(release.digest, report)
        return report

    async def check(self, release: Release) -> ValidationReport:
        """Validate in a separate process: pySHACL is pure Python and takes minutes on big
        graphs, which in this process would hold the interpreter lock against every request.
        The process ends with the check: it held the whole graph in rdflib, gigabytes at 1M."""
        if self._shapes_turtle is None:
            self._shapes_turtle = self._shapes().serialize(format="turtle", encoding="utf-8")
        self._checker = checker = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_the_server)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(checker, validate_nquads, release.checked,
                                              self._shapes_turtle)
        finally:
            checker.shutdown(wait=False, cancel_futures=True)
            if self._checker is checker:
                self._checker = None

    def close(self) -> None:
        if self._checker is not None:
            self._checker.shutdown(wait=False, cancel_futures=True)

    def mark_valid(self, release: Release, report: ValidationReport) -> None:
        self.validation = ValidationState(release.digest, report)


class DataWatcher:
    """Re-publishes the data when its files change; see the module's description."""

    def __init__(self, releases: Releases, files: Callable[[], Sequence[Path]],
                 rebuild: Callable[[], Release], interval: float) -> None:
        """``files``: what to watch; ``rebuild``: the release of them as they are now."""
        self.releases = releases
        self.files = files
        self.rebuild = rebuild
        self.interval = interval
        self.seen = signature(files())
        self.rejected: str | None = None  # why the newest files were not published, if so

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            with suppress(Exception):  # a watcher that dies would silently stop reloading
                await self.poll()

    async def poll(self) -> bool:
        """Publish the files if they changed since last seen; True if a new release went out."""
        files = list(self.files())
        current = signature(files)
        if current == self.seen:
            return False
        self.seen = current
        async with self.releases.lock:
            try:
                release = await asyncio.to_thread(self.rebuild)
            except KzgraphError as error:
                return self._reject(f"the changed data files do not load: {error}")
            if release.digest == self.releases.served.release.digest:
                return False  # e.g. the file a curator's commit just wrote
            report = None
            if self.releases.validates:
                report = await self.releases.check(release)
                if not report.conforms:
                    return self._reject(f"the changed data files do not conform: {report.summary()}")
            await self.releases.publish(release, "files")
            if report is not None:
                self.releases.mark_valid(release, report)
            self.rejected = None
            return True

    def _reject(self, reason: str) -> bool:
        self.rejected = reason
        log.error("%s; release %s stays in service", reason, self.releases.served.release.version)
        for listener in self.releases.listeners:
            listener("rejected", None)
        return False


def validate_nquads(nquads: bytes | Path, shapes_turtle: bytes) -> ValidationReport:
    """Validate a release given as N-Quads (ontology graph included), or the file that holds
    them; runs in the checker process."""
    if isinstance(nquads, Path):
        nquads = nquads.read_bytes()
    dataset = new_dataset()
    dataset.parse(data=nquads, format="nquads")
    report = validate_dataset(dataset, Graph().parse(data=shapes_turtle, format="turtle"))
    report.graph = None  # the RDF form of the report is not needed here, nor worth the pickling
    return report


def signature(files: Sequence[Path]) -> tuple:
    """What tells that files changed: their names, sizes and modification times."""
    stamps = []
    for path in files:
        try:
            status = path.stat()
        except OSError:
            stamps.append((str(path), None, None))
            continue
        stamps.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(stamps)
