"""The graph in Wikidata's RDF model, so Wikidata Query Service queries run on it unchanged.

Follows the Wikibase RDF dump format (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format):
``wdt:`` truthy triples, ``p:`` → statement node with ``ps:`` value, ``psv:`` full time and
quantity values (``wikibase:timePrecision``; ``wikibase:quantityAmount``, ``quantityUnit``),
``pq:`` qualifiers (``pqv:`` full values), and ``prov:wasDerivedFrom`` → reference node with ``pr:``
properties carrying the article's reference data (``prv:`` full values). Entities with a checked
Wikidata id appear as ``wd:Q…``; all others keep their kzgraph IRI. Every entity and every Wikidata
id the view uses has its label (a Wikidata id its register label, in English, as Wikidata's own),
and every property its ``wikibase:Property`` description, as the Wikidata Query Service has them.
Statement, value and reference nodes are kzgraph's own IRIs (``kz:statement/…``), never Wikidata's,
since Wikidata did not make them.
"""

from __future__ import annotations

import hashlib

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kzgraph.dataset import new_dataset
from kzgraph.namespaces import KZ, KZG, WD, WDT
from kzgraph.wikidata.alignment import Alignment, labels_of, load_alignment
from kzgraph.wikidata.facts import Reference, Statement, Value, collect_statements
from kzgraph.wikidata.register import Row, default
from kzgraph.wikidata.vocabulary import SCHEMA

__all__ = ["VIEW_GRAPH", "WIKIBASE_PREFIXES", "build_view", "view_dataset", "wikidata_time"]

