"""Benchmark kzgraph against its peers, side by side in one run, over HTTP on loopback.

Peers: kzgraph (`kzgraph serve` as it comes: `--query-store auto`, so its workers load the data
in memory up to 250,000 quads and read the on-disk store beyond; `kzgraph-nocache`, without its
result cache, since the benchmark repeats each query, and its workers holding the data in memory
at every size (`--query-store memory`); `kzgraph-disk`, no cache and workers reading the on-disk
store; `kzgraph-nginx`, kzgraph behind the shipped nginx
configuration, deploy/nginx/kzgraph.conf, whose cache answers repeated GET queries), stock
rdflib-endpoint (`rdflib-endpoint serve`), the Oxigraph
server (`oxigraph serve-read-only`, PyPI package `oxigraph`), Virtuoso Open Source (`virtuoso`:
Debian's virtuoso-t, loaded with its bulk loader; where installed) and kzgraph in front of it
(`kzgraph-virtuoso`: `kzgraph serve --backend` on Virtuoso's /sparql, the two measured together),
and pyoxigraph in memory (queries in-process, no HTTP: the floor). For each synthetic graph size it reports load time (start until
the first answer, building the peer's store from the data file: `oxigraph load`, kzgraph's store
cache), restart time (start again on what the first start built), RSS of the server's process tree, median and p95 latency per query, and
throughput with a bounded number of concurrent clients — as measured values and as ratios to
the Oxigraph server. Machines here are noisy: compare ratios within one run, not across runs.

    python bench/run.py [--sizes 0 10000 100000 1000000] [--reps 50] [--budget 2] [-o bench/results.md]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # deploy/
from generate import generate  # noqa: E402

from deploy.local_nginx import LocalNginx, find_nginx, render  # noqa: E402
from tests.virtuoso import VirtuosoServer, virtuoso_missing  # noqa: E402

from kzgraph.store import StoreCache  # noqa: E402
from queries import QUERIES  # noqa: E402

ACCEPT = {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}
BIN = Path(sys.executable).parent


@dataclass
class Measured:
    peer: str
    load_s: float = float("nan")       # a first start: stores built from the data file
    warm_load_s: float = float("nan")  # a restart on the same data (built stores kept)
    rss_mib: float = float("nan")
    latency: dict[str, tuple[float, float]] = field(default_factory=dict)  # query -> (median, p95)
    errors: dict[str, str] = field(default_factory=dict)
    throughput: float = float("nan")
    # The lookup's median and p99 seen by wrk on one connection: the server's own fixed cost,
    # without the ~0.2 ms a Python client adds to every request (httpx, in ``latency``).
    lookup_wrk: tuple[float, float] = (float("nan"), float("nan"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


NGINX_PEER = "kzgraph-nginx"


class BehindNginx:
    """A kzgraph server with the shipped nginx in front: stopped and measured together."""

    def __init__(self, kzgraph: subprocess.Popen, nginx: LocalNginx) -> None:
        self.kzgraph, self.nginx = kzgraph, nginx
        self.pids = [kzgraph.pid, nginx.process.pid]

    def terminate(self) -> None:
        self.nginx.__exit__()
        self.kzgraph.terminate()

    def wait(self, timeout: float) -> int:
        return self.kzgraph.wait(timeout=timeout)


def behind_nginx(kzgraph: subprocess.Popen, url: str, workdir: Path) -> tuple[BehindNginx, str]:
    """The shipped site file, as shipped but for its addresses, in front of ``url``."""
    upstream = urllib.parse.urlsplit(url).netloc
    port = free_port()
    prefix = workdir / f"nginx-{port}"
    nginx = LocalNginx(render(upstream, f"127.0.0.1:{port}", prefix / "cache"), prefix, port)
    try:
        nginx.__enter__()
    except Exception:
        kzgraph.kill()
        raise
    return BehindNginx(kzgraph, nginx), f"{nginx.url}{endpoint_path(NGINX_PEER)}"


VIRTUOSO_PEERS = ("virtuoso", "kzgraph-virtuoso")


class WithVirtuoso:
    """A Virtuoso server (its database in ``workdir``) and, for kzgraph-virtuoso, kzgraph
    serving with ``--backend`` on it: stopped and measured together."""

    def __init__(self, virtuoso: VirtuosoServer, kzgraph: subprocess.Popen | None = None) -> None:
        self.virtuoso, self.kzgraph = virtuoso, kzgraph
        self.pids = [virtuoso.process.pid] + ([kzgraph.pid] if kzgraph else [])

    def terminate(self) -> None:
        if self.kzgraph is not None:
            self.kzgraph.terminate()
            self.kzgraph.wait(timeout=30)
        self.virtuoso.stop()

    def wait(self, timeout: float) -> int:
        return self.virtuoso.process.wait(timeout=timeout)


def start_with_virtuoso(peer: str, data: Path, workdir: Path, timeout: float,
                        warm: bool) -> tuple[WithVirtuoso, str, float]:
    """Virtuoso on ``data`` (bulk-loaded on a first start; a restart reopens its database), and
    kzgraph in front of it for kzgraph-virtuoso."""
    directory = workdir / f"virtuoso-{peer}"
    if not warm:
        shutil.rmtree(directory, ignore_errors=True)
    started = time.monotonic()
    # Virtuoso's own cap on answer rows (10,000 in Debian's virtuoso.ini) is lifted: the
    # benchmark's scans would otherwise be cut short there.
    virtuoso = VirtuosoServer(directory=directory, readable=(data.parent,),
                              sparql=f"ResultSetMaxRows = 100000000\nMaxQueryExecutionTime = "
                                     f"{int(timeout)}", buffers=50_000)  # 400 MB of page cache
    virtuoso.start()
    if not warm:
        virtuoso.load(data)
    if peer == "virtuoso":
        return WithVirtuoso(virtuoso), virtuoso.query_url, time.monotonic() - started
    port = free_port()
    command = server_commands("kzgraph", data, port, workdir)[0] + ["--backend", virtuoso.query_url]
    environment = dict(os.environ, KZGRAPH_STORE_CACHE=str(built_stores(peer, workdir)))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=environment)
    front = WithVirtuoso(virtuoso, process)
    url = f"http://127.0.0.1:{port}/sparql"
    if not wait_for_answer(url, process, started, timeout):
        front.terminate()
        raise RuntimeError(f"{peer} did not start within {timeout} s")
    return front, url, time.monotonic() - started


def wait_for_answer(url: str, process: subprocess.Popen, started: float, timeout: float) -> bool:
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(url, params={"query": QUERIES["lookup"]}, headers=ACCEPT, timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            return False
        time.sleep(0.1)
    return False


def server_commands(peer: str, data: Path, port: int, workdir: Path) -> list[list[str]]:
    if peer.startswith("kzgraph"):
        # Rate limits off: the benchmark is one client address sending thousands of requests a
        # minute, which the per-client limits are there to refuse. Readiness "loaded": SHACL
        # validation (timed on its own below) would otherwise run during the measurements.
        command = [str(BIN / "kzgraph"), "serve", str(data), "--port", str(port),
                   "--query-timeout", "120", "--rate-limit-requests", "0",
                   "--rate-limit-query-seconds", "0", "--readiness", "loaded"]
        extra = {"kzgraph": [], NGINX_PEER: [], "kzgraph-nocache": ["--cache-bytes", "0", "--query-store", "memory"],
                 "kzgraph-disk": ["--cache-bytes", "0", "--query-store", "disk"]}[peer]
        return [command + extra]
    if peer == "rdflib-endpoint":
        return [[str(BIN / "rdflib-endpoint"), "serve", str(data), "--host", "127.0.0.1", "--port", str(port)]]
    store = workdir / "oxigraph-store"
    return [[str(BIN / "oxigraph"), "load", "--location", str(store), "--file", str(data)],
            [str(BIN / "oxigraph"), "serve-read-only", "--location", str(store),
             "--bind", f"127.0.0.1:{port}", "--union-default-graph"]]


def endpoint_path(peer: str) -> str:
    return "/sparql" if peer.startswith("kzgraph") else {"oxigraph": "/query", "rdflib-endpoint": "/"}[peer]


def built_stores(peer: str, workdir: Path) -> Path:
    """Where a peer keeps what it builds from the data: the Oxigraph server's store, kzgraph's
    store cache (a restart on the same data reuses it)."""
    return workdir / ("oxigraph-store" if peer == "oxigraph" else f"store-cache-{peer}")


def start(peer: str, data: Path, workdir: Path, timeout: float,
          warm: bool = False) -> tuple[subprocess.Popen, str, float]:
    """Start ``peer`` on ``data``: from scratch, or (``warm``) again on what its first start built."""
    if peer in VIRTUOSO_PEERS:
        return start_with_virtuoso(peer, data, workdir, timeout, warm)
    port = free_port()
    if not warm:
        shutil.rmtree(built_stores(peer, workdir), ignore_errors=True)
    environment = dict(os.environ, KZGRAPH_STORE_CACHE=str(built_stores(peer, workdir)))
    started = time.monotonic()
    *preparation, serve = server_commands(peer, data, port, workdir)
    for command in preparation if not warm else []:
        subprocess.run(command, check=True, capture_output=True, timeout=timeout)
    process = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=environment)
    url = f"http://127.0.0.1:{port}{endpoint_path(peer)}"
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(url, params={"query": QUERIES["lookup"]}, headers=ACCEPT, timeout=5).status_code == 200:
                if peer == NGINX_PEER:
                    return (*behind_nginx(process, url, workdir), time.monotonic() - started)
                return process, url, time.monotonic() - started
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{peer} did not start within {timeout} s")


def process_tree_rss_mib(process) -> float:
    pids = process.pids if isinstance(process, (BehindNginx, WithVirtuoso)) else [process.pid]
    return sum(tree_rss_mib(pid) for pid in pids)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def time_query(call, reps: int, budget: float) -> tuple[float, float]:
    """Median and p95 of ``reps`` timed calls after a warm-up; a query that is slow on a peer
    stops once ``budget`` seconds are spent (at least three samples), so a big graph's run fits
    in minutes."""
    call()  # warm-up
    samples: list[float] = []
    spent = 0.0
    while len(samples) < reps and (len(samples) < 3 or spent < budget):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        spent += samples[-1]
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def http_call(client: httpx.Client, url: str, query: str):
    def call():
        response = client.post(url, data={"query": query}, headers=ACCEPT)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:120]}")
        return response.content
    return call


def throughput(url: str, clients: int, seconds: float, generator: str) -> float:
    """Answered lookups per second with ``clients`` connections kept busy (keep-alive), sent as
    GET as wrk sends them (a cache in front, kzgraph-nginx's, keeps GET answers only)."""
    if generator == "wrk":
        return throughput_wrk(url, clients, seconds)
    deadline = time.monotonic() + seconds

    def worker() -> int:
        done = 0
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < deadline:
                response = client.get(url, params={"query": QUERIES["lookup"]}, headers=ACCEPT)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:120]}")
                done += 1
        return done

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        total = sum(pool.map(lambda _: worker(), range(clients)))
    return total / seconds


