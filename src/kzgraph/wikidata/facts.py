"""kzgraph's facts as Wikidata statements: item, property, value, qualifiers, references.

One list of statements serves the RDF view, the diff and the QuickStatements export. A statement
is made from every triple of a claim graph whose property (or, for ``rdf:type``, class) the
alignment maps to Wikidata; its references are the sources the claim derives from, with the
article's reference data. Facts stated by several claims become one statement with several
references. The sources themselves (what claims derive from) are never items with statements:
their fields are the references' data.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import RDF, BNode, Dataset, Literal, URIRef
from rdflib.namespace import PROV, XSD

from kzgraph.dataset import PROVENANCE_GRAPH
from kzgraph.namespaces import KZO
from kzgraph.wikidata.alignment import Alignment, load_alignment
from kzgraph.wikidata.vocabulary import (
    DURATION_UNITS,
    QUALIFIER_PROPERTIES,
    REFERENCE_PROPERTIES,
    SCHEMA,
    UNIT_ITEMS,
)

__all__ = ["Reference", "Statement", "Value", "collect_statements", "to_value"]

# Literal datatype → (Wikidata value kind, precision, characters of the lexical form kept).
_TIME_PRECISION = {
    XSD.date: (11, 10), XSD.dateTime: (11, 10), XSD.gYearMonth: (10, 7), XSD.gYear: (9, 4),
}
_QUANTITY_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger}
# An xsd:duration of one component: its amount, whether it is in the time part, its designator.
_ONE_COMPONENT_DURATION = re.compile(r"P(T?)(\d+(?:\.\d+)?)([WDHMS])")


@dataclass(frozen=True, order=True)
class Value:
    """A Wikidata data value: ``kind`` is item, time, monolingualtext, quantity, string or url.

    ``text`` is the Q-id (or, for an entity with no checked id, its kzgraph IRI), the ISO date as
    precise as the source (``2015``, ``2015-09``, ``2015-09-02``), the text, or the amount. A
    quantity's ``unit`` is the Q-id of its unit ("" for a pure number); ``lower`` and ``upper`` are
    its bounds where the data states them ("" otherwise: bounds are never made up).
    """

    kind: str
    text: str
    precision: int = 0
    language: str = ""
    unit: str = ""
    lower: str = ""
    upper: str = ""

    @property
    def linked(self) -> bool:
        """False for an item value that is a kzgraph entity with no checked Wikidata id."""
        return self.kind != "item" or self.text.startswith("Q")


@dataclass(frozen=True, order=True)
class Reference:
    source: URIRef
    snaks: tuple[tuple[str, Value], ...]


@dataclass(frozen=True, order=True)
class Statement:
    subject: URIRef
    item: str | None
    pid: str
    value: Value
    qualifiers: tuple[tuple[str, Value], ...] = ()
    references: tuple[Reference, ...] = ()

    @property
    def key(self) -> str:
        """A stable hash naming the statement (and its node in the RDF view)."""
        text = f"{self.subject}|{self.pid}|{self.value}"
        return hashlib.sha1(text.encode("utf-8")).hexdigest()


def to_value(node: object, alignment: Alignment) -> Value | None:
    """The Wikidata value of an RDF term; None when Wikidata has no equivalent (e.g. xsd:duration)."""
    if isinstance(node, Literal):
        return _literal_value(node)
    if isinstance(node, URIRef):
        qid = alignment.entities.get(node)
        return Value("item", qid or str(node))
    return None


def _literal_value(literal: Literal) -> Value | None:
    if literal.language:
        return Value("monolingualtext", str(literal), language=literal.language)
    if literal.datatype in _TIME_PRECISION:
        precision, length = _TIME_PRECISION[literal.datatype]
        return Value("time", str(literal)[:length], precision)
    if literal.datatype in _QUANTITY_TYPES:
        return Value("quantity", str(literal.toPython()))
    if literal.datatype == XSD.duration:
        return duration_value(str(literal))
    if literal.datatype == XSD.anyURI:
        return Value("url", absolute_url(str(literal)))
    if literal.datatype in (None, XSD.string):
        return Value("string", str(literal))
    return None


def duration_value(text: str) -> Value | None:
    """``P10D`` → 10 days, the quantity with a unit Wikidata states a duration as; None for a
    duration with several components or with a unit that has no checked Wikidata id."""
    match = _ONE_COMPONENT_DURATION.fullmatch(text)
    if not match:
        return None
    in_time_part, amount, designator = match.groups()
    unit = UNIT_ITEMS.get(DURATION_UNITS.get((bool(in_time_part), designator), ""))
    return Value("quantity", _amount(amount), unit=unit) if unit else None


def _amount(text: str) -> str:
    """A decimal amount as Wikidata writes it: no trailing ``.0``."""
    return text[:-2] if text.endswith(".0") else text


def absolute_url(text: str) -> str:
    """A URL with its scheme: a bare host name (the article's 'Website kazcosmos.gov.kz') gets
    ``http://``, the scheme Wikipedia's URL template links such a name with, because a Wikidata
    URL value must be absolute."""
    return text if _has_scheme(text) else "http://" + text


def _has_scheme(text: str) -> bool:
    scheme, colon, _ = text.partition(":")
    return bool(colon) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def collect_statements(dataset: Dataset, alignment: Alignment | None = None) -> list[Statement]:
    """Every fact of the claim graphs that the alignment maps to Wikidata, sorted."""
    alignment = alignment or load_alignment(dataset)
    claims = sorted(dataset.graph(PROVENANCE_GRAPH).subjects(RDF.type, KZO.Claim))
    sources = {source for claim in claims for source in dataset.objects(claim, PROV.wasDerivedFrom)}
    found: dict[tuple, tuple[set, set]] = {}
    for claim in claims:
        for subject, pid, value, origin in _claim_facts(dataset, claim, alignment, sources):
            claims, origins = found.setdefault((subject, pid, value), (set(), set()))
            claims.add(claim)
            origins.add(origin)
    return [_statement(dataset, alignment, key, *seen) for key, seen in sorted(found.items())]


def _claim_facts(dataset: Dataset, claim: URIRef, alignment: Alignment,
                 sources: set) -> Iterator[tuple]:
    for subject, prop, obj in dataset.graph(claim):
        if not isinstance(subject, URIRef) or subject in sources:
            continue
        for pid, value in _mapped(dataset, prop, obj, alignment):
            yield subject, pid, value, (prop, obj)


def _mapped(dataset: Dataset, prop, obj, alignment: Alignment) -> Iterator[tuple[str, Value]]:
    if prop == RDF.type:
        qid = alignment.class_qid(obj)
        if qid and alignment.type_property:
            yield alignment.type_property, Value("item", qid)
        if obj in alignment.type_statements:
            pid, qid = alignment.type_statements[obj]
            yield pid, Value("item", qid)
    elif prop in alignment.properties:
        is_quantity = isinstance(obj, (URIRef, BNode)) and \
            (obj, RDF.type, KZO.QuantitativeValue) in dataset
        value = _quantity_node(dataset, obj) if is_quantity else to_value(obj, alignment)
        if value is not None:
            yield alignment.properties[prop], value


def _quantity_node(dataset: Dataset, node) -> Value | None:
    """A kzo:QuantitativeValue node as its amount, unit and stated bounds (schema:minValue,
    schema:maxValue); None when it names a unit (by code or text) with no checked Wikidata id,
    since the amount alone would state a different quantity."""
    amount = dataset.value(node, SCHEMA.value)
    code = dataset.value(node, SCHEMA.unitCode)
    unit = UNIT_ITEMS.get(str(code), "") if code is not None else ""
    names_a_unit = code is not None or (node, SCHEMA.unitText, None) in dataset
    if amount is None or (names_a_unit and not unit):
        return None
    lower, upper = (dataset.value(node, bound) for bound in (SCHEMA.minValue, SCHEMA.maxValue))
    return Value("quantity", _number(amount), unit=unit, lower=_number(lower), upper=_number(upper))


def _number(literal) -> str:
    return "" if literal is None else _amount(str(literal.toPython()))


def _statement(dataset: Dataset, alignment: Alignment, key: tuple, claims: set,
               origins: set) -> Statement:
    subject, pid, value = key
    qualifiers = sorted({q for prop, obj in origins
                         for q in _qualifiers(dataset, alignment, prop, obj)})
    references = sorted({ref for claim in claims for ref in _references(dataset, claim, alignment)})
    item = alignment.entities.get(subject)
    return Statement(subject, item, pid, value, tuple(qualifiers), tuple(references))


def _qualifiers(dataset: Dataset, alignment: Alignment, prop, obj) -> Iterator[tuple[str, Value]]:
    for (statement_prop, value_prop), pid in QUALIFIER_PROPERTIES.items():
        if statement_prop != prop:
            continue
        for literal in sorted(dataset.objects(obj, value_prop)):
            value = to_value(literal, alignment)
            if value is not None:
                yield pid, value


def _references(dataset: Dataset, claim: URIRef, alignment: Alignment) -> Iterator[Reference]:
    for source in sorted(dataset.objects(claim, PROV.wasDerivedFrom)):
        snaks = []
        for prop, pid in REFERENCE_PROPERTIES.items():
            for node in sorted(dataset.objects(source, prop)):
                value = Value("url", str(node)) if isinstance(node, URIRef) else to_value(node, alignment)
                if value is not None:
                    snaks.append((pid, value))
        yield Reference(source, tuple(snaks))