VIEW_GRAPH = KZG["wikidata-view"]
WIKIBASE = Namespace("http://wikiba.se/ontology#")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PQV = Namespace("http://www.wikidata.org/prop/qualifier/value/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
PRV = Namespace("http://www.wikidata.org/prop/reference/value/")
# Wikidata's RDF writes schema.org with http:, where kzgraph's own data uses https:.
WIKIDATA_SCHEMA = Namespace("http://schema.org/")
# The prefixes the Wikidata Query Service predefines that this view uses.
WIKIBASE_PREFIXES = {
    "wd": WD, "wdt": WDT, "p": P, "ps": PS, "psv": PSV, "pq": PQ, "pqv": PQV, "pr": PR, "prv": PRV,
    "wikibase": WIKIBASE, "prov": PROV, "rdfs": RDFS, "skos": SKOS, "schema": WIKIDATA_SCHEMA,
    "xsd": XSD,
}


def view_dataset(dataset: Dataset) -> Dataset:
    """A dataset holding the view in named graph ``kzg:wikidata-view`` (for ``export``)."""
    result = new_dataset()
    for prefix, namespace in WIKIBASE_PREFIXES.items():
        result.bind(prefix, namespace, override=True, replace=True)
    graph = result.graph(VIEW_GRAPH)
    for triple in build_view(dataset):
        graph.add(triple)
    return result


def build_view(dataset: Dataset) -> Graph:
    """The Wikidata-vocabulary view of ``dataset``: statements, the names of every entity and
    Wikidata id they use, and the descriptions of their properties."""
    view = Graph()
    for prefix, namespace in WIKIBASE_PREFIXES.items():
        view.bind(prefix, namespace)
    alignment = load_alignment(dataset)
    register = default().rows
    statements = collect_statements(dataset, alignment)
    for statement in statements:
        add_statement(view, statement)
    for entity, qid in named_entities(statements, alignment).items():
        add_names(view, dataset, entity, qid, register.get(qid) if qid else None)
    for qid in sorted(used_items(statements) - set(alignment.entities.values())):
        add_register_label(view, WD[qid], register.get(qid))
    for pid, kinds in sorted(used_properties(statements).items()):
        add_property(view, pid, kinds, register.get(pid))
    return view


def add_statement(view: Graph, statement: Statement) -> None:
    item = WD[statement.item] if statement.item else statement.subject
    node = KZ[f"statement/{statement.key}"]
    value = term(statement.value)
    view.add((item, WDT[statement.pid], value))
    view.add((item, P[statement.pid], node))
    view.add((node, RDF.type, WIKIBASE.Statement))
    view.add((node, WIKIBASE.rank, WIKIBASE.NormalRank))
    view.add((node, PS[statement.pid], value))
    add_full_value(view, node, PSV[statement.pid], statement.value)
    for pid, qualifier in statement.qualifiers:
        view.add((node, PQ[pid], term(qualifier)))
        add_full_value(view, node, PQV[pid], qualifier)
    for reference in statement.references:
        view.add((node, PROV.wasDerivedFrom, add_reference(view, reference)))
    if statement.item:
        view.add((item, RDF.type, WIKIBASE.Item))


def add_full_value(view: Graph, node: URIRef, prop: URIRef, value: Value) -> None:
    """The ``psv:`` / ``pqv:`` / ``prv:`` value node Wikidata gives times and quantities."""
    if value.kind == "time":
        view.add((node, prop, add_time_value(view, value)))
    elif value.kind == "quantity":
        view.add((node, prop, add_quantity_value(view, value)))


def add_time_value(view: Graph, value: Value) -> URIRef:
    # Wikidata also gives every time value a wikibase:timeCalendarModel, the item of the
    # (proleptic) Gregorian calendar; that item is not in the register of checked ids, so the
    # view leaves the calendar model out rather than write an unchecked id.
    node = KZ[f"value/{_digest(repr(value))}"]
    view.add((node, RDF.type, WIKIBASE.TimeValue))
    view.add((node, WIKIBASE.timeValue, term(value)))
    view.add((node, WIKIBASE.timePrecision, Literal(value.precision)))
    view.add((node, WIKIBASE.timeTimezone, Literal(0)))
    return node


def add_quantity_value(view: Graph, value: Value) -> URIRef:
    # A pure number's unit is Wikidata's item "1", which has no checked id: such a value has no
    # quantityUnit here. Bounds appear only where the data states them.
    node = KZ[f"value/{_digest(repr(value))}"]
    view.add((node, RDF.type, WIKIBASE.QuantityValue))
    view.add((node, WIKIBASE.quantityAmount, term(value)))
    if value.unit:
        view.add((node, WIKIBASE.quantityUnit, WD[value.unit]))
    for bound, amount in ((WIKIBASE.quantityLowerBound, value.lower),
                          (WIKIBASE.quantityUpperBound, value.upper)):
        if amount:
            view.add((node, bound, Literal(amount, datatype=XSD.decimal)))
    return node


def add_reference(view: Graph, reference: Reference) -> URIRef:
    node = KZ[f"reference/{_digest(repr(reference))}"]
    view.add((node, RDF.type, WIKIBASE.Reference))
    for pid, value in reference.snaks:
        view.add((node, PR[pid], term(value)))
        add_full_value(view, node, PRV[pid], value)
    return node


def named_entities(statements: list[Statement], alignment: Alignment) -> dict[URIRef, str | None]:
    """kzgraph entity → its Q-id (None if unlinked): every subject and item value of a statement,
    and every linked entity."""
    entities: dict[URIRef, str | None] = {s.subject: s.item for s in statements}
    for value in _item_values(statements):
        if not value.linked:
            entities[URIRef(value.text)] = None
    entities.update(alignment.entities)
    return entities


def used_items(statements: list[Statement]) -> set[str]:
    """Every Q-id the statements use: items, item values and units."""
    found = {s.item for s in statements if s.item}
    found |= {value.text for value in _item_values(statements) if value.linked}
    found |= {value.unit for value in _all_values(statements) if value.unit}
    return found


def used_properties(statements: list[Statement]) -> dict[str, set[str]]:
    """Every P-id of a statement, qualifier or reference → the kinds of value it has."""
    found: dict[str, set[str]] = {}
    for statement in statements:
        snaks = [(statement.pid, statement.value), *statement.qualifiers,
                 *(snak for reference in statement.references for snak in reference.snaks)]
        for pid, value in snaks:
            found.setdefault(pid, set()).add(value.kind)
    return found


def _all_values(statements: list[Statement]) -> list[Value]:
    values = []
    for statement in statements:
        values.append(statement.value)
        values.extend(value for _, value in statement.qualifiers)
        values.extend(value for reference in statement.references for _, value in reference.snaks)
    return values


def _item_values(statements: list[Statement]) -> list[Value]:
    return [value for value in _all_values(statements) if value.kind == "item"]


def add_names(view: Graph, dataset: Dataset, entity: URIRef, qid: str | None,
              row: Row | None) -> None:
    """rdfs:label and skos:altLabel as Wikidata writes them, plus schema:description. A linked
    entity's English label is the register's (Wikidata's own); the article's English names that
    differ from it are aliases, as Wikidata keeps them."""
    node = WD[qid] if qid else entity
    english = Literal(row.label, lang="en") if row else None
    if english is not None:
        view.add((node, RDFS.label, english))
    for name in labels_of(dataset, entity):
        if name == english:
            continue
        replaced = english is not None and name.language == "en"
        is_label = (entity, RDFS.label, name) in dataset and not replaced
        view.add((node, RDFS.label if is_label else SKOS.altLabel, name))
    for description in dataset.objects(entity, SCHEMA.description):
        view.add((node, WIKIDATA_SCHEMA.description, description))


def add_register_label(view: Graph, node: URIRef, row: Row | None) -> None:
    if row is not None:
        view.add((node, RDFS.label, Literal(row.label, lang="en")))


# Value kind → wikibase:propertyType, and the predicates WDQS links a property entity with.
PROPERTY_TYPES = {
    "item": WIKIBASE.WikibaseItem, "time": WIKIBASE.Time, "quantity": WIKIBASE.Quantity,
    "monolingualtext": WIKIBASE.Monolingualtext, "string": WIKIBASE.String, "url": WIKIBASE.Url,
}
PROPERTY_PREDICATES = {
    WIKIBASE.directClaim: WDT, WIKIBASE.claim: P, WIKIBASE.statementProperty: PS,
    WIKIBASE.statementValue: PSV, WIKIBASE.qualifier: PQ, WIKIBASE.qualifierValue: PQV,
    WIKIBASE.reference: PR, WIKIBASE.referenceValue: PRV,
}


def add_property(view: Graph, pid: str, kinds: set[str], row: Row | None) -> None:
    """``wd:P… a wikibase:Property`` with its label, type and predicates, as WDQS describes it."""
    node = WD[pid]
    view.add((node, RDF.type, WIKIBASE.Property))
    add_register_label(view, node, row)
    if len(kinds) == 1:
        view.add((node, WIKIBASE.propertyType, PROPERTY_TYPES[next(iter(kinds))]))
    for predicate, namespace in PROPERTY_PREDICATES.items():
        view.add((node, predicate, namespace[pid]))


def term(value: Value) -> URIRef | Literal:
    """The RDF term Wikidata's RDF uses for a value (truthy and ``ps:`` form)."""
    if value.kind == "item":
        return WD[value.text] if value.linked else URIRef(value.text)
    if value.kind == "time":
        return Literal(wikidata_time(value), datatype=XSD.dateTime, normalize=False)
    if value.kind == "quantity":
        return Literal(value.text, datatype=XSD.decimal)
    if value.kind == "monolingualtext":
        return Literal(value.text, lang=value.language)
    if value.kind == "url":
        return URIRef(value.text)
    return Literal(value.text)


def wikidata_time(value: Value) -> str:
    """``2015`` → ``2015-01-01T00:00:00Z``: Wikidata's RDF fills unknown month and day with 01."""
    parts = value.text.split("-") + ["01", "01"]
    year, month, day = parts[0], parts[1], parts[2]
    return f"{year}-{month}-{day}T00:00:00Z"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
