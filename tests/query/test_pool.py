"""The worker pool on both event loops uvicorn may pick: asyncio's and uvloop's."""

import asyncio
import time

import pytest
import uvloop

from kzgraph.errors import QueryTimeout
from kzgraph.query.pool import WorkerPool
from kzgraph.query.worker import Job


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_replies_bigger_than_the_pipe_buffer_arrive_whole(dataset, run):
    """uvloop makes a watched descriptor non-blocking: a reply over the pipe's 64 KiB buffer was
    read half, and the worker taken for dead (503 worker_lost on every big answer)."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"

    async def ask_twice() -> list[bytes]:
        pool = WorkerPool({"kzgraph": nquads}, workers=1)
        await pool.start()
        try:
            return [await pool.run(Job(query=query, engine_format="JSON"), 60) for _ in range(2)]
        finally:
            await pool.close()

    first, second = run(ask_twice())
    assert len(first) > 256 * 1024 and first == second


def test_a_job_that_took_an_idle_worker_does_not_count_as_waiting(dataset):
    """One worker, room for one waiting job: a second job arriving while the first is taking the
    idle worker must wait, not be refused. The first was still counted as waiting for a few
    turns of the event loop after it had the worker, and the second got 503 overloaded."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    job = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", engine_format="CSV")

    async def second_after(turns: int) -> bytes:
        pool = WorkerPool({"kzgraph": nquads}, workers=1, max_waiting=1)
        await pool.start()
        try:
            first = asyncio.ensure_future(pool.run(job, 30))
            for _ in range(turns):  # the second job arrives this many loop turns later
                await asyncio.sleep(0)
            answer = await pool.run(job, 30)
            assert await first == answer
            return answer
        finally:
            await pool.close()

    for turns in range(6):
        assert asyncio.run(second_after(turns)).startswith(b"n")


def test_the_worker_that_answered_last_takes_the_next_job(dataset):
    """Jobs took the idle workers in turn, so each went to the worker that had been idle longest
    (its process cold): a one-row query spent ~120 µs in the pool instead of ~80."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    job = Job(query="ASK { ?s ?p ?o }", engine_format="JSON")

    async def workers_used() -> list[int]:
        pool = WorkerPool({"kzgraph": nquads}, workers=2)
        await pool.start()
        used: list[int] = []
        exchange = pool._exchange

        async def noting(worker, *args):
            used.append(worker.process.pid)
            return await exchange(worker, *args)

        pool._exchange = noting
        try:
            for _ in range(4):
                assert b"true" in await pool.run(job, 60)
            return used
        finally:
            await pool.close()

    used = asyncio.run(workers_used())
    assert len(used) == 4 and len(set(used)) == 1


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_a_watched_pipe_carries_many_answers_big_and_small_across_a_timeout(dataset, run):
    """Each worker's pipe is watched once, for the worker's life, and set back to blocking once:
    every later answer, over and under the pipe's 64 KiB buffer, must still arrive whole, and a
    timeout must still kill the worker and let a fresh one (watched anew) answer."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    big = Job(query="SELECT ?s ?p ?o WHERE { ?s ?p ?o }", engine_format="JSON")
    small = Job(query="ASK { ?s ?p ?o }", engine_format="JSON")

    async def exchange() -> tuple[list[bytes], list[int]]:
        pool = WorkerPool({"kzgraph": nquads}, workers=1)
        await pool.start()
        answers: list[bytes] = []
        pids: list[int] = []
        try:
            for round_ in range(2):
                for job in (big, small, big, big, small, small, big):
                    answers.append(await pool.run(job, 60))
                pids.append(next(iter(pool._all)).process.pid)
                if round_ == 0:
                    with pytest.raises(QueryTimeout):
                        await pool.run(Job(query=RUNAWAY, engine_format="CSV"), 0.3)
            return answers, pids
        finally:
            await pool.close()

    answers, pids = run(exchange())
    bigs = [a for a in answers if len(a) > 256 * 1024]
    smalls = [a for a in answers if b"true" in a and len(a) < 1024]
    assert len(bigs) == 8 and len(set(bigs)) == 1 and len(smalls) == 6
    assert pids[0] != pids[1]  # the timed-out worker was replaced


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_an_idle_worker_that_dies_does_not_keep_the_loop_busy(dataset, run):
    """A dead worker's pipe stays readable (end of file): still watched, it would call back on
    every turn of the event loop, a core spent for nothing until a job took that worker."""
    nquads = dataset.serialize(format="nquads", encoding="utf-8")
    job = Job(query="ASK { ?s ?p ?o }", engine_format="JSON")

    async def cpu_while_dead() -> float:
        pool = WorkerPool({"kzgraph": nquads}, workers=1)
        await pool.start()
        try:
            worker = next(iter(pool._all))
            worker.process.kill()
            await asyncio.sleep(0.1)  # the loop sees the pipe close
            started = time.process_time()
            await asyncio.sleep(0.5)
            spent = time.process_time() - started
            assert b"true" in await pool.run(job, 60)  # a fresh worker takes its place
            return spent
        finally:
            await pool.close()

    assert run(cpu_while_dead()) < 0.2
