"""The engine path alone, before and after: the hand-written worker pool against the pebble one.

Both run in this process, one after the other, on the shipped data (the served release's
datasets) with the same number of workers, on the event loop the server runs (uvloop): N one-row
lookups one after another, then the same N from C concurrent callers, in R rounds that take
turns between the two pools; each figure is the best of its rounds (this machine is shared and
noisy: the best round is the one least disturbed). The old pool is
``src/kzgraph/query/pool.py`` and ``worker.py`` of commit 7c41ae7, the last with it (``git show 7c41ae7:…``), imported from a temporary
directory, so nothing of the checkout changes. No HTTP and no result cache: what each pool
adds to a query.

    python bench/pool.py [--jobs 2000] [--callers 8] [--workers 2] [--rounds 3] [--ref 7c41ae7]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from kzgraph import load_dataset
from kzgraph.query.pool import WorkerPool
from kzgraph.query.worker import Job
from kzgraph.release import Release

ROOT = Path(__file__).resolve().parents[1]
LOOKUP = ("SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
          "<https://w3id.org/kzgraph/ontology#head> ?h }")
# The old pool imports its worker module by kzgraph's name; its copy is imported by this one.
OLD_MODULES = {"pool.py": "old_pool", "worker.py": "old_worker"}


def old_pool_class(ref: str, directory: Path):
    """``WorkerPool`` and ``Job`` as they are at ``ref``, as modules of ``directory``."""
    for name, module in OLD_MODULES.items():
        source = subprocess.run(["git", "show", f"{ref}:src/kzgraph/query/{name}"], cwd=ROOT,
                                check=True, capture_output=True, text=True).stdout
        source = source.replace("from kzgraph.query.worker import", "from old_worker import")
        (directory / f"{module}.py").write_text(source)
    sys.path.insert(0, str(directory))  # spawned workers get this process's sys.path
    return importlib.import_module("old_pool").WorkerPool, importlib.import_module("old_worker").Job


async def measure(pool, job, jobs: int, callers: int) -> dict[str, float]:
    await pool.start()
    try:
        for _ in range(50):  # both workers warm
            await asyncio.gather(pool.run(job, 30), pool.run(job, 30))
        started = time.perf_counter()
        for _ in range(jobs):
            await pool.run(job, 30)
        sequential = time.perf_counter() - started

        async def caller(count: int) -> None:
            for _ in range(count):
                await pool.run(job, 30)

        started = time.perf_counter()
        await asyncio.gather(*(caller(jobs // callers) for _ in range(callers)))
        concurrent = time.perf_counter() - started
    finally:
        await pool.close()
    done = jobs // callers * callers
    return {"seq_us": sequential / jobs * 1e6, "seq_rate": jobs / sequential,
            "conc_us": concurrent / done * 1e6, "conc_rate": done / concurrent}


def best(rounds: list[dict[str, float]]) -> dict[str, float]:
    """Per figure, its best round: the lowest time per job, the highest rate."""
    return {key: (min if key.endswith("_us") else max)(r[key] for r in rounds) for key in rounds[0]}


def table(results: dict[str, dict[str, float]], jobs: int, callers: int, rounds: int) -> str:
    lines = [f"| pool | sequential µs/job | sequential jobs/s | {callers} callers µs/job "
             f"| {callers} callers jobs/s |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['seq_us']:.0f} | {r['seq_rate']:.0f} | {r['conc_us']:.0f} "
                     f"| {r['conc_rate']:.0f} |")
    return "\n".join(lines) + f"\n\n{jobs} one-row lookups each way, best of {rounds} rounds."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ref", default="7c41ae7",
                        help="the git revision of the old pool (7c41ae7: the last with the hand-written one)")
    options = parser.parse_args()
    sources = Release.build(load_dataset()).sources
    with tempfile.TemporaryDirectory() as directory:
        OldPool, OldJob = old_pool_class(options.ref, Path(directory))
        pools = ((f"hand-written ({options.ref})", OldPool, OldJob(LOOKUP, "CSV")),
                 ("pebble (this tree)", WorkerPool, Job(LOOKUP, "CSV")))
        rounds: dict[str, list] = {name: [] for name, _, _ in pools}
        for _ in range(options.rounds):
            for name, make, job in pools:
                pool = make(dict(sources), workers=options.workers)
                rounds[name].append(uvloop.run(measure(pool, job, options.jobs, options.callers)))
                print(name, {k: round(v) for k, v in rounds[name][-1].items()}, file=sys.stderr)
    results = {name: best(figures) for name, figures in rounds.items()}
    print(table(results, options.jobs, options.callers, options.rounds))


if __name__ == "__main__":
    main()
