"""`kzgraph validate` side by side with plain `pyshacl.validate` on synthetic graphs (issue 7).

The peer is pySHACL called the stock way on the same data graph kzgraph validates (every graph of
the dataset, claim index and ontology included) with the same shapes: ``pyshacl.validate(graph,
shacl_graph=shapes, advanced=True, ...)``, as kzgraph did before. Each run is a fresh process on
the same generated file, one after the other, timed from start to exit; kzgraph's includes
writing its report. Both must find the same number of results, or the run stops.

Two variants of each size: ``plain`` is bench/generate.py's graph (most entities break a shape,
so about one result per quad); ``linked`` adds to every typed entity a Wikidata status, to every
flight a landing date and to every cosmonaut a stated flight count and its flight, which the
SPARQL-based shapes target, as they do in kzgraph's own data.

    python bench/validate.py --sizes 10000 100000      # about 10 minutes, most of it the peer

``--peers`` times stock pySHACL (0.40, public API only) in each configuration it offers, on the
same data graph, beside `kzgraph validate`: each its own process, capped (``--cap``, default
600 s: a run past it is reported "> cap"), each checked to find kzgraph's number of results.
For each it reports the whole process and the ``validate`` call alone (the load is rdflib's).

    python bench/validate.py --sizes 10000 100000 --peers all --repeat 3   # small sizes 3 times
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import KZO, RDF_TYPE, generate  # noqa: E402

BIN = Path(sys.executable).parent
PEER = """
import sys
import pyshacl
from rdflib.namespace import RDF, SH
from kzgraph.dataset import load_dataset, union_graph
from kzgraph.validation import load_shapes
graph = union_graph(load_dataset(sys.argv[1:]))
_, report, _ = pyshacl.validate(graph, shacl_graph=load_shapes(), inference="none",
                                advanced=True, allow_warnings=True)
print(len(set(report.subjects(RDF.type, SH.ValidationResult))))
"""


def linked(nquads: str) -> str:
    """The graph with the properties the SPARQL-based shapes target, each in its entity's claim."""
    out = []
    for line in nquads.splitlines():
        out.append(line)
        subject, predicate, *_, graph, _ = line.split(" ")
        if predicate != RDF_TYPE:
            continue
        out.append(f"{subject} <{KZO}wikidataStatus> <{KZO}Unverified> {graph} .")
        if "/Flight_" in subject:
            out.append(f'{subject} <{KZO}landingDate> "2030-01-01"^^'
                       f"<http://www.w3.org/2001/XMLSchema#date> {graph} .")
        if "/Cosmonaut_" in subject:
            flight = subject.replace("/Cosmonaut_", "/Flight_")
            out.append(f'{subject} <{KZO}numberOfSpaceflights> "1"^^'
                       f"<http://www.w3.org/2001/XMLSchema#integer> {graph} .")
            out.append(f"{subject} <{KZO}astronautMission> {flight} {graph} .")
    return "\n".join(out) + "\n"


# Each peer: a script run as `python -c SCRIPT data.nq` after PEER_SETUP (which loads the data
# graph kzgraph validates and its shapes, untimed inside the script), printing its result count
# and the seconds of its validate call. All run pySHACL without inference or SHACL-AF.
PEER_SETUP = """
import sys, time
import pyshacl
from rdflib import Graph
from rdflib.namespace import RDF, SH
from kzgraph.dataset import load_dataset, union_graph
from kzgraph.validation import load_shapes
graph = union_graph(load_dataset(sys.argv[1:]))
shapes = load_shapes()
OPTIONS = dict(shacl_graph=shapes, inference="none", allow_warnings=True)

def count(report):
    # top-level results: a result nested under another's sh:detail is not one of its own
    return sum(1 for r in report.subjects(RDF.type, SH.ValidationResult)
               if (None, SH.detail, r) not in report)

def done(report, started):
    print(count(report), time.monotonic() - started)
"""