def throughput_wrk(url: str, clients: int, seconds: float) -> float:
    """The same with wrk (a C load generator, two threads): Python client threads top out at a
    few thousand requests a second, below what the Oxigraph server can answer. The query goes as
    GET, which every peer takes as it takes POST."""
    return float(_wrk(url, clients, seconds)["rate"])


def lookup_latency_wrk(url: str, seconds: float) -> tuple[float, float]:
    """Median and p99 of the lookup, one request at a time, as wrk sees them."""
    found = _wrk(url, 1, seconds)
    return found["50%"], found["99%"]


def _wrk(url: str, clients: int, seconds: float) -> dict[str, float]:
    target = f"{url}?{urllib.parse.urlencode({'query': QUERIES['lookup']})}"
    # wrk takes whole seconds, and no more threads than connections.
    run = subprocess.run(["wrk", "-t", str(min(2, clients)), "-c", str(clients),
                          "-d", f"{max(1, round(seconds))}s", "--latency",
                          "-H", f"Accept: {ACCEPT['Accept']}", target],
                         capture_output=True, text=True, timeout=seconds + 60)
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    if run.returncode != 0 or failed or rate is None:
        raise RuntimeError(f"wrk: {(run.stdout + run.stderr).strip()[-200:]}")
    found = {"rate": float(rate.group(1))}
    for percentile, value, unit in re.findall(r"^\s+(50%|99%)\s+([\d.]+)(us|ms|s)\s*$",
                                              run.stdout, re.MULTILINE):
        found[percentile] = float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
    return found


