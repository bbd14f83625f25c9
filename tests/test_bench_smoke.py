"""A small smoke run of the benchmark (bench/run.py): it starts the peers, measures, reports."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "run.py"


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
