"""A small smoke run of the benchmark (bench/run.py): it starts the peers, measures, reports."""

import argparse
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


def load_bench():
    sys.path.insert(0, str(BENCH.parent))
    try:
        spec = importlib.util.spec_from_file_location("kzgraph_bench_run", BENCH)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH.parent))


def test_benchmark_smoke_run_reports_every_query_for_kzgraph_and_oxigraph(tmp_path):
    output = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "1000", "--peers", "oxigraph", "kzgraph",
         "kzgraph-nocache", "kzgraph-disk",
         "--reps", "2", "--seconds", "0.5", "--clients", "2", "-o", str(output)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    table = output.read_text(encoding="utf-8")
    for query in ("lookup", "join-3", "optional", "filter-regex", "aggregate", "property-path",
                  "named-graph", "describe"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {query} |"))
        assert "error" not in row
    assert "| kzgraph |" in table and "| oxigraph |" in table and "| kzgraph-nocache |" in table
    assert "| kzgraph-disk |" in table and "restart s" in table
    for peer in ("oxigraph", "kzgraph", "kzgraph-nocache", "kzgraph-disk"):
        cells = next(line for line in table.splitlines() if line.startswith(f"| {peer} |")).split("|")
        assert float(cells[2]) > 0 and float(cells[3]) > 0  # load and restart were measured
        if shutil.which("wrk"):  # the default load generator where installed
            assert float(cells[5]) > 0 and float(cells[6].split("(")[0]) > 0  # req/s, lookup µs
    assert "`kzgraph validate` on this graph:" in table  # 1,000 quads: under --validate-up-to
    assert "the whole run took" in table.splitlines()[0]


def test_a_slow_query_stops_at_its_budget_after_three_runs_and_a_fast_one_runs_every_rep():
    bench = load_bench()
    calls = []
    bench.time_query(lambda: calls.append(1), reps=10, budget=0.0)
    assert len(calls) == 1 + 3  # warm-up, then the three runs a median needs
    calls.clear()
    bench.time_query(lambda: calls.append(1), reps=10, budget=60.0)
    assert len(calls) == 1 + 10


def test_stock_rdflib_endpoint_is_left_out_above_100k_quads_unless_asked():
    bench = load_bench()
    args = argparse.Namespace(peers=["oxigraph", "kzgraph", "rdflib-endpoint"],
                              every_peer_every_size=False)
    assert bench.peers_for(100_000, args) == ["oxigraph", "kzgraph", "rdflib-endpoint"]
    assert bench.peers_for(1_000_000, args) == ["oxigraph", "kzgraph"]
    assert "rdflib-endpoint" in bench.left_out(1_000_000, args)
    assert bench.left_out(100_000, args) == ""
    args.every_peer_every_size = True
    assert bench.peers_for(1_000_000, args) == ["oxigraph", "kzgraph", "rdflib-endpoint"]


def test_throughput_is_measured_by_each_load_generator_installed(tmp_path):
    import shutil

    import pytest
    bench = load_bench()
    data = tmp_path / "small.nq"
    data.write_text(bench.generate(200), encoding="utf-8")
    process, url, _ = bench.start("oxigraph", data, tmp_path, timeout=60)
    try:
        assert bench.throughput(url, clients=2, seconds=0.5, generator="python") > 0
        if shutil.which("wrk") is None:
            pytest.skip("wrk is not installed (apt install wrk)")
        assert bench.throughput(url, clients=2, seconds=0.5, generator="wrk") > 0
        with pytest.raises(RuntimeError, match="wrk"):  # refused requests are not throughput
            bench.throughput(url.replace("/query", "/nowhere"), clients=2, seconds=0.5,
                             generator="wrk")
    finally:
        bench.stop(process)


def test_the_nginx_peer_answers_through_the_shipped_cache_and_stops_with_kzgraph(tmp_path):
    import httpx
    import pytest
    bench = load_bench()
    if bench.find_nginx() is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    data = tmp_path / "small.nq"
    data.write_text(bench.generate(200), encoding="utf-8")
    front, url, load_s = bench.start(bench.NGINX_PEER, data, tmp_path, timeout=120)
    try:
        assert url.startswith(front.nginx.url) and load_s > 0
        statuses = [httpx.get(url, params={"query": "ASK { ?s ?p ?o } # nginx peer"},
                              headers=bench.ACCEPT).headers["x-cache-status"] for _ in range(2)]
        assert statuses == ["MISS", "HIT"]
        assert bench.process_tree_rss_mib(front) > bench.tree_rss_mib(front.kzgraph.pid)
        assert bench.throughput(url, clients=2, seconds=0.5, generator="python") > 0
    finally:
        bench.stop(front)
    assert front.kzgraph.poll() is not None and front.nginx.process.poll() is not None


def test_validation_peers_find_kzgraphs_results_or_say_why_not():
    """bench/validate.py --peers on a small graph: a stock pySHACL configuration finds as many
    results as `kzgraph validate` (the run would stop otherwise), a failing one is a row saying
    so, and one over the cap is reported over it."""
    def rows(*options):
        result = subprocess.run(
            [sys.executable, str(BENCH.parent / "validate.py"), "--sizes", "1000",
             "--variants", "plain", *options], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-2000:]
        return {line.split(" | ")[2]: line.split(" | ") for line in result.stdout.splitlines()[2:]}

    found = rows("--peers", "inplace-prepared", "sparql-mode")
    kzgraph_results = found["`kzgraph validate`"][3]
    assert int(kzgraph_results.replace(",", "")) > 1000
    assert found["inplace-prepared"][3] == kzgraph_results
    assert found["sparql-mode"][3].startswith("failed: AttributeError")
    over = rows("--peers", "inplace-prepared", "--cap", "0.5")["inplace-prepared"]
    assert over[3:5] == ["(not finished)", "> 0"]
