"""Every example query of examples/ runs on the live server and gives its stated answer."""

from __future__ import annotations

import pytest

from kzgraph import load_examples, paths

EXAMPLES = load_examples(paths.example_files())  # the federated ones: tests/wikidata/test_federation.py


def test_there_are_at_least_twelve_examples_each_with_expectations():
    assert len(EXAMPLES) >= 12
    assert all(e.expected for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_answers_as_stated(client, example):
    response = client.post("/sparql", data={"query": example.query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = response.json()
    variables = body["head"]["vars"]
    rows = [tuple(b.get(v, {}).get("value", "") for v in variables) for b in body["results"]["bindings"]]
    assert example.matches(rows), f"{example.name}: got {rows}"


def test_expectations_can_fail():
    example = EXAMPLES[0]
    assert not example.matches([])
    assert not example.matches([("nothing",) * 3] * (example.expected_rows or 1))
