"""The Reconciliation Service API v0.2 over kzgraph's named entities: manifest, queries and their
scoring, suggest, preview cards and data extension. Library only: :mod:`kzgraph.web.reconcile`
serves it over HTTP.

Spec: https://www.w3.org/community/reports/reconciliation/CG-FINAL-specs-0.2-20230410/ (W3C
Entity Reconciliation Community Group). Entities are the named entities of the graph (the
instances of the classes of ``kzsh:WikidataStatusShape`` and their subclasses); an entity's id is
its IRI without the identifier space ``https://w3id.org/kzgraph/resource/`` (``KazSat-1``), a
type's or property's id its IRI without the schema space (``Person``, ``launchDate``).

Scoring is ``kzgraph wikidata reconcile``'s, with the spreadsheet in Wikidata's place: the cell
is weighed as a name against each entity's labels (:func:`kzgraph.wikidata.reconcile.name_score`:
exact, spelling variant, similar), a requested type as its kind, a country or date column as
country or date (:data:`kzgraph.wikidata.reconcile.WEIGHTS`), and ``match`` is decided by
:func:`kzgraph.wikidata.reconcile.proposed` (threshold and margin). Each weight is a feature of
the candidate, so the features add up to its score (clamped to [0, 1]).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SDO, XSD

from kzgraph.errors import BadRequest, NotFound, PayloadTooLarge
from kzgraph.linkeddata import SourceRef, describe
from kzgraph.matching import score as label_score
from kzgraph.namespaces import KZ, KZO, ONTOLOGY_GRAPH
from kzgraph.search import MAX_LIMIT, SearchIndex, english_label
from kzgraph.wikidata.alignment import labels_of, load_alignment
from kzgraph.wikidata.entities import same_value
from kzgraph.wikidata.facts import Value, to_value
from kzgraph.wikidata.names import likeness
from kzgraph.wikidata.reconcile import SIMILAR, WEIGHTS, name_score, proposed

__all__ = ["BATCH_SIZE", "IDENTIFIER_SPACE", "SCHEMA_SPACE", "WIKIDATA", "Card", "Reconciler",
           "named_entity_classes", "parse_json"]

IDENTIFIER_SPACE = str(KZ)
SCHEMA_SPACE = str(KZO._NS)
KZSH = Namespace("https://w3id.org/kzgraph/shapes#")
SH = Namespace("http://www.w3.org/ns/shacl#")

BATCH_SIZE = 50         # queries per batch (the manifest's batchSize); more is a 413, as the spec allows
DEFAULT_LIMIT = 10      # candidates per query when the query names no limit
MAX_EXTEND_IDS = 500    # entities per data extension request
SUGGEST_PAGE = 10       # suggestions per suggest request (``cursor`` pages on)
PREFIX_LETTERS = 4      # a misspelt word is looked for by its first letters ("Aimbetow" → "aimb")
WORD_HITS = 20          # candidates per word looked for that way

WIKIDATA = "wikidata"   # the property holding an entity's checked Wikidata id
# Further weights, beside kzgraph wikidata reconcile's (WEIGHTS): every query word in a label but
# the names not alike (a surname alone) is a little name evidence, never enough for a match; a
# Wikidata id column is an identifier; any other property is a weak attribute.
PARTIAL_NAME = 0.2
ID_MATCH = 1.0          # the query is the entity's own id (not spelt as one of its names)
EXTRA_WEIGHTS = {"identifier": (0.3, -0.4), "attribute": (0.1, -0.1)}
COUNTRY_PROPERTIES = frozenset({KZO.country, KZO.nationality, KZO.citizenship})
# Bookkeeping, not facts about the thing: never offered as properties.
NOT_OFFERED = frozenset({KZO.wikidataStatus, KZO.wikidataEvidence, KZO.statedIn,
                         KZO.verificationMethod})
QUERY_FIELDS = ("query", "type", "limit", "properties", "type_strict")
TYPE_STRICT = ("any", "should", "all")
DATE_TYPES = {XSD.date: 11, XSD.dateTime: 11, XSD.gYearMonth: 10, XSD.gYear: 9}
INTEGER_TYPES = frozenset({XSD.integer, XSD.int, XSD.long, XSD.nonNegativeInteger,
                           XSD.positiveInteger})
FLOAT_TYPES = frozenset({XSD.decimal, XSD.double, XSD.float})
# Dates in a spreadsheet cell: ISO (a time part, as OpenRefine sends dates, is ignored), or English.
_ISO_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?\s*$")
_ID = re.compile(r"^[A-Za-z0-9._~%!$&'()*+,;=:@-]+$")  # a local name that makes an IRI
_WRITTEN_DATES = (("%d %B %Y", 11), ("%B %d, %Y", 11), ("%B %Y", 10))


# --- requests --------------------------------------------------------------------------------

def parse_json(text: str, field: str) -> object:
    """The JSON of a form field; BadRequest saying where it does not parse."""
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        where = (f" (line {error.lineno}, column {error.colno})"
                 if isinstance(error, json.JSONDecodeError) else "")
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise BadRequest(f"{field} is not valid JSON: {message}{where}") from None


def _no_constant(name: str) -> object:
    # Python's json reads NaN and Infinity; JSON has neither.
    raise ValueError(f"{name} is not a JSON value")


@dataclass(frozen=True)
class PropertyQuery:
    prop: "Term"
    values: tuple[object, ...]  # strings, numbers, booleans, {"id": …, "name": …}


@dataclass(frozen=True)
class ParsedQuery:
    key: str
    text: str
    types: tuple[URIRef, ...]
    strict: str
    limit: int
    properties: tuple[PropertyQuery, ...]


@dataclass(frozen=True)
class Term:
    """A type or property as the API names it."""

    id: str
    name: str
    iri: URIRef
    description: str = ""

    def json(self) -> dict:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Card:
    """What a preview shows of an entity."""

    id: str
    name: str
    types: tuple[str, ...]
    description: str
    names: tuple[str, ...]
    wikidata: str
    page: str
    sources: tuple[SourceRef, ...]


def named_entity_classes(shapes: Graph) -> list[URIRef]:
    """The classes whose instances carry a Wikidata status: ``kzsh:WikidataStatusShape``'s targets."""
    return sorted(c for c in shapes.objects(KZSH.WikidataStatusShape, SH.targetClass)
                  if isinstance(c, URIRef))


