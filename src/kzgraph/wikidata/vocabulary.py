"""Wikidata's reference and qualifier properties that kzgraph writes: the one table of P-ids in code.

Every other Wikidata id lives in data: entity ids in ``data/wikidata-links.trig``, and the ids of
the terms kzgraph aligns (its properties and classes, ``rdf:type``, ``schema:url``) in
``ontology/kzgraph.ttl``. The properties below are Wikidata's own vocabulary for references and
qualifiers, which no kzgraph term is aligned to; each is a checked property of the register
(``data/wikidata-ids.tsv``), and a test allows Wikidata ids in no other module of ``src/``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DC, DCTERMS

from kzgraph.namespaces import KZO

__all__ = ["QUALIFIER_PROPERTIES", "REFERENCE_PROPERTIES", "SCHEMA"]

SCHEMA = Namespace("https://schema.org/")

# Source fields → reference properties: reference URL, title, publication date, retrieved, author
# name string. (Archive date has no property in the register of checked ids, so it is not written.)
REFERENCE_PROPERTIES: dict[URIRef, str] = {
    SCHEMA.url: "P854",
    DCTERMS.title: "P1476",
    DCTERMS.date: "P577",
    KZO.accessDate: "P813",
    DC.creator: "P2093",
}
# Qualifiers taken from the value of a statement: (statement property, value's property) → P-id
# (start time, end time of a person's mission).
QUALIFIER_PROPERTIES: dict[tuple[URIRef, URIRef], str] = {
    (KZO.astronautMission, KZO.launchDate): "P580",
    (KZO.astronautMission, KZO.landingDate): "P582",
}