PEERS = {
    # today's peer: the stock call, SHACL-AF on (which copies the data graph first)
    "stock-advanced": """
started = time.monotonic()
_, report, _ = pyshacl.validate(graph, advanced=True, **OPTIONS)
done(report, started)
""",
    "stock": """
started = time.monotonic()
_, report, _ = pyshacl.validate(graph, **OPTIONS)
done(report, started)
""",
    "inplace": """
started = time.monotonic()
_, report, _ = pyshacl.validate(graph, inplace=True, **OPTIONS)
done(report, started)
""",
    # an rdflib Graph on oxrdflib's Oxigraph store
    "oxrdflib": """
ox_graph = Graph(store="Oxigraph")
ox_graph.addN((s, p, o, ox_graph) for s, p, o in graph)
for prefix, namespace in graph.namespaces():
    ox_graph.bind(prefix, namespace)
started = time.monotonic()
_, report, _ = pyshacl.validate(ox_graph, inplace=True, **OPTIONS)
done(report, started)
""",
    # pySHACL 0.40's own Oxigraph backend: a pyoxigraph Store as the data graph
    "pyoxigraph-store": """
import pyoxigraph as ox
from kzgraph.terms import to_ox_term
store = ox.Store()
store.extend(ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o)) for s, p, o in graph)
started = time.monotonic()
_, report, _ = pyshacl.validate(store, inplace=True, **OPTIONS)
done(report, started)
""",
    # in place, on an rdflib Graph that parses each SPARQL text once (pySHACL sends an sh:sparql
    # constraint's text once per focus node, and rdflib parses it each time)
    "inplace-prepared": """
from rdflib.plugins.sparql import prepareQuery

class Prepared(Graph):
    def query(self, query_object, processor="sparql", result="sparql", initNs=None, *args,
              **kwargs):
        if isinstance(query_object, str):
            namespaces = initNs or dict(self.namespaces())
            key = (query_object, frozenset(namespaces.items()))
            if key not in CACHE:
                CACHE[key] = prepareQuery(query_object, initNs=namespaces, base=kwargs.get("base"))
            query_object = CACHE[key]
        return super().query(query_object, processor, result, initNs, *args, **kwargs)

CACHE = {}
prepared = Prepared()
for prefix, namespace in graph.namespaces():
    prepared.bind(prefix, namespace)
prepared += graph
started = time.monotonic()
_, report, _ = pyshacl.validate(prepared, inplace=True, **OPTIONS)
done(report, started)
""",
    # one Validator, run twice: the second run is what reuse would cost
    "validator-reuse": """
from pyshacl.graph_abstraction import DataGraph
validator = pyshacl.Validator(DataGraph.from_rdflib(graph), shacl_graph=shapes,
                              options={"inference": "none", "allow_warnings": True,
                                       "inplace": True})
validator.run()
started = time.monotonic()
_, report, _ = validator.run()
done(report, started)
""",
    # SPARQL Remote Graph Mode against a loopback Oxigraph server holding the same triples
    "sparql-mode": """
import socket, subprocess, tempfile, urllib.request
from pathlib import Path
work = Path(tempfile.mkdtemp())
graph.serialize(work / "data.nt", format="nt", encoding="utf-8")
oxigraph = str(Path(sys.executable).parent / "oxigraph")
subprocess.run([oxigraph, "load", "--location", str(work / "db"), "--file", str(work / "data.nt")],
               check=True, capture_output=True)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
server = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(work / "db"),
                           "--bind", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
url = f"http://127.0.0.1:{port}/query"
for _ in range(100):
    try:
        urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1)
        break
    except OSError:
        time.sleep(0.1)
try:
    started = time.monotonic()
    _, report, _ = pyshacl.validate(url, sparql_mode=True, **OPTIONS)
    done(report, started)
finally:
    server.terminate()
""",
}


LONG_RUN = 20  # seconds: a peer run this long is not repeated (its noise is small beside it)


class OverCap(Exception):
    pass


class PeerFailed(Exception):
    """The configuration stopped with an error (its last line is the message)."""


