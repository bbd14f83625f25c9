"""One query worker: a process of the pool (kzgraph.query.pool) holding the served datasets in
pyoxigraph Stores.

Queries run here, never in the server process, so a runaway query can be stopped by ending its
process (CPU actually freed), and the server's event loop never waits on query work.
:func:`load_datasets` loads the data once, when the process starts; :func:`run_job` answers each
job with ("ok", bytes) or ("error", kind, message).
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kzgraph.memory import give_back_memory
from kzgraph.query.inspect import names_default_graphs, service_iri_spans
from kzgraph.query.service_guard import ServiceFailure, ServiceGuard
from kzgraph.query.union import materialize_union
from kzgraph.matching import oxigraph_functions

__all__ = ["JOB_STACK_BYTES", "Job", "StoreFiles", "WORKER_NAME", "die_with_the_server",
           "load_datasets", "loaded", "run_job"]


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
# What ``ps`` and ``top`` call a worker once it has loaded the data (Linux's 15-byte process
# name): an operator, and the tests, tell ready query workers from the server's other children
# (and from workers still loading) by it.
WORKER_NAME = b"kzgraph-query"
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


class _Loaded:
    """What this worker process serves: the stores by dataset name, the thread jobs run in and
    the SERVICE forwarder. One per process, filled by :func:`load_datasets`."""

    def __init__(self) -> None:
        self.stores: dict[str, tuple] = {}
        self.runner: ThreadPoolExecutor | None = None
        self.guard = _LazyGuard()


def load_datasets(datasets: dict[str, "bytes | StoreFiles"]) -> None:
    """A worker's start (the process pool's initializer): load each dataset (name → N-Quads or
    a built store) into this process, once; every job it answers reads them."""
    die_with_the_server()
    # Stopped workers (a job past its time, a client gone) get SIGTERM. The pool's own handler
    # is Python code, run only when the engine hands control back to the interpreter: a runaway
    # query would compute on for the pool's grace period before its SIGKILL. The default action
    # ends the process at once, and with it the query's CPU.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _LOADED.stores.update({name: _load(source) for name, source in datasets.items()})
    datasets.clear()  # the stores hold the data now; the bytes would stay as long as the process
    give_back_memory()  # those bytes and the parser's buffers
    threading.stack_size(JOB_STACK_BYTES)
    _LOADED.runner = ThreadPoolExecutor(1, thread_name_prefix="kzgraph-jobs")
    _name_the_process()  # last: the name says the worker is loaded and takes jobs


def run_job(job: Job) -> tuple[tuple, float]:
    """Answer ``job`` in the deep-stack thread: ``("ok", bytes)`` or ``("error", kind,
    message)``, and how many seconds it ran (the server charges that, not the wait, to the
    client's query time)."""
    started = time.perf_counter()
    store, union_option = _LOADED.stores[job.dataset]
    reply = _LOADED.runner.submit(_answer, store, union_option, job, _LOADED.guard).result()
    return reply, time.perf_counter() - started


def loaded() -> bool:
    """A job that only proves a worker has loaded its data (jobs go to loaded workers only)."""
    return bool(_LOADED.stores)


def die_with_the_server() -> None:
    """Have Linux kill this process when the server dies, even by SIGKILL: an idle worker would
    notice the closed pipe, but one running a runaway query would compute on, alone."""
    import ctypes
    import multiprocessing
    import os

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pipe's end still stops an idle worker
        return
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # it died before prctl took effect
        os._exit(1)


def _name_the_process() -> None:
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NAME, ctypes.c_char_p(WORKER_NAME))
    except (OSError, AttributeError):  # not Linux: the name is only a convenience
        pass


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


_LOADED = _Loaded()


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
