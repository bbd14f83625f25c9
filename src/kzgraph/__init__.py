"""kzgraph: the open, sourced knowledge graph of KazCosmos, Kazakhstan's national space agency.

The library API; the ``kzgraph`` command is a thin layer over it::

    from kzgraph import load_dataset, validate, export, create_app
"""

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
from kzgraph.export import FORMATS, export
from kzgraph.validation import ValidationReport, ValidationResult, validate
from kzgraph.web import create_app

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
