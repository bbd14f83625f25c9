"""Wikidata's reference and qualifier properties that kzgraph writes: the one table of P-ids in code.

Every other Wikidata id lives in data: entity ids in ``data/wikidata-links.trig``, and the ids of
the terms kzgraph aligns (its properties and classes, ``rdf:type``, ``schema:url``) in
``ontology/kzgraph.ttl``. The properties below are Wikidata's own vocabulary for references and
qualifiers, which no kzgraph term is aligned to; they are not in ``../shared/wikidata/ids.tsv``
either (which the ontology may only cite), so they are kept here, and a test allows Wikidata ids
in no other module of ``src/``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DC, DCTERMS

from kzgraph.namespaces import KZO

__all__ = ["QUALIFIER_PROPERTIES", "REFERENCE_PROPERTIES", "SCHEMA"]

SCHEMA = Namespace("https://schema.org/")

# Source fields → reference properties: reference URL, title, publication date, retrieved,
# archive date, author name string.
REFERENCE_PROPERTIES: dict[URIRef, str] = {
    SCHEMA.url: "P854",
    DCTERMS.title: "P1476",
    DCTERMS.date: "P577",
    KZO.accessDate: "P813",
    KZO.archiveDate: "P2960",
    DC.creator: "P2093",
}
# Qualifiers taken from the value of a statement: (statement property, value's property) → P-id
# (start time, end time of a person's mission).
QUALIFIER_PROPERTIES: dict[tuple[URIRef, URIRef], str] = {
    (KZO.astronautMission, KZO.launchDate): "P580",
    (KZO.astronautMission, KZO.landingDate): "P582",
}
