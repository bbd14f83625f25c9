"""One interface for where queries run: the local workers and a --backend are chosen by the
settings and both answer what the web layer asks of an executor."""

from __future__ import annotations

import pytest

from kzgraph import Settings
from kzgraph.query.executor import QueryExecutor, query_executor
from kzgraph.query.pool import WorkerPool
from kzgraph.query.remote import RemoteExecutor

DATASETS = {"kzgraph": b"", "wikidata": b""}


def test_without_a_backend_queries_run_in_local_workers_with_kzgraph_functions():
    executor = query_executor(Settings(query_workers=3, max_waiting=7), DATASETS)
    assert isinstance(executor, WorkerPool) and isinstance(executor, QueryExecutor)
    assert executor.runs_kzgraph_functions("kzgraph") and executor.runs_kzgraph_functions("wikidata")
    assert (executor.started, executor.busy, executor.waiting) == (False, 0, 0)


def test_with_a_backend_only_the_local_view_runs_kzgraph_functions():
    executor = query_executor(Settings(backend="http://127.0.0.1:7878/query"), DATASETS)
    assert isinstance(executor, RemoteExecutor) and isinstance(executor, QueryExecutor)
    assert not executor.runs_kzgraph_functions("kzgraph")  # the backend's engine lacks kzf:
    assert executor.runs_kzgraph_functions("wikidata")  # kept in kzgraph's own workers
    assert (executor.started, executor.busy, executor.waiting) == (False, 0, 0)


@pytest.mark.parametrize("member", ["start", "close", "reload", "run", "runs_kzgraph_functions",
                                    "busy", "waiting", "started"])
def test_an_object_lacking_part_of_the_interface_is_not_an_executor(member):
    class Partial:
        started = False
        busy = waiting = 0

        async def start(self): ...
        async def close(self): ...
        async def reload(self, datasets): ...
        async def run(self, job, timeout, timing=None): ...
        def runs_kzgraph_functions(self, dataset): return True

    assert isinstance(Partial(), QueryExecutor)
    delattr(Partial, member)
    assert not isinstance(Partial(), QueryExecutor)
