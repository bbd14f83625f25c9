"""One query worker: a separate process holding the served datasets in pyoxigraph Stores.

Queries run here, never in the server process, so a runaway query can be stopped by ending its
process (CPU actually freed), and the server's event loop never waits on query work. The worker
answers each job with ("ok", bytes) or ("error", kind, message).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

from kzgraph.memory import give_back_memory
from kzgraph.query.inspect import names_default_graphs, service_iri_spans
from kzgraph.query.service_guard import ServiceFailure, ServiceGuard
from kzgraph.query.union import materialize_union
from kzgraph.matching import oxigraph_functions

__all__ = ["Job", "StoreFiles", "die_with_the_server", "serve_jobs"]


@dataclass(frozen=True)
class StoreFiles:
    """A built store (see kzgraph.store) as a worker's data: opened read-only where it lies
    (``in_memory`` False: little memory, slower joins), or its N-Quads loaded into memory."""

    store: str    # the RocksDB directory
    nquads: str   # the quads as parsed
    in_memory: bool = True
    union_copied: bool = True  # the store's default graph holds the union (else no triple
    # is in two graphs, and Oxigraph's union default graph option gives each triple once)


@dataclass(frozen=True)
class Job:
    query: str
    engine_format: str
    default_graphs: tuple[str, ...] | None = None  # protocol dataset, overrides FROM
    named_graphs: tuple[str, ...] | None = None
    max_bytes: int = 50_000_000
    base_iri: str | None = None  # resolves relative IRIs in the query (the endpoint's URL)
    dataset: str = "kzgraph"  # which served dataset: kzgraph's own, or another view of it
    prefixes: tuple[tuple[str, str], ...] = ()  # predefined, as the Wikidata Query Service does
    service_timeout: float = 5.0       # seconds per SERVICE request
    service_max_bytes: int = 10_000_000  # cap on each SERVICE response


class _ResultTooLarge(Exception):
    pass


class _CappedBuffer:
    """A write target that refuses to grow past the response cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _ResultTooLarge()
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


# Oxigraph's SPARQL parser and evaluator recurse once per operator of a chain such as
# 1+1+…+1: a query within the length cap overflowed the 8 MiB main-thread stack and killed the
# worker. Jobs run in a thread whose stack is reserved (virtual memory, not resident) big enough
# for the longest query the length cap lets through (50,000 operators need under 256 MiB).
JOB_STACK_BYTES = 512 * 1024 * 1024


def serve_jobs(connection: Connection, datasets: dict[str, "bytes | StoreFiles"]) -> None:
    """Process entry point: answer jobs in a thread with a deep stack (see JOB_STACK_BYTES)."""
    die_with_the_server()
    threading.stack_size(JOB_STACK_BYTES)
    runner = threading.Thread(target=_serve, args=(connection, datasets), name="kzgraph-jobs")
    runner.start()
    runner.join()


def _serve(connection: Connection, datasets: dict[str, "bytes | StoreFiles"]) -> None:
    """Load each dataset (name → N-Quads or a built store), then answer jobs until told to
    stop (None)."""
    stores = {name: _load(source) for name, source in datasets.items()}
    datasets.clear()  # the stores hold the data now; the bytes would stay as long as the process
    give_back_memory()  # those bytes and the parser's buffers
    guard = _LazyGuard()
    connection.send(("ready",))
    while True:
        job = connection.recv()
        if job is None:
            return
        connection.send(_answer(*stores[job.dataset], job, guard))


def die_with_the_server() -> None:
    """Have Linux kill this process when the server dies, even by SIGKILL: an idle worker would
    notice the closed pipe, but one running a runaway query would compute on, alone."""
    import ctypes
    import multiprocessing
    import os
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's end still stops an idle worker
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before prctl took effect
        os._exit(1)


class _LazyGuard:
    """The process's SERVICE forwarder, started by the first query that uses SERVICE."""

    def __init__(self) -> None:
        self._guard: ServiceGuard | None = None

    def get(self) -> ServiceGuard:
        if self._guard is None:
            self._guard = ServiceGuard()
        return self._guard

    @property
    def failure(self) -> ServiceFailure | None:
        return self._guard.failure if self._guard else None


def _load(source: "bytes | StoreFiles"):
    """The store and whether queries need Oxigraph's union default graph option."""
    import pyoxigraph

    union_option = isinstance(source, StoreFiles) and not source.union_copied
    if isinstance(source, StoreFiles) and not source.in_memory:
        return pyoxigraph.Store.read_only(source.store), union_option
    store = pyoxigraph.Store()
    if isinstance(source, StoreFiles):
        store.bulk_load(path=source.nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    else:
        store.load(source, format=pyoxigraph.RdfFormat.N_QUADS)
    if not union_option:
        materialize_union(store)
    return store, union_option


def _answer(store, union_option: bool, job: Job, guard: _LazyGuard) -> tuple:
    try:
        return ("ok", _run(store, union_option, job, guard))
    except SyntaxError as error:
        return ("error", "syntax", str(error))
    except _ResultTooLarge:
        return ("error", "too_large", f"the result is larger than the {job.max_bytes}-byte cap")
    except Exception as error:  # the worker must outlive any engine error: report it instead
        failure = guard.failure
        if failure is not None:
            return ("error", failure.kind, failure.message)
        return ("error", "engine", str(error) or type(error).__name__)


def _run(store, union_option: bool, job: Job, guard: _LazyGuard) -> bytes:
    import pyoxigraph

    query = job.query
    if service_iri_spans(query):
        query = guard.get().route(query, job.service_timeout, job.service_max_bytes)
    elif guard.failure is not None:
        guard.get().failure = None  # a failure of an earlier job is not this one's
    # kzf:match / kzf:score: label search inside SPARQL, normalised as /search's index is.
    options: dict = {"base_iri": job.base_iri, "custom_functions": oxigraph_functions()}
    if job.prefixes:
        options["prefixes"] = dict(job.prefixes)
    if job.default_graphs is not None or job.named_graphs is not None:
        options["default_graph"] = [pyoxigraph.NamedNode(g) for g in job.default_graphs or ()]
        options["named_graphs"] = [pyoxigraph.NamedNode(g) for g in job.named_graphs or ()]
    elif union_option and not names_default_graphs(query):
        options["use_default_graph_as_union"] = True
    results = store.query(query, **options)
    buffer = _CappedBuffer(job.max_bytes)
    if isinstance(results, pyoxigraph.QueryTriples):
        results.serialize(buffer, format=getattr(pyoxigraph.RdfFormat, job.engine_format))
    else:
        results.serialize(buffer, format=getattr(pyoxigraph.QueryResultsFormat, job.engine_format))
    return buffer.getvalue()
