"""A local Wikidata RDF export read as the online client is used: ``search`` and ``get_entities``.

The export is N-Triples, Turtle or N-Quads (by extension, ``FORMATS``), in Wikidata's RDF model
(https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format): truthy ``wdt:`` statements,
``rdfs:label`` (language-tagged or plain; a plain one is in the snapshot's language),
``skos:altLabel``, ``schema:description``, and, when present, full ``p:``/``ps:``/``pq:``
statements with their rank and ``psv:`` time precision. An item's full statements of a property
replace its truthy ones of that property. ``rdf:type`` with a Wikidata class is read as "instance
of" (some SPARQL exports write it so), and ``owl:sameAs`` between two items as a redirect, as in
Wikidata's dumps.

Entities come out in ``wbgetentities`` JSON shape, so reconcile, verify, diff and QuickStatements
run the same code on a snapshot as online. Two things a snapshot cannot know are said, not
guessed: an id it does not hold is absent from ``get_entities`` (not "missing": the export simply
did not include it), and ``properties`` lists the properties it carries at all, so a statement of
another property is not reported as missing on Wikidata.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from kzgraph.errors import DataFileError, DataFileNotFound, DataSyntaxError
from kzgraph.wikidata.names import keys

__all__ = ["FORMATS", "Snapshot", "SnapshotSettings", "load_snapshot"]

FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".nq": ox.RdfFormat.N_QUADS}

ENTITY = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PSV = "http://www.wikidata.org/prop/statement/value/"
PQ = "http://www.wikidata.org/prop/qualifier/"
WIKIBASE = "http://wikiba.se/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
INSTANCE_OF = "P31"  # wikidata-id-ok: exports write instance of as rdf:type; read back as this
# Properties whose values show what kind of thing an id is: instance of and occupation take a
# class; citizenship, country, educated at and employer take an item.
KIND_OF_VALUES = {
    INSTANCE_OF: "class",
    "P106": "class",  # wikidata-id-ok: occupation, a class-valued property of Wikidata's
    "P27": "item",    # wikidata-id-ok: country of citizenship, an item-valued property
    "P17": "item",    # wikidata-id-ok: country, an item-valued property
    "P69": "item",    # wikidata-id-ok: educated at, an item-valued property
    "P108": "item",   # wikidata-id-ok: employer, an item-valued property
}

# Predicates of names, by the wbgetentities field they fill.
NAME_FIELDS = {
    "http://www.w3.org/2000/01/rdf-schema#label": "labels",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "labels",
    "http://schema.org/name": "labels",
    "http://www.w3.org/2004/02/skos/core#altLabel": "aliases",
    "http://schema.org/description": "descriptions",
}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
RANKS = {WIKIBASE + "PreferredRank": "preferred", WIKIBASE + "NormalRank": "normal",
         WIKIBASE + "DeprecatedRank": "deprecated"}

# Literal datatype → Wikidata time precision (11 day, 10 month, 9 year). A plain literal of four
# digits ("1951", as SPARQL exports write YEAR(?birth)) is a year.
TIME_PRECISION = {XSD + "date": 11, XSD + "gYearMonth": 10, XSD + "gYear": 9}
QUANTITY_TYPES = {XSD + "decimal", XSD + "integer", XSD + "double", XSD + "float"}
SEARCH_CUTOFF = 75  # rapidfuzz ratio (0–100) below which a name is not a search hit
MAX_SEARCH = 50


@dataclass(frozen=True)
class SnapshotSettings:
    """What reconcile and verify read of a client's settings."""

    language: str = "en"


@dataclass
class _Entity:
    names: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {"labels": {}, "aliases": {}, "descriptions": {}})
    truthy: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    full: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))


