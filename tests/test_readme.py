"""The README's example queries show their real output: each result table is re-computed on the
live server, and each query shown is the one in the example file it names."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest

from kzgraph import paths

README = paths.home() / "README.md"
EXAMPLE_REF = re.compile(r"\(`(examples/[\w/.-]+\.rq)`\)")


@dataclass
class ShownResult:
    line: int                 # where the table starts in the README
    example: str | None       # examples/….rq named just before it
    query: str | None         # the ```sparql block just before it, if any
    header: list[str]
    rows: list[tuple[str, ...]]


def shown_results(text: str) -> list[ShownResult]:
    """Every table of the README that directly follows a query (a ```sparql block or a line
    naming an example file): the tables that claim to be a query's output."""
    lines = text.splitlines()
    found, number = [], 0
    while number < len(lines):
        if lines[number].startswith("|") and lines[number + 1].startswith("|---"):
            end = number
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            result = _preceded_by_query(lines, number)
            if result is not None:
                example, query = result
                cells = [_cells(line) for line in lines[number:end]]
                found.append(ShownResult(number + 1, example, query, cells[0], [tuple(c) for c in cells[2:]]))
            number = end
        number += 1
    return found


def _preceded_by_query(lines: list[str], table: int) -> tuple[str | None, str | None] | None:
    before = table - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    query = None
    if lines[before].strip() == "```":
        start = before - 1
        while not lines[start].startswith("```"):
            start -= 1
        if lines[start].strip() != "```sparql":
            return None
        query = "\n".join(lines[start + 1:before])
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
    named = EXAMPLE_REF.search(lines[before]) if before >= 0 else None
    if named is None and query is None:
        return None
    return (named.group(1) if named else None), query


def _cells(line: str) -> list[str]:
    return [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]


RESULTS = shown_results(README.read_text(encoding="utf-8"))


def test_the_readme_shows_query_results():
    assert len(RESULTS) >= 4
    assert sum(1 for r in RESULTS if r.example) >= 3


@pytest.mark.parametrize("shown", RESULTS, ids=[f"README line {r.line}" for r in RESULTS])
def test_readme_result_is_the_real_output(client, shown):
    if shown.example:
        query = (paths.home() / shown.example).read_text(encoding="utf-8")
        if shown.query:  # the query shown is the file's, perhaps without its PREFIX lines
            assert _code_lines(shown.query) <= _code_lines(query), shown.example
    else:
        query = shown.query
    # WDQS-style queries (wd:, wdt: without PREFIX) run on the Wikidata-vocabulary endpoint
    wikidata_style = re.search(r"\bwdt?:", query) and not re.search(r"PREFIX\s+wdt?:", query, re.I)
    endpoint = "/wikidata/sparql" if wikidata_style or "/wikidata/" in (shown.example or "") else "/sparql"
    response = client.post(endpoint, data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["head"]["vars"] == shown.header
    rows = [tuple(b.get(v, {}).get("value", "") for v in shown.header) for b in body["results"]["bindings"]]
    assert Counter(rows) == Counter(shown.rows), f"README line {shown.line}: the query gives {rows}"


def _code_lines(query: str) -> set[str]:
    return {line.strip() for line in query.splitlines() if line.strip() and not line.startswith("#")}


def test_a_changed_table_would_be_caught():
    text = "(`examples/03-head-of-agency.rq`)\n\n| head |\n|---|\n| Somebody Else |\n"
    [shown] = shown_results(text)
    assert shown.example == "examples/03-head-of-agency.rq" and shown.rows == [("Somebody Else",)]
