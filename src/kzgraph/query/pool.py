"""A bounded pool of query worker processes, used from the server's event loop.

Each job goes to an idle worker; callers wait (up to the query timeout) for one to be free, and
when more than ``max_waiting`` callers already wait, a new job is refused at once (Overloaded →
503 with Retry-After). A job that runs past its timeout has its worker process killed — its CPU is
freed — and a fresh worker takes its place. The event loop watches each worker's pipe for the
worker's whole life, so no thread is held while a query runs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
from contextlib import suppress
from multiprocessing.process import BaseProcess

from kzgraph.errors import (
    BadRequest,
    Overloaded,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    ServiceFailed,
    ServiceTimeout,
    WorkerLost,
)
from kzgraph.query.worker import Job, StoreFiles, serve_jobs

__all__ = ["WorkerPool"]

_ERRORS = {"syntax": QuerySyntaxError, "too_large": ResultTooLarge, "engine": BadRequest,
           "service_timeout": ServiceTimeout, "service_failed": ServiceFailed}
_START_TIMEOUT = 60.0


class _Worker:
    def __init__(self, context: multiprocessing.context.BaseContext,
                 datasets: dict[str, "bytes | StoreFiles"], generation: int = 0) -> None:
        self.generation = generation  # which version of the data it holds
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=serve_jobs, args=(child, datasets), daemon=True, name="kzgraph-query-worker")
        self.process.start()
        child.close()
        self.reply: asyncio.Future | None = None  # the answer to the job in flight, if any
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop watching the pipe

    def wait_ready(self) -> None:
        if not self.connection.poll(_START_TIMEOUT):
            raise RuntimeError("query worker did not start")
        self.connection.recv()

    def watch(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have ``loop`` hand each reply to the job in flight, for the worker's whole life.
        Watching the pipe per job (and letting go after) cost uvloop a poll handle made and
        closed on every job."""
        loop.add_reader(self.connection.fileno(), self._readable)
        self._loop = loop
        # uvloop makes a watched descriptor non-blocking; the pipe's send and recv must block
        # until a whole message has passed (a reply bigger than the pipe's buffer otherwise
        # failed half-read, and the worker was taken for dead). Once is enough: it is watched
        # from now until it is closed.
        os.set_blocking(self.connection.fileno(), True)

    @property
    def alive(self) -> bool:
        return self._loop is not None and self.process.is_alive()

    def _readable(self) -> None:
        # No job in flight (reply None) or its reply dropped (done: it timed out, or its client
        # left): a message has nowhere to go, and the worker is being killed.
        reply = self.reply
        waited = reply is not None and not reply.done()
        try:
            message = self.connection.recv()
        except (EOFError, OSError):  # the worker process died: killed, or crashed by the engine
            # Its pipe stays readable from now on: still watched, it would call back on every
            # turn of the loop.
            self._unwatch()
            if waited:
                reply.set_exception(_Died())
            return
        if waited:
            reply.set_result(message)

    def _unwatch(self) -> None:
        if self._loop is not None:
            with suppress(Exception):
                self._loop.remove_reader(self.connection.fileno())
            self._loop = None

    def kill(self) -> None:
        self._unwatch()  # before the pipe is closed: a closed descriptor must not stay watched
        with suppress(Exception):
            self.process.kill()
            self.process.join(timeout=5)
        with suppress(Exception):
            self.connection.close()


