"""Fault injection: a query worker killed mid-query or while idle. Clients get a clear error (or
no error at all) and the service recovers by itself. Saturation (503 + Retry-After) is tested in
tests/web/test_sparql_safety.py; a server restart under load is in scripts/reliability/run.py."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import httpx
import pytest

from ..conftest import LiveServer
from .conftest import answers_normally, public_app, query

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture()
def pool_server(dataset):
    app = public_app(dataset, query_timeout=8.0, query_workers=2)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield app.state.pool, client


def worker_pids(pool) -> set[int]:
    return {w.process.pid for w in pool._all if w.process.is_alive()}


def wait_for_workers(pool, count: int, seconds: float = 30) -> set[int]:
    deadline = time.monotonic() + seconds
    while len(worker_pids(pool)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return worker_pids(pool)


def test_a_worker_killed_mid_query_gives_503_and_is_replaced(pool_server):
    pool, client = pool_server
    before = wait_for_workers(pool, 2)
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        running = background.submit(query, client, RUNAWAY)
        deadline = time.monotonic() + 5
        while pool.busy == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = before - {w.process.pid for w in pool._idle._queue}
        assert len(busy) == 1
        os.kill(busy.pop(), signal.SIGKILL)
        response = running.result(timeout=30)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "worker_lost" and response.headers["retry-after"].isdigit()
    assert "stopped while running the query" in response.json()["message"]
    assert answers_normally(client)
    assert len(wait_for_workers(pool, 2) - before) == 1  # one fresh worker, one old one


def test_workers_killed_while_idle_are_skipped_and_replaced(pool_server):
    pool, client = pool_server
    before = wait_for_workers(pool, 2)
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    assert [answers_normally(client) for _ in range(4)] == [True] * 4  # waits for fresh workers
    assert worker_pids(pool).isdisjoint(before)


def test_one_dead_idle_worker_costs_no_client_an_error(pool_server):
    pool, client = pool_server
    os.kill(next(iter(wait_for_workers(pool, 2))), signal.SIGKILL)
    time.sleep(0.3)
    with concurrent.futures.ThreadPoolExecutor(4) as clients:
        answers = list(clients.map(lambda _: answers_normally(client), range(20)))
    assert answers == [True] * 20
