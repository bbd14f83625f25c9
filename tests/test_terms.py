"""RDF terms between rdflib and pyoxigraph: each kind both ways, patterns and graph names."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import XSD, BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.stores.memory import Memory

from kzgraph.terms import graph_named, oxigraph_pattern, oxigraph_term, rdflib_term

TERMS = [
    (URIRef("https://w3id.org/kzgraph/resource/KazCosmos"),
     ox.NamedNode("https://w3id.org/kzgraph/resource/KazCosmos")),
    (BNode("b1"), ox.BlankNode("b1")),
    (Literal("2007-03-27", datatype=XSD.date), ox.Literal("2007-03-27", datatype=ox.NamedNode(str(XSD.date)))),
    (Literal("Қазғарыш", lang="kk"), ox.Literal("Қазғарыш", language="kk")),
]


@pytest.mark.parametrize(("rdflib", "oxigraph"), TERMS, ids=["iri", "bnode", "typed", "tagged"])
def test_each_kind_of_term_goes_both_ways(rdflib, oxigraph):
    assert oxigraph_term(rdflib) == oxigraph
    assert rdflib_term(oxigraph) == rdflib


def test_a_plain_literal_is_an_xsd_string_in_oxigraph_and_back():
    assert oxigraph_term(Literal("KazCosmos")) == ox.Literal("KazCosmos")
    assert rdflib_term(ox.Literal("KazCosmos")) == Literal("KazCosmos", datatype=XSD.string)


def test_a_pattern_keeps_its_wildcards_and_names_its_graph():
    graph = Graph(identifier=URIRef("urn:g"))
    assert oxigraph_pattern((None, URIRef("urn:p"), None), graph) == (
        None, ox.NamedNode("urn:p"), None, ox.NamedNode("urn:g"))
    assert oxigraph_pattern((None, None, None))[3] is None
    assert oxigraph_term(DATASET_DEFAULT_GRAPH_ID) == ox.DefaultGraph()


def test_graph_names_become_graphs_of_the_store():
    store = Memory()
    named = graph_named(ox.NamedNode("urn:g"), store)
    assert named.identifier == URIRef("urn:g") and named.store is store
    assert graph_named(ox.DefaultGraph(), store).identifier == DATASET_DEFAULT_GRAPH_ID


def test_what_is_not_a_term_is_a_clear_error():
    with pytest.raises(ValueError, match="not an RDF term"):
        oxigraph_term(("a", "tuple"))
