"""The reliability and security suite, end to end, with figures: writes bench/reliability.md.

    python scripts/reliability/run.py --mode short   # about 3 minutes (what CI can afford)
    python scripts/reliability/run.py --mode long    # about 19 minutes: 10,000 fuzz requests,
                                                     # a 10-minute soak

Phases, each against ``kzgraph serve`` started here on 127.0.0.1 as the public deploys it (no
curator token, default limits unless said), with traffic only to loopback and every loop bounded
in count and time:

1. pytest tests/security: the hostile-request, exhaustion, encoding, fault, integrity and fuzz
   tests (their short mode).
2. Fuzz: generated HTTP requests and generated SPARQL (tests/security/fuzz.py); SERVICE allowed
   only to one local listener, a second listener must see nothing.
3. Load: peak throughput of cheap lookups with 16 clients, then a mixed workload (cheap lookups,
   medium joins, a few expensive queries) at half that rate: latency percentiles per class.
4. Overload: 64 clients of expensive queries on a server with a short wait queue, and the default
   per-client rate limits on: only the designed 503/429 may appear.
5. Soak: the mixed workload at half the peak for the soak time, sampling the RSS of the server
   and its workers.
6. Restart under load: the server is killed (SIGKILL) with clients running and started again on
   the same port: its workers must not outlive it, and clients recover by themselves.
7. Integrity: checksum of the served quads before phase 2 and after phase 6.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.conftest import free_port  # noqa: E402
from tests.security.conftest import HEAD, served_checksum  # noqa: E402
from tests.security.fuzz import Tally, disguised_services, requests, send_and_record, sparql  # noqa: E402
from tests.web.test_sparql_safety import Listener  # noqa: E402

JSON = {"Accept": "application/sparql-results+json"}
KZ, KZO = "https://w3id.org/kzgraph/resource/", "https://w3id.org/kzgraph/ontology#"
WORKLOAD = {  # class -> (weight in the mix, queries)
    "cheap": (0.80, [HEAD, f"ASK {{ <{KZ}KazSat-2> ?p ?o }}",
                     f"SELECT ?l WHERE {{ <{KZ}Baikonur_Cosmodrome> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"]),
    "medium": (0.18, [(ROOT / "examples/05-aimbetov-flight.rq").read_text(),
                      (ROOT / "examples/08-source-of-kazsat-1-loss.rq").read_text(),
                      "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)"]),
    "expensive": (0.02, ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?x . ?x ?r ?y }",
                         'SELECT ?s WHERE { ?s ?p ?o FILTER(REGEX(STR(?o), "[Kk]az.*[0-9]")) }']),
}
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@dataclass
class Server:
    """``kzgraph serve`` in a subprocess on 127.0.0.1."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> float:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KZGRAPH_")}
        env.update({"KZGRAPH_ACCESS_LOG": "off", "KZGRAPH_RELOAD_INTERVAL": "0", **self.env})
        started = time.monotonic()
        self.log = tempfile.TemporaryFile()  # a pipe left unread could fill up and stall it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kzgraph", "serve", "--port", str(self.port)], env=env,
            stdout=subprocess.DEVNULL, stderr=self.log)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"kzgraph serve exited: {self.log.read()[-2000:]!r}")
            try:
                if httpx.get(f"{self.url}/sparql", params={"query": HEAD}, headers=JSON,
                             timeout=5).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("kzgraph serve did not answer in time")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tree(self) -> list[int]:
        return _tree(self.process.pid) if self.process else []

    def rss_mib(self) -> float:
        return sum(_rss_kib(pid) for pid in self.tree()) / 1024


