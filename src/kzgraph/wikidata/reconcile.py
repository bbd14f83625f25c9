"""Finding Wikidata ids for unlinked entities (reconcile, accept) and re-checking linked ones (verify).

Nothing here writes to ``data/``: reconcile returns scored proposals, ``accept`` returns a record
with its evidence for the curators' file of accepted ids, and verify returns findings. A curator
moves an accepted id into ``data/wikidata-links.trig`` by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rdflib import Dataset, URIRef

from kzgraph.errors import DataFileError, LinkRejected, UsageError
from kzgraph.namespaces import KZ, KZO
from kzgraph.wikidata.alignment import labels_of, load_alignment
from kzgraph.wikidata.client import EntitySource
from kzgraph.wikidata.entities import entity_names, entity_values, same_value
from kzgraph.wikidata.facts import Statement, Value, collect_statements
from kzgraph.wikidata.names import likeness

__all__ = ["Candidate", "Finding", "Proposal", "accept", "add_accepted", "candidate",
           "proposals_json", "proposed", "reconcile", "resolve_entity", "verify",
           "verify_register"]

Progress = Callable[[int, int, str], None]
THRESHOLD = 0.7  # a candidate below it is never proposed, only listed for review
MARGIN = 0.2     # nor one whose runner-up scores within this much
SIMILAR = 0.75   # a name less alike than this (names.similarity) is no evidence at all

# Name evidence: (label or alias, how alike) → weight; "similar" is scaled by the similarity.
NAME_WEIGHTS = {("label", "exact"): 0.5, ("alias", "exact"): 0.4, ("label", "variant"): 0.45,
                ("alias", "variant"): 0.4, ("label", "similar"): 0.25, ("alias", "similar"): 0.2}
# Statement evidence: role → (weight when Wikidata agrees, when it states something else). A
# wrong kind or country outweighs a matching name, so a namesake of another kind or country is
# never proposed. Occupations vary between sources (cosmonaut / astronaut), so they only add.
WEIGHTS = {"kind": (0.3, -0.4), "country": (0.2, -0.4), "date": (0.2, -0.2),
           "occupation": (0.1, 0.0)}
OCCUPATION = "P106"  # wikidata-id-ok: occupation is weighed apart from instance of (see WEIGHTS)
COUNTRY_PIDS = frozenset({"P27", "P17"})  # wikidata-id-ok: citizenship and country weigh as country


@dataclass(frozen=True)
class Finding:
    entity: str
    qid: str
    status: str  # ok, missing, redirected, label, type; unchecked (not drift: no data on it)
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


def verify(dataset: Dataset, client: EntitySource, progress: Progress | None = None) -> list[Finding]:
    """Re-check every linked id: it exists, is not a redirect (merged), label and type match. An
    id the source holds nothing on (a snapshot without it) is ``unchecked``, which is no drift."""
    alignment = load_alignment(dataset)
    statements = collect_statements(dataset, alignment)
    answers = client.get_entities(alignment.entities.values())
    findings = []
    for number, (entity, qid) in enumerate(sorted(alignment.entities.items()), 1):
        if qid in answers:
            found = check_link(dataset, statements, entity, qid, answers[qid],
                               client.settings.language, alignment.type_pids)
        else:
            found = [Finding(str(entity), qid, "unchecked", f"not in {client.origin}")]
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
    if not same_name(ours, [label, *aliases]):
        problems.append(Finding(str(entity), qid, "label",
                                f"Wikidata label {label!r} (aliases {aliases}) matches none of {ours}"))
    expected = _types(statements, entity, type_pids)
    theirs = {v.text for pid in type_pids for v in entity_values(answer).get(pid, [])}
    if expected and theirs and not expected & theirs:
        problems.append(Finding(str(entity), qid, "type",
                                f"instance of {sorted(theirs)}, expected one of {sorted(expected)}"))
    return problems


def same_name(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Some name of ours is one of theirs, as written or in another spelling ("Aidyn"/"Aydyn")."""
    return any(likeness(a, b)[0] != "similar" for a in ours for b in theirs if a and b)


def verify_register(rows: Iterable, client: EntitySource, uses: dict[str, set[str]] | None = None,
                    where: str = "register") -> list[Finding]:
    """Label and kind drift of every registered item and class the source holds: Wikidata's label
    (or an alias) must be the register's label, and, when ``uses`` (id → the kinds a snapshot's
    statements use it as, ``Snapshot.uses``) is given, no statement may use a class as an item or
    an item as a class. Ids the source does not hold are left out."""
    rows = [row for row in rows if row.kind in ("item", "class")]
    answers = client.get_entities(row.id for row in rows)
    findings = []
    for row in rows:
        answer = answers.get(row.id)
        if answer is not None:
            found = _register_drift(row, answer, client.settings.language, (uses or {}).get(row.id, set()),
                                    where)
            findings.extend(found or [Finding(where, row.id, "ok", row.label)])
    return findings


def _register_drift(row, answer: dict, language: str, used_as: set[str], where: str) -> list[Finding]:
    if "missing" in answer:
        return [Finding(where, row.id, "missing", f"{row.id} ({row.label}) does not exist (deleted?)")]
    target = answer.get("redirects", {}).get("to") or answer.get("id", row.id)
    if target != row.id:
        return [Finding(where, row.id, "redirected", f"{row.id} ({row.label}) was merged into {target}")]
    problems = []
    label, aliases, _ = entity_names(answer, language)
    if not same_name([row.label], [label, *aliases]):
        problems.append(Finding(where, row.id, "label", f"registered as {row.label!r}; Wikidata's "
                                                        f"label is {label!r} (aliases {aliases})"))
    wrong = used_as - {row.kind}
    if wrong:
        problems.append(Finding(where, row.id, "type", f"registered as {row.kind} ({row.label}) but "
                                                       f"Wikidata's statements use it as {wrong.pop()}"))
    return problems


