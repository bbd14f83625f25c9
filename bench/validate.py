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
"""

from __future__ import annotations

import argparse
import re
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
graph = union_graph(load_dataset([sys.argv[1]]))
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


def timed(command: list[str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    elapsed = time.monotonic() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


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
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--variants", nargs="+", choices=["plain", "linked"],
                        default=["plain", "linked"])
    args = parser.parse_args()
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
