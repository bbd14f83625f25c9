"""Every triple earns its passage: each fact of an article claim graph is about what its quote names.

A triple of a claim graph passes when its subject and its kzgraph-entity object (if any) are each
either named by the graph's quote (an English label, short name or alias, or a person's surname,
matched as whole words after the normalisation of tests/test_data.py), or a node the passage itself
describes (an event, plan, attributed statement or quantity typed in that graph: "the Kazakh
government decreed", "two were selected", "having spent 10 days"), or an entry of ALLOWED below,
each with the reason the quote refers to the entity without naming it. Literal values are checked
by tests/test_data.py against the article; this test checks who and what a passage is about.
The Wikidata links claim quotes the register, not the article, and is outside this rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rdflib import RDF, RDFS, Dataset, Literal, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kzgraph import load_dataset
from kzgraph.dataset import PROVENANCE_GRAPH
from kzgraph.namespaces import KZ, KZG, KZO, ONTOLOGY_GRAPH, SRC

from .test_data import normalise

NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, KZO.shortName, KZO.nativeName,
                   KZO.romanizedName)

# Nodes a passage describes rather than names: the happening, plan, opinion or figure it states.
DESCRIBED_CLASSES = (KZO.Event, KZO.Plan, KZO.Statement, KZO.QuantitativeValue)

# Names the article uses that are not the entity's label: demonyms and short forms.
ALIASES = {
    KZ.Kazakhstan: ("Kazakh",),                      # "two Kazakh cosmonauts", "the Kazakh government"
    KZ.Russia: ("Russian", "Russians"),              # "a Russian citizen", "The Russians still … use"
    KZ.Soviet_Union: ("Soviet",),                    # "the Soviet space program"
    KZ.Government_of_Kazakhstan: ("Kazakh government",),
    KZ.Kazakh_cosmonaut_corps: ("cosmonaut corps",), # "the Kazakh government decreed it would form a cosmonaut corps"
    KZ.Baikonur_Cosmodrome: ("Baikonur",),           # "He launched from Baikonur", "use Baikonur"
}

# (claim graph, entity) → why the quote refers to the entity without naming it. Keep it small: a
# test below fails on an entry no longer needed.
ALLOWED = {
    (KZG["star-city"], KZ.Aidyn_Aimbetov): '"They": the two selected in the previous passage',
    (KZG["star-city"], KZ.Mukhtar_Aymakhanov): '"They": the two selected in the previous passage',
    (KZG["projected-2005"], KZ.Aidyn_Aimbetov): '"They": the two selected and trained',
    (KZG["projected-2005"], KZ.Mukhtar_Aymakhanov): '"They": the two selected and trained',
    (KZG["projected-2005"], KZ.Planned_spaceflight_of_the_2002_selection):
        '"a spaceflight": the spaceflight the previous passage says the crisis postponed',
    (KZG["flight-2015"], KZ.Aidyn_Aimbetov): '"he … He launched": Aimbetov, named by the previous passage',
    (KZG["kazsat-1-lost"], KZ["KazSat-1"]): '"communications with the satellite": KazSat-1, the satellite just launched',
    (KZG["kazsat-2"], KZ["KazSat-1"]): '"The next planned satellite": next after KazSat-1',
    (KZG["kazsat-3-contract"], KZ["KazSat-2"]):
        '"the third telecommunications satellite": KazSat-2 is the second, the one before it',
    (KZG["head-of-agency"], KZ.KazCosmos): '"The head of the agency": the article\'s subject',
    (KZG["head-of-agency"], KZ.Russian_space_program): '"the Russian and Kazakh space programs": one phrase, two programmes',
    (KZG["head-of-agency"], KZ.Kazakh_space_program): '"the Russian and Kazakh space programs": one phrase, two programmes',
}


def article_claims(dataset: Dataset) -> dict[URIRef, str]:
    """Claim graph → its quote, normalised, for the claims derived from the article."""
    provenance = dataset.graph(PROVENANCE_GRAPH)
    return {claim: normalise(str(provenance.value(claim, KZO.quote))).casefold()
            for claim in provenance.subjects(RDF.type, KZO.Claim)
            if (claim, PROV.wasDerivedFrom, SRC.article) in provenance}


def names(dataset: Dataset, claims: dict, entity: URIRef) -> set[str]:
    """The entity's names as the article's passages give them, its aliases and a person's surname."""
    found = {str(name) for claim in claims for prop in NAME_PROPERTIES
             for name in dataset.graph(claim).objects(entity, prop)}
    if any(is_a(dataset, claim, entity, (KZO.Person,)) for claim in claims):
        found |= {label.split()[-1] for label in found}  # "Aymakhanov left Kazakhstan"
    return found | set(ALIASES.get(entity, ()))