class Snapshot:
    """A parsed export; use as a context manager like the online client (it holds nothing open)."""

    def __init__(self, path: Path, language: str = "en") -> None:
        self.path = Path(path)
        self.settings = SnapshotSettings(language)
        self.entities: dict[str, _Entity] = {}
        self.redirects: dict[str, str] = {}
        self.properties: set[str] = set()
        self._read()
        self._names = self._search_names()
        self._choices = [name[0] for name in self._names]

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @property
    def origin(self) -> str:
        return f"the Wikidata snapshot {self.path.name}"

    def uses(self) -> dict[str, set[str]]:
        """Id → the kinds ("class", "item") the snapshot's statements use it as (``KIND_OF_VALUES``)."""
        found: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            for pid, kind in KIND_OF_VALUES.items():
                for claim in entity.full.get(pid) or entity.truthy.get(pid, []):
                    if claim["mainsnak"]["datatype"] == "wikibase-item":
                        found[claim["mainsnak"]["datavalue"]["value"]["id"]].add(kind)
        return dict(found)

    # the client's interface

    def search(self, text: str, limit: int = 7) -> list[dict]:
        """Items whose label or alias is ``text`` or a spelling of it, best first
        (``wbsearchentities``'s ``search`` list)."""
        hits: dict[str, float] = {}
        for query in keys(text):
            for _, ratio, index in process.extract(query, self._choices,
                                                   scorer=fuzz.token_sort_ratio,
                                                   score_cutoff=SEARCH_CUTOFF, limit=MAX_SEARCH):
                qid = self._names[index][1]
                hits[qid] = max(hits.get(qid, 0.0), ratio)
        ranked = sorted(hits, key=lambda qid: (-hits[qid], _numeric(qid)))[:limit]
        return [self._search_hit(qid) for qid in ranked]

    def get_entities(self, ids: Iterable[str]) -> dict[str, dict]:
        """Requested id → entity JSON, for the ids the snapshot holds (a redirect followed, with
        ``redirects`` as wbgetentities writes it)."""
        result = {}
        for qid in sorted(set(ids)):
            target = self.redirects.get(qid, qid)
            if target in self.entities:
                entity = self.entity_json(target)
                if target != qid:
                    entity["redirects"] = {"from": qid, "to": target}
                result[qid] = entity
        return result

    def entity_json(self, qid: str) -> dict:
        entity = self.entities[qid]
        labels, aliases, descriptions = (entity.names[f] for f in ("labels", "aliases", "descriptions"))
        claims = {pid: entity.full.get(pid) or entity.truthy[pid]
                  for pid in sorted({*entity.truthy, *entity.full}, key=_numeric)}
        return {"id": qid, "type": "item",
                "labels": {lang: {"language": lang, "value": v[0]} for lang, v in labels.items()},
                "aliases": {lang: [{"language": lang, "value": a} for a in v]
                            for lang, v in aliases.items()},
                "descriptions": {lang: {"language": lang, "value": v[0]}
                                 for lang, v in descriptions.items()},
                "claims": claims}

    # reading

    def _read(self) -> None:
        statements: dict[str, dict] = defaultdict(dict)  # statement node → what it says
        for subject, predicate, value in _triples(self.path):
            self._take(subject, predicate, value, statements)
        for node in statements.values():
            value_node = statements.get(node.get("value_node", ""), {})
            self._add_statement(node, value_node.get("precision"))

    def _take(self, subject, predicate, value, statements: dict[str, dict]) -> None:
        iri = predicate.value
        qid = _qid(subject)
        if iri in NAME_FIELDS and qid and isinstance(value, ox.Literal):
            language = value.language or self.settings.language
            names = self._entity(qid).names[NAME_FIELDS[iri]].setdefault(language, [])
            if value.value not in names:
                names.append(value.value)
        elif iri.startswith(WDT) and qid:
            self._add_truthy(qid, iri[len(WDT):], value)
        elif iri == RDF_TYPE and qid and _qid(value):
            self._add_truthy(qid, INSTANCE_OF, value)
        elif iri == SAME_AS and qid and _qid(value):
            self.redirects[qid] = _qid(value)
        elif iri.startswith(P) and qid and _is_pid(iri[len(P):]):
            statements[_key(value)].update(item=qid, pid=iri[len(P):])
        elif qid is None and not isinstance(subject, ox.Triple):  # a statement or value node
            _statement_part(statements[_key(subject)], iri, value)

    def _entity(self, qid: str) -> _Entity:
        return self.entities.setdefault(qid, _Entity())

    def _add_truthy(self, qid: str, pid: str, value) -> None:
        snak = _snak(pid, value, precision=None)
        claims = self._entity(qid).truthy[pid]
        if snak and all(c["mainsnak"] != snak for c in claims):
            claims.append({"mainsnak": snak, "type": "statement", "rank": "normal"})
            self.properties.add(pid)

    def _add_statement(self, node: dict, precision: int | None) -> None:
        if "item" not in node or "value" not in node:
            return
        snak = _snak(node["pid"], node["value"], precision)
        if snak is None:
            return
        qualifiers: dict[str, list[dict]] = {}
        for pid, value in node.get("qualifiers", []):
            qualifier = _snak(pid, value, precision=None)
            if qualifier:
                qualifiers.setdefault(pid, []).append(qualifier)
        claim = {"mainsnak": snak, "type": "statement", "rank": node.get("rank", "normal"),
                 "qualifiers": qualifiers}
        self._entity(node["item"]).full[node["pid"]].append(claim)
        self.properties.add(node["pid"])

    def _search_names(self) -> list[tuple[str, str, str]]:
        """(variant key, id, the name it is a key of) for every label and alias."""
        names = []
        for qid, entity in self.entities.items():
            for field_name, kind in (("labels", "label"), ("aliases", "alias")):
                for name in entity.names[field_name].get(self.settings.language, []):
                    names.extend((key, qid, f"{kind}\t{name}") for key in keys(name))
        return names

    def _search_hit(self, qid: str) -> dict:
        entity = self.entity_json(qid)
        label = entity["labels"].get(self.settings.language, {}).get("value", "")
        description = entity["descriptions"].get(self.settings.language, {}).get("value", "")
        return {"id": qid, "title": qid, "label": label, "description": description,
                "concepturi": ENTITY + qid}


