"""Running the shapes: kzgraph's bulk engine (:mod:`kzgraph.shacl_engine`), and pySHACL for
what it leaves. Its own module so that importing :mod:`kzgraph.validation` (the web server does,
for reports and shapes) does not import pySHACL: the server only validates in a separate
process, and pySHACL costs about 12 MB."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
import pyshacl
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, URIRef

from kzgraph.memory import collector_paused
from kzgraph.shacl_engine import Engine, Found, Index, Unsupported
from kzgraph.terms import to_ox_term

__all__ = ["rdflib_graph", "run_engine", "run_pyshacl"]


def run_engine(index: Index, shapes_graph: Graph) -> tuple[list[Found], list[URIRef] | None]:
    """The fast engine's results, and the top-level shapes it left to pySHACL: an empty list if
    none, None if pySHACL must validate everything (a blank top-level shape it cannot use).
    Errors in the shapes are pySHACL's, raised as it raises them."""
    engine = Engine(pyshacl.ShapesGraph(shapes_graph), index, store=lambda: _oxigraph_store(index))
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
    graph = Graph()
    for prefix, namespace in index.names.namespaces():
        graph.bind(prefix, namespace)
    for triple in index.triples():
        graph.add(triple)
    return graph


def _oxigraph_store(index: Index) -> ox.Store:
    """The data graph as one Oxigraph default graph (pySHACL's data graph has no named graphs)."""
    store = ox.Store()
    convert = lru_cache(maxsize=None)(to_ox_term)
    store.extend(ox.Quad(convert(s), convert(p), convert(o)) for s, p, o in index.triples())
    return store


def run_pyshacl(data_graph: Graph, shapes_graph: Graph,
                use_shapes: list[URIRef] | None = None) -> Graph:
    """pySHACL's report graph, as ``pyshacl.validate(data_graph, shacl_graph=shapes_graph)`` makes
    it, without RDFS inference, without SHACL-AF (the shapes use none: advanced mode would only
    copy the data graph first) and in place (the graph is this run's own copy)."""
    run = pyshacl.Validator(DataGraph.from_rdflib(data_graph), shacl_graph=shapes_graph,
                            options={"inference": "none", "advanced": False, "inplace": True,
                                     "allow_warnings": True, "use_shapes": use_shapes})
    # pySHACL 0.40 given use_shapes builds only the listed shapes, and a shape they name by IRI
    # (sh:property kzsh:Sourced) is then missing and silently never checked: harvesting every
    # shape first (its public ``shapes``) puts them all in its cache
    run.shacl_graph.shapes
    with collector_paused():
        _, report, _ = run.run()
    return report


