"""Local query execution: a pebble process pool whose workers each hold the served datasets.

Pebble gives what a query pool needs: each worker loads the data once (the pool's initializer,
:func:`~kzgraph.query.worker.load_datasets`); a job cancelled while it runs has its worker process
terminated, its CPU freed, and a fresh worker, loaded anew, takes its place; a worker that dies
fails only the job it was running. On top of it this module keeps kzgraph's contract: one
deadline for waiting and running (QueryTimeout), at most ``max_waiting`` jobs waiting (then
Overloaded: 503 with Retry-After), a caller that goes away (a client disconnecting) cancels its
job, and ``reload`` swaps in a pool loaded with new data while the old one finishes its jobs.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool

from pebble import ProcessExpired, ProcessPool

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
from kzgraph.query.worker import Job, StoreFiles, load_datasets, loaded, run_job

__all__ = ["WorkerPool"]

_ERRORS = {"syntax": QuerySyntaxError, "too_large": ResultTooLarge, "engine": BadRequest,
           "service_timeout": ServiceTimeout, "service_failed": ServiceFailed}
_START_TIMEOUT = 120.0  # seconds for the first worker of a new pool to load the data


class WorkerPool:
    """``workers`` processes answering jobs of the datasets they loaded (name → N-Quads or a
    built store, see ``Job.dataset``)."""

    def __init__(self, datasets: dict[str, "bytes | StoreFiles"], workers: int = 2, max_waiting: int = 256,
                 retry_after: int = 2) -> None:
        self._datasets = datasets
        self._size = workers
        self._max_waiting = max_waiting
        self._retry_after = retry_after
        self._pool: ProcessPool | None = None
        self._turns = _Turns(workers)  # pebble's queue has no bound: jobs are counted here
        self._retiring: dict[ProcessPool, asyncio.Future] = {}  # old pools, joined in the background
        self.started = False

    def runs_kzgraph_functions(self, dataset: str) -> bool:
        return True  # kzf:match and kzf:score are registered in every worker

    @property
    def busy(self) -> int:
        """Jobs a worker is running (each worker runs one at a time)."""
        return self._turns.running

    @property
    def waiting(self) -> int:
        """Jobs waiting for a free worker."""
        return len(self._turns.waiting)

    async def start(self) -> None:
        self._pool = await self._loaded_pool(self._datasets)
        self.started = True

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
            self._retire(self._pool)
            self._pool = None
        for pool in self._retiring:
            pool.stop()  # the server is stopping: jobs of old pools are not waited for either
        await asyncio.gather(*self._retiring.values(), return_exceptions=True)

    async def reload(self, datasets: dict[str, "bytes | StoreFiles"]) -> None:
        """Serve ``datasets`` from now on: a new pool loads them, then takes every new job; the
        old pool finishes the jobs it has and is joined in the background."""
        fresh = await self._loaded_pool(datasets)
        old, self._pool, self._datasets = self._pool, fresh, datasets
        if old is not None:
            old.close()  # its running and queued jobs are still answered
            self._retire(old)

    async def run(self, job: Job, timeout: float, timing: dict | None = None) -> bytes:
        """Run ``job``; raise QueryTimeout after ``timeout`` seconds (waiting included).
        ``timing["started"]`` is set (loop time) to when a worker took the job: what the query
        cost, rather than what it waited, is charged to the client's query time."""
        if self.busy >= self._size and self.waiting >= self._max_waiting:
            raise Overloaded("all query workers are busy; try again shortly",
                             headers={"Retry-After": str(self._retry_after)})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        turn = self._turns.join(loop.time())
        ran = None
        try:
            reply, ran = await self._answer(job, timeout, deadline)
        finally:
            self._turns.leave(turn, loop.time())
            if timing is not None and turn.started is not None:
                # An answer says how long it ran; a job stopped at its deadline is charged
                # from when it got its turn
                timing["started"] = loop.time() - ran if ran is not None else turn.started
        return _result(reply)

    async def _answer(self, job: Job, timeout: float, deadline: float) -> tuple[tuple, float]:
        loop = asyncio.get_running_loop()
        try:
            return await self._outcome(job, timeout, deadline - loop.time())
        except BrokenProcessPool:  # pebble gave the pool up before the job ran: ask a fresh one
            pass
        try:
            return await self._outcome(job, timeout, deadline - loop.time())
        except BrokenProcessPool:
            raise WorkerLost("the query workers stopped before running the query; fresh ones are "
                             "starting: retry shortly",
                             headers={"Retry-After": str(self._retry_after)}) from None

    async def _outcome(self, job: Job, timeout: float, remaining: float) -> tuple[tuple, float]:
        future = self._schedule(job)
        try:
            answered = asyncio.wrap_future(future)
            done, _ = await asyncio.wait((answered,), timeout=max(remaining, 0.001))
            if not done:
                raise _timeout(timeout, "running the query" if future.running()
                               else "waiting for a free query worker")
            return answered.result()
        except ProcessExpired as error:
            raise WorkerLost(f"the query worker stopped while running the query (exit code "
                             f"{error.exitcode}); a fresh worker takes its place: retry shortly",
                             headers={"Retry-After": str(self._retry_after)}) from None
        finally:
            # Past its time or its caller gone: a job still waiting is dropped, one running has
            # its worker terminated (a done job ignores this).
            future.cancel()

    def _schedule(self, job: Job) -> Future:
        # Pebble gives a pool up for broken when a worker dies while no job runs (one killed
        # while idle, the out-of-memory killer): the next job starts a fresh one.
        if not self._pool.active:
            self._pool.stop()
            self._retire(self._pool)
            self._pool = self._new_pool(self._datasets)
        try:
            return self._pool.schedule(run_job, args=(job,))
        except RuntimeError:  # given up just now, by pebble's own thread: the job never ran
            raise BrokenProcessPool("the pool was given up") from None

    async def _loaded_pool(self, datasets: dict[str, "bytes | StoreFiles"]) -> ProcessPool:
        """A new pool whose workers are loading ``datasets``, once the first has loaded them
        (jobs go only to loaded workers: the others take their share as they are ready)."""
        pool = self._new_pool(datasets)
        try:
            await asyncio.wait_for(asyncio.wrap_future(pool.schedule(loaded)), _START_TIMEOUT)
        except (BrokenProcessPool, asyncio.TimeoutError) as error:
            pool.stop()
            self._retire(pool)
            raise WorkerLost(f"the query workers could not load the data ({type(error).__name__}; "
                             "their error is in the log)") from None
        return pool

    def _new_pool(self, datasets: dict[str, "bytes | StoreFiles"]) -> ProcessPool:
        # Spawned, not forked: a worker must not inherit the server's threads and event loop.
        # Its workers start with its first job, from the event loop's thread: a worker's
        # die_with_the_server follows the thread that started it, which lives as long as the
        # server (pebble starts the replacements from its own thread, which lives as long as
        # the pool).
        return ProcessPool(self._size, initializer=load_datasets, initargs=(datasets,),
                           context=multiprocessing.get_context("spawn"))

    def _retire(self, pool: ProcessPool) -> None:
        """Join ``pool`` (closed: once its jobs are done; stopped: at once) off the event loop."""
        joined = asyncio.get_running_loop().run_in_executor(None, pool.join)
        self._retiring[pool] = joined
        joined.add_done_callback(lambda _: self._retiring.pop(pool, None))


class _Turn:
    __slots__ = ("started",)

    def __init__(self, started: float | None) -> None:
        self.started = started  # loop time it got a worker; None while it waits


class _Turns:
    """Which jobs hold a worker, and since when: first come, first served, one job per worker,
    as pebble hands them out. Pebble tells whether a job runs but not since when, and a job
    stopped at its deadline is charged to its client from when it got its worker."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.running = 0
        self.waiting: deque[_Turn] = deque()

    def join(self, now: float) -> _Turn:
        if self.running < self.workers:
            self.running += 1
            return _Turn(now)
        turn = _Turn(None)
        self.waiting.append(turn)
        return turn

    def leave(self, turn: _Turn, now: float) -> None:
        if turn.started is None:  # its time ran out, or its caller left, while it waited
            self.waiting.remove(turn)
        elif self.waiting:  # its worker takes the next job
            self.waiting.popleft().started = now
        else:
            self.running -= 1


def _result(reply: tuple) -> bytes:
    if reply[0] == "ok":
        return reply[1]
    _, kind, message = reply
    raise _ERRORS.get(kind, BadRequest)(message)


def _timeout(seconds: float, doing: str) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {seconds:g} s ({doing}); it was stopped. "
                        "Add a LIMIT or narrow the patterns.")
