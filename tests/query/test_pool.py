"""The local worker pool: runaway jobs stopped (their process ended, the other workers' jobs
answered), one deadline for waiting and running, a bounded queue, dead workers replaced, reload
while old jobs finish, and a caller that leaves cancelling its job — on both event loops uvicorn
may pick where the event loop matters."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
import uvloop

from kzgraph.errors import Overloaded, QueryTimeout, WorkerLost
from kzgraph.query.pool import WorkerPool
from kzgraph.query.worker import Job

from .workers import busiest, gone_within, query_workers, wait_for_workers

RUNAWAY = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
              engine_format="CSV")
ASK = Job(query="ASK { ?s ?p ?o }", engine_format="JSON")
# Seconds of work on SUBJECTS triples, then an answer: the square of the count.
PAIRS = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }", engine_format="CSV")


def triples(count: int, name: str = "s") -> bytes:
    return "".join(f'<http://example.org/{name}{i}> <http://example.org/p> "{i}" .\n'
                   for i in range(count)).encode()


@pytest.fixture(scope="module")
def nquads(dataset) -> bytes:
    return dataset.serialize(format="nquads", encoding="utf-8")


async def started_pool(datasets: dict, **options) -> tuple[WorkerPool, set[int], set[int]]:
    """A started pool, its worker processes, and those of other pools (other tests' servers)."""
    others = query_workers()
    pool = WorkerPool(datasets, **options)
    await pool.start()
    workers = await asyncio.to_thread(wait_for_workers, options.get("workers", 2), others)
    return pool, workers, others


def test_a_runaway_job_is_stopped_and_the_other_workers_job_is_answered(nquads):
    async def scenario():
        pool, workers, others = await started_pool({"kzgraph": nquads}, workers=2)
        try:
            runaway = asyncio.ensure_future(pool.run(RUNAWAY, 1.5))
            await asyncio.sleep(0.3)
            assert b"true" in await pool.run(ASK, 10)  # the other worker answers meanwhile
            ran = await asyncio.to_thread(busiest, workers)
            with pytest.raises(QueryTimeout, match=r"after 1.5 s \(running the query\)"):
                await runaway
            assert await asyncio.to_thread(gone_within, ran, 2.0), "the runaway worker computes on"
            assert b"true" in await pool.run(ASK, 30)
            fresh = await asyncio.to_thread(wait_for_workers, 1, others | workers)
            return ran, workers, fresh
        finally:
            await pool.close()

    ran, workers, fresh = asyncio.run(scenario())
    assert ran in workers and len(fresh) == 1  # one fresh worker took the runaway's place
    assert query_workers().isdisjoint(workers | fresh)  # close() ends them all


def test_the_timeout_counts_the_wait_for_a_free_worker(nquads):
    async def scenario() -> float:
        pool, _, _ = await started_pool({"kzgraph": nquads}, workers=1)
        try:
            runaway = asyncio.ensure_future(pool.run(RUNAWAY, 3))
            await asyncio.sleep(0.2)
            started = time.monotonic()
            with pytest.raises(QueryTimeout, match="waiting for a free query worker"):
                await pool.run(ASK, 0.5)
            waited = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await runaway
            return waited
        finally:
            await pool.close()

    assert 0.4 < asyncio.run(scenario()) < 2.0


def test_a_full_queue_is_refused_at_once_with_retry_after(nquads):
    async def scenario():
        pool, _, _ = await started_pool({"kzgraph": nquads}, workers=1, max_waiting=1)
        try:
            flying = [asyncio.ensure_future(pool.run(RUNAWAY, 2)) for _ in range(2)]
            await asyncio.sleep(0.1)
            assert (pool.busy, pool.waiting) == (1, 1)
            started = time.monotonic()
            with pytest.raises(Overloaded) as refused:
                await pool.run(ASK, 10)
            assert time.monotonic() - started < 0.1
            assert refused.value.headers["Retry-After"].isdigit()
            outcomes = await asyncio.gather(*flying, return_exceptions=True)
            assert all(isinstance(o, QueryTimeout) for o in outcomes)
            assert (pool.busy, pool.waiting) == (0, 0)
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_a_job_that_took_an_idle_worker_does_not_count_as_waiting(nquads):
    """One worker, room for one waiting job: a second job arriving while the first is taking the
    idle worker must wait, not be refused."""
    job = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", engine_format="CSV")

    async def second_after(pool: WorkerPool, turns: int) -> bytes:
        first = asyncio.ensure_future(pool.run(job, 30))
        for _ in range(turns):  # the second job arrives this many loop turns later
            await asyncio.sleep(0)
        answer = await pool.run(job, 30)
        assert await first == answer
        return answer

    async def scenario() -> list[bytes]:
        pool, _, _ = await started_pool({"kzgraph": nquads}, workers=1, max_waiting=1)
        try:
            return [await second_after(pool, turns) for turns in range(6)]
        finally:
            await pool.close()

    assert all(answer.startswith(b"n") for answer in asyncio.run(scenario()))


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_a_worker_that_dies_mid_job_fails_that_job_and_the_next_is_answered(nquads, run):
    async def scenario():
        pool, workers, others = await started_pool({"kzgraph": nquads}, workers=1)
        try:
            runaway = asyncio.ensure_future(pool.run(RUNAWAY, 30))
            await asyncio.sleep(0.5)
            os.kill(workers.pop(), signal.SIGKILL)
            with pytest.raises(WorkerLost, match=r"stopped while running the query \(exit code -9\)") as lost:
                await runaway
            assert lost.value.headers["Retry-After"].isdigit()
            return await pool.run(ASK, 30)
        finally:
            await pool.close()

    assert b"true" in run(scenario())


def test_workers_killed_while_idle_are_replaced_and_cost_no_job_an_error(nquads):
    async def scenario() -> list[bytes]:
        pool, workers, others = await started_pool({"kzgraph": nquads}, workers=2)
        try:
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.5)  # the pool notices
            answers = await asyncio.gather(*(pool.run(ASK, 30) for _ in range(6)))
            assert query_workers().isdisjoint(workers)
            assert len(await asyncio.to_thread(wait_for_workers, 2, others | workers)) == 2
            return answers
        finally:
            await pool.close()

    assert all(b"true" in answer for answer in asyncio.run(scenario()))


