"""docs/wdqs-compatibility.md shows real answers: every query it runs with curl (as CSV) gives
the output printed under it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOC = (ROOT / "docs" / "wdqs-compatibility.md").read_text(encoding="utf-8")
SHOWN = re.compile(r"```sh\n(?:[^`]*\n)?curl -s http://127\.0\.0\.1:8000(?P<path>/[a-z/]+) "
                   r"-H 'Accept: text/csv'(?P<rest>[^`]*)```\n\n```text\n(?P<output>[^`]*)```")
QUERY = re.compile(r"--data-urlencode (?:query='(?P<a>[^']*)'|'query=(?P<b>[^']*)')")
EXAMPLES = [(m["path"], (QUERY.search(m["rest"])["a"] or QUERY.search(m["rest"])["b"]).strip(),
             m["output"].splitlines()) for m in SHOWN.finditer(DOC)]


def test_the_page_shows_queries_on_both_endpoints():
    assert len(EXAMPLES) >= 4
    assert {path for path, _, _ in EXAMPLES} == {"/sparql", "/wikidata/sparql"}


@pytest.mark.parametrize("path,query,output", EXAMPLES, ids=[q[:40] for _, q, _ in EXAMPLES])
def test_the_shown_output_is_the_real_one(client, path, query, output):
    response = client.post(path, data={"query": query}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.text.splitlines() == output
