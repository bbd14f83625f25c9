"""Which kzgraph terms and entities correspond to which Wikidata ids: the one mapping table.

Property and class ids come from the ontology (``skos:exactMatch wdt:P…`` / ``wd:Q…`` in
``ontology/kzgraph.ttl``); entity ids from ``owl:sameAs wd:Q…`` in ``data/wikidata-links.trig``.
The few ids the ontology does not (yet) state — ``rdf:type`` as P31, the reference and qualifier
properties — are the static tables below, and nowhere else in the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDF, RDFS, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, SKOS

from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH, WD, WDT

__all__ = [
    "QUALIFIER_PROPERTIES",
    "REFERENCE_PROPERTIES",
    "TYPE_PROPERTY",
    "TYPE_STATEMENTS",
    "Alignment",
    "load_alignment",
    "qid_of",
]

SCHEMA = Namespace("https://schema.org/")

# rdf:type becomes "instance of"; the ontology aligns classes, not rdf:type itself.
TYPE_PROPERTY = "P31"
# Class membership Wikidata states with another property (kzo:Cosmonaut's modelling note).
TYPE_STATEMENTS: dict[URIRef, tuple[str, str]] = {KZO.Cosmonaut: ("P106", "Q12634815")}
# Source fields → reference properties (reference URL, title, publication date, retrieved,
# archive date, author name string). Not in ../shared/wikidata/ids.tsv: the ontology should align
# dct:title, dct:date, kzo:accessDate, kzo:archiveDate, dc:creator and schema:url to them.
REFERENCE_PROPERTIES: dict[URIRef, str] = {
    SCHEMA.url: "P854",
    DCTERMS.title: "P1476",
    DCTERMS.date: "P577",
    KZO.accessDate: "P813",
    KZO.archiveDate: "P2960",
    DC.creator: "P2093",
}
# Qualifiers taken from the value of a statement: (statement property, value's property) → P-id
# (start time, end time). Not in ids.tsv either; the ontology aligns kzo:startDate/endDate only
# to schema.org.
QUALIFIER_PROPERTIES: dict[tuple[URIRef, URIRef], str] = {
    (KZO.astronautMission, KZO.launchDate): "P580",
    (KZO.astronautMission, KZO.landingDate): "P582",
}


@dataclass(frozen=True)
class Alignment:
    """kzo property → P-id, kzo class → Q-id, kzgraph entity → Q-id; ``functional``: the P-ids of
    owl:FunctionalProperty terms (one value expected, so another value on Wikidata conflicts)."""

    properties: dict[URIRef, str]
    classes: dict[URIRef, str]
    entities: dict[URIRef, str]
    superclasses: dict[URIRef, tuple[URIRef, ...]]
    functional: frozenset[str] = frozenset()

    def class_qid(self, cls: URIRef) -> str | None:
        """The Q-id of ``cls`` or of its nearest aligned superclass (breadth first)."""
        queue, seen = [cls], set()
        while queue:
            current = queue.pop(0)
            if current in self.classes:
                return self.classes[current]
            seen.add(current)
            queue.extend(c for c in self.superclasses.get(current, ()) if c not in seen)
        return None

    def entity_by_qid(self) -> dict[str, URIRef]:
        return {qid: entity for entity, qid in self.entities.items()}


def load_alignment(dataset: Dataset) -> Alignment:
    """Read the alignment from the ontology graph and the links from every data graph."""
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    properties, classes = {}, {}
    for term, target in ontology.subject_objects(SKOS.exactMatch):
        if str(target).startswith(str(WDT)):
            properties[term] = str(target)[len(WDT):]
        elif str(target).startswith(str(WD)):
            classes[term] = str(target)[len(WD):]
    superclasses: dict[URIRef, tuple[URIRef, ...]] = {}
    for cls, parent in ontology.subject_objects(RDFS.subClassOf):
        superclasses[cls] = superclasses.get(cls, ()) + (parent,)
    functional = frozenset(pid for term, pid in properties.items()
                           if (term, RDF.type, OWL.FunctionalProperty) in ontology)
    return Alignment(properties, classes, linked_entities(dataset), superclasses, functional)


def linked_entities(dataset: Dataset) -> dict[URIRef, str]:
    """Entity → Q-id for every ``owl:sameAs wd:Q…`` in the data (the links file)."""
    links = {}
    for entity, target in dataset.subject_objects(OWL.sameAs):
        qid = qid_of(target)
        if qid is not None and isinstance(entity, URIRef):
            links[entity] = qid
    return links


def qid_of(node: object) -> str | None:
    """``Q123`` for ``wd:Q123``; None for anything else."""
    text = str(node)
    if isinstance(node, URIRef) and text.startswith(str(WD)) and text[len(WD):][:1] == "Q":
        return text[len(WD):]
    return None


def labels_of(dataset: Dataset, entity: URIRef) -> list[Literal]:
    """The entity's names: rdfs:label, then skos:altLabel and its sub-properties."""
    names = list(dataset.objects(entity, RDFS.label))
    for prop in (SKOS.altLabel, KZO.shortName, KZO.nativeName, KZO.romanizedName):
        names.extend(dataset.objects(entity, prop))
    return [name for name in names if isinstance(name, Literal)]


def types_of(dataset: Dataset, entity: URIRef) -> set[URIRef]:
    return {t for t in dataset.objects(entity, RDF.type) if isinstance(t, URIRef)}
