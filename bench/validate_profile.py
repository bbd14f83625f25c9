"""Where stock pySHACL spends its time on a synthetic graph: each constraint component's share.

Runs ``pyshacl.validate(graph, inplace=True, inference="none")`` on bench/generate.py's graph
(``--linked``: bench/validate.py's linked variant) under cProfile and prints, per constraint
component class, the cumulative seconds of its ``evaluate`` (nested shapes count in the component
that reached them: sh:property and sh:node include the shapes below them) and its calls.

    python bench/validate_profile.py 100000
    python bench/validate_profile.py 10000 --linked
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402
from validate import linked  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("size", type=int)
    parser.add_argument("--linked", action="store_true")
    args = parser.parse_args()
    import pyshacl

    from kzgraph.dataset import load_dataset, union_graph
    from kzgraph.validation import load_shapes

    text = generate(args.size)
    text = linked(text) if args.linked else text
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.nq"
        data.write_text(text, encoding="utf-8")
        graph = union_graph(load_dataset([data]))
    profile = cProfile.Profile()
    started = time.monotonic()
    profile.enable()
    pyshacl.validate(graph, shacl_graph=load_shapes(), inference="none", allow_warnings=True,
                     inplace=True)
    profile.disable()
    print(f"{text.count(chr(10)):,} quads, validate under cProfile: "
          f"{time.monotonic() - started:.1f} s")
    stats = pstats.Stats(profile).stats
    names = component_names()
    rows = []
    for (file, line, function), (_, calls, _, cumulative, _) in stats.items():
        if "pyshacl/constraints" in file and function == "evaluate":
            rows.append((cumulative, calls, names.get((file, line), f"{Path(file).stem}:{line}")))
    total = sum(c for (f, _, fn), (_, _, _, c, _) in stats.items()
                if fn == "validate" and f.endswith("pyshacl/entrypoints.py"))
    print("| constraint component (its evaluate) | calls | cumulative s | share |")
    print("|---|---|---|---|")
    for cumulative, calls, module in sorted(rows, reverse=True):
        print(f"| {module} | {calls:,} | {cumulative:.1f} | {cumulative / total:.0%} |")
    for (file, _, function), (_, calls, _, cumulative, _) in sorted(
            stats.items(), key=lambda item: -item[1][3])[:40]:
        print(f"  {cumulative:7.1f} s {calls:9,}  {Path(file).name}:{function}")


def component_names() -> dict[tuple[str, int], str]:
    """(file, line) of each constraint component's ``evaluate`` → the component's class name."""
    from pyshacl.constraints import ALL_CONSTRAINT_COMPONENTS

    named = {}
    for cls in ALL_CONSTRAINT_COMPONENTS:
        code = getattr(cls.evaluate, "__code__", None)
        if code is not None:
            named[(code.co_filename, code.co_firstlineno)] = cls.__name__
    return named


if __name__ == "__main__":
    main()