def _types(statements: list[Statement], entity: URIRef, type_pids: frozenset[str]) -> set[str]:
    return {s.value.text for s in statements if s.subject == entity and s.pid in type_pids}


def reconcile(dataset: Dataset, client: EntitySource, entities: Iterable[URIRef] | None = None,
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


def propose(dataset: Dataset, client: EntitySource, statements: list[Statement],
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
    """The one scoring of a Wikidata entity as the match of a kzgraph entity, online and offline:
    its name, then its kind, country and dates against kzgraph's statements (``WEIGHTS``)."""
    label, aliases, description = entity_names(answer, language)
    score, evidence = name_score(names, label, aliases)
    theirs = entity_values(answer)
    for pid in sorted({s.pid for s in ours}, key=_numeric):
        # A value with no checked id (a kzgraph IRI) can never equal Wikidata's: no evidence.
        values = [s.value for s in ours if s.pid == pid and s.value.linked]
        if not values:
            continue
        weight, said = statement_score(pid, values, theirs.get(pid, []), type_pids)
        score += weight
        evidence.extend(said)
    return Candidate(qid, label, description, round(min(1.0, max(0.0, score)), 3), evidence)


def name_score(names: list[str], label: str, aliases: list[str]) -> tuple[float, list[str]]:
    """The best of our names against the candidate's label and aliases (``NAME_WEIGHTS``)."""
    best: tuple[float, list[str]] = (0.0, [])
    for theirs, role in [(label, "label"), *((alias, "alias") for alias in aliases)]:
        for name in names:
            how, similarity = likeness(name, theirs)
            if how == "similar" and similarity < SIMILAR:
                continue
            weight = NAME_WEIGHTS[role, how] * (similarity if how == "similar" else 1.0)
            if weight > best[0]:
                best = (weight, [_name_evidence(role, how, label, theirs, name, similarity)])
    return best[0], list(best[1])


def _name_evidence(role: str, how: str, label: str, theirs: str, ours: str, similarity: float) -> str:
    if how == "exact":
        return f"label {label!r} matches" if role == "label" else f"an alias of {label!r} matches"
    if how == "variant":
        return f"{role} {theirs!r} is a spelling of {ours!r}"
    return f"{role} {theirs!r} resembles {ours!r} ({similarity:.2f})"


def statement_score(pid: str, ours: list[Value], theirs: list[Value],
                    type_pids: frozenset[str]) -> tuple[float, list[str]]:
    """The weight of one property: agreeing or differing kind, country or date; nothing when
    Wikidata does not state the property, or for properties that say nothing of identity."""
    role = _role(pid, ours[0], type_pids)
    if role is None or not theirs:
        return 0.0, []
    agreeing = [v for v in ours if any(same_value(v, t) for t in theirs)]
    agree, differ = WEIGHTS[role]
    shown = ", ".join(sorted(v.text for v in (agreeing or ours)))
    if agreeing:
        said = "as expected" if role in ("kind", "occupation") else "agrees"
        return agree, [f"{pid} {shown} {said}"]
    wikidata = ", ".join(sorted(t.text for t in theirs))
    return differ, [f"{pid} {shown} differs (Wikidata: {wikidata})"]


def _role(pid: str, value: Value, type_pids: frozenset[str]) -> str | None:
    if pid == OCCUPATION:
        return "occupation"
    if pid in type_pids:
        return "kind"
    if pid in COUNTRY_PIDS:
        return "country"
    if value.kind == "time":
        return "date"
    return None


def _numeric(identifier: str) -> tuple[str, int]:
    return identifier[:1], int(identifier[1:]) if identifier[1:].isdigit() else 0


def _status(candidates: list[Candidate]) -> str:
    if not candidates:
        return "no-candidates"
    return "proposed" if proposed([c.score for c in candidates]) else "review"


def proposed(scores: Sequence[float]) -> bool:
    """Whether the best of ``scores`` (best first) is a match: at least THRESHOLD, and ahead of
    the runner-up by MARGIN. The one decision of reconcile and of the /reconcile service."""
    if not scores:
        return False
    runner_up = scores[1] if len(scores) > 1 else 0.0
    return scores[0] >= THRESHOLD and scores[0] - runner_up >= MARGIN


def proposals_json(proposals: list[Proposal]) -> str:
    return json.dumps([asdict(p) for p in proposals], ensure_ascii=False, indent=2) + "\n"


def resolve_entity(dataset: Dataset, name: str) -> URIRef:
    """``kz:KazSat-2``, ``KazSat-2`` or the full IRI → the entity, which must be in the data."""
    local = name.removeprefix("kz:")
    entity = URIRef(name) if "://" in name else KZ[local]
    if (entity, None, None) not in dataset:
        raise UsageError(f"no entity {name} in the data; name it as kz:Local_name or a full IRI")
    return entity


def accept(dataset: Dataset, client: EntitySource, entity: URIRef, qid: str) -> dict:
    """Check ``qid`` (exists, not a redirect) and return the record of its acceptance."""
    alignment = load_alignment(dataset)
    if entity in alignment.entities:
        raise UsageError(f"{entity} is already linked; verify it instead")
    answer = client.get_entities([qid]).get(qid)
    if answer is None:
        raise LinkRejected(f"cannot accept {qid} for {entity}: nothing on it in {client.origin}")
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
            "method": client.origin, "status": "accepted-for-review"}


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
