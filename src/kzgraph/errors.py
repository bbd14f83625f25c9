"""kzgraph's exceptions, one tree; the CLI and the web layer each map it to statuses in one place.

    KzgraphError                 anything kzgraph reports to a user
    ├── DataFileError            a data, ontology or shapes file cannot be used
    │   ├── DataFileNotFound     the file does not exist or cannot be read
    │   └── DataSyntaxError      Turtle/TriG syntax error (file, line)
    ├── ValidationFailed         the data does not conform to the shapes (carries the report)
    └── UsageError               a request kzgraph cannot honour (unknown format, bad option)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzgraph.validation import ValidationReport

__all__ = [
    "DataFileError",
    "DataFileNotFound",
    "DataSyntaxError",
    "KzgraphError",
    "UsageError",
    "ValidationFailed",
]


class KzgraphError(Exception):
    """Base of every error kzgraph reports to a user."""


class DataFileError(KzgraphError):
    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class DataFileNotFound(DataFileError):
    """A file named as data, ontology or shapes does not exist or cannot be read."""


class DataSyntaxError(DataFileError):
    """A Turtle or TriG file does not parse; ``line`` is where the parser stopped."""


class ValidationFailed(KzgraphError):
    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        super().__init__(f"data does not conform: {len(report.results)} violation(s)")


class UsageError(KzgraphError):
    """A request kzgraph cannot honour, such as an unknown export format."""
