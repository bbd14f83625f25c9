"""Wikidata's reference and qualifier properties and unit items that kzgraph writes: the one table
of Wikidata ids in code.

Every other Wikidata id lives in data: entity ids in ``data/wikidata-links.trig``, and the ids of
the terms kzgraph aligns (its properties and classes, ``rdf:type``, ``schema:url``) in
``ontology/kzgraph.ttl``. The properties below are Wikidata's own vocabulary for references and
qualifiers, which no kzgraph term is aligned to, and the units are Wikidata's items for the unit
codes kzgraph's quantities carry (a literal code cannot carry a skos:exactMatch); each is a checked
id of the register (``data/wikidata-ids.tsv``), and a test allows Wikidata ids in no other module
of ``src/``.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DC, DCTERMS

from kzgraph.namespaces import KZO

__all__ = ["DURATION_UNITS", "QUALIFIER_PROPERTIES", "REFERENCE_PROPERTIES", "SCHEMA", "UNIT_ITEMS"]

SCHEMA = Namespace("https://schema.org/")

# Source fields → reference properties: reference URL, title, publication date, retrieved, author
# name string. Archive date has no property in the register of checked ids, so it is not written;
# nor is the publisher (dc:publisher): Wikidata's publisher property takes an item, and no
# publisher of the article's references has a checked id.
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

# UN/CEFACT common codes (schema:unitCode of a kzo:QuantitativeValue) → Wikidata's unit item. A
# quantity whose unit is not here is left out of the view: without its unit it would state another
# amount. Only units with a checked id: day.
UNIT_ITEMS: dict[str, str] = {
    "DAY": "Q573",
}
# xsd:duration designators (time part or not, letter) → UN/CEFACT unit code: a duration of one
# component (``P10D``) is the amount of that unit; years and months are not fixed lengths of time
# and mixed durations (``P1DT2H``) have no single unit, so neither has a row.
DURATION_UNITS: dict[tuple[bool, str], str] = {
    (False, "W"): "WEE",
    (False, "D"): "DAY",
    (True, "H"): "HUR",
    (True, "M"): "MIN",
    (True, "S"): "SEC",
}
