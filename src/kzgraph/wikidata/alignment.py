"""Which kzgraph terms and entities correspond to which Wikidata ids: the one mapping table.

Property and class ids come from the ontology (``skos:exactMatch wdt:P…`` / ``wd:Q…`` in
``ontology/kzgraph.ttl``, including those of ``rdf:type`` and ``schema:url``), and so does the
property that states membership of a class where Wikidata does not use instance-of
(``kzo:wikidataTypeProperty``) and the property a term that is only a ``skos:closeMatch`` is
nevertheless written with (``kzo:wikidataProperty``, whose modelling note says why); entity ids come from ``owl:sameAs wd:Q…`` in
``data/wikidata-links.trig``. Wikidata's reference and qualifier properties, which no kzgraph term
is aligned to, are the table of :mod:`kzgraph.wikidata.vocabulary`. No id is written in this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, RDFS, Dataset, Literal, URIRef
from rdflib.namespace import OWL, SKOS

from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH, WD, WDT

__all__ = ["Alignment", "load_alignment", "pid_of", "qid_of"]


@dataclass(frozen=True)
class Alignment:
    """kzo property → P-id, kzo class → Q-id, kzgraph entity → Q-id; ``functional``: the P-ids of
    owl:FunctionalProperty terms (one value expected, so another value on Wikidata conflicts)."""

    properties: dict[URIRef, str]
    classes: dict[URIRef, str]
    entities: dict[URIRef, str]
    superclasses: dict[URIRef, tuple[URIRef, ...]]
    functional: frozenset[str] = frozenset()
    # kzo class → (P-id, Q-id) where Wikidata states membership with another property than
    # instance of: the class's kzo:wikidataTypeProperty and its exact match. Such a class is not in
    # ``classes``, so its members' instance-of comes from an aligned superclass.
    type_statements: dict[URIRef, tuple[str, str]] = field(default_factory=dict)

    @property
    def type_property(self) -> str | None:
        """The P-id ``rdf:type`` is aligned to (instance of), None if the ontology gives none."""
        return self.properties.get(RDF.type)

    @property
    def type_pids(self) -> frozenset[str]:
        """Every property by which a statement says what kind of thing its item is."""
        pids = {pid for pid, _ in self.type_statements.values()}
        return frozenset(pids | ({self.type_property} if self.type_property else set()))

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
        if pid_of(target):
            properties[term] = pid_of(target)
        elif qid_of(target):
            classes[term] = qid_of(target)
    for term, target in ontology.subject_objects(KZO.wikidataProperty):
        if pid_of(target):
            properties[term] = pid_of(target)
    type_statements = {}
    for cls, prop in ontology.subject_objects(KZO.wikidataTypeProperty):
        if pid_of(prop) and cls in classes:
            type_statements[cls] = (pid_of(prop), classes.pop(cls))
    superclasses: dict[URIRef, tuple[URIRef, ...]] = {}
    for cls, parent in ontology.subject_objects(RDFS.subClassOf):
        superclasses[cls] = superclasses.get(cls, ()) + (parent,)
    functional = frozenset(pid for term, pid in properties.items()
                           if (term, RDF.type, OWL.FunctionalProperty) in ontology)
    return Alignment(properties, classes, linked_entities(dataset), superclasses, functional,
                     type_statements)


def linked_entities(dataset: Dataset) -> dict[URIRef, str]:
    """Entity → Q-id for every ``owl:sameAs wd:Q…`` in the data (the links file)."""
    links = {}
    for entity, target in dataset.subject_objects(OWL.sameAs):
        qid = qid_of(target)
        if qid is not None and isinstance(entity, URIRef):
            links[entity] = qid
    return links


def qid_of(node: object) -> str | None:
    """The item id of ``wd:Q…`` (``Q`` and digits); None for anything else."""
    return _local_id(node, WD, "Q")


def pid_of(node: object) -> str | None:
    """The property id of ``wdt:P…`` (``P`` and digits); None for anything else."""
    return _local_id(node, WDT, "P")


def _local_id(node: object, namespace: str, letter: str) -> str | None:
    text = str(node)
    local = text[len(namespace):]
    if isinstance(node, URIRef) and text.startswith(str(namespace)) and local[:1] == letter \
            and local[1:].isdigit():
        return local
    return None


def labels_of(dataset: Dataset, entity: URIRef) -> list[Literal]:
    """The entity's names: rdfs:label, then skos:altLabel and its sub-properties."""
    names = list(dataset.objects(entity, RDFS.label))
    for prop in (SKOS.altLabel, KZO.shortName, KZO.nativeName, KZO.romanizedName):
        names.extend(dataset.objects(entity, prop))
    return [name for name in names if isinstance(name, Literal)]


def types_of(dataset: Dataset, entity: URIRef) -> set[URIRef]:
    return {t for t in dataset.objects(entity, RDF.type) if isinstance(t, URIRef)}