def mentions(quote: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(normalise(name).casefold())}(?![\w-])", quote) is not None


def is_a(dataset: Dataset, graph: URIRef, node: URIRef, classes: tuple) -> bool:
    """Typed in this graph with a class that is, or is under, one of ``classes``."""
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    return any(set(ontology.transitive_objects(cls, RDFS.subClassOf)) & set(classes)
               for cls in dataset.graph(graph).objects(node, RDF.type))


def described(dataset: Dataset, graph: URIRef, node: URIRef) -> bool:
    return is_a(dataset, graph, node, DESCRIBED_CLASSES)


def entities(triple: tuple) -> Iterator[URIRef]:
    """The kzgraph entities (kz:…) a triple is about: its subject, and its object unless a class.
    The sources (src:…) of the reference list are checked field by field in tests/test_data.py."""
    subject, prop, obj = triple
    for node in (subject, obj if prop != RDF.type else None):
        if isinstance(node, URIRef) and node.startswith(str(KZ)):
            yield node


def unsupported(dataset: Dataset) -> list[tuple[str, str, str]]:
    """(claim graph, triple, entity) for each entity a triple is about but its passage does not name."""
    claims = article_claims(dataset)
    problems = []
    for claim, quote in sorted(claims.items()):
        for triple in sorted(dataset.graph(claim)):
            for entity in entities(triple):
                if (claim, entity) in ALLOWED or described(dataset, claim, entity):
                    continue
                if not any(mentions(quote, name) for name in names(dataset, claims, entity)):
                    problems.append((claim.n3(dataset.namespace_manager),
                                     " ".join(t.n3(dataset.namespace_manager) for t in triple),
                                     entity.n3(dataset.namespace_manager)))
    return problems


def test_every_claim_triple_is_about_what_its_quote_names(dataset):
    assert len(article_claims(dataset)) >= 17
    assert unsupported(dataset) == []


def test_every_allowed_entry_is_needed(dataset):
    claims = article_claims(dataset)
    for (claim, entity), reason in ALLOWED.items():
        graph = dataset.graph(claim)
        about = any(entity in entities(t) for t in graph)
        assert about, f"{claim} says nothing about {entity}: drop the entry ({reason})"
        named = any(mentions(claims[claim], n) for n in names(dataset, claims, entity))
        assert not named, f"{claim}'s quote names {entity}: the entry is not needed ({reason})"


def test_every_alias_is_needed(dataset):
    claims = article_claims(dataset)
    for entity, aliases in ALIASES.items():
        labels = names(dataset, claims, entity) - set(aliases)
        for alias in aliases:
            needed = [claim for claim, quote in claims.items() if mentions(quote, alias)
                      and not any(mentions(quote, label) for label in labels)
                      and any(entity in entities(t) for t in dataset.graph(claim))]
            assert needed, f"alias {alias!r} of {entity} names it in no passage its label does not"


INJECTED = [
    # (graph, triple, entity the check must report)
    ("baikonur-use", (KZ.Mir, KZO.country, KZ.Soviet_Union), "kz:Mir"),
    ("kazsat-1-launch", (KZ["KazSat-1"], KZO.launchVehicle, KZ.Proton), "kz:Proton"),
    ("aymakhanov-2012", (KZ.Mukhtar_Aymakhanov, KZO.nationality, KZ.Soviet_Union), "kz:Soviet_Union"),
    ("flight-2015", (KZ.Aidyn_Aimbetov_spaceflight_2015, KZO.dockedWith, KZ.Mir), "kz:Mir"),
]