def timed(command: list[str], cap: float = 3600, failed: type[Exception] = SystemExit,
          ) -> tuple[float, str]:
    """Seconds from start to exit and the output; OverCap if past ``cap`` (its whole process
    group is stopped, a server it started included)."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise OverCap from None
    elapsed = time.monotonic() - started
    if process.returncode not in (0, 1) or failed is not SystemExit and process.returncode:
        lines = err.strip().splitlines() or ["(no message)"]
        raise failed(f"{command[:3]} failed ({process.returncode}): {lines[-1][:300]}")
    return elapsed, out


def kzgraph_run(data: list[Path]) -> tuple[int, float]:
    seconds, report = timed([str(BIN / "kzgraph"), "validate", *map(str, data)])
    found = re.search(r"(\d+) violation\(s\)\s*$", report)
    return (int(found.group(1)) if found else -1), seconds


def peer_run(name: str, data: list[Path], cap: float) -> tuple[int, float, float]:
    """Results, whole-process seconds, validate-call seconds."""
    seconds, out = timed([sys.executable, "-c", PEER_SETUP + PEERS[name], *map(str, data)], cap,
                         failed=PeerFailed)
    results, call = out.split()[-2:]
    return int(results), seconds, float(call)


def compare_peers(sizes: list[int], variants: list[str], peers: list[str], cap: float,
                  repeat: int, work: Path) -> None:
    """The table of every peer beside kzgraph; the median of ``repeat`` runs below 100k quads."""
    print("| quads | variant | configuration | results | process s | validate call s |")
    print("|---|---|---|---|---|---|")
    given_up: dict[str, str] = {}  # a peer past the cap or failing is not run again
    for size in sizes:
        runs = repeat if size < 100_000 else 1
        for variant in variants if size else ["shipped"]:
            data, quads = graph_files(size, variant, work)
            timings = [kzgraph_run(data) for _ in range(runs)]
            expected = timings[0][0]
            print(f"| {quads:,} | {variant} | `kzgraph validate` | {expected:,} | "
                  f"{statistics.median(t[1] for t in timings):.1f} | |", flush=True)
            for name in peers:
                cells = given_up.get(name) or peer_cells(name, data, cap, runs, expected, given_up)
                print(f"| {quads:,} | {variant} | {name} | {cells} |", flush=True)


def graph_files(size: int, variant: str, work: Path) -> tuple[list[Path], int]:
    """The files of one graph and its number of quads: size 0 is the data kzgraph ships."""
    if not size:
        from kzgraph import paths
        from kzgraph.dataset import load_dataset

        files = list(paths.data_files())
        return files, len(load_dataset(files))
    text = generate(size)
    text = text if variant == "plain" else linked(text)
    data = work / f"{variant}-{size}.nq"
    data.write_text(text, encoding="utf-8")
    return [data], text.count(chr(10))


def peer_cells(name: str, data: list[Path], cap: float, runs: int, expected: int,
               given_up: dict[str, str]) -> str:
    try:
        timings = [peer_run(name, data, cap)]
        while len(timings) < runs and timings[0][1] < LONG_RUN:
            timings.append(peer_run(name, data, cap))
    except OverCap:
        given_up[name] = f"(not run: over {cap:.0f} s on an earlier graph) | | "
        return f"(not finished) | > {cap:.0f} | > {cap:.0f}"
    except PeerFailed as error:
        given_up[name] = "(not run: failed on an earlier graph) | | "
        return f"failed: {str(error).rsplit('): ', 1)[-1]} | | "
    results = timings[0][0]
    if results != expected:
        raise SystemExit(f"{data}: kzgraph found {expected} results, {name} {results}")
    return (f"{results:,} | {statistics.median(t[1] for t in timings):.1f} | "
            f"{statistics.median(t[2] for t in timings):.1f}")


def measure(data: Path) -> tuple[int, float, float]:
    """Results, kzgraph seconds, peer seconds."""
    kzgraph_s, report = timed([str(BIN / "kzgraph"), "validate", str(data)])
    peer_s, peer_out = timed([sys.executable, "-c", PEER, str(data)])
    found = re.search(r"(\d+) violation\(s\)\s*$", report)
    results, peer_results = int(found.group(1)) if found else -1, int(peer_out.split()[-1])
    if results != peer_results:
        raise SystemExit(f"{data}: kzgraph found {results} results, pySHACL {peer_results}")
    return results, kzgraph_s, peer_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="quads of each synthetic graph (with --peers, 0: the shipped data)")
    parser.add_argument("--variants", nargs="+", choices=["plain", "linked"],
                        default=["plain", "linked"])
    parser.add_argument("--peers", nargs="+", choices=["all", *PEERS],
                        help="time these stock pySHACL configurations (all: every one)")
    parser.add_argument("--cap", type=float, default=600, help="seconds a peer run may take")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size below 100k")
    args = parser.parse_args()
    if args.peers:
        peers = list(PEERS) if "all" in args.peers else args.peers
        with tempfile.TemporaryDirectory() as work:
            compare_peers(args.sizes, args.variants, peers, args.cap, args.repeat, Path(work))
        return
    print("| quads | variant | results | `kzgraph validate` s | `pyshacl.validate` s | kzgraph ÷ pySHACL |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            plain = generate(size)
            for variant in args.variants:
                text = plain if variant == "plain" else linked(plain)
                data = Path(work) / f"{variant}-{size}.nq"
                data.write_text(text, encoding="utf-8")
                results, kzgraph_s, peer_s = measure(data)
                print(f"| {text.count(chr(10)):,} | {variant} | {results:,} | {kzgraph_s:.1f} | "
                      f"{peer_s:.1f} | {kzgraph_s / peer_s:.2f}× |", flush=True)


if __name__ == "__main__":
    main()