def _tree(pid: int) -> list[int]:
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def _command(pid: int) -> str:
    """What a child process is: a query worker, the resource tracker, another spawned process."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except (FileNotFoundError, ProcessLookupError):
        return "gone"
    return "resource tracker" if "resource_tracker" in command else "spawned child"


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- phases -----------------------------------------------------------------------------------

def run_pytest() -> dict:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/security"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return {"summary": re.sub(r"=+", "", tail).strip(), "seconds": time.monotonic() - started,
            "ok": done.returncode == 0}


FUZZ_TIMEOUT = 1.0  # the fuzzed server's query timeout: generated cross joins end quickly


def run_fuzz(count: int) -> dict:
    """Three hypothesis drivers (requests, generated SPARQL, disguised SERVICE calls) in three
    processes, against one server."""
    with Listener() as allowed, Listener() as forbidden:
        server = Server({"KZGRAPH_SERVICE_ALLOWLIST": f"{allowed.url}/sparql",
                         "KZGRAPH_QUERY_TIMEOUT": str(FUZZ_TIMEOUT),
                         "KZGRAPH_RATE_LIMIT_REQUESTS": "0", "KZGRAPH_RATE_LIMIT_QUERY_SECONDS": "0"})
        server.start()
        urls, started = (allowed.url, forbidden.url), time.monotonic()
        try:
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(3, mp_context=context) as drivers:
                parts = list(drivers.map(_fuzz_part, ["requests", "sparql", "services"],
                                         [server.url] * 3, [urls] * 3, [count // 3 + 1] * 3))
            alive = server.process.poll() is None
        finally:
            server.stop()
        time.sleep(0.3)
    tally = Tally()
    for part in parts:
        tally.requests += part.requests
        tally.statuses += part.statuses
        tally.codes += part.codes
        tally.failures += part.failures
        tally.hangs += part.hangs
        tally.slowest = max(tally.slowest, part.slowest)
    return {"tally": tally, "alive": alive, "forbidden_hits": len(forbidden.hits),
            "allowed_hits": len(allowed.hits), "seconds": time.monotonic() - started}


def _fuzz_part(kind: str, url: str, urls: tuple[str, ...], count: int) -> Tally:
    strategy = {"requests": requests(urls), "sparql": sparql(urls).map(_as_query_request),
                "services": disguised_services(urls).map(_as_query_request)}[kind]
    tally = Tally()
    with httpx.Client(base_url=url, timeout=60) as client:
        _drive(strategy, count, lambda r: send_and_record(client, r, tally, FUZZ_TIMEOUT))
    return tally


def _as_query_request(text: str):
    from tests.security.fuzz import FuzzRequest

    return FuzzRequest("POST", "/sparql", (), (("Content-Type", "application/sparql-query"),),
                       text.encode("utf-8"))


def _drive(strategy, examples: int, action) -> None:
    """Run ``action`` on ``examples`` values drawn by hypothesis (generation only: no shrinking,
    every request is counted once)."""
    from hypothesis import Phase

    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(value=strategy)
    def run(value):
        action(value)

    run()


async def _load(url: str, seconds: float, clients: int, rate: float | None, mix: dict,
                on_sample=None) -> dict:
    """Closed loop (``rate`` None: each client sends as fast as it can) or open loop at ``rate``
    requests per second shared by the clients; latencies per class, statuses, errors."""
    latencies: dict[str, list[float]] = {name: [] for name in mix}
    statuses, errors, error_times = Counter(), Counter(), []
    deadline = time.monotonic() + seconds
    classes, weights = list(mix), [mix[c][0] for c in mix]
    rng = random.Random(8)
    interval = clients / rate if rate else 0.0

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            next_at = time.monotonic() + index * interval / clients
            while time.monotonic() < deadline:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                    next_at += interval
                kind = rng.choices(classes, weights)[0]
                text = rng.choice(mix[kind][1])
                started = time.perf_counter()
                try:
                    response = await http.post("/sparql", data={"query": text}, headers=JSON)
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        latencies[kind].append(time.perf_counter() - started)
                    else:
                        errors[(response.status_code, _code(response))] += 1
                except httpx.HTTPError as error:
                    statuses["transport"] += 1
                    errors[type(error).__name__] += 1
                    error_times.append(time.monotonic())
                    await asyncio.sleep(0.05)

    async def sampler() -> None:
        while on_sample and time.monotonic() < deadline:
            on_sample()
            await asyncio.sleep(10)

    started = time.monotonic()
    await asyncio.gather(sampler(), *(client(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    done = sum(v for k, v in statuses.items() if k != "transport")
    return {"seconds": elapsed, "requests": sum(statuses.values()), "throughput": done / elapsed,
            "statuses": statuses, "errors": errors, "latencies": latencies,
            "error_times": error_times}


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("error")
    except ValueError:
        return None


UNLIMITED = {"KZGRAPH_RATE_LIMIT_REQUESTS": "0", "KZGRAPH_RATE_LIMIT_QUERY_SECONDS": "0"}
NO_CACHE = {**UNLIMITED, "KZGRAPH_CACHE_BYTES": "0"}  # every query through the engine


def run_load(seconds: float) -> dict:
    """Peak and half-peak on the engine path (result cache off), then the peak as deployed (the
    cache answers the repeated queries of this workload)."""
    server = Server(NO_CACHE)
    server.start()
    try:
        cheap_only = {"cheap": WORKLOAD["cheap"]}
        peak = asyncio.run(_load(server.url, seconds, 16, None, cheap_only))
        half = peak["throughput"] / 2
        mixed = asyncio.run(_load(server.url, seconds, 16, half, WORKLOAD))
    finally:
        server.stop()
    cached = Server(UNLIMITED)
    cached.start()
    try:
        peak_cached = asyncio.run(_load(cached.url, seconds, 16, None, {"cheap": WORKLOAD["cheap"]}))
    finally:
        cached.stop()
    return {"peak": peak, "half": mixed, "target_rate": half, "peak_cached": peak_cached}


def run_cache_fill(seconds: float, cache_mib: int = 16) -> dict:
    """Distinct queries with answers of about 40 kB, many times the cache's size in total: RSS
    must level off near the cap, and a cached answer must equal a fresh one."""
    server = Server({**UNLIMITED, "KZGRAPH_CACHE_BYTES": str(cache_mib * 1_000_000)})
    server.start()
    page = "SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT 200 OFFSET {}"
    rss, sent, answered, volume, started = [server.rss_mib()], 0, 0, 0, time.monotonic()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            while time.monotonic() - started < seconds:
                for _ in range(50):
                    text = page.format(sent % 2400)
                    sent += 1
                    response = client.post("/sparql", data={"query": text}, headers=JSON)
                    answered += response.status_code == 200
                    volume += len(response.content)
                rss.append(server.rss_mib())
            probe = page.format(7)
            cached = client.post("/sparql", data={"query": probe}, headers=JSON).content
        fresh = Server(NO_CACHE)
        fresh.start()
        try:
            with httpx.Client(base_url=fresh.url, timeout=30) as client:
                same = client.post("/sparql", data={"query": probe}, headers=JSON).content == cached
        finally:
            fresh.stop()
    finally:
        server.stop()
    return {"requests": sent, "answered": answered, "rss": rss, "cache_mib": cache_mib,
            "same": same, "megabytes": volume / 1e6}


def run_overload(seconds: float) -> dict:
    server = Server({"KZGRAPH_MAX_WAITING": "8", "KZGRAPH_QUERY_TIMEOUT": "3"})  # default rate limits
    server.start()
    try:
        result = asyncio.run(_load(server.url, seconds, 64, None, {"expensive": (1.0, [EXPENSIVE])}))
        with httpx.Client(base_url=server.url, timeout=30) as client:
            time.sleep(5)
            result["after"] = client.post("/sparql", data={"query": HEAD}, headers=JSON).status_code
    finally:
        server.stop()
    return result


def run_soak(seconds: float, rate: float) -> dict:
    server = Server(NO_CACHE)  # a leak anywhere on the engine path shows; the cache is bounded
    server.start()
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    try:
        result = asyncio.run(_load(server.url, seconds, 16, rate, WORKLOAD, on_sample=lambda:
                                   samples.append((time.monotonic() - started, server.rss_mib()))))
        samples.append((time.monotonic() - started, server.rss_mib()))
    finally:
        server.stop()
    result["rss"] = samples
    return result


def run_restart(seconds: float) -> dict:
    server = Server(UNLIMITED)
    server.start()
    outcome: dict = {}

    async def scenario() -> dict:
        load = asyncio.create_task(_load(server.url, seconds, 8, None, WORKLOAD))
        await asyncio.sleep(seconds / 3)
        children = {pid: _command(pid) for pid in server.tree() if pid != server.process.pid}
        server.kill()
        killed = time.monotonic()
        await asyncio.sleep(2)
        outcome["orphans"] = [children[pid] for pid in children if _rss_kib(pid)]
        await asyncio.get_running_loop().run_in_executor(None, server.start)
        outcome["recovered_s"] = time.monotonic() - killed
        result = await load
        outcome["errors_after_recovery"] = sum(
            1 for at in result["error_times"] if at > killed + outcome["recovered_s"] + 0.5)
        return result

    try:
        result = asyncio.run(scenario())
        with httpx.Client(base_url=server.url, timeout=30) as client:
            result["after"] = client.post("/sparql", data={"query": HEAD}, headers=JSON).status_code
    finally:
        server.stop()
    return {**result, **outcome}


def checksum() -> str:
    server = Server({})
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            return served_checksum(client)
    finally:
        server.stop()


# ---- the report -------------------------------------------------------------------------------

def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def statuses(counter: Counter) -> str:
    return ", ".join(f"{k}×{v}" for k, v in sorted(counter.items(), key=lambda kv: str(kv[0])))


def report(mode: str, results: dict) -> str:
    fuzz, load, over, soak, restart, fill = (results[k] for k in (
        "fuzz", "load", "overload", "soak", "restart", "cache_fill"))
    tally: Tally = fuzz["tally"]
    half = load["half"]
    cheap = half["latencies"]["cheap"]
    rss = soak["rss"]
    warm = next((mib for t, mib in rss if t >= min(60, rss[-1][0] / 2)), rss[0][1])
    growth = (rss[-1][1] - warm) / warm * 100
    undesigned = lambda errors: sum(v for k, v in errors.items()  # noqa: E731
                                    if not (isinstance(k, tuple) and k[0] in (429, 503)))
    lines = [
        "# Reliability and security: figures",
        "",
        f"Mode **{mode}**, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Written by "
        f"`python scripts/reliability/run.py --mode {mode}`. The machine is shared with other "
        "work, and the load generator runs on the same 2 cores as the server: read throughput "
        "and latency as lower bounds.",
        "",
        "| phase | requests | statuses seen | 5xx (undesigned) | hangs | throughput | "
        "p50 / p95 / p99 ms | RSS MiB |",
        "|---|---|---|---|---|---|---|---|",
        f"| pytest tests/security (short mode) | — | {results['pytest']['summary']} | — | — | — | — "
        f"| — |",
        f"| fuzz: generated requests + SPARQL | {tally.requests} | {statuses(tally.statuses)} | "
        f"{tally.server_errors} ({len([f for f in tally.failures if f.startswith('undesigned')])}) "
        f"| {tally.hangs} | {tally.requests / fuzz['seconds']:.0f}/s | slowest "
        f"{ms(tally.slowest)} | — |",
        f"| load: cheap lookups, 16 clients flat out (peak) | {load['peak']['requests']} | "
        f"{statuses(load['peak']['statuses'])} | {undesigned(load['peak']['errors'])} | 0 | "
        f"{load['peak']['throughput']:.0f}/s | {_pcts(load['peak']['latencies']['cheap'])} | — |",
        f"| load: cheap lookups, 16 clients flat out, result cache on (as deployed) | "
        f"{load['peak_cached']['requests']} | {statuses(load['peak_cached']['statuses'])} | "
        f"{undesigned(load['peak_cached']['errors'])} | 0 | "
        f"{load['peak_cached']['throughput']:.0f}/s | "
        f"{_pcts(load['peak_cached']['latencies']['cheap'])} | — |",
        f"| load: mix at 50% of peak — cheap | {half['requests']} (all classes) | "
        f"{statuses(half['statuses'])} | {undesigned(half['errors'])} | 0 | "
        f"{half['throughput']:.0f}/s | {_pcts(cheap)} | — |",
        f"| load: mix at 50% of peak — medium | | | | | | "
        f"{_pcts(half['latencies']['medium'])} | — |",
        f"| load: mix at 50% of peak — expensive | | | | | | "
        f"{_pcts(half['latencies']['expensive'])} | — |",
        f"| overload: 64 clients, expensive, queue 8, default rate limits | {over['requests']} | "
        f"{statuses(over['statuses'])} | {undesigned(over['errors'])} | 0 | "
        f"{over['throughput']:.0f}/s | {_pcts(over['latencies']['expensive'])} | — |",
        f"| soak: mix at 50% of peak, {soak['seconds'] / 60:.1f} min | {soak['requests']} | "
        f"{statuses(soak['statuses'])} | {undesigned(soak['errors'])} | 0 | "
        f"{soak['throughput']:.0f}/s | {_pcts(soak['latencies']['cheap'])} (cheap) | "
        f"{warm:.0f} → {rss[-1][1]:.0f} ({growth:+.1f}%) |",
        f"| cache fill: distinct ~40 kB answers, {fill['cache_mib']} MB cache | {fill['requests']} | "
        f"200×{fill['answered']} | {fill['requests'] - fill['answered']} | 0 | — | — | "
        f"{fill['rss'][0]:.0f} → {fill['rss'][len(fill['rss']) // 4]:.0f} → {fill['rss'][-1]:.0f} |",
        f"| restart: SIGKILL under load, start again | {restart['requests']} | "
        f"{statuses(restart['statuses'])} | 0 (transport errors after it was back: "
        f"{restart['errors_after_recovery']}) | 0 | "
        f"{restart['throughput']:.0f}/s | back in {restart['recovered_s']:.1f} s | — |",
        "",
        "## Against the targets",
        "",
        f"- Fuzz: {tally.requests} requests, {tally.server_errors} answers 5xx of which "
        f"{len([f for f in tally.failures if f.startswith('undesigned')])} undesigned "
        f"(designed: 503 timeout/overloaded), {tally.hangs} hangs, server alive: "
        f"{fuzz['alive']}, broken promises: {len(tally.failures)}; SERVICE requests reaching the "
        f"listener not on the allowlist: **{fuzz['forbidden_hits']}** (allowed one: "
        f"{fuzz['allowed_hits']}).",
        f"- Errors other than the designed 503/429: load {undesigned(half['errors'])}, overload "
        f"{undesigned(over['errors'])} (target 0); error codes under overload: "
        f"{statuses(over['errors'])}; a normal query after the overload: {over['after']}.",
        f"- p99 of cheap queries at 50% of peak ({load['target_rate']:.0f} req/s offered): "
        f"{ms(percentile(cheap, 0.99))} ms (target ≤ 100 ms).",
        f"- RSS over the soak: {warm:.0f} MiB after warm-up → {rss[-1][1]:.0f} MiB at the end, "
        f"{growth:+.1f}% (target ≤ 10%); samples every 10 s: "
        + ", ".join(f"{mib:.0f}" for _, mib in rss) + ".",
        f"- Result cache offered {fill['megabytes'] / fill['cache_mib']:.1f}× its size "
        f"({fill['megabytes']:.0f} MB of distinct answers for {fill['cache_mib']} MB): RSS "
        f"{fill['rss'][0]:.0f} MiB before, {fill['rss'][len(fill['rss']) // 4]:.0f} a quarter of "
        f"the way in, {fill['rss'][-1]:.0f} at the end (the cache holds at most "
        f"{fill['cache_mib']} MB; the workers grow by themselves once, see the soak); a cached "
        f"answer equals a fresh one: "
        f"{fill['same']}.",
        f"- Restart under load: processes of the killed server still there 2 s later: "
        f"{', '.join(restart['orphans']) or 'none'}; answering again {restart['recovered_s']:.1f} s after the "
        f"kill; clients' errors while it was down: {statuses(restart['errors'])}, after: "
        f"{restart['errors_after_recovery']}; a normal query "
        f"afterwards: {restart['after']}.",
        f"- Integrity: checksum of the served quads before the phases `{results['checksum'][0]}`, "
        f"after `{results['checksum'][1]}`: "
        f"{'equal' if results['checksum'][0] == results['checksum'][1] else '**different**'}.",
    ]
    if tally.failures:
        lines += ["", "## Broken promises (first 20)", ""] + [f"- `{f[:300]}`" for f in
                                                              tally.failures[:20]]
    return "\n".join(lines) + "\n"


def _pcts(samples: list[float]) -> str:
    if not samples:
        return "—"
    return " / ".join(ms(percentile(samples, q)) for q in (0.5, 0.95, 0.99))


MODES = {  # fuzz requests; seconds per load step, of overload, soak, restart, cache fill
    "short": (1_200, 10, 15, 30, 15, 20),
    "long": (10_200, 12, 20, 600, 20, 40),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="short")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "bench" / "reliability.md")
    args = parser.parse_args()
    fuzz_n, load_s, over_s, soak_s, restart_s, cache_s = MODES[args.mode]
    results: dict = {}
    step = lambda name: print(f"[{time.strftime('%H:%M:%S')}] {name}", flush=True)  # noqa: E731
    step("pytest tests/security")
    results["pytest"] = run_pytest()
    step("checksum before")
    before = checksum()
    step(f"fuzz ({fuzz_n} requests)")
    results["fuzz"] = run_fuzz(fuzz_n)
    step("load")
    results["load"] = run_load(load_s)
    step("overload")
    results["overload"] = run_overload(over_s)
    step(f"soak ({soak_s} s)")
    results["soak"] = run_soak(soak_s, results["load"]["target_rate"])
    step("cache fill")
    results["cache_fill"] = run_cache_fill(cache_s)
    step("restart under load")
    results["restart"] = run_restart(restart_s)
    step("checksum after")
    results["checksum"] = (before, checksum())
    text = report(args.mode, results)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    fuzz = results["fuzz"]
    return 0 if (results["pytest"]["ok"] and not fuzz["tally"].failures
                 and fuzz["forbidden_hits"] == 0 and before == results["checksum"][1]) else 1


if __name__ == "__main__":
    sys.exit(main())
