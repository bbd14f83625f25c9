"""The worked example of docs/reconciliation.md: a spreadsheet of satellites and cosmonauts
(``spreadsheet.csv``), spelt its own way, as the reconciliation batch OpenRefine sends for it."""

from __future__ import annotations

import csv
from pathlib import Path

SPREADSHEET = Path(__file__).parent / "spreadsheet.csv"
# Which property each column is evidence for: a launch date for spacecraft, a nationality for people.
COLUMNS = {"launched": "launchDate", "country": "nationality"}
LIMIT = 3


def rows() -> list[dict[str, str]]:
    with SPREADSHEET.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def batch() -> dict:
    """One query per row: the name, the row's type, its filled cells as properties."""
    queries = {}
    for number, row in enumerate(rows()):
        query = {"query": row["name"], "type": row["type"], "limit": LIMIT}
        properties = [{"pid": pid, "v": row[column]} for column, pid in COLUMNS.items() if row[column]]
        queries[f"q{number}"] = query | ({"properties": properties} if properties else {})
    return queries