class Reconciler:
    """The service over one release of the data; built once per release, read by many threads."""

    def __init__(self, dataset: Dataset, index: SearchIndex, classes: Sequence[URIRef]) -> None:
        self.dataset = dataset
        self.index = index
        ontology = dataset.graph(ONTOLOGY_GRAPH)
        self.default_types = [self._term(c, ontology) for c in classes]
        self.narrower = _narrower(ontology)
        named = sorted({n for c in classes for n in self._closure(c)})
        self.closures = {c: self._closure(c) for c in named}
        self.types = {t.id: t for t in (self._term(c, ontology) for c in named)}
        self.broader = {t.iri: [b for b in ontology.objects(t.iri, RDFS.subClassOf) if b in named]
                        for t in self.types.values()}
        self.entities = {e for c in named for e in dataset.subjects(RDF.type, c)
                         if isinstance(e, URIRef) and str(e).startswith(IDENTIFIER_SPACE)}
        self.by_id = {_local(e, IDENTIFIER_SPACE): e for e in self.entities}
        self.alignment = load_alignment(dataset)
        self.links = self.alignment.entities
        self.properties = self._offered_properties(ontology)

    # --- vocabulary ------------------------------------------------------------------------

    def _term(self, iri: URIRef, ontology: Graph) -> Term:
        comment = ontology.value(iri, RDFS.comment)
        return Term(_local(iri, SCHEMA_SPACE), english_label(self.dataset, iri), iri,
                    str(comment) if comment is not None else "")

    def _closure(self, cls: URIRef) -> set[URIRef]:
        found, frontier = {cls}, [cls]
        while frontier:
            for sub in self.narrower.get(frontier.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    frontier.append(sub)
        return found

    def _offered_properties(self, ontology: Graph) -> dict[str, Term]:
        used = {p for e in self.entities for p in self.dataset.predicates(e)}
        offered = [self._term(p, ontology) for p in sorted(used)
                   if str(p).startswith(SCHEMA_SPACE) and p not in NOT_OFFERED]
        wikidata = Term(WIKIDATA, "Wikidata id", OWL.sameAs,
                        "the entity's checked Wikidata id (data/wikidata-links.trig), where it has one")
        return {t.id: t for t in [*offered, wikidata]}

    def type_of(self, text: str, where: str = "type") -> URIRef:
        local = text.removeprefix(SCHEMA_SPACE) if isinstance(text, str) else text
        if not isinstance(local, str) or local not in self.types:
            known = ", ".join(sorted(self.types))
            raise BadRequest(f"{where}: unknown type {text!r}; the types of named entities are {known} "
                             "(GET /reconcile/suggest/type?prefix=… finds them)")
        return self.types[local].iri

    def property_of(self, text: object, where: str) -> Term:
        local = text.removeprefix(SCHEMA_SPACE) if isinstance(text, str) else text
        if not isinstance(local, str) or local not in self.properties:
            raise BadRequest(f"{where}: unknown property {text!r}; GET /reconcile/suggest/property"
                             "?prefix=… lists the properties")
        return self.properties[local]

    def entity_of(self, text: object, where: str) -> URIRef:
        """The entity named by ``text`` (an id or a full IRI); NotFound if the graph has none."""
        local = text.removeprefix(IDENTIFIER_SPACE) if isinstance(text, str) else ""
        iri = URIRef(IDENTIFIER_SPACE + local) if _ID.match(local) else None
        if iri is None or (iri, None, None) not in self.dataset:
            raise NotFound(f"{where}: no entity {text!r} in kzgraph (ids are like KazSat-1)")
        return iri

    def instance_of(self, entity: URIRef, cls: URIRef) -> bool:
        closure = self.closures.get(cls) or self._closure(cls)
        return any(t in closure for t in self.dataset.objects(entity, RDF.type))

    def entity_types(self, entity: URIRef) -> list[Term]:
        return [self.types[_local(t, SCHEMA_SPACE)] for t in sorted(self.dataset.objects(entity, RDF.type))
                if isinstance(t, URIRef) and _local(t, SCHEMA_SPACE) in self.types]

    def type_json(self, term: Term) -> dict:
        body = term.json()
        broader = [self.types[_local(b, SCHEMA_SPACE)].json() for b in self.broader.get(term.iri, [])]
        return body | ({"broader": broader} if broader else {})

    # --- manifest --------------------------------------------------------------------------

    def manifest(self, base: str, name: str, version: str) -> dict:
        """The service manifest, its URLs under ``base`` (this server as its clients reach it)."""
        def service(path: str) -> dict:
            return {"service_url": base, "service_path": path}
        return {
            "versions": ["0.2"], "name": name, "serviceVersion": version,
            "identifierSpace": IDENTIFIER_SPACE, "schemaSpace": SCHEMA_SPACE,
            "defaultTypes": [t.json() for t in self.default_types],
            "view": {"url": f"{base}/doc/resource/{{{{id}}}}"},
            "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}", "width": 420, "height": 220},
            "suggest": {"entity": service("/reconcile/suggest/entity"),
                        "type": service("/reconcile/suggest/type"),
                        "property": service("/reconcile/suggest/property")},
            "extend": {"propose_properties": service("/reconcile/properties"),
                       "property_settings": [{
                           "name": "limit", "label": "Limit", "type": "number", "default": 0,
                           "help_text": "Maximum number of values per entity (0: all)"}]},
            "batchSize": BATCH_SIZE,
        }

    # --- reconciliation queries ------------------------------------------------------------

    def reconcile(self, batch: object) -> dict:
        """A reconciliation result batch for a query batch (parsed JSON)."""
        queries = self.parse_batch(batch)
        return {query.key: {"result": self.candidates(query)} for query in queries}

    def parse_batch(self, batch: object) -> list[ParsedQuery]:
        if not isinstance(batch, dict):
            raise BadRequest("queries must be a JSON object of query ids to queries, e.g. "
                             '{"q0": {"query": "KazSat-1"}}')
        if len(batch) > BATCH_SIZE:
            raise PayloadTooLarge(f"the batch has {len(batch)} queries; at most {BATCH_SIZE} are "
                                  "answered at once (the manifest's batchSize): send smaller batches")
        return [self._parse_query(str(key), query) for key, query in batch.items()]

    def _parse_query(self, key: str, query: object) -> ParsedQuery:
        where = f"query {key!r}"
        if not isinstance(query, dict):
            raise BadRequest(f"{where} must be an object with a query string, e.g. {{\"query\": \"KazSat-1\"}}")
        unknown = sorted(set(query) - set(QUERY_FIELDS))
        if unknown:
            raise BadRequest(f"{where}: unknown field(s) {', '.join(unknown)}; a query has "
                             f"{', '.join(QUERY_FIELDS)}")
        if "query" not in query and not query.get("properties"):
            raise BadRequest(f"{where} needs a query string or at least one property")
        text = query.get("query", "")
        if not isinstance(text, str):
            raise BadRequest(f"{where}: query must be a string")
        return ParsedQuery(key, text.strip(), self._types(query.get("type"), where),
                           self._strict(query.get("type_strict", "any"), where),
                           _limit(query.get("limit", DEFAULT_LIMIT), where),
                           self._properties(query.get("properties", []), where))

    def _types(self, value: object, where: str) -> tuple[URIRef, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
            raise BadRequest(f"{where}: type must be a type id or a list of type ids")
        return tuple(self.type_of(t, where) for t in items)

    @staticmethod
    def _strict(value: object, where: str) -> str:
        if value not in TYPE_STRICT:
            raise BadRequest(f"{where}: type_strict must be one of {', '.join(TYPE_STRICT)}")
        return str(value)

    def _properties(self, value: object, where: str) -> tuple[PropertyQuery, ...]:
        if not isinstance(value, list):
            raise BadRequest(f"{where}: properties must be a list of {{\"pid\": …, \"v\": …}}")
        parsed = []
        for item in value:
            if not isinstance(item, dict) or "pid" not in item or "v" not in item:
                raise BadRequest(f"{where}: each property is an object with pid and v")
            values = item["v"] if isinstance(item["v"], list) else [item["v"]]
            for v in values:
                if not _property_value(v):
                    raise BadRequest(f"{where}: a property value is a string, number, boolean or "
                                     f"{{\"id\": …}}, not {json.dumps(v)}")
            parsed.append(PropertyQuery(self.property_of(item["pid"], where), tuple(values)))
        return tuple(parsed)

    def candidates(self, query: ParsedQuery) -> list[dict]:
        """The scored candidates of one query, best first; the first is a match when proposed."""
        found = self._retrieve(query)
        scored = [self._score(entity, query, by_words) for entity, by_words in found.items()
                  if self._typed(entity, query)]
        scored = sorted((c for c in scored if c[0] > 0), key=lambda c: (-c[0], c[1]))
        decision = proposed([c[0] for c in scored])
        return [self._candidate_json(entity, score, features, n == 0 and decision)
                for n, (score, entity, features) in enumerate(scored[:query.limit])]

    def _retrieve(self, query: ParsedQuery) -> dict[URIRef, bool]:
        """Entities worth scoring → whether the search index finds them by every query word."""
        found: dict[URIRef, bool] = {}
        if query.text and _searchable(query.text):
            try:
                whole = self.index.search(query.text, MAX_LIMIT).hits
            except BadRequest as error:  # too long, too many words: say which cell
                raise BadRequest(f"query {query.key!r}: {error}") from None
            found.update((URIRef(hit.iri), True) for hit in whole)
            for word in _words(query.text):
                for hit in self.index.search(word[:PREFIX_LETTERS], WORD_HITS).hits:
                    found.setdefault(URIRef(hit.iri), False)
            named = self.by_id.get(query.text.removeprefix(IDENTIFIER_SPACE))
            if named is not None:
                found.setdefault(named, False)
        elif not query.text:
            for asked in query.properties:
                prop = asked.prop.iri
                found.update((e, False) for e in self.dataset.subjects(prop, None))
        return {e: words for e, words in found.items() if e in self.entities}

    def _typed(self, entity: URIRef, query: ParsedQuery) -> bool:
        if not query.types or query.strict == "should":
            return True
        test = all if query.strict == "all" else any
        return test(self.instance_of(entity, t) for t in query.types)

    def _score(self, entity: URIRef, query: ParsedQuery, by_words: bool) -> tuple[float, URIRef, list]:
        features: list[tuple[str, float]] = []
        if query.text:
            label = english_label(self.dataset, entity)
            aliases = [str(n) for n in labels_of(self.dataset, entity) if str(n) != label]
            if _is_id(query.text, entity, [label, *aliases]):
                features.append(("id", ID_MATCH))
            weight, _ = name_score([query.text], label, aliases)
            partial = by_words or _words_alike(query.text, [label, *aliases])
            features.append(("name", weight if weight or not partial else PARTIAL_NAME))
        if query.types:
            agree, differ = WEIGHTS["kind"]
            features.append(("type", agree if any(self.instance_of(entity, t) for t in query.types)
                             else differ))
        for asked in query.properties:
            weight = self._property_weight(entity, asked)
            if weight is not None:
                features.append((f"property:{asked.prop.id}", weight))
        total = round(min(1.0, max(0.0, sum(v for _, v in features))), 3)
        has_name = any(f in ("id", "name") and v > 0 for f, v in features)
        if query.text and not has_name:
            total = 0.0  # a name unlike the query's: not a candidate, whatever else agrees
        return total, entity, features

    def _property_weight(self, entity: URIRef, asked: PropertyQuery) -> float | None:
        """The weight of one property column; None when the graph or the cell (empty) states
        nothing to compare."""
        given = [v for v in asked.values if not (isinstance(v, str) and not v.strip())]
        if not given:
            return None
        asked = PropertyQuery(asked.prop, tuple(given))
        if asked.prop.id == WIKIDATA:
            qid = self.links.get(entity)
            if qid is None:
                return None
            agree, differ = EXTRA_WEIGHTS["identifier"]
            return agree if any(_wikidata_id(v) == qid for v in asked.values) else differ
        ours = list(self.dataset.objects(entity, asked.prop.iri))
        if not ours:
            return None
        if asked.prop.iri in COUNTRY_PROPERTIES:
            agree, differ = WEIGHTS["country"]
        elif any(isinstance(o, Literal) and o.datatype in DATE_TYPES for o in ours):
            agree, differ = WEIGHTS["date"]
        else:
            agree, differ = EXTRA_WEIGHTS["attribute"]
        return agree if any(self._same(v, o) for v in asked.values for o in ours) else differ

    def _same(self, theirs: object, ours: object) -> bool:
        """A spreadsheet value against a value of the graph, compared as the graph holds it."""
        if isinstance(ours, URIRef):
            return self._same_entity(theirs, ours)
        if not isinstance(ours, Literal):
            return False
        if ours.datatype in DATE_TYPES:
            date = _cell_date(theirs)
            ours_value = to_value(ours, self.alignment)
            return date is not None and ours_value is not None and same_value(date, ours_value)
        if ours.datatype in INTEGER_TYPES | FLOAT_TYPES:
            return _number(theirs) == float(ours.toPython())
        if ours.datatype == XSD.boolean:
            return isinstance(theirs, bool) and theirs == ours.toPython()
        return isinstance(theirs, str) and _alike(theirs, str(ours))

    def _same_entity(self, theirs: object, ours: URIRef) -> bool:
        if isinstance(theirs, dict):
            given = str(theirs.get("id", ""))
            if given in (_local(ours, IDENTIFIER_SPACE), str(ours)) or given == self.links.get(ours):
                return True
            theirs = theirs.get("name")
        if not isinstance(theirs, str) or not theirs.strip():
            return False
        if theirs.strip() == self.links.get(ours):
            return True
        names = {english_label(self.dataset, ours), *(str(n) for n in labels_of(self.dataset, ours))}
        return any(_alike(theirs, name) for name in names)

    def _candidate_json(self, entity: URIRef, score: float, features: list, match: bool) -> dict:
        body = {"id": _local(entity, IDENTIFIER_SPACE), "name": english_label(self.dataset, entity)}
        description = self.description(entity)
        if description:
            body["description"] = description
        return body | {"score": score, "match": match,
                       "type": [t.json() for t in self.entity_types(entity)],
                       "features": [{"id": f, "value": round(v, 3)} for f, v in features]}

    def description(self, entity: URIRef) -> str:
        texts = sorted(str(d) for d in self.dataset.objects(entity, SDO.description)
                       if isinstance(d, Literal) and d.language in ("en", None))
        return texts[0] if texts else ""

    # --- suggest ---------------------------------------------------------------------------

    def suggest_entities(self, prefix: str, cursor: int) -> dict:
        hits: list[URIRef] = []
        by_id = self.by_id.get(prefix.strip().removeprefix(IDENTIFIER_SPACE))
        if by_id is not None:
            hits.append(by_id)
        if _searchable(prefix):
            hits += [URIRef(h.iri) for h in self.index.search(prefix, MAX_LIMIT).hits]
        named = list(dict.fromkeys(h for h in hits if h in self.entities))
        return {"result": [self._suggestion(e) for e in named[cursor:cursor + SUGGEST_PAGE]]}

    def _suggestion(self, entity: URIRef) -> dict:
        body = {"id": _local(entity, IDENTIFIER_SPACE), "name": english_label(self.dataset, entity)}
        description = self.description(entity)
        return body | ({"description": description} if description else {}) | {
            "notable": [t.json() for t in self.entity_types(entity)]}

    def suggest_types(self, prefix: str, cursor: int) -> dict:
        found = _by_prefix(self.types.values(), prefix)
        return {"result": [self.type_json(t) for t in found[cursor:cursor + SUGGEST_PAGE]]}

    def suggest_properties(self, prefix: str, cursor: int) -> dict:
        found = _by_prefix(self.properties.values(), prefix)
        return {"result": [t.json() | ({"description": t.description} if t.description else {})
                           for t in found[cursor:cursor + SUGGEST_PAGE]]}

    # --- data extension --------------------------------------------------------------------

    def propose_properties(self, type_id: str, limit: int | None) -> dict:
        """The properties entities of the type (without one: any named entity) have in the data,
        the most common first."""
        cls = self.type_of(type_id) if type_id else None
        members = [e for e in self.entities if cls is None or self.instance_of(e, cls)]
        # One pass over the members' triples, however many properties the ontology has.
        by_iri = {t.iri: t.id for t in self.properties.values() if t.id != WIKIDATA}
        counts = Counter(by_iri[p] for e in members for p in set(self.dataset.predicates(e))
                         if p in by_iri)
        linked = sum(1 for e in members if e in self.links)
        if linked:
            counts[WIKIDATA] = linked
        ordered = sorted(counts, key=lambda p: (-counts[p], self.properties[p].name))
        shown = ordered[:limit] if limit else ordered
        body = ({"type": type_id} if type_id else {}) | {
            "properties": [self.properties[p].json() for p in shown]}
        return body | ({"limit": limit} if limit else {})

    def extend(self, request: object) -> dict:
        """A data extension response for a data extension query (parsed JSON)."""
        ids, asked = self._parse_extension(request)
        entities = {i: self.entity_of(i, "extend") for i in ids}
        meta = [self._meta(term) for term, _ in asked]
        rows = {i: {term.id: self._values(entity, term, limit) for term, limit in asked}
                for i, entity in entities.items()}
        return {"meta": meta, "rows": rows}

    def _parse_extension(self, request: object) -> tuple[list[str], list[tuple[Term, int]]]:
        if not isinstance(request, dict) or not isinstance(request.get("ids"), list) \
                or not isinstance(request.get("properties"), list):
            raise BadRequest('extend must be a JSON object {"ids": [entity ids], "properties": '
                             '[{"id": property id}]}')
        ids = request["ids"]
        if not all(isinstance(i, str) for i in ids):
            raise BadRequest("extend: ids must be entity ids (strings)")
        if len(ids) > MAX_EXTEND_IDS:
            raise PayloadTooLarge(f"extend names {len(ids)} entities; at most {MAX_EXTEND_IDS} "
                                  "are extended at once")
        asked = []
        for item in request["properties"]:
            if not isinstance(item, dict) or "id" not in item:
                raise BadRequest('extend: each property is an object {"id": property id}')
            settings = item.get("settings", {})
            if not isinstance(settings, dict):
                raise BadRequest("extend: a property's settings must be an object")
            asked.append((self.property_of(item["id"], "extend"), _setting_limit(settings)))
        return ids, asked

    def _meta(self, term: Term) -> dict:
        ranges = [r for r in self.dataset.graph(ONTOLOGY_GRAPH).objects(term.iri, RDFS.range)
                  if _local(r, SCHEMA_SPACE) in self.types]
        body = term.json()
        return body | ({"type": self.types[_local(ranges[0], SCHEMA_SPACE)].json()} if ranges else {})

    def _values(self, entity: URIRef, term: Term, limit: int) -> list[dict]:
        if term.id == WIKIDATA:
            values = [{"str": self.links[entity]}] if entity in self.links else []
        else:
            found = sorted(self.dataset.objects(entity, term.iri), key=lambda v: (str(v), v.n3()))
            values = list(dict.fromkeys(json.dumps(self._value_json(v), sort_keys=True) for v in found))
            values = [json.loads(v) for v in values]
        return values[:limit] if limit else values

    def _value_json(self, value: object) -> dict:
        if isinstance(value, URIRef):
            if str(value).startswith(IDENTIFIER_SPACE):
                return {"id": _local(value, IDENTIFIER_SPACE), "name": english_label(self.dataset, value)}
            return {"str": str(value)}
        literal = value if isinstance(value, Literal) else Literal(str(value))
        if literal.datatype in (XSD.date, XSD.dateTime):
            # The protocol's one date form is a date-time: a day is sent as its start, in UTC.
            return {"date": f"{str(literal)[:10]}T00:00:00Z"}
        if literal.datatype in INTEGER_TYPES:
            return {"int": int(literal.toPython())}
        if literal.datatype in FLOAT_TYPES:
            return {"float": float(literal.toPython())}
        # A year or a month (gYear, gYearMonth) stays as written: as a date-time it would gain
        # a day and a time the source does not give.
        return {"str": str(literal)}

    # --- preview ---------------------------------------------------------------------------

    def card(self, id_text: str) -> Card:
        entity = self.entity_of(id_text, "preview")
        found = describe(self.dataset, entity)
        sources = {ref.iri: ref for fact in found.facts for ref in fact.sources}
        name = english_label(self.dataset, entity)
        names = sorted({str(n) for n in labels_of(self.dataset, entity)} - {name})
        return Card(_local(entity, IDENTIFIER_SPACE), name,
                    tuple(t.name for t in self.entity_types(entity)), self.description(entity),
                    tuple(names), self.links.get(entity, ""),
                    f"/doc/resource/{_local(entity, IDENTIFIER_SPACE)}",
                    tuple(sorted(sources.values(),
                                 key=lambda r: (r.number is None, r.number or 0, r.title))))


# --- helpers ---------------------------------------------------------------------------------

def _narrower(ontology: Graph) -> dict[URIRef, list[URIRef]]:
    narrower: dict[URIRef, list[URIRef]] = {}
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            narrower.setdefault(sup, []).append(sub)
    return narrower


def _local(iri: object, space: str) -> str:
    text = str(iri)
    return text[len(space):] if text.startswith(space) else text


def _limit(value: object, where: str) -> int:
    if not _whole(value) or not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"{where}: limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def _setting_limit(settings: dict) -> int:
    value = settings.get("limit", 0)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not _whole(value) or value < 0:
        raise BadRequest("extend: the limit setting must be a whole number, 0 for all values")
    return int(value)


def _whole(value: object) -> bool:
    """A JSON number that is a whole number (5 or 5.0; not true, "5", 1e400 read as infinity)."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) \
        and math.isfinite(value) and value == int(value)


def _property_value(value: object) -> bool:
    return isinstance(value, (str, int, float, bool)) or (
        isinstance(value, dict) and isinstance(value.get("id"), str))


def _searchable(text: str) -> bool:
    """Whether the text has something to search for (an empty cell or punctuation has not)."""
    return any(_words(text))


def _words(text: str) -> Iterator[str]:
    return (w for w in re.split(r"[\W_]+", text) if w)


def _alike(theirs: str, ours: str) -> bool:
    if not theirs.strip() or not ours.strip():
        return False
    how, similarity = likeness(theirs, ours)
    return how != "similar" or similarity >= SIMILAR


def _is_id(text: str, entity: URIRef, names: Sequence[str]) -> bool:
    """Whether the query is the entity's id (or IRI). An id spelt like one of its names
    ("Soyuz", "KazSat-1") is read as the name, so that the name's evidence decides."""
    return text == str(entity) or (text == _local(entity, IDENTIFIER_SPACE) and text not in names)


def _words_alike(text: str, names: Sequence[str]) -> bool:
    """Every word of ``text`` is alike some word of one of the names ("Musabaev" and "Talgat
    Musabayev"): a part of a name, spelt another way."""
    words = list(_words(text))
    return bool(words) and any(
        all(any(_alike(word, theirs) for theirs in _words(name)) for word in words) for name in names)


def _wikidata_id(value: object) -> str:
    text = value.get("id", "") if isinstance(value, dict) else str(value)
    return str(text).strip().rsplit("/", 1)[-1]


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _cell_date(value: object) -> Value | None:
    """A spreadsheet date as a time value at the precision written (a year, a month or a day)."""
    if not isinstance(value, str):
        return Value("time", f"{value:04d}", 9) if isinstance(value, int) and not isinstance(value, bool) else None
    iso = _ISO_DATE.match(value)
    if iso:
        parts = [p for p in iso.groups() if p]
        return Value("time", "-".join(parts), 8 + len(parts))
    for pattern, precision in _WRITTEN_DATES:
        try:
            date = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        return Value("time", date.strftime("%Y-%m-%d" if precision == 11 else "%Y-%m"), precision)
    return None


def _by_prefix(terms: Iterable[Term], prefix: str) -> list[Term]:
    """Terms whose id begins with ``prefix`` or whose name the label search matches, best first."""
    wanted = prefix.strip()
    if not wanted:
        return sorted(terms, key=lambda t: t.name)
    ranked = []
    for term in terms:
        by_name = label_score(term.name, wanted) or 0.0 if _searchable(wanted) else 0.0
        by_id = 3.0 if term.id.casefold().startswith(wanted.casefold()) else 0.0
        if by_name or by_id:
            ranked.append((-max(by_name, by_id), term.name, term))
    return [t for *_, t in sorted(ranked, key=lambda r: (r[0], r[1]))]
