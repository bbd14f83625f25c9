"""Where kzgraph finds its ontology, data and shapes.

The graph is embedded in the repository (``ontology/``, ``data/``, ``shapes/`` at its top level)
and used from an editable install (``pip install -e .``). ``KZGRAPH_HOME`` points elsewhere, for a
deployment that keeps the files apart from the code.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["data_files", "example_files", "home", "ontology_files", "shape_files"]


def home() -> Path:
    """The directory that holds ``ontology/``, ``data/`` and ``shapes/``."""
    configured = os.environ.get("KZGRAPH_HOME")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2]


def ontology_files() -> list[Path]:
    return sorted((home() / "ontology").glob("*.ttl"))


def data_files() -> list[Path]:
    return sorted((home() / "data").glob("*.trig"))


def shape_files() -> list[Path]:
    return sorted((home() / "shapes").glob("*.ttl"))


def example_files(kind: str = "") -> list[Path]:
    """``examples/*.rq``, or those of a subdirectory (``federated``, ``wikidata``)."""
    return sorted((home() / "examples" / kind).glob("*.rq"))