def load_snapshot(path: Path | str, language: str = "en") -> Snapshot:
    """The export at ``path``; DataFileNotFound, DataFileError (format) or DataSyntaxError (line)."""
    return Snapshot(Path(path), language)


def _triples(path: Path):
    if not path.is_file():
        raise DataFileNotFound(path, "no such Wikidata snapshot file")
    form = FORMATS.get(path.suffix.lower())
    if form is None:
        raise DataFileError(path, f"not a Wikidata RDF export this reads: the name must end in "
                                  f"{', '.join(FORMATS)} (N-Triples, Turtle, N-Quads)")
    try:
        for quad in ox.parse(path=str(path), format=form):
            yield quad.subject, quad.predicate, quad.object
    except SyntaxError as error:
        raise DataSyntaxError(path, error.msg, error.lineno) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(path, f"cannot read it: {error}") from None


def _statement_part(node: dict, iri: str, value) -> None:
    if iri.startswith(PSV):  # before ps:, whose namespace is a prefix of psv:'s
        node["value_node"] = _key(value)
    elif iri.startswith(PS):
        node["value"] = value
    elif iri.startswith(PQ):
        node.setdefault("qualifiers", []).append((iri[len(PQ):], value))
    elif iri == WIKIBASE + "rank" and isinstance(value, ox.NamedNode):
        node["rank"] = RANKS.get(value.value, "normal")
    elif iri == WIKIBASE + "timePrecision" and isinstance(value, ox.Literal):
        node["precision"] = int(value.value)


def _key(term) -> str:
    return str(term)


def _qid(term) -> str | None:
    if isinstance(term, ox.NamedNode) and term.value.startswith(ENTITY):
        local = term.value[len(ENTITY):]
        return local if local[:1] == "Q" and local[1:].isdigit() else None
    return None


def _is_pid(text: str) -> bool:
    return text[:1] == "P" and text[1:].isdigit()


def _snak(pid: str, value, precision: int | None) -> dict | None:
    datavalue, datatype = _datavalue(value, precision)
    if datavalue is None:
        return None
    return {"snaktype": "value", "property": pid, "datatype": datatype, "datavalue": datavalue}


def _datavalue(value, precision: int | None) -> tuple[dict | None, str]:
    qid = _qid(value)
    if qid:
        return {"type": "wikibase-entityid", "value": {"entity-type": "item", "id": qid}}, "wikibase-item"
    if isinstance(value, ox.NamedNode):
        return {"type": "string", "value": value.value}, "url"
    if not isinstance(value, ox.Literal):
        return None, ""
    return _literal_value(value, precision)


def _literal_value(value: ox.Literal, precision: int | None) -> tuple[dict | None, str]:
    text, datatype = value.value, value.datatype.value
    if value.language:
        return ({"type": "monolingualtext", "value": {"text": text, "language": value.language}},
                "monolingualtext")
    if datatype in QUANTITY_TYPES:
        return {"type": "quantity", "value": {"amount": text, "unit": "1"}}, "quantity"
    time = _time(text, datatype, precision)
    if time:
        return {"type": "time", "value": time}, "time"
    return {"type": "string", "value": text}, "string"


def _time(text: str, datatype: str, precision: int | None) -> dict | None:
    """A date literal as a Wikidata time value. An xsd:dateTime without a stated precision (truthy
    statements carry none) is read at the precision its zeros allow: Wikidata writes a year as
    YYYY-01-01 and a month as YYYY-MM-01, so such a date is not taken as more precise than that."""
    date = text.lstrip("+").split("T")[0]
    if datatype == XSD + "string" and len(text) == 4 and text.isdigit():
        precision, date = precision or 9, text
    elif datatype in TIME_PRECISION:
        precision = precision or TIME_PRECISION[datatype]
    elif datatype == XSD + "dateTime":
        precision = precision or (9 if date.endswith("-01-01") else 10 if date.endswith("-01") else 11)
    else:
        return None
    parts = (date.split("-") + ["00", "00"])[:3]
    return {"time": f"+{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z", "precision": precision,
            "timezone": 0, "before": 0, "after": 0}


def _numeric(identifier: str) -> tuple[str, int]:
    return identifier[:1], int(identifier[1:]) if identifier[1:].isdigit() else 0
