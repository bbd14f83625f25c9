"""The time of one curator's write at 100k quads: a small INSERT DATA and a DELETE/INSERT WHERE.

The data is bench/generate.py's graph (one named graph per claim) loaded as the server loads it
(ontology graph and claim index included). Each write goes through ``Curator.update`` whole:
applied to a copy, checked, committed to a data directory (sorted TriG, fsynced) and recorded.

bench/generate.py's graph breaks kzgraph's shapes (most entities lack what the shapes ask for),
so two gates are timed: ``no shapes`` (an empty shapes graph, as the W3C suites run: every write
is committed, so the time is the whole write) and ``kzgraph shapes`` (the shipped shapes: every
write is refused after SHACL ran, so the time is everything but the file write). Each row is the
median of ``--repeat`` writes; writes accumulate, as a curator's do.

    python bench/curation.py --quads 100000          # about 2 minutes
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

from kzgraph.curation import Curator, DatasetFile  # noqa: E402
from kzgraph.dataset import load_dataset  # noqa: E402
from kzgraph.errors import WriteRejected  # noqa: E402
from kzgraph.validation import load_shapes  # noqa: E402

PREFIXES = """PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzg: <https://w3id.org/kzgraph/graph/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# One triple into one claim graph.
INSERT_DATA = PREFIXES + 'INSERT DATA { GRAPH kzg:claim-7 { kz:Agency_7 rdfs:comment "write %d"@en } }'
# Relabel the satellites one builder made (about 160 at 100k quads), each in its own claim graph.
DELETE_INSERT = PREFIXES + """DELETE { GRAPH ?g { ?sat rdfs:label ?label } }
INSERT { GRAPH ?g { ?sat rdfs:label ?renamed } }
WHERE { GRAPH ?g { ?sat kzo:manufacturer kz:Builder_3 ; rdfs:label ?label }
  BIND(STRLANG(CONCAT(STR(?label), " %d"), "en") AS ?renamed) }"""
WRITES = {"INSERT DATA": INSERT_DATA, "DELETE/INSERT WHERE": DELETE_INSERT}


def one_write(curator: Curator, update: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        change = curator.update(update, "bench")
        outcome = f"committed, +{change.added} −{change.removed}"
    except WriteRejected:
        outcome = "refused by SHACL"
    return time.perf_counter() - started, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quads", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.nq"
        data.write_text(generate(args.quads), encoding="utf-8")
        dataset = load_dataset([data])
        print(f"{len(dataset):,} triples in the union, {args.quads:,} generated quads + ontology")
        print("| gate | write | outcome | median s | runs s |")
        print("|---|---|---|---|---|")
        for gate, shapes in (("no shapes", Graph()), ("kzgraph shapes", load_shapes())):
            target = Path(work) / gate.replace(" ", "-")
            curator = Curator(dataset, DatasetFile(target), shapes)
            for name, update in WRITES.items():
                runs = [one_write(curator, update % run) for run in range(args.repeat)]
                times = [seconds for seconds, _ in runs]
                print(f"| {gate} | {name} | {runs[-1][1]} | {statistics.median(times):.2f} | "
                      f"{', '.join(f'{t:.2f}' for t in times)} |", flush=True)


if __name__ == "__main__":
    main()
