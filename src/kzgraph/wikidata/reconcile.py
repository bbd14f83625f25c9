"""Finding Wikidata ids for unlinked entities (reconcile, accept) and re-checking linked ones (verify).

Nothing here writes to ``data/``: reconcile returns scored proposals, ``accept`` returns a record
with its evidence for the curators' file of accepted ids, and verify returns findings. A curator
moves an accepted id into ``data/wikidata-links.trig`` by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Dataset, URIRef

from kzgraph.errors import DataFileError, LinkRejected, UsageError
from kzgraph.namespaces import KZ, KZO
from kzgraph.wikidata.alignment import labels_of, load_alignment
from kzgraph.wikidata.client import WikidataClient
from kzgraph.wikidata.entities import entity_names, entity_values, same_value
from kzgraph.wikidata.facts import Statement, collect_statements

__all__ = ["Candidate", "Finding", "Proposal", "accept", "add_accepted", "proposals_json",
           "reconcile", "resolve_entity", "verify"]

Progress = Callable[[int, int, str], None]
THRESHOLD = 0.7  # a candidate below it is never proposed, only listed for review
MARGIN = 0.2     # nor one whose runner-up scores within this much


@dataclass(frozen=True)
class Finding:
    entity: str
    qid: str
    status: str  # ok, missing, redirected, label, type
    detail: str = ""


@dataclass(frozen=True)
class Candidate:
    qid: str
    label: str
    description: str
    score: float
    evidence: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Proposal:
    entity: str
    label: str
    status: str  # proposed, review, no-candidates
    candidates: list[Candidate]


def verify(dataset: Dataset, client: WikidataClient, progress: Progress | None = None) -> list[Finding]:
    """Re-check every linked id: it exists, is not a redirect (merged), label and type match."""
    alignment = load_alignment(dataset)
    statements = collect_statements(dataset, alignment)
    answers = client.get_entities(alignment.entities.values())
    findings = []
    for number, (entity, qid) in enumerate(sorted(alignment.entities.items()), 1):
        found = check_link(dataset, statements, entity, qid, answers.get(qid), client.settings.language,
                           alignment.type_pids)
        findings.extend(found or [Finding(str(entity), qid, "ok")])
        if progress:
            progress(number, len(alignment.entities), qid)
    return findings


def check_link(dataset: Dataset, statements: list[Statement], entity: URIRef, qid: str,
               answer: dict | None, language: str, type_pids: frozenset[str]) -> list[Finding]:
    if answer is None or "missing" in answer:
        return [Finding(str(entity), qid, "missing", f"{qid} does not exist (deleted?)")]
    target = answer.get("redirects", {}).get("to") or answer.get("id", qid)
    if target != qid:
        return [Finding(str(entity), qid, "redirected", f"{qid} was merged into {target}; link {target}")]
    problems = []
    label, aliases, _ = entity_names(answer, language)
    ours = sorted({str(name) for name in labels_of(dataset, entity)})
    if not {n.casefold() for n in ours} & {n.casefold() for n in [label, *aliases]}:
        problems.append(Finding(str(entity), qid, "label",
                                f"Wikidata label {label!r} (aliases {aliases}) matches none of {ours}"))
    expected = _types(statements, entity, type_pids)
    theirs = {v.text for pid in type_pids for v in entity_values(answer).get(pid, [])}
    if expected and theirs and not expected & theirs:
        problems.append(Finding(str(entity), qid, "type",
                                f"instance of {sorted(theirs)}, expected one of {sorted(expected)}"))
    return problems


def _types(statements: list[Statement], entity: URIRef, type_pids: frozenset[str]) -> set[str]:
    return {s.value.text for s in statements if s.subject == entity and s.pid in type_pids}


def reconcile(dataset: Dataset, client: WikidataClient, entities: Iterable[URIRef] | None = None,
              progress: Progress | None = None) -> list[Proposal]:
    """Scored candidates for each unlinked entity (default: every kzo:Unverified one)."""
    alignment = load_alignment(dataset)
    statements = collect_statements(dataset, alignment)
    targets = sorted(entities or dataset.subjects(KZO.wikidataStatus, KZO.Unverified))
    proposals = []
    for number, entity in enumerate(targets, 1):
        proposals.append(propose(dataset, client, statements, entity, alignment.type_pids))
        if progress:
            progress(number, len(targets), str(entity))
    return proposals


def propose(dataset: Dataset, client: WikidataClient, statements: list[Statement],
            entity: URIRef, type_pids: frozenset[str]) -> Proposal:
    names = [str(name) for name in labels_of(dataset, entity)]
    found = {hit["id"] for name in dict.fromkeys(names) for hit in client.search(name)}
    answers = client.get_entities(found) if found else {}
    ours = [s for s in statements if s.subject == entity]
    candidates = sorted((candidate(qid, answer, names, ours, client.settings.language, type_pids)
                         for qid, answer in answers.items() if "missing" not in answer),
                        key=lambda c: (-c.score, c.qid))
    return Proposal(str(entity), names[0] if names else "", _status(candidates), candidates)


def candidate(qid: str, answer: dict, names: list[str], ours: list[Statement],
              language: str, type_pids: frozenset[str]) -> Candidate:
    label, aliases, description = entity_names(answer, language)
    folded = {n.casefold() for n in names}
    score, evidence = 0.0, []
    if label.casefold() in folded:
        score, evidence = 0.5, [f"label {label!r} matches"]
    elif folded & {a.casefold() for a in aliases}:
        score, evidence = 0.4, [f"an alias of {label!r} matches"]
    theirs = entity_values(answer)
    for statement in ours:
        values = theirs.get(statement.pid, [])
        if statement.pid in type_pids and any(same_value(statement.value, v) for v in values):
            score += 0.3 / max(1, len(_types(ours, statement.subject, type_pids)))
            evidence.append(f"{statement.pid} {statement.value.text} as expected")
        elif statement.value.kind == "time" and values:
            agrees = any(same_value(statement.value, v) for v in values)
            score += 0.2 if agrees else -0.2
            evidence.append(f"{statement.pid} {statement.value.text} {'agrees' if agrees else 'differs'}")
    return Candidate(qid, label, description, round(min(1.0, max(0.0, score)), 3), evidence)


def _status(candidates: list[Candidate]) -> str:
    if not candidates:
        return "no-candidates"
    best = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    return "proposed" if best >= THRESHOLD and best - runner_up >= MARGIN else "review"


def proposals_json(proposals: list[Proposal]) -> str:
    return json.dumps([asdict(p) for p in proposals], ensure_ascii=False, indent=2) + "\n"


def resolve_entity(dataset: Dataset, name: str) -> URIRef:
    """``kz:KazSat-2``, ``KazSat-2`` or the full IRI → the entity, which must be in the data."""
    local = name.removeprefix("kz:")
    entity = URIRef(name) if "://" in name else KZ[local]
    if (entity, None, None) not in dataset:
        raise UsageError(f"no entity {name} in the data; name it as kz:Local_name or a full IRI")
    return entity


def accept(dataset: Dataset, client: WikidataClient, entity: URIRef, qid: str) -> dict:
    """Check ``qid`` (exists, not a redirect) and return the record of its acceptance."""
    alignment = load_alignment(dataset)
    if entity in alignment.entities:
        raise UsageError(f"{entity} is already linked; verify it instead")
    answer = client.get_entities([qid]).get(qid)
    problems = check_link(dataset, [], entity, qid, answer, client.settings.language,
                          alignment.type_pids)
    if problems and problems[0].status in ("missing", "redirected"):
        raise LinkRejected(f"cannot accept {qid} for {entity}: {problems[0].detail}")
    statements = [s for s in collect_statements(dataset, alignment) if s.subject == entity]
    names = [str(name) for name in labels_of(dataset, entity)]
    found = candidate(qid, answer, names, statements, client.settings.language, alignment.type_pids)
    return {"entity": str(entity), "qid": qid, "label": found.label,
            "description": found.description, "score": found.score, "evidence": found.evidence,
            "checked": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "method": f"wbgetentities at {client.settings.api_url}", "status": "accepted-for-review"}


def add_accepted(path: Path, record: dict) -> str:
    """The accepted-ids file with ``record`` added (replacing an earlier one for its entity)."""
    records = []
    if path.is_file():
        try:
            records = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise DataFileError(path, f"not JSON: {error}") from None
    records = [r for r in records if r.get("entity") != record["entity"]] + [record]
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
