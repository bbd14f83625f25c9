"""The KZO namespace class, the ontology file and the data agree on the ontology's terms."""

from rdflib import RDF, RDFS, OWL, Graph, URIRef
from rdflib.namespace import SKOS

from kzgraph import paths
from kzgraph.namespaces import KZO

KZO_IRI = str(KZO._NS)


def ontology() -> Graph:
    graph = Graph()
    for path in paths.ontology_files():
        graph.parse(path)
    return graph


def declared_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if str(s).startswith(KZO_IRI)}


def test_namespace_class_lists_exactly_the_ontology_terms():
    listed = {KZO[name] for name in KZO.__annotations__}
    assert listed == declared_terms(ontology())


def test_every_term_has_an_english_label_and_a_comment_or_definition():
    graph = ontology()
    for term in declared_terms(graph):
        assert graph.value(term, RDFS.label) is not None, term
        assert (graph.value(term, RDFS.comment) or graph.value(term, SKOS.definition)), term


def test_every_kzo_term_the_data_uses_is_declared(dataset):
    declared = declared_terms(ontology())
    used = set()
    for s, p, o in dataset.triples((None, None, None)):
        used |= {t for t in (p, o) if isinstance(t, URIRef) and str(t).startswith(KZO_IRI)}
        if p == RDF.type:
            used.add(o)
    unknown = {t for t in used if str(t).startswith(KZO_IRI)} - declared
    assert not unknown


def test_every_class_is_aligned_to_an_outside_vocabulary_directly_or_through_its_parent():
    graph = ontology()
    for term in graph.subjects(RDF.type, OWL.Class):
        assert _aligned(graph, term), f"{term} has no alignment outside kzo"


def _aligned(graph: Graph, term: URIRef) -> bool:
    targets = [o for a in (SKOS.exactMatch, SKOS.closeMatch, RDFS.subClassOf) for o in graph.objects(term, a)]
    if any(not str(o).startswith(KZO_IRI) for o in targets):
        return True
    return any(_aligned(graph, parent) for parent in targets)


def test_misspelt_term_is_an_error():
    import pytest
    with pytest.raises(AttributeError):
        KZO.lanchDate  # noqa: B018
