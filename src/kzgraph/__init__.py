"""kzgraph: the open, sourced knowledge graph of KazCosmos, Kazakhstan's national space agency.

The library API; the ``kzgraph`` command is a thin layer over it::

    from kzgraph import load_dataset, validate, export, create_app
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Everything is imported on first use, not with the package: a query worker imports
# kzgraph.query.worker, and rdflib, the web stack and pySHACL would cost each worker ~70 MB.
_LAZY = {
    "Settings": "kzgraph.config",
    "load_dataset": "kzgraph.dataset", "union_graph": "kzgraph.dataset",
    **{name: "kzgraph.errors" for name in ("DataFileError", "DataFileNotFound", "DataSyntaxError",
                                           "KzgraphError", "UsageError", "ValidationFailed")},
    "Example": "kzgraph.examples", "load_examples": "kzgraph.examples",
    "load_wikidata_examples": "kzgraph.examples",
    "create_app": "kzgraph.web",
    "validate": "kzgraph.validation", "ValidationReport": "kzgraph.validation",
    "ValidationResult": "kzgraph.validation",
}

# Bound now, not on first use: ``export`` is also the name of the kzgraph.export submodule, which
# importing it later would set as this attribute. The module imports nothing heavy at its top.
from kzgraph.export import FORMATS, export  # noqa: E402

if TYPE_CHECKING:
    from kzgraph.config import Settings
    from kzgraph.dataset import load_dataset, union_graph
    from kzgraph.errors import (
        DataFileError,
        DataFileNotFound,
        DataSyntaxError,
        KzgraphError,
        UsageError,
        ValidationFailed,
    )
    from kzgraph.examples import Example, load_examples, load_wikidata_examples
    from kzgraph.validation import ValidationReport, ValidationResult, validate
    from kzgraph.web import create_app


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'kzgraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "DataFileError",
    "DataFileNotFound",
    "DataSyntaxError",
    "Example",
    "FORMATS",
    "KzgraphError",
    "Settings",
    "UsageError",
    "ValidationFailed",
    "ValidationReport",
    "ValidationResult",
    "create_app",
    "export",
    "load_dataset",
    "load_examples",
    "load_wikidata_examples",
    "union_graph",
    "validate",
]