@pytest.mark.parametrize("graph, triple, entity", INJECTED, ids=[i[0] for i in INJECTED])
def test_an_injected_unsupported_triple_is_reported(graph, triple, entity):
    dataset = load_dataset()
    dataset.graph(KZG[graph]).add(triple)
    reported = unsupported(dataset)
    assert [r for r in reported if r[0] == f"kzg:{graph}" and r[2] == entity], reported


def test_a_described_node_is_only_described_in_the_graph_that_types_it():
    dataset = load_dataset()
    # the 2012 departure is described by kzg:aymakhanov-2012, not by the KazSat-1 passage
    dataset.graph(KZG["kazsat-1-launch"]).add(
        (KZ.Mukhtar_Aymakhanov_departure_2012, KZO.date, Literal("2006", datatype=XSD.gYear)))
    assert ("kzg:kazsat-1-launch", 'kz:Mukhtar_Aymakhanov_departure_2012 kzo:date "2006"^^xsd:gYear',
            "kz:Mukhtar_Aymakhanov_departure_2012") in unsupported(dataset)


# The audit's readings (issue 20): each type and link under the passage that states it.
FILED = [
    ("the 2002 passage selects candidates", "selection-2002", (KZ.Aidyn_Aimbetov, RDF.type, KZO.CosmonautCandidate)),
    ("the 2002 passage selects candidates", "selection-2002", (KZ.Mukhtar_Aymakhanov, RDF.type, KZO.CosmonautCandidate)),
    ("Aimbetov has flown where he launches", "flight-2015", (KZ.Aidyn_Aimbetov, RDF.type, KZO.Cosmonaut)),
    ("the two who had already flown", "earlier-cosmonauts", (KZ.Toktar_Aubakirov, RDF.type, KZO.Cosmonaut)),
    ("the two who had already flown", "earlier-cosmonauts", (KZ.Talgat_Musabayev, RDF.type, KZO.Cosmonaut)),
    ('"projected for a spaceflight"', "projected-2005",
     (KZ.Planned_spaceflight_of_the_2002_selection, KZO.candidateCrew, KZ.Mukhtar_Aymakhanov)),
    ('"the next planned satellite"', "kazsat-2", (KZ["KazSat-2"], RDF.type, KZO.Satellite)),
    ('"the third telecommunications satellite"', "kazsat-3-contract",
     (KZ["KazSat-2"], RDF.type, KZO.CommunicationsSatellite)),
    ('"to become a Russian citizen"', "aymakhanov-2012",
     (KZ.Mukhtar_Aymakhanov_departure_2012, KZO.intendedCitizenship, KZ.Russia)),
]


@pytest.mark.parametrize("why, graph, triple", FILED, ids=[f[0] for f in FILED])
def test_a_reading_is_filed_under_the_passage_that_states_it_and_no_other(dataset, why, graph, triple):
    filed = {g.identifier for g in dataset.graphs() if triple in g}
    assert filed == {KZG[graph]}, why


def test_no_person_is_a_cosmonaut_or_a_citizen_beyond_what_the_article_says(dataset):
    assert (KZ.Mukhtar_Aymakhanov, RDF.type, KZO.Cosmonaut) not in dataset  # never said to fly
    assert not list(dataset.triples((None, KZO.citizenship, None)))  # the article states none
    selection = dataset.graph(KZG["selection-2002"])
    assert not set(selection.objects(KZ.Cosmonaut_selection_2002, None)) & {KZ.Kazakh_cosmonaut_corps}


def test_no_rounded_figure_reads_as_exact(dataset):
    durations = [o for o in dataset.objects(None, KZO.duration)]
    assert durations and all(not isinstance(o, Literal) for o in durations)
    assert all((o, KZO.approximate, Literal(True)) in dataset for o in durations)
    assert not [o for o in dataset.objects() if isinstance(o, Literal) and o.datatype == XSD.duration]
