"""Measure the HTTP servers that could run ``kzgraph serve``, side by side in one run, with wrk.

Servers: uvicorn with httptools, uvicorn with h11, granian (ASGI interface); each serves
kzgraph's app over the embedded data, one process (granian: one worker), on loopback, access
log off and rate limits off. Two loads: a cached ``/sparql`` GET (the same query again, answered
from the result cache) and an uncached one (the same app with its cache off, so every request
runs the query in a worker). Prints a Markdown table of requests/s and latency (wrk's average
and 99th percentile).

    pip install granian   # not a dependency of kzgraph
    python bench/http_servers.py [--duration 8] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUERY = ("SELECT ?h WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
         "<https://w3id.org/kzgraph/ontology#head> ?h }")
TARGET = "/sparql?" + urllib.parse.urlencode({"query": QUERY, "format": "json"})


def cached_app():
    """The app as `kzgraph serve` builds it over the embedded data (factory for the servers)."""
    return _app(cache_bytes=64_000_000)


def uncached_app():
    return _app(cache_bytes=0)


def _app(cache_bytes: int):
    from kzgraph import Settings, create_app, load_dataset
    from kzgraph.web.service import Service

    settings = Settings(rate_limit_requests=0, rate_limit_query_seconds=0, access_log="off",
                        readiness="loaded", cache_bytes=cache_bytes, reload_interval=0)
    return create_app(Service.from_dataset(load_dataset(), settings))


def server_command(server: str, factory: str, port: int) -> list[str]:
    target = f"bench.http_servers:{factory}"
    if server == "granian":
        return [shutil.which("granian") or "granian", "--interface", "asgi", "--factory",
                "--workers", "1", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                "--log-level", "warning", target]
    http = server.removeprefix("uvicorn-")
    return [sys.executable, "-m", "uvicorn", "--factory", target, "--http", http, "--host",
            "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode})")
        try:
            if httpx.get(url + "/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not get ready")


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          url + TARGET], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    average = _ms(re.search(r"Latency\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rate, "avg_ms": average, "p99_ms": p99,
            "errors": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(server: str, factory: str, duration: int, connections: int) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(server_command(server, factory, port), cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        httpx.get(url + TARGET, timeout=30).raise_for_status()  # warm: the cache holds it
        return wrk(url, duration, connections)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of wrk per cell")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--servers", nargs="+",
                        default=["uvicorn-httptools", "uvicorn-h11", "granian"])
    args = parser.parse_args()
    print(f"wrk -t2 -c{args.connections} -d{args.duration}s, GET {TARGET[:40]}…, "
          f"{os.cpu_count()} cores\n")
    print("| server | cached req/s | cached avg ms | cached p99 ms "
          "| uncached req/s | uncached avg ms | uncached p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for server in args.servers:
        cells = []
        for factory in ("cached_app", "uncached_app"):
            result = measure(server, factory, args.duration, args.connections)
            if result["errors"]:
                print(f"{server} {factory}: {result['errors']} non-2xx answers", file=sys.stderr)
            cells += [f"{result['rps']:.0f}", f"{result['avg_ms']:.2f}", f"{result['p99_ms']:.2f}"]
        print(f"| {server} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
