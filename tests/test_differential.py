"""rdflib's SPARQL engine and Oxigraph's (which serves queries) agree on every example query.

The endpoint runs queries on pyoxigraph; rdflib's engine is the reference kzgraph's data is
built and validated with. Any divergence on the shipped queries is a bug to understand.
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph
import pytest
from rdflib.term import Node

from kzgraph import load_examples, paths
from kzgraph.search import oxigraph_functions, register_rdflib_functions

EXAMPLES = load_examples(paths.example_files())  # the federated ones: tests/wikidata/test_federation.py


@pytest.fixture(scope="module", autouse=True)
def search_functions():
    """kzf:match / kzf:score (examples/15-search.rq) in rdflib too, as the workers have them."""
    register_rdflib_functions()


@pytest.fixture(scope="module")
def oxigraph_store(dataset):
    store = pyoxigraph.Store()
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_QUADS)
    store.extend([pyoxigraph.Quad(q.subject, q.predicate, q.object, pyoxigraph.DefaultGraph())
                  for q in store.quads_for_pattern(None, None, None)])
    return store


def oxigraph_rows(store, query: str) -> Counter:
    solutions = store.query(query, custom_functions=oxigraph_functions())
    names = [v.value for v in solutions.variables]
    return Counter(tuple(_text(solution[name]) for name in names) for solution in solutions)


def rdflib_rows(dataset, query: str) -> Counter:
    result = dataset.query(query)
    return Counter(tuple(_text(value) for value in row) for row in result)


def _text(term) -> str:
    """The lexical form: rdflib terms are str subclasses; pyoxigraph terms carry ``value``."""
    if term is None:
        return ""
    return str(term) if isinstance(term, Node) else term.value


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_both_engines_give_the_same_answer(dataset, oxigraph_store, example):
    assert oxigraph_rows(oxigraph_store, example.query) == rdflib_rows(dataset, example.query)
