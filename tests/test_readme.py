"""The README and the docs/ pages show real output: each result table that follows a query is
re-computed on the live server, and each query shown is the one in the example file it names. The
README stays a first screen: the two set-up commands first, short, every page it links there."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pytest

from kzgraph import paths

README = paths.home() / "README.md"
PAGES = [README, *sorted((paths.home() / "docs").glob("*.md"))]
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


RESULTS = [(page, shown) for page in PAGES for shown in shown_results(page.read_text(encoding="utf-8"))]


def test_the_readme_and_the_docs_show_query_results():
    assert sum(1 for page, _ in RESULTS if page == README) >= 2
    assert len(RESULTS) >= 6
    assert sum(1 for _, r in RESULTS if r.example) >= 3


def test_the_readme_opens_with_the_two_commands_and_reads_in_two_minutes():
    text = README.read_text(encoding="utf-8")
    commands = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert commands[0].startswith("pip install -e . && kzgraph serve")
    assert commands[1].startswith("pip install -e '.[test]' && pytest")
    assert text.index("```sh") < 80  # right under the title
    assert len(text.splitlines()) <= 120


def test_every_page_the_readme_links_exists():
    linked = re.findall(r"\]\(((?:docs|data)/[^)#]+)", README.read_text(encoding="utf-8"))
    assert len(linked) >= 10
    assert [link for link in linked if not (paths.home() / link).is_file()] == []


@pytest.mark.parametrize("page,shown", RESULTS,
                         ids=[f"{page.name} line {r.line}" for page, r in RESULTS])
def test_shown_result_is_the_real_output(client, page, shown):
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
    assert Counter(rows) == Counter(shown.rows), f"{page.name} line {shown.line}: the query gives {rows}"


def _code_lines(query: str) -> set[str]:
    return {line.strip() for line in query.splitlines() if line.strip() and not line.startswith("#")}


def test_a_changed_table_would_be_caught():
    text = "(`examples/03-head-of-agency.rq`)\n\n| head |\n|---|\n| Somebody Else |\n"
    [shown] = shown_results(text)
    assert shown.example == "examples/03-head-of-agency.rq" and shown.rows == [("Somebody Else",)]
