"""The alignment table: read from the ontology and the links file; ids hard-coded nowhere else."""

from __future__ import annotations

from rdflib.namespace import SKOS

from kzgraph.dataset import new_dataset
from kzgraph.namespaces import KZ, KZO, ONTOLOGY_GRAPH, WD, WDT
from kzgraph.wikidata import load_alignment
from kzgraph.wikidata.facts import collect_statements
from kzgraph.wikidata.vocabulary import SCHEMA


def test_properties_and_classes_come_from_exact_matches(dataset):
    alignment = load_alignment(dataset)
    assert alignment.properties[KZO.launchDate] == "P619"
    assert alignment.properties[KZO.headquarters] == "P159"
    assert KZO.candidateCrew not in alignment.properties  # only a closeMatch
    assert alignment.classes[KZO.SpaceStation] == "Q25956"
    assert alignment.class_qid(KZO.Cosmonaut) == "Q5"  # through kzo:Person


def test_a_close_match_is_mapped_only_where_the_ontology_names_its_wikidata_property(dataset):
    alignment = load_alignment(dataset)
    assert alignment.properties[KZO.officialEstablishmentDate] == "P1619"  # kzo:wikidataProperty
    assert alignment.properties[KZO.endOfCommunications] == "P730"
    assert alignment.properties[KZO.parentOrganization] == "P749"  # an exact match
    assert alignment.properties[KZO.head] == "P1037"  # exact match; chairperson is only close
    dataset = new_dataset()
    dataset.graph(ONTOLOGY_GRAPH).add((KZO.endOfCommunications, SKOS.closeMatch, WDT.P730))
    assert load_alignment(dataset).properties == {}
    dataset.graph(ONTOLOGY_GRAPH).add((KZO.endOfCommunications, KZO.wikidataProperty, WDT.P730))
    assert load_alignment(dataset).properties == {KZO.endOfCommunications: "P730"}


def test_entities_come_from_the_links_file(dataset):
    entities = load_alignment(dataset).entities
    assert entities[KZ.Mir] == "Q48604"
    assert KZ.KazCosmos not in entities


def test_class_membership_properties_come_from_the_ontology(dataset):
    alignment = load_alignment(dataset)
    assert alignment.type_property == "P31"  # rdf:type skos:exactMatch wdt:P31
    assert alignment.type_statements[KZO.Cosmonaut] == ("P106", "Q12634815")
    assert KZO.Cosmonaut not in alignment.classes  # an occupation, not the class of instance of
    assert alignment.type_pids == {"P31", "P106"}
    assert alignment.properties[SCHEMA.url] == "P856"


def test_the_mapping_follows_the_ontology_not_the_code():
    dataset = new_dataset()
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    ontology.add((KZO.Cosmonaut, SKOS.exactMatch, WD.Q11631))
    ontology.add((KZO.Cosmonaut, KZO.wikidataTypeProperty, WDT.P106))
    ontology.add((KZO.Person, SKOS.exactMatch, WD.Q5))
    alignment = load_alignment(dataset)
    assert alignment.type_statements == {KZO.Cosmonaut: ("P106", "Q11631")}
    assert alignment.type_property is None and alignment.type_pids == {"P106"}
    assert alignment.classes == {KZO.Person: "Q5"}


def test_a_fact_stated_by_two_claims_is_one_statement_with_both_sources(dataset):
    statements = [s for s in collect_statements(dataset)
                  if s.subject == KZ.Talgat_Musabayev and s.pid == "P31"]
    assert len(statements) == 1
    assert {str(r.source).rsplit("/", 1)[1] for r in statements[0].references} == {"article", "ref-3"}
