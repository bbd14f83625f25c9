"""``python -m kzgraph`` and the ``kzgraph`` command: the command-line interface.

The command's script imports only this module; the CLI (and with it rdflib, the web stack and
pySHACL) is imported when the command runs. Query workers are spawned processes, and a spawned
process runs the parent's script again before its own work: a script importing the CLI cost
each worker about 35 MB of memory.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from kzgraph.cli import main as run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