class WorkerPool:
    def __init__(self, datasets: dict[str, "bytes | StoreFiles"], workers: int = 2, max_waiting: int = 256,
                 retry_after: int = 2) -> None:
        """``datasets``: name → N-Quads of each dataset a job may name (``Job.dataset``)."""
        self._datasets = datasets
        self._size = workers
        self._max_waiting = max_waiting
        self._retry_after = retry_after
        self._context = multiprocessing.get_context("spawn")
        self._idle: asyncio.LifoQueue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._waiting = 0
        self._generation = 0
        self.started = False

    async def start(self) -> None:
        # Last in, first out: the worker that answered last takes the next job. Its process,
        # pages and caches are still hot; taking turns woke a cold one each time (a one-row
        # query went from ~80 to ~120 µs on the pool alone).
        self._idle = asyncio.LifoQueue()
        workers = await asyncio.gather(*(self._spawn() for _ in range(self._size)))
        for worker in workers:
            self._idle.put_nowait(worker)
        self.started = True

    async def close(self) -> None:
        for worker in list(self._all):
            with suppress(Exception):
                worker.connection.send(None)
            worker.kill()
        self._all.clear()

    @property
    def waiting(self) -> int:
        """Jobs waiting for a free worker."""
        return self._waiting

    @property
    def busy(self) -> int:
        return len(self._all) - (self._idle.qsize() if self._idle else 0)

    async def run(self, job: Job, timeout: float, timing: dict | None = None) -> bytes:
        """Run ``job``; raise QueryTimeout after ``timeout`` seconds (waiting included).
        ``timing["started"]`` is set (loop time) when a worker takes the job: what the query
        cost, rather than what it waited, is charged to the client's query time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        worker = await self._acquire(timeout)
        if timing is not None:
            timing["started"] = loop.time()
        try:
            reply = await self._exchange(worker, job, deadline - loop.time())
        except BaseException:
            # Timed out, cancelled (client gone) or broken: the worker may still be computing.
            self._replace(worker)
            raise
        if worker.generation == self._generation:
            self._idle.put_nowait(worker)
        else:  # it holds data that a reload replaced
            self._retire(worker)
        return _result(reply)

    async def reload(self, datasets: dict[str, "bytes | StoreFiles"]) -> None:
        """Serve ``datasets`` from now on: fresh workers load them, then replace the idle old
        ones at once; busy old workers finish their query and are retired."""
        self._datasets = datasets
        self._generation += 1
        fresh = await asyncio.gather(*(self._spawn() for _ in range(self._size)))
        while not self._idle.empty():
            self._retire(self._idle.get_nowait())
        for worker in fresh:
            self._idle.put_nowait(worker)

    def _retire(self, worker: _Worker) -> None:
        with suppress(Exception):
            worker.connection.send(None)
        worker.kill()
        self._all.discard(worker)

    async def _acquire(self, timeout: float) -> _Worker:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            worker = await self._next_idle(deadline - loop.time(), timeout)
            if worker.alive:
                return worker
            self._replace(worker)  # it died while idle (killed, out of memory): take another

    async def _next_idle(self, remaining: float, timeout: float) -> _Worker:
        """An idle worker at once if there is one; else wait for one, unless ``max_waiting``
        jobs already wait. Only a job that really waits counts as waiting: one counted while it
        took an idle worker made a concurrent job see a full queue (503) that was not."""
        if not self._idle.empty():
            return self._idle.get_nowait()
        if self._waiting >= self._max_waiting:
            raise Overloaded("all query workers are busy; try again shortly",
                             headers={"Retry-After": str(self._retry_after)})
        self._waiting += 1
        try:
            return await asyncio.wait_for(self._idle.get(), max(remaining, 0.001))
        except asyncio.TimeoutError:
            raise _timeout(timeout, "waiting for a free query worker") from None
        finally:
            self._waiting -= 1

    async def _exchange(self, worker: _Worker, job: Job, timeout: float) -> tuple:
        loop = asyncio.get_running_loop()
        reply = worker.reply = loop.create_future()
        # A timer that fails the reply itself: asyncio.timeout cost ~4 µs a job, this ~1 µs;
        # wait_for wraps the reply in a second future, an extra turn of the event loop.
        expiry = loop.call_at(loop.time() + max(timeout, 0.001), _expire, reply)
        try:
            try:
                # Plain pickle: multiprocessing's pickler (for sockets and the like, which a job
                # never holds) cost ~1 µs more a job. The worker reads either.
                worker.connection.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            except OSError:  # it died since it was taken from the idle queue
                raise self._lost(worker) from None
            return await reply
        except _Died:
            raise self._lost(worker) from None
        except _Expired:
            raise _timeout(timeout, "running the query") from None
        finally:
            expiry.cancel()
            worker.reply = None

    def _lost(self, worker: _Worker) -> WorkerLost:
        code = worker.process.exitcode
        how = f" (exit code {code})" if code is not None else ""
        return WorkerLost(f"the query worker stopped while running the query{how}; a fresh "
                          "worker takes its place: retry shortly",
                          headers={"Retry-After": str(self._retry_after)})

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._all.discard(worker)
        if worker.generation == self._generation:  # a reload brings its own replacements
            asyncio.get_running_loop().create_task(self._spawn_idle())

    async def _spawn_idle(self) -> None:
        worker = await self._spawn()
        if worker.generation == self._generation:
            self._idle.put_nowait(worker)
        else:  # a reload happened meanwhile and started its own workers
            self._retire(worker)

    async def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self._datasets, self._generation)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, worker.wait_ready)
        worker.watch(loop)
        self._all.add(worker)
        return worker


class _Died(Exception):
    """The worker's pipe closed while a job was in flight."""


class _Expired(Exception):
    """The job's time ran out before its reply came."""


def _expire(reply: asyncio.Future) -> None:
    if not reply.done():
        reply.set_exception(_Expired())


def _result(reply: tuple) -> bytes:
    if reply[0] == "ok":
        return reply[1]
    _, kind, message = reply
    raise _ERRORS.get(kind, BadRequest)(message)


def _timeout(seconds: float, doing: str) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {seconds:g} s ({doing}); it was stopped. "
                        "Add a LIMIT or narrow the patterns.")
