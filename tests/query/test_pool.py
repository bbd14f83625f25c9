"""The worker pool on both event loops uvicorn may pick: asyncio's and uvloop's."""

import asyncio

import pytest
import uvloop

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
