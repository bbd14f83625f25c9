"""Comparing kzgraph's facts on linked entities with Wikidata's current statements.

Each kzgraph statement whose item and value have checked ids is ``same`` (Wikidata states the
value), ``conflict`` (Wikidata states another value of a property that takes one: a date, or an
owl:FunctionalProperty in the ontology), or ``missing-on-wikidata``; each Wikidata value of a
property kzgraph models that kzgraph does not state (and that no conflict shows already) is
``missing-here``.
The entity JSON comes live from the client or from saved ``Special:EntityData`` files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset
from rdflib.namespace import DCTERMS

from kzgraph.wikidata.alignment import Alignment, load_alignment
from kzgraph.wikidata.entities import entity_values, load_entity_file, same_value
from kzgraph.wikidata.facts import Statement, Value, collect_statements
from kzgraph.wikidata.vocabulary import REFERENCE_PROPERTIES, SCHEMA

__all__ = ["KINDS", "Difference", "diff", "diff_json", "diff_table", "linked_statements",
           "load_entity_files", "not_compared"]

KINDS = ("missing-on-wikidata", "conflict", "missing-here", "same")
# How a reference is shown: its URL, else its title.
REFERENCE_URL, TITLE = REFERENCE_PROPERTIES[SCHEMA.url], REFERENCE_PROPERTIES[DCTERMS.title]


@dataclass(frozen=True)
class Difference:
    kind: str
    entity: str
    qid: str
    pid: str
    ours: Value | None
    theirs: tuple[Value, ...]
    statement: Statement | None = None


def load_entity_files(paths: Iterable[Path]) -> dict[str, dict]:
    """Saved Special:EntityData JSON files (or directories of them) → id → entity."""
    entities: dict[str, dict] = {}
    for path in paths:
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            entities.update(load_entity_file(file))
    return entities


def linked_statements(dataset: Dataset, alignment: Alignment | None = None) -> list[Statement]:
    """The statements Wikidata could hold: item and value both have checked ids."""
    return [s for s in collect_statements(dataset, alignment) if s.item and s.value.linked]


def diff(dataset: Dataset, entities: dict[str, dict],
         properties: set[str] | None = None) -> list[Difference]:
    """Differences for every linked item that ``entities`` holds (id → entity JSON). When the
    entities come from a snapshot that carries only some ``properties``, statements of the others
    are not compared: the snapshot cannot say whether Wikidata has them."""
    alignment = load_alignment(dataset)
    modelled = set(alignment.properties.values()) | alignment.type_pids
    if properties is not None:
        modelled &= properties
    differences = []
    statements = [s for s in linked_statements(dataset, alignment)
                  if properties is None or s.pid in properties]
    for qid in sorted({s.item for s in statements}, key=_numeric):
        if qid in entities:
            ours = [s for s in statements if s.item == qid]
            theirs = entity_values(entities[qid])
            differences.extend(compare_item(ours, theirs, modelled, alignment.functional))
    return differences


def not_compared(dataset: Dataset, entities: dict[str, dict]) -> list[str]:
    """Linked items with statements to compare for which ``entities`` holds no JSON."""
    return sorted({s.item for s in linked_statements(dataset)} - entities.keys(), key=_numeric)


def compare_item(ours: list[Statement], theirs: dict[str, list[Value]], modelled: set[str],
                 functional: frozenset[str] = frozenset()) -> list[Difference]:
    entity, qid = str(ours[0].subject), ours[0].item
    result = []
    for statement in ours:
        values = tuple(theirs.get(statement.pid, ()))
        single = statement.pid in functional or statement.value.kind == "time"
        kind = ("same" if any(same_value(statement.value, v) for v in values)
                else "conflict" if values and single else "missing-on-wikidata")
        result.append(Difference(kind, entity, qid, statement.pid, statement.value, values, statement))
    conflicts = {d.pid for d in result if d.kind == "conflict"}
    for pid in sorted((modelled & theirs.keys()) - conflicts, key=_numeric):
        for value in theirs[pid]:
            if not any(s.pid == pid and same_value(s.value, value) for s in ours):
                result.append(Difference("missing-here", entity, qid, pid, None, (value,)))
    return result


def diff_table(differences: list[Difference], labels: dict[str, str] | None = None) -> list[str]:
    """A table a Wikidata editor can act on: kind, item, property, kzgraph's value, its sources
    (reference URL, else title), Wikidata's value(s); ids with their ``labels`` (the register's)."""
    labels = labels or {}
    rows = [("kind", "item", "property", "kzgraph", "source", "wikidata")]
    for d in sorted(differences, key=lambda d: (KINDS.index(d.kind), _numeric(d.qid), _numeric(d.pid))):
        rows.append((d.kind, _named(d.qid, labels), _named(d.pid, labels), _show(d.ours, labels),
                     _sources(d.statement) or "—",
                     ", ".join(_show(v, labels) for v in d.theirs) or "—"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
            for row in rows]


def _sources(statement: Statement | None) -> str:
    """Each reference of a statement by its reference URL, else its title."""
    if statement is None:
        return ""
    shown = []
    for reference in statement.references:
        snaks = dict(reference.snaks)
        value = snaks.get(REFERENCE_URL) or snaks.get(TITLE)
        shown.append(value.text if value else str(reference.source))
    return " | ".join(dict.fromkeys(shown))


def diff_json(differences: list[Difference]) -> str:
    records = [{"kind": d.kind, "entity": d.entity, "item": d.qid, "property": d.pid,
                "kzgraph": _record(d.ours), "wikidata": [_record(v) for v in d.theirs],
                "references": _references(d.statement)}
               for d in differences]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def _references(statement: Statement | None) -> list[dict]:
    if statement is None:
        return []
    return [{"source": str(r.source), "snaks": [{"property": pid, **_record(value)}
                                                for pid, value in r.snaks]}
            for r in statement.references]


def _record(value: Value | None) -> dict | None:
    if value is None:
        return None
    record = {"type": value.kind, "value": value.text}
    if value.precision:
        record["precision"] = value.precision
    if value.language:
        record["language"] = value.language
    return record


def _named(identifier: str, labels: dict[str, str]) -> str:
    """An id with its label when the register has one ("occupation" after its id)."""
    return f"{identifier} {labels[identifier]}" if identifier in labels else identifier


def _show(value: Value | None, labels: dict[str, str] | None = None) -> str:
    if value is None:
        return "—"
    if value.kind == "item" and labels:
        return _named(value.text, labels)
    if value.kind == "time":
        return f"{value.text} (/{value.precision})"
    return f"{value.text}@{value.language}" if value.language else value.text


def _numeric(identifier: str) -> tuple[str, int]:
    return identifier[:1], int(identifier[1:]) if identifier[1:].isdigit() else 0