def measure_server(peer: str, data: Path, workdir: Path, args) -> Measured:
    result = Measured(peer)
    process, url, result.load_s = start(peer, data, workdir, args.start_timeout)
    try:
        result.rss_mib = process_tree_rss_mib(process)
        with httpx.Client(timeout=args.query_timeout) as client:
            for name, query in QUERIES.items():
                try:
                    result.latency[name] = time_query(http_call(client, url, query), args.reps, args.budget)
                except (RuntimeError, httpx.HTTPError) as error:
                    result.errors[name] = str(error)[:80]
        result.throughput = throughput(url, args.clients, args.seconds, args.load_generator)
        if args.load_generator == "wrk":
            result.lookup_wrk = lookup_latency_wrk(url, args.seconds)
        result.rss_mib = max(result.rss_mib, process_tree_rss_mib(process))
    finally:
        stop(process)
    process, _, result.warm_load_s = start(peer, data, workdir, args.start_timeout, warm=True)
    stop(process)
    return result


def measure_in_memory(data: Path, args) -> list[Measured]:
    """pyoxigraph in process, no HTTP: answers iterated (the floor), and written as JSON results
    or Turtle (what every endpoint must also do)."""
    started = time.monotonic()
    store = pyoxigraph.Store()
    store.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_QUADS)
    loaded = time.monotonic() - started
    iterated, written = Measured("pyoxigraph in memory"), Measured("pyoxigraph in memory, written")
    iterated.load_s = written.load_s = loaded

    def write(results) -> bytes:
        if isinstance(results, pyoxigraph.QueryTriples):
            return results.serialize(format=pyoxigraph.RdfFormat.TURTLE)
        return results.serialize(format=pyoxigraph.QueryResultsFormat.JSON)

    for name, query in QUERIES.items():
        iterated.latency[name] = time_query(
            lambda q=query: list(store.query(q, use_default_graph_as_union=True)), args.reps, args.budget)
        written.latency[name] = time_query(
            lambda q=query: write(store.query(q, use_default_graph_as_union=True)), args.reps, args.budget)
    return [iterated, written]


