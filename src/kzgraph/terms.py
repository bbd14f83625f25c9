"""RDF terms between rdflib and pyoxigraph, built with both libraries' public classes only.

The served store (``kzgraph.store.UnionStore``) answers rdflib's Store API from an Oxigraph
store: patterns go to Oxigraph as its terms, answers come back as rdflib's. A language-tagged
literal keeps its tag; any other literal keeps its datatype (Oxigraph gives every literal one,
xsd:string by default, which is how rdflib reads a literal back from any Oxigraph answer).
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.store import Store
from rdflib.term import Node

__all__ = ["graph_named", "rdflib_term", "oxigraph_pattern", "oxigraph_term"]

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph


def oxigraph_term(term: Node | Graph | None) -> OxTerm | None:
    """Oxigraph's form of an rdflib term, graph (by its name) or wildcard (None)."""
    if term is None:
        return None
    if isinstance(term, Graph):
        term = term.identifier
    if term == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        datatype = ox.NamedNode(str(term.datatype)) if term.datatype and not term.language else None
        return ox.Literal(str(term), language=term.language, datatype=datatype)
    raise ValueError(f"not an RDF term Oxigraph stores: {term!r}")


def oxigraph_pattern(triple: tuple, context: Graph | None = None) -> tuple:
    """An rdflib (s, p, o) pattern in a graph (None: any) as Oxigraph's quad pattern."""
    s, p, o = triple
    return oxigraph_term(s), oxigraph_term(p), oxigraph_term(o), oxigraph_term(context)


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"not an RDF term rdflib reads: {term!r}")


def graph_named(name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, store: Store) -> Graph:
    """rdflib's graph over ``store`` for an Oxigraph graph name."""
    identifier = DATASET_DEFAULT_GRAPH_ID if isinstance(name, ox.DefaultGraph) else rdflib_term(name)
    return Graph(store=store, identifier=identifier)
