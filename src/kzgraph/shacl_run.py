"""Running the shapes: kzgraph's bulk engine (:mod:`kzgraph.shacl_engine`), and pySHACL for
what it leaves. Its own module so that importing :mod:`kzgraph.validation` (the web server does,
for reports and shapes) does not import pySHACL: the server only validates in a separate
process, and pySHACL costs about 12 MB."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyoxigraph as ox
import pyshacl
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from kzgraph.memory import collector_paused
from kzgraph.shacl_engine import Engine, Found, Index, Unsupported, to_oxigraph

__all__ = ["collector_paused", "rdflib_graph", "run_engine", "run_pyshacl"]


def run_engine(index: Index, shapes_graph: Graph) -> tuple[list[Found], list[URIRef] | None]:
    """The fast engine's results, and the top-level shapes it left to pySHACL: an empty list if
    none, None if pySHACL must validate everything (a blank top-level shape it cannot use).
    Errors in the shapes are pySHACL's, raised as it raises them."""
    engine = Engine(ShapesGraph(shapes_graph), index, store=lambda: _oxigraph_store(index))
    found: list[Found] = []
    rest: list[URIRef] = []
    with collector_paused():
        for shape in engine.top_level():
            try:
                found += engine.validate_shape(shape)
            except Unsupported:
                if not isinstance(shape.node, URIRef):
                    return [], None
                rest.append(shape.node)
    return found, rest


def rdflib_graph(index: Index) -> Graph:
    graph = _PreparedQueries()
    for prefix, namespace in index.names.namespaces():
        graph.bind(prefix, namespace)
    for triple in index.triples():
        graph.add(triple)
    return graph


def _oxigraph_store(index: Index) -> ox.Store:
    """The data graph as one Oxigraph default graph (pySHACL's data graph has no named graphs)."""
    store = ox.Store()
    convert = lru_cache(maxsize=None)(to_oxigraph)
    store.extend(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in index.triples())
    return store


class _PreparedQueries(Graph):
    """A graph that parses each SPARQL query text once. pySHACL runs an sh:sparql constraint once
    per focus node, the same text with $this bound, and rdflib would parse and translate it every
    time: nine tenths of the cost of such a constraint. A prepared query is what rdflib itself
    would have made of the text (``prepareQuery`` with the same prefixes and base)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepared: dict[tuple, Query] = {}

    def query(self, query_object: str | Query, processor: Any = "sparql", result: Any = "sparql",
              initNs: dict | None = None, *args: Any, **kwargs: Any) -> Any:  # noqa: N803
        if isinstance(query_object, str):
            query_object = self._prepare(query_object, initNs, kwargs.get("base"))
        return super().query(query_object, processor, result, initNs, *args, **kwargs)

    def _prepare(self, text: str, namespaces: dict | None, base: str | None) -> Query:
        namespaces = namespaces or dict(self.namespaces())  # as Graph.query would resolve them
        key = (text, base, frozenset(namespaces.items()))
        if key not in self._prepared:
            self._prepared[key] = prepareQuery(text, initNs=namespaces, base=base)
        return self._prepared[key]


class _Run(pyshacl.Validator):
    """pySHACL's validator, keeping each result as pySHACL made it (its description, node and
    triples) rather than adding them all to an rdflib graph: at 100k results that graph cost
    more than reading the results back out of it, and only ``report_graph`` needs it."""

    results: list[tuple[str, BNode, list[tuple[Any, Any, Any]]]]
    conforms: bool

    @classmethod
    def create_validation_report(cls, sg: Any, conforms: bool, results: list) -> tuple[list, str]:
        return results, ""

    def report_graph(self) -> Graph:
        """The results graph ``pyshacl.validate`` would have returned."""
        graph, _ = pyshacl.Validator.create_validation_report(self.shacl_graph, self.conforms,
                                                               self.results)
        return graph


def run_pyshacl(data_graph: Graph, shapes_graph: Graph,
                 use_shapes: list[URIRef] | None = None) -> _Run:
    """Validate with pySHACL as ``pyshacl.validate(data_graph, shacl_graph=shapes_graph)`` would,
    without RDFS inference and without SHACL-AF (the shapes use none: advanced mode would only
    copy the data graph first)."""
    run = _Run(DataGraph.from_rdflib(data_graph), shacl_graph=shapes_graph,
               options={"inference": "none", "advanced": False, "allow_warnings": True,
                        "use_shapes": use_shapes})
    with collector_paused():
        run.conforms, run.results, _ = run.run()
    return run