def measure_validate(data: Path) -> float:
    started = time.monotonic()
    subprocess.run([str(BIN / "kzgraph"), "validate", str(data)], capture_output=True, timeout=600)
    return time.monotonic() - started


def ratio(value: float, reference: float) -> str:
    if value != value or reference != reference or reference == 0:
        return "–"
    return f"{value / reference:.2f}×"


def report(size: int, results: list[Measured], validate_s: float | None, shipped: bool = False) -> str:
    reference = next(r for r in results if r.peer == "oxigraph")
    title = ("### The shipped graph (the synthetic queries find little or nothing in it: they "
             "measure each peer's fixed cost)" if shipped else f"### {size:,} quads")
    lines = [title, "",
             "| peer | load s | restart s | RSS MiB | throughput req/s | lookup µs, wrk (p99) | "
             "load ÷ Oxigraph | restart ÷ Oxigraph | RSS ÷ Oxigraph | throughput ÷ Oxigraph | "
             "lookup, wrk ÷ Oxigraph |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        median, p99 = r.lookup_wrk
        lines.append(f"| {r.peer} | {r.load_s:.2f} | {r.warm_load_s:.2f} | {r.rss_mib:.0f} | "
                     f"{r.throughput:.0f} | {_microseconds(median, p99)} | "
                     f"{ratio(r.load_s, reference.load_s)} | "
                     f"{ratio(r.warm_load_s, reference.warm_load_s)} | "
                     f"{ratio(r.rss_mib, reference.rss_mib)} | {ratio(r.throughput, reference.throughput)} | "
                     f"{ratio(median, reference.lookup_wrk[0])} |")
    lines += ["", "Each query, one request at a time from a Python client (httpx):", "",
              "| query | " + " | ".join(f"{r.peer} median ms (p95)" for r in results)
              + " | " + " | ".join(f"{r.peer} ÷ Oxigraph" for r in results if r is not reference) + " |",
              "|---|" + "---|" * (2 * len(results) - 1)]
    for name in QUERIES:
        cells = [_latency_cell(r, name) for r in results]
        ratios = [ratio(r.latency.get(name, (float("nan"),))[0], reference.latency.get(name, (float("nan"),))[0])
                  for r in results if r is not reference]
        lines.append(f"| {name} | " + " | ".join(cells + ratios) + " |")
    if validate_s is not None:
        lines += ["", f"`kzgraph validate` on this graph: {validate_s:.1f} s"]
    return "\n".join(lines) + "\n"


def _microseconds(median: float, p99: float) -> str:
    return "–" if median != median else f"{median * 1e6:.0f} ({p99 * 1e6:.0f})"


def _latency_cell(result: Measured, name: str) -> str:
    if name in result.errors:
        return f"error: {result.errors[name]}"
    median, p95 = result.latency.get(name, (float("nan"), float("nan")))
    return f"{median * 1000:.1f} ({p95 * 1000:.1f})"


# Peers too slow to run at every size in minutes, and the largest graph each is run on by
# default: stock rdflib-endpoint needs about 47 s to load 1M quads and 22 s for one 3-way join
# there (issue 7's measurement), which alone would take longer than the whole run.
LARGEST_BY_DEFAULT = {"rdflib-endpoint": 100_000}


def peers_for(size: int, args) -> list[str]:
    return [peer for peer in args.peers
            if args.every_peer_every_size or size <= LARGEST_BY_DEFAULT.get(peer, size)]


def left_out(size: int, args) -> str:
    skipped = [peer for peer in args.peers if peer not in peers_for(size, args)]
    return ("" if not skipped else
            f"Not run at this size: {', '.join(skipped)} (`--every-peer-every-size` runs it).\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000, 1_000_000],
                        help="quads of each synthetic graph; 0: the graph kzgraph ships")
    parser.add_argument("--peers", nargs="+",
                        default=["oxigraph", "kzgraph", *([NGINX_PEER] if find_nginx() else []),
                                 "kzgraph-nocache", "kzgraph-disk", "rdflib-endpoint",
                                 *(VIRTUOSO_PEERS if virtuoso_missing() is None else ())],
                        help="kzgraph answers repeated queries from its result cache; "
                             f"{NGINX_PEER} is kzgraph behind the shipped nginx "
                             "(deploy/nginx/kzgraph.conf; a default where nginx is installed); "
                             "kzgraph-nocache is the same server with --cache-bytes 0 and its "
                             "workers holding the data in memory at every size; "
                             "kzgraph-disk also has its workers read the on-disk store "
                             "(--query-store disk) instead of loading it in memory; virtuoso "
                             "and kzgraph-virtuoso (kzgraph serve --backend on it) are defaults "
                             "where Virtuoso is installed (apt-get install virtuoso-opensource)")
    parser.add_argument("--every-peer-every-size", action="store_true",
                        help="also run rdflib-endpoint above 100,000 quads (many minutes at 1M)")
    parser.add_argument("--reps", type=int, default=50, help="timed runs of each query")
    parser.add_argument("--budget", type=float, default=2.0,
                        help="seconds a query may spend on its timed runs before stopping early "
                             "(at least three runs)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--load-generator", choices=["wrk", "python"],
                        default="wrk" if shutil.which("wrk") else "python",
                        help="what sends the throughput test's requests: wrk (apt install wrk; "
                             "the default where installed) or Python threads")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--query-timeout", type=float, default=120.0)
    parser.add_argument("--validate-up-to", type=int, default=100_000,
                        help="time kzgraph validate on the graphs up to this many quads (0: never)")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    began, began_at = time.monotonic(), time.strftime("%Y-%m-%d %H:%M")
    sections = []
    with tempfile.TemporaryDirectory(prefix="kzgraph-bench-") as tmp:
        workdir = Path(tmp)
        for size in args.sizes:
            data = workdir / f"synthetic-{size}.nq"
            if size == 0:  # the shipped graph, as every peer can load it: its quads as kzgraph serves them
                shutil.copy(StoreCache(workdir / "shipped").get().nquads_path, data)
            else:
                data.write_text(generate(size), encoding="utf-8")
            results = [measure_server(peer, data, workdir, args) for peer in peers_for(size, args)]
            results += measure_in_memory(data, args)
            validate_s = measure_validate(data) if size <= args.validate_up_to else None
            sections.append(report(size, results, validate_s, shipped=size == 0) + left_out(size, args))
            data.unlink()
            print(sections[-1], flush=True)
    took = time.monotonic() - began
    header = (f"Benchmark run {began_at} on {os.cpu_count()} cores "
              f"(reps={args.reps} or {args.budget:g} s per query, {args.clients} clients "
              f"({args.load_generator}), "
              f"{args.seconds:g} s throughput); the whole run took {took / 60:.1f} min\n")
    print(header)
    if args.output:
        args.output.write_text("\n".join([header, *sections]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
