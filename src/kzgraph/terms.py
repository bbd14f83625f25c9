"""RDF terms and quads between rdflib and pyoxigraph, through both libraries' public constructors.

Two readers of Oxigraph's literals: :func:`from_ox_term` gives an ``xsd:string`` literal as rdflib
parses one from a file (plain), for what is compared with parsed files (validation, commits);
:func:`rdflib_term` keeps the datatype Oxigraph gives every literal, as the served store answers
rdflib's Store API (``kzgraph.store.UnionStore``).

Curators' writes run on Oxigraph while validation and the committed file read rdflib terms; this
is the one place that maps one to the other. Oxigraph keeps a typed literal of a type it knows by
its value and gives it back in canonical form (``"01"^^xsd:integer`` as ``"1"``, a dateTime's
``+00:00`` as ``Z``); :func:`canonical_literal` says what Oxigraph makes of an rdflib literal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import XSD
from rdflib.store import Store
from rdflib.term import Node

__all__ = ["canonical_literal", "from_ox_quad", "from_ox_term", "graph_named", "oxigraph_pattern",
           "oxigraph_term", "rdflib_term", "same_in_graph", "to_ox_graph", "to_ox_quads",
           "to_ox_term"]

_XSD_STRING = str(XSD.string)


def to_ox_term(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Raises ValueError for what Oxigraph cannot hold (a relative IRI, a bad blank node id)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"not an RDF term Oxigraph stores: {term!r}")


def to_ox_graph(name) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    """A graph name; None or rdflib's default graph id is the default graph."""
    name = getattr(name, "identifier", name)
    if name is None or name == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    return to_ox_term(name)


def to_ox_quads(triples: Iterable[tuple], graph) -> Iterator[ox.Quad]:
    """The triples as quads of ``graph`` (a graph name, see :func:`to_ox_graph`)."""
    name = to_ox_graph(graph)
    for s, p, o in triples:
        yield ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), name)


def from_ox_term(term) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:  # rdflib writes a simple literal without one
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"not an RDF term rdflib stores: {term!r}")


def from_ox_quad(quad: ox.Quad) -> tuple[tuple, URIRef | BNode]:
    """((s, p, o), graph name), the default graph as rdflib's default graph id."""
    graph = quad.graph_name
    name = DATASET_DEFAULT_GRAPH_ID if isinstance(graph, ox.DefaultGraph) else from_ox_term(graph)
    return (from_ox_term(quad.subject), from_ox_term(quad.predicate), from_ox_term(quad.object)), name


def canonical_literal(literal: Literal) -> ox.Literal:
    """The literal as Oxigraph gives it back once stored (see the module's description)."""
    store = ox.Store()
    subject = ox.NamedNode("urn:kzgraph:canonical")
    store.add(ox.Quad(subject, subject, to_ox_term(literal)))
    return next(iter(store)).object


def same_in_graph(graph: Graph, subject, predicate, literal: ox.Literal) -> list:
    """The objects of (subject, predicate) in ``graph`` that Oxigraph holds as ``literal``."""
    return [o for o in graph.objects(subject, predicate)
            if isinstance(o, Literal) and canonical_literal(o) == literal]


def oxigraph_term(term: Node | Graph | None):
    """Oxigraph's form of an rdflib term, graph (by its name) or wildcard (None), for patterns."""
    if term is None:
        return None
    return to_ox_graph(term) if isinstance(term, Graph) or term == DATASET_DEFAULT_GRAPH_ID \
        else to_ox_term(term)


def oxigraph_pattern(triple: tuple, context: Graph | None = None) -> tuple:
    """An rdflib (s, p, o) pattern in a graph (None: any) as Oxigraph's quad pattern."""
    s, p, o = triple
    return oxigraph_term(s), oxigraph_term(p), oxigraph_term(o), oxigraph_term(context)


def rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An Oxigraph term as the served store gives it to rdflib: a literal keeps its datatype."""
    if isinstance(term, ox.Literal) and not term.language:
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return from_ox_term(term)


def graph_named(name: ox.NamedNode | ox.BlankNode | ox.DefaultGraph, store: Store) -> Graph:
    """rdflib's graph over ``store`` for an Oxigraph graph name."""
    identifier = DATASET_DEFAULT_GRAPH_ID if isinstance(name, ox.DefaultGraph) else from_ox_term(name)
    return Graph(store=store, identifier=identifier)