def test_reload_serves_the_new_data_while_a_job_on_the_old_data_finishes():
    old, new = triples(6000), triples(10, name="new")  # the old job: seconds of work

    async def scenario():
        pool, _, _ = await started_pool({"kzgraph": old}, workers=1)
        try:
            counting = asyncio.ensure_future(pool.run(PAIRS, 120))
            await asyncio.sleep(0.3)
            await pool.reload({"kzgraph": new})
            assert not counting.done(), "the old job ended before the new data was served"
            fresh = await pool.run(PAIRS, 60)
            return fresh, await counting
        finally:
            await pool.close()

    fresh, counted = asyncio.run(scenario())
    assert fresh.split()[1] == b"100"  # 10 new triples, squared
    assert counted.split()[1] == str(6000 ** 2).encode()  # the old job saw the old data, whole


def test_a_caller_that_goes_away_stops_its_job(nquads):
    """A client that disconnects cancels its request's task: the job's worker is ended (its CPU
    freed) and a fresh one answers the next job."""
    async def scenario() -> float:
        pool, workers, others = await started_pool({"kzgraph": nquads}, workers=1)
        try:
            runaway = asyncio.ensure_future(pool.run(RUNAWAY, 60))
            await asyncio.sleep(0.5)
            runaway.cancel()
            with pytest.raises(asyncio.CancelledError):
                await runaway
            assert await asyncio.to_thread(gone_within, next(iter(workers)), 2.0)
            started = time.monotonic()
            assert b"true" in await pool.run(ASK, 30)
            return time.monotonic() - started
        finally:
            await pool.close()

    assert asyncio.run(scenario()) < 20  # not after the runaway's 60 s


def test_the_time_a_job_started_leaves_out_its_wait(nquads):
    """``timing["started"]``: when a worker took the job, so that what a query waited behind
    another is not charged to its client's query time."""
    slow = triples(2500)

    async def scenario() -> tuple[float, float]:
        pool, _, _ = await started_pool({"kzgraph": slow}, workers=1)
        try:
            ahead = asyncio.ensure_future(pool.run(PAIRS, 60))
            await asyncio.sleep(0.1)
            loop = asyncio.get_running_loop()
            timing = {"asked": loop.time()}
            await pool.run(ASK, 60, timing)
            await ahead
            return timing["started"] - timing["asked"], loop.time() - timing["started"]
        finally:
            await pool.close()

    waited, ran = asyncio.run(scenario())
    assert waited > 0.3 and 0 <= ran < waited


def test_a_job_stopped_at_its_deadline_is_charged_from_when_it_got_a_worker(nquads):
    """Its client's query time is charged for the whole run (the query-seconds rate limit), and
    a job whose time ran out while it waited for a worker is charged nothing."""
    async def scenario() -> tuple[dict, dict]:
        pool, _, _ = await started_pool({"kzgraph": nquads}, workers=1)
        loop = asyncio.get_running_loop()
        ran, waited = {"asked": loop.time()}, {}
        try:
            runaway = asyncio.ensure_future(pool.run(RUNAWAY, 1.0, ran))
            await asyncio.sleep(0.1)
            waited["asked"] = loop.time()
            with pytest.raises(QueryTimeout, match="waiting"):
                await pool.run(ASK, 0.3, waited)
            with pytest.raises(QueryTimeout, match="running"):
                await runaway
            return ran, waited
        finally:
            await pool.close()

    ran, waited = asyncio.run(scenario())
    assert 0 <= ran["started"] - ran["asked"] < 0.1
    assert "started" not in waited


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_answers_bigger_than_a_pipe_buffer_arrive_whole(nquads, run):
    query = Job(query="SELECT ?s ?p ?o WHERE { ?s ?p ?o }", engine_format="JSON")

    async def ask_twice() -> list[bytes]:
        pool, _, _ = await started_pool({"kzgraph": nquads}, workers=1)
        try:
            return [await pool.run(query, 60) for _ in range(2)]
        finally:
            await pool.close()

    first, second = run(ask_twice())
    assert len(first) > 256 * 1024 and first == second


def test_data_a_worker_cannot_load_is_a_clear_error_at_start():
    async def scenario() -> None:
        pool = WorkerPool({"kzgraph": b"<not n-quads"}, workers=1)
        try:
            await pool.start()
        finally:
            await pool.close()

    with pytest.raises(WorkerLost, match="could not load the data"):
        asyncio.run(scenario())
