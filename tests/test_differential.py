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
from kzgraph.query.worker import StoreFiles, _load
from kzgraph.search import oxigraph_functions, register_rdflib_functions
from kzgraph.store import StoreCache

EXAMPLES = load_examples(paths.example_files())  # the federated ones: tests/wikidata/test_federation.py


@pytest.fixture(scope="module", autouse=True)
def search_functions():
    """kzf:match / kzf:score (examples/15-search.rq) in rdflib too, as the workers have them."""
    register_rdflib_functions()


@pytest.fixture(scope="module", params=["from-rdflib", "built-memory", "built-disk"])
def oxigraph_store(request, dataset, tmp_path_factory):
    """The store as workers hold it: loaded from rdflib's N-Quads (a commit), or from the built
    store that `kzgraph serve` makes of the files, in memory or read on disk."""
    if request.param == "from-rdflib":
        return _load(dataset.serialize(format="nquads", encoding="utf-8"))
    built = StoreCache(tmp_path_factory.mktemp("differential")).get()
    return _load(StoreFiles(str(built.store_path), str(built.nquads_path),
                            request.param == "built-memory", built.union_copied))


def oxigraph_rows(store, query: str) -> Counter:
    store, union_option = store
    options = {"use_default_graph_as_union": True} if union_option else {}
    solutions = store.query(query, custom_functions=oxigraph_functions(), **options)
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


# The W3C protocol queries (tests/w3c) on the protocol test dataset, with each test's protocol
# dataset (default-graph-uri / named-graph-uri, which override the query's FROM): Oxigraph as the
# workers run it (union default graph materialized), rdflib on an equivalent dataset.


def _w3c_queries() -> list[tuple[str, str, tuple[str, ...], tuple[str, ...]]]:
    from urllib.parse import parse_qsl, urlsplit

    from .w3c.test_protocol import TESTS

    cases = []
    for test in TESTS:
        for number, request in enumerate(test.requests):
            if test.is_update or 2 not in request.statuses:
                continue
            params = parse_qsl(urlsplit(request.path).query)
            media = request.headers.get("content-type", "")
            if media.startswith("application/x-www-form-urlencoded"):
                params += parse_qsl(request.body.decode("utf-8"))
            elif media.startswith("application/sparql-query"):
                params.append(("query", request.body.decode("utf-8")))
            values = lambda name: tuple(v for k, v in params if k == name)  # noqa: E731
            cases.append((f"{test.name}-{number}", values("query")[0],
                          values("default-graph-uri"), values("named-graph-uri")))
    return cases


W3C_QUERIES = _w3c_queries()
BASE = "http://127.0.0.1:8000/sparql"


@pytest.fixture(scope="module")
def protocol_data():
    from .w3c.test_protocol import protocol_dataset

    dataset = protocol_dataset()
    store = pyoxigraph.Store()
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_QUADS)
    store.extend([pyoxigraph.Quad(q.subject, q.predicate, q.object, pyoxigraph.DefaultGraph())
                  for q in store.quads_for_pattern(None, None, None)])
    return dataset, store


def _oxigraph_answer(store, query: str, defaults, named):
    options = {"base_iri": BASE}  # the endpoint's URL, as the server gives it
    if defaults or named:
        options.update(default_graph=[pyoxigraph.NamedNode(g) for g in defaults],
                       named_graphs=[pyoxigraph.NamedNode(g) for g in named])
    result = store.query(query, **options)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return bool(result)
    if isinstance(result, pyoxigraph.QueryTriples):
        return {tuple(_text(t) for t in (q.subject, q.predicate, q.object)) for q in result}
    names = [v.value for v in result.variables]
    return Counter(tuple(_text(s[name]) for name in names) for s in result)


def _rdflib_answer(dataset, query: str, defaults, named):
    from rdflib import Dataset, URIRef
    from rdflib.plugins.sparql import prepareQuery

    prepared = prepareQuery(query, base=BASE)
    if defaults or named:  # the protocol dataset replaces the query's FROM / FROM NAMED
        prepared.algebra["datasetClause"] = None
        chosen = Dataset()
        for name in defaults:
            chosen.default_graph += dataset.graph(URIRef(name))
        for name in named:
            chosen.graph(URIRef(name)).__iadd__(dataset.graph(URIRef(name)))
        dataset = chosen
    result = dataset.query(prepared)
    if result.type == "ASK":
        return bool(result.askAnswer)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return {tuple(_text(t) for t in triple) for triple in result.graph}
    return Counter(tuple(_text(value) for value in row) for row in result)


@pytest.mark.parametrize("case", W3C_QUERIES, ids=[c[0] for c in W3C_QUERIES])
def test_both_engines_agree_on_the_w3c_protocol_queries(protocol_data, case):
    dataset, store = protocol_data
    _, query, defaults, named = case
    assert _oxigraph_answer(store, query, defaults, named) == _rdflib_answer(dataset, query, defaults, named)


def test_the_w3c_queries_are_all_there():
    assert len(W3C_QUERIES) == 13
