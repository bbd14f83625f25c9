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
from ..query.workers import busiest, query_workers, wait_for_workers
from .conftest import answers_normally, public_app, query

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture()
def pool_server(dataset):
    others = query_workers()  # of other tests' servers, if any
    app = public_app(dataset, query_timeout=8.0, query_workers=2)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield app.state.service.pool, client, others


def test_a_worker_killed_mid_query_gives_503_and_is_replaced(pool_server):
    pool, client, others = pool_server
    before = wait_for_workers(2, others)
    with concurrent.futures.ThreadPoolExecutor(1) as background:
        running = background.submit(query, client, RUNAWAY)
        deadline = time.monotonic() + 5
        while pool.busy == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(busiest(before), signal.SIGKILL)
        response = running.result(timeout=30)
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "worker_lost" and response.headers["retry-after"].isdigit()
    assert "stopped while running the query" in response.json()["message"]
    assert answers_normally(client)
    assert len(wait_for_workers(2, others) - before) == 1  # one fresh worker, one old one


def test_workers_killed_while_idle_are_skipped_and_replaced(pool_server):
    _, client, others = pool_server
    before = wait_for_workers(2, others)
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    assert [answers_normally(client) for _ in range(4)] == [True] * 4  # waits for fresh workers
    assert wait_for_workers(2, others).isdisjoint(before)


def test_one_dead_idle_worker_costs_no_client_an_error(pool_server):
    _, client, others = pool_server
    os.kill(next(iter(wait_for_workers(2, others))), signal.SIGKILL)
    time.sleep(0.3)
    with concurrent.futures.ThreadPoolExecutor(4) as clients:
        answers = list(clients.map(lambda _: answers_normally(client), range(20)))
    assert answers == [True] * 20


def test_workers_die_with_a_killed_server_even_mid_query(tmp_path):
    """SIGKILL of the server (the OOM killer, an operator) must not leave a worker computing a
    runaway query on its own."""
    import subprocess
    import sys

    from ..conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZGRAPH_")}
    # readiness "loaded": no SHACL checker process, so every child is a query worker (or the
    # multiprocessing resource tracker, which ends with them)
    env.update(KZGRAPH_ACCESS_LOG="off", KZGRAPH_RELOAD_INTERVAL="0", KZGRAPH_QUERY_TIMEOUT="60",
               KZGRAPH_READINESS="loaded")
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "kzgraph", "serve", "--port", str(port)],
                                  env=env, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        children = [int(pid) for task in os.listdir(f"/proc/{server.pid}/task")
                    for pid in open(f"/proc/{server.pid}/task/{task}/children").read().split()]
        with concurrent.futures.ThreadPoolExecutor(2) as clients:
            for _ in range(2):  # both workers busy with a runaway query
                clients.submit(_quietly, url, RUNAWAY)
            time.sleep(1.5)
            server.kill()
            server.wait(timeout=10)
            time.sleep(1.0)
            alive = [pid for pid in children if _running(pid)]
    finally:
        server.kill()
    assert alive == [], f"workers outlived the server: {alive}"


def _quietly(url: str, text: str) -> None:
    try:
        httpx.post(f"{url}/sparql", data={"query": text}, timeout=60)
    except httpx.HTTPError:
        pass  # the server was killed under it


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
