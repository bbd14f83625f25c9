"""The ontology's alignments: every kzo term is aligned to an outside vocabulary or says why not;
every Wikidata id it names is a checked one; every outside term it names exists."""

from __future__ import annotations

import re

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, PROV, SKOS

from kzgraph import paths
from kzgraph.namespaces import KZO, WD, WDT
from kzgraph.wikidata import register

from .conftest import WIKIDATA_IDS

KZO_IRI = str(KZO._NS)
TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
ALIGNMENTS = (SKOS.exactMatch, SKOS.closeMatch, RDFS.subClassOf, RDFS.subPropertyOf,
              OWL.equivalentClass, OWL.equivalentProperty)
NOT_ALIGNED = re.compile(r"\bnot aligned\b", re.IGNORECASE)


def vocabularies() -> dict:
    """The outside vocabularies the ontology aligns to, as rdflib lists their terms."""
    from rdflib.namespace import SDO  # imported here: pytest's collection would probe it and warn
    return {"schema": SDO, "prov": PROV, "dct": DCTERMS, "dc": DC, "skos": SKOS}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for path in paths.ontology_files():
        graph.parse(path)
    return graph


def terms(graph: Graph) -> list[URIRef]:
    return sorted({t for kind in TERM_KINDS for t in graph.subjects(RDF.type, kind)
                   if str(t).startswith(KZO_IRI)})


def aligned(graph: Graph, term: URIRef, seen: frozenset = frozenset()) -> bool:
    """Aligned directly, or through a kzo parent that is (selectedPerson → participant → PROV)."""
    targets = [o for p in ALIGNMENTS for o in graph.objects(term, p)]
    if any(not str(o).startswith(KZO_IRI) for o in targets):
        return True
    return any(aligned(graph, parent, seen | {term}) for parent in targets if parent not in seen)


def checked_ids() -> dict[str, str]:
    """id → kind (item, class or property) of data/wikidata-ids.tsv."""
    return {row.id: row.kind for row in register.load(WIKIDATA_IDS)}


def test_every_term_is_aligned_or_says_why_not(ontology):
    missing = [str(t) for t in terms(ontology) if not aligned(ontology, t)
               and not any(NOT_ALIGNED.search(str(n)) for n in ontology.objects(t, KZO.modellingNote))]
    assert len(terms(ontology)) > 100 and not missing


def test_a_note_saying_not_aligned_is_only_on_terms_without_a_direct_alignment(ontology):
    # "Not aligned" on an aligned term would contradict it (closeMatch alone counts as aligned)
    for term in terms(ontology):
        notes = [str(n) for n in ontology.objects(term, KZO.modellingNote)]
        direct = [o for p in ALIGNMENTS for o in ontology.objects(term, p) if not str(o).startswith(KZO_IRI)]
        assert not (direct and any(n.startswith("Not aligned:") for n in notes)), term


def test_one_modelling_note_per_term(ontology):
    # the ontology page shows one note per term; two would show one of them at random
    for term in terms(ontology):
        assert len(list(ontology.objects(term, KZO.modellingNote))) <= 1, term


def test_the_check_fails_for_a_term_with_neither(ontology):
    graph = Graph()
    for triple in ontology:
        graph.add(triple)
    made_up = URIRef(KZO_IRI + "madeUp")
    graph.add((made_up, RDF.type, OWL.ObjectProperty))
    assert not aligned(graph, made_up)
    graph.add((made_up, RDFS.subPropertyOf, KZO.participant))
    assert aligned(graph, made_up)  # through participant's PROV-O parent


def test_every_wikidata_iri_is_a_checked_id_of_the_right_kind(ontology):
    for triple in ontology:
        for node in triple:
            if isinstance(node, URIRef) and "wikidata.org/" in str(node):
                assert str(node).startswith((str(WD), str(WDT))), f"{node}: only wd:Q… and wdt:P…"
    # as its kind where it is used: a class aligned to a class, a property to a property
    checked = register.load(WIKIDATA_IDS)
    uses = list(register.triple_uses(ontology))
    assert not [message for use in uses if (message := checked.misuse(use))]
    assert {"P31", "P106", "P856", "Q12634815"} <= {use.id for use in uses}


def test_every_wikidata_id_in_the_notes_is_a_checked_one(ontology):
    checked = checked_ids()
    for _, _, text in ontology.triples((None, None, None)):
        if isinstance(text, Literal):
            assert set(re.findall(r"\b[PQ][1-9][0-9]*\b", str(text))) <= checked.keys(), text


def test_every_outside_term_named_exists(ontology):
    for prefix, namespace in vocabularies().items():
        base = str(namespace._NS)
        named = {node for triple in ontology for node in triple
                 if isinstance(node, URIRef) and str(node).startswith(base)}
        for _, _, text in ontology.triples((None, None, None)):
            if isinstance(text, Literal):
                named |= {URIRef(base + name) for name in re.findall(rf"\b{prefix}:(\w+)", str(text))}
        assert named or prefix == "dc"
        unknown = sorted(str(n) for n in named if n not in namespace)
        assert not unknown, f"not {prefix} terms: {unknown}"


def test_one_wikidata_exact_match_per_term(ontology):
    # the Wikidata view reads one id per term; a second would silently replace the first
    for term in set(ontology.subjects(SKOS.exactMatch, None)):
        wikidata = [o for o in ontology.objects(term, SKOS.exactMatch) if "wikidata.org/" in str(o)]
        assert len(wikidata) <= 1, term


def test_a_wikidata_type_property_is_only_on_a_class_with_a_wikidata_exact_match(ontology):
    marked = list(ontology.subject_objects(KZO.wikidataTypeProperty))
    assert marked
    for cls, prop in marked:
        assert (cls, RDF.type, OWL.Class) in ontology and str(prop).startswith(str(WDT))
        assert any(str(o).startswith(str(WD)) for o in ontology.objects(cls, SKOS.exactMatch)), cls


def test_a_wikidata_property_is_only_on_a_term_that_is_a_close_match_to_it(ontology):
    # kzo:wikidataProperty makes the view write a closeMatch term: it must not replace an exact
    # match, and it names one of the term's close matches, explained in the term's note
    marked = list(ontology.subject_objects(KZO.wikidataProperty))
    assert {term for term, _ in marked} >= {KZO.officialEstablishmentDate, KZO.endOfCommunications}
    for term, prop in marked:
        assert str(prop).startswith(str(WDT)) and (term, SKOS.closeMatch, prop) in ontology, term
        assert not [o for o in ontology.objects(term, SKOS.exactMatch) if str(o).startswith(str(WDT))]
        note = str(ontology.value(term, KZO.modellingNote) or "")
        assert str(prop).rsplit("/", 1)[1] in note, term
