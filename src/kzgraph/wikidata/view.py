"""The graph in Wikidata's RDF model, so Wikidata Query Service queries run on it unchanged.

Follows the Wikibase RDF dump format (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format):
``wdt:`` truthy triples, ``p:`` → statement node with ``ps:`` value, ``psv:`` full time value
(with ``wikibase:timePrecision``), ``pq:`` qualifiers, and ``prov:wasDerivedFrom`` → reference node
with ``pr:`` properties carrying the article's reference data. Entities with a checked Wikidata id
appear as ``wd:Q…``; all others keep their kzgraph IRI. Statement, value and reference nodes are
kzgraph's own IRIs (``kz:statement/…``), never Wikidata's, since Wikidata did not make them.
"""

from __future__ import annotations

import hashlib

from rdflib import RDF, RDFS, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, SKOS, XSD

from kzgraph.dataset import new_dataset
from kzgraph.namespaces import KZ, KZG, WD, WDT
from kzgraph.wikidata.alignment import labels_of, load_alignment
from kzgraph.wikidata.facts import Reference, Statement, Value, collect_statements
from kzgraph.wikidata.vocabulary import SCHEMA

__all__ = ["VIEW_GRAPH", "WIKIBASE_PREFIXES", "build_view", "view_dataset", "wikidata_time"]

VIEW_GRAPH = KZG["wikidata-view"]
WIKIBASE = Namespace("http://wikiba.se/ontology#")
P = Namespace("http://www.wikidata.org/prop/")
PS = Namespace("http://www.wikidata.org/prop/statement/")
PSV = Namespace("http://www.wikidata.org/prop/statement/value/")
PQ = Namespace("http://www.wikidata.org/prop/qualifier/")
PR = Namespace("http://www.wikidata.org/prop/reference/")
# Wikidata's RDF writes schema.org with http:, where kzgraph's own data uses https:.
WIKIDATA_SCHEMA = Namespace("http://schema.org/")
# The prefixes the Wikidata Query Service predefines that this view uses.
WIKIBASE_PREFIXES = {
    "wd": WD, "wdt": WDT, "p": P, "ps": PS, "psv": PSV, "pq": PQ, "pr": PR,
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
    """The Wikidata-vocabulary view of ``dataset``: statements, then the names of their items."""
    view = Graph()
    for prefix, namespace in WIKIBASE_PREFIXES.items():
        view.bind(prefix, namespace)
    alignment = load_alignment(dataset)
    statements = collect_statements(dataset, alignment)
    for statement in statements:
        add_statement(view, statement)
    items = {s.subject: s.item for s in statements}
    items.update(alignment.entities)
    for subject, item in items.items():
        add_names(view, dataset, subject, WD[item] if item else subject)
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
    if statement.value.kind == "time":
        view.add((node, PSV[statement.pid], add_time_value(view, statement.value)))
    for pid, qualifier in statement.qualifiers:
        view.add((node, PQ[pid], term(qualifier)))
    for reference in statement.references:
        view.add((node, PROV.wasDerivedFrom, add_reference(view, reference)))
    if statement.item:
        view.add((item, RDF.type, WIKIBASE.Item))


def add_time_value(view: Graph, value: Value) -> URIRef:
    node = KZ[f"value/{_digest(repr(value))}"]
    view.add((node, RDF.type, WIKIBASE.TimeValue))
    view.add((node, WIKIBASE.timeValue, term(value)))
    view.add((node, WIKIBASE.timePrecision, Literal(value.precision)))
    view.add((node, WIKIBASE.timeTimezone, Literal(0)))
    return node


def add_reference(view: Graph, reference: Reference) -> URIRef:
    node = KZ[f"reference/{_digest(repr(reference))}"]
    view.add((node, RDF.type, WIKIBASE.Reference))
    for pid, value in reference.snaks:
        view.add((node, PR[pid], term(value)))
    return node


def add_names(view: Graph, dataset: Dataset, subject: URIRef, node: URIRef) -> None:
    """rdfs:label and skos:altLabel as Wikidata writes them, plus schema:description."""
    for name in labels_of(dataset, subject):
        is_label = (subject, RDFS.label, name) in dataset
        view.add((node, RDFS.label if is_label else SKOS.altLabel, name))
    for description in dataset.objects(subject, SCHEMA.description):
        view.add((node, WIKIDATA_SCHEMA.description, description))


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
