"""Reading the register of checked Wikidata ids, ``data/wikidata-ids.tsv``: id, label, kind, use.

The register is the only authority for which Wikidata ids kzgraph may assert and for their English
labels (the labels the Wikidata view gives the ids it uses). Lines starting with ``#`` are
comments; every other line is ``id  label  kind  used for  evidence``, tab-separated.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from kzgraph import paths
from kzgraph.errors import DataFileError, DataFileNotFound

__all__ = ["KINDS", "Row", "load_register", "register_path"]

KINDS = ("item", "class", "property")


class Row(NamedTuple):
    id: str
    label: str
    kind: str
    used_for: str
    evidence: str


def register_path() -> Path:
    return paths.home() / "data" / "wikidata-ids.tsv"


def load_register(path: Path | None = None) -> dict[str, Row]:
    """Id → its row, in the register's order."""
    path = path or register_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileNotFound(path, f"cannot read the register of checked Wikidata ids ({error.strerror})") \
            from None
    rows = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            row = _row(path, number, line)
            rows[row.id] = row
    return rows


def _row(path: Path, number: int, line: str) -> Row:
    fields = line.split("\t")
    fields += [""] * (5 - len(fields))
    well_formed = fields[0][:1] in "PQ" and fields[0][1:].isdigit()
    if len(fields) > 5 or not well_formed or not fields[1] or fields[2] not in KINDS:
        raise DataFileError(path, "expected id (P or Q and digits), label, kind (item, class or property), used for, "
                                  "evidence, separated by tabs", number)
    return Row(*fields)
