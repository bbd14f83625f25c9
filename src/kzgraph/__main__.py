"""``python -m kzgraph`` runs the command-line interface."""

import sys

from kzgraph.cli import main

sys.exit(main())
