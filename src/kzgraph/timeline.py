"""The timeline of the graph: every dated fact, from one SPARQL query, at its source's precision.

One query (:data:`TIMELINE_QUERY`) finds the dated facts by their datatype (xsd:date,
xsd:gYearMonth, xsd:gYear) in the claim graphs, not by a list of properties, so the timeline
follows the data. The ontology tells it the rest: a property under schema:startDate /
schema:endDate opens / closes a period, and a date of a kzo:Plan that is not a date of something
that happened to it (a subproperty of dct:date, such as its postponement) is a plan, not an event.
Each row carries its claim graph and the references the claim derives from. Library only: the
pages and the JSON form are drawn by :mod:`kzgraph.web.timeline`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from rdflib import Dataset

__all__ = ["TIMELINE_QUERY", "Event", "Source", "Timeline", "load_timeline", "parse_when"]

TIMELINE_QUERY = """\
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX kzg: <https://w3id.org/kzgraph/graph/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
SELECT ?date ?precision ?entity ?entityLabel ?property ?propertyLabel ?role ?planned
       ?claim ?claimLabel ?reference ?referenceLabel
WHERE {
  GRAPH kzg:provenance { ?claim a kzo:Claim }
  GRAPH ?claim { ?entity ?property ?date }
  FILTER(isLiteral(?date) && DATATYPE(?date) IN (xsd:date, xsd:gYearMonth, xsd:gYear))
  # A source's own dates (published, accessed, archived) belong to the bibliography, not the story.
  FILTER NOT EXISTS { ?entity a/rdfs:subClassOf* kzo:Source }
  BIND(IF(DATATYPE(?date) = xsd:date, "day",
          IF(DATATYPE(?date) = xsd:gYearMonth, "month", "year")) AS ?precision)
  BIND(IF(EXISTS { ?property rdfs:subPropertyOf* schema:startDate }, "start",
          IF(EXISTS { ?property rdfs:subPropertyOf* schema:endDate }, "end", "point")) AS ?role)
  BIND(EXISTS { ?entity a/rdfs:subClassOf* kzo:Plan }
       && NOT EXISTS { ?property rdfs:subPropertyOf* dct:date } AS ?planned)
  OPTIONAL { ?entity rdfs:label ?entityLabel FILTER(LANGMATCHES(LANG(?entityLabel), "en")) }
  OPTIONAL { ?property rdfs:label ?propertyLabel FILTER(LANGMATCHES(LANG(?propertyLabel), "en")) }
  OPTIONAL { GRAPH kzg:provenance { ?claim rdfs:label ?claimLabel } }
  OPTIONAL { GRAPH kzg:provenance { ?claim prov:wasDerivedFrom ?reference }
             OPTIONAL { ?reference rdfs:label ?referenceLabel } }
}
ORDER BY STR(?date) ?entity ?property ?reference
"""

PRECISIONS = ("day", "month", "year")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_WHEN = re.compile(r"^(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?$")
_REFERENCE_NUMBER = re.compile(r"^\[(\d+)\]")


@dataclass(frozen=True)
class Source:
    """A claim or a reference that states a dated fact."""
    iri: str
    label: str
    number: int | None = None  # a reference's number in the article's list

    @property
    def short(self) -> str:
        """How a citation looks inline: [N] for a numbered reference, else its name."""
        if self.number is not None:
            return f"[{self.number}]"
        return "article" if self.iri.endswith("/article") else self.label


@dataclass(frozen=True)
class When:
    """A date as precise as its source: a day, a month or a year."""
    text: str        # the lexical form: 2015-09-02, 2015-06, 2002
    precision: str   # day | month | year

    @property
    def first_day(self) -> date:
        year, month, day = parse_when(self.text)
        return date(year, month or 1, day or 1)

    @property
    def after_last_day(self) -> date:
        """The day after the period the date names (a year's date covers the whole year)."""
        year, month, day = parse_when(self.text)
        if self.precision == "year":
            return date(year + 1, 1, 1)
        if self.precision == "month":
            return date(year + (month == 12), month % 12 + 1, 1)
        return date.fromordinal(date(year, month, day).toordinal() + 1)

    @property
    def display(self) -> str:
        """'2 September 2015', 'June 2015' or '2002': no day or month the source does not give."""
        year, month, day = parse_when(self.text)
        if self.precision == "day":
            return f"{day} {MONTHS[month - 1]} {year}"
        if self.precision == "month":
            return f"{MONTHS[month - 1]} {year}"
        return str(year)


@dataclass
class Event:
    """A dated fact of one entity, or a period (a start and an end date) of it."""
    start: When
    end: When | None
    entity: str
    label: str
    property: str
    property_label: str
    planned: bool
    claims: list[Source] = field(default_factory=list)
    references: list[Source] = field(default_factory=list)

    @property
    def display_date(self) -> str:
        return f"{self.start.display}–{self.end.display}" if self.end else self.start.display

    @property
    def sort_key(self) -> tuple:
        return (self.start.first_day, -PRECISIONS.index(self.start.precision), self.label)

    def as_json(self) -> dict:
        return {
            "date": self.start.text, "precision": self.start.precision,
            "end": self.end.text if self.end else None,
            "endPrecision": self.end.precision if self.end else None,
            "display": self.display_date, "entity": self.entity, "label": self.label,
            "property": self.property, "propertyLabel": self.property_label, "planned": self.planned,
            "claims": [{"iri": c.iri, "label": c.label} for c in self.claims],
            "references": [{"iri": r.iri, "label": r.label, "number": r.number}
                           for r in self.references],
        }


@dataclass
class Timeline:
    events: list[Event]

    def of_entity(self, entity: str) -> "Timeline":
        return Timeline([e for e in self.events if e.entity == entity])

    def first(self, count: int) -> "Timeline":
        return Timeline(self.events[:count])

    @property
    def first_year(self) -> int | None:
        return min((e.start.first_day.year for e in self.events), default=None)

    @property
    def last_year(self) -> int | None:
        """The year of the last day any event covers."""
        last_days = [(e.end or e.start).after_last_day - timedelta(days=1) for e in self.events]
        return max(last_days).year if last_days else None

    def as_json(self) -> dict:
        return {"query": TIMELINE_QUERY, "events": [e.as_json() for e in self.events]}


def parse_when(text: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of an xsd:date / gYearMonth / gYear lexical form (a timezone dropped)."""
    found = _WHEN.match(re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", text))
    if found is None:
        raise ValueError(f"not an xsd:date, xsd:gYearMonth or xsd:gYear: {text!r}")
    year, month, day = found.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def load_timeline(dataset: Dataset) -> Timeline:
    """Run :data:`TIMELINE_QUERY` on ``dataset`` and gather its rows into events."""
    rows = [{name: (str(value) if value is not None else None) for name, value in row.asdict().items()}
            for row in dataset.query(TIMELINE_QUERY)]
    return timeline_of_rows(rows)


def timeline_of_rows(rows: list[dict[str, str | None]]) -> Timeline:
    """Events from the query's rows (one row per fact and reference): a fact's references
    gathered, an entity's one start and one end date joined into a period."""
    facts: dict[tuple, Event] = {}
    for row in rows:
        key = (row["entity"], row["property"], row["date"])
        event = facts.get(key)
        if event is None:
            event = facts[key] = _event_of(row)
        _add_source(event.claims, Source(row["claim"], row.get("claimLabel") or row["claim"]))
        if row.get("reference"):
            _add_source(event.references, _reference(row))
    roles = {key: row["role"] for row in rows for key in [(row["entity"], row["property"], row["date"])]}
    events = _join_periods(facts, roles)
    for event in events:  # the article first, then the references by number (10 after 9)
        event.references.sort(key=lambda r: (r.number is not None, r.number or 0, r.label))
    return Timeline(sorted(events, key=lambda e: e.sort_key))


def _event_of(row: dict) -> Event:
    return Event(start=When(row["date"], row["precision"]), end=None, entity=row["entity"],
                 label=row.get("entityLabel") or _local_name(row["entity"]),
                 property=row["property"],
                 property_label=row.get("propertyLabel") or _local_name(row["property"]),
                 planned=row.get("planned") in ("true", "1"))


def _reference(row: dict) -> Source:
    label = row.get("referenceLabel") or row["reference"]
    number = _REFERENCE_NUMBER.match(label)
    return Source(row["reference"], label, int(number.group(1)) if number else None)


def _add_source(sources: list[Source], source: Source) -> None:
    if source not in sources:
        sources.append(source)


def _join_periods(facts: dict[tuple, Event], roles: dict[tuple, str]) -> list[Event]:
    """An entity with exactly one start and one end date is one period; any other start or end
    date (two starts, an end alone) stays a dated fact of its own."""
    by_entity: dict[str, dict[str, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for key in facts:
        by_entity[key[0]][roles[key]].append(key)
    for ends in by_entity.values():
        if len(ends["start"]) == 1 and len(ends["end"]) == 1:
            start, end = facts[ends["start"][0]], facts.pop(ends["end"][0])
            if end.start.first_day >= start.start.first_day:
                start.end = end.start
                start.property_label = f"{start.property_label} – {end.property_label}"
                for source in end.claims:
                    _add_source(start.claims, source)
                for source in end.references:
                    _add_source(start.references, source)
            else:  # an end before its start is not drawn as a period
                facts[ends["end"][0]] = end
    return list(facts.values())


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri

