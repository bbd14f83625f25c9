"""What each part of kzgraph's SHACL engine is worth: `validate` with one part switched off.

Each variant makes one part of ``kzgraph.shacl_engine`` decline (raise ``Unsupported``), so the
top-level shapes that need it are validated by pySHACL instead, as any shape the engine does not
know is; ``no-bulk-sparql`` runs every SPARQL-based constraint once per focus node (on Oxigraph)
instead of once for all. Each run is in this process, on bench/generate.py's graphs (plain and
linked, as bench/validate.py makes them), and prints the result count (which must not change),
wall and CPU seconds.

    python bench/validate_parts.py --sizes 10000 100000
    python bench/validate_parts.py --sizes 100000 --parts full no-bulk-sparql --rounds 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from validate import linked  # noqa: E402

from kzgraph import shacl_engine, validation  # noqa: E402


def declines(*args, **kwargs):
    raise shacl_engine.Unsupported("switched off by bench/validate_parts.py")


# part → (object, attribute, replacement)
PARTS = {
    "full": [],
    "no-bulk-sparql": [(shacl_engine, "sparql_bulk_safe", lambda algebra: False)],
    "no-sparql": [(shacl_engine.Engine, "_sparql", declines)],
    "no-or": [(shacl_engine.Engine, "_or", declines)],
    "no-node": [(shacl_engine.Engine, "_node", declines)],
    "no-engine": [(shacl_engine.Engine, "validate_shape", declines)],
}


def timed(path: Path, part: str) -> tuple[int, float, float]:
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in PARTS[part]]
    for owner, name, replacement in PARTS[part]:
        setattr(owner, name, replacement)
    try:
        wall, cpu = time.monotonic(), time.process_time()
        report = validation.validate([path])
        return len(report.results), time.monotonic() - wall, time.process_time() - cpu
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS))
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    print("| quads | variant | engine | results | wall s | CPU s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            plain = generate(size)
            for variant in ("plain", "linked"):
                path = Path(work) / f"{variant}-{size}.nq"
                path.write_text(plain if variant == "plain" else linked(plain), encoding="utf-8")
                for _ in range(args.rounds):
                    for part in args.parts:
                        results, wall, cpu = timed(path, part)
                        print(f"| {size:,} | {variant} | {part} | {results:,} | {wall:.1f} | "
                              f"{cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
