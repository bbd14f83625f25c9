"""The register of checked Wikidata ids (``data/wikidata-ids.tsv``) and where ids are used.

The register is the only authority for which Wikidata ids kzgraph may assert, and as what kind of
thing (an item, a class or a property). Each row holds an id, its Wikidata label, its kind, what
kzgraph uses it for and the evidence (where the id was seen paired with its label).

Public API::

    load(path=None) -> Register       the register (``paths.home()/data/wikidata-ids.tsv``)
    default() -> Register             the same, read once and again when the file changes
    label(id), kind(id), evidence(id) of the default register; UnregisteredId if it has no row
    triple_uses(triples)              every Wikidata id an RDF graph uses, with the kinds it may be
    text_uses(text)                   every Wikidata id a text (code, query, Turtle) names, likewise
    Register.misuse(use)              why a use breaks the register (not in it, wrong kind), or None

A malformed register raises DataFileError with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import OWL, RDFS, SKOS

from kzgraph import paths
from kzgraph.errors import DataFileError, UnregisteredId

__all__ = ["KINDS", "Register", "Row", "Use", "default", "evidence", "kind", "label", "load",
           "parse_iri", "register_path", "text_uses", "triple_uses"]

KINDS = ("item", "class", "property")
COLUMNS = ("id", "label", "kind", "used for", "evidence")
ID = re.compile(r"^[PQ][1-9][0-9]*$")

# The kinds a use allows: an entity IRI (wd:Q…) as a subject may be an item or a class.
ENTITY = ("item", "class")
ITEM = ("item",)
CLASS = ("class",)
PROPERTY = ("property",)

# Wikidata's RDF namespaces (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format),
# each with the kind of id its IRIs end in. wd: also names properties (wd:P…), as entities.
NAMESPACES = {
    "http://www.wikidata.org/entity/": ENTITY,
    "https://www.wikidata.org/wiki/": ENTITY,
    "http://www.wikidata.org/prop/direct/": PROPERTY,                     # wdt:
    "http://www.wikidata.org/prop/direct-normalized/": PROPERTY,          # wdtn:
    "http://www.wikidata.org/prop/": PROPERTY,                            # p:
    "http://www.wikidata.org/prop/statement/": PROPERTY,                  # ps:
    "http://www.wikidata.org/prop/statement/value/": PROPERTY,            # psv:
    "http://www.wikidata.org/prop/statement/value-normalized/": PROPERTY,  # psn:
    "http://www.wikidata.org/prop/qualifier/": PROPERTY,                  # pq:
    "http://www.wikidata.org/prop/qualifier/value/": PROPERTY,            # pqv:
    "http://www.wikidata.org/prop/qualifier/value-normalized/": PROPERTY,  # pqn:
    "http://www.wikidata.org/prop/reference/": PROPERTY,                  # pr:
    "http://www.wikidata.org/prop/reference/value/": PROPERTY,            # prv:
    "http://www.wikidata.org/prop/reference/value-normalized/": PROPERTY,  # prn:
    "http://www.wikidata.org/prop/novalue/": PROPERTY,                    # wdno:
}
# The usual prefixes of those namespaces, as queries and Turtle files write them.
PREFIXES = {"wd": ENTITY, "wdt": PROPERTY, "wdtn": PROPERTY, "p": PROPERTY, "ps": PROPERTY,
            "psv": PROPERTY, "psn": PROPERTY, "pq": PROPERTY, "pqv": PROPERTY, "pqn": PROPERTY,
            "pr": PROPERTY, "prv": PROPERTY, "prn": PROPERTY, "wdno": PROPERTY}

# Properties whose value is a class: instance of, occupation (subclass of is not in the register).
CLASS_VALUED = ("P31", "P106")  # wikidata-id-ok: the register's class-valued properties
# Predicates whose Wikidata object is a class when the object is an entity: the ontology's
# alignments of its classes.
CLASS_ALIGNMENTS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch,
                    OWL.equivalentClass, RDFS.subClassOf)

_IRI = re.compile(r"^(?P<namespace>https?://www\.wikidata\.org/(?:[a-z-]+/)*)(?P<id>[PQ][1-9][0-9]*)$")
_BARE = re.compile(r"\b[PQ][1-9][0-9]*\b")
_PREFIXED = re.compile(r"(?<![\w:/#-])(?P<prefix>[a-z]+):(?P<id>[PQ][1-9][0-9]*)\b")
_CLASS_VALUE = re.compile(
    rf"(?:[a-z]+:|/)(?:{'|'.join(CLASS_VALUED)})>?\s+(?:wd:|<http://www\.wikidata\.org/entity/)"
    r"(?P<id>Q[1-9][0-9]*)\b")
_SAME_AS = re.compile(r"(?:owl:sameAs|#sameAs>)\s+(?:wd:|<http://www\.wikidata\.org/entity/)"
                      r"(?P<id>Q[1-9][0-9]*)\b")


@dataclass(frozen=True)
class Row:
    """One register row."""

    id: str
    label: str
    kind: str
    used_for: str
    evidence: str


@dataclass(frozen=True)
class Use:
    """One use of a Wikidata id: the id, the kinds that use allows, and where (a term or a line)."""

    id: str
    kinds: tuple[str, ...]
    where: object = None


class Register:
    """The rows of the register, by id."""

    def __init__(self, rows: Iterable[Row], path: Path) -> None:
        self.path = path
        self.rows = {row.id: row for row in rows}

    def __contains__(self, wikidata_id: object) -> bool:
        return wikidata_id in self.rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows.values())

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, wikidata_id: str) -> Row:
        try:
            return self.rows[wikidata_id]
        except KeyError:
            raise UnregisteredId(self.path, wikidata_id) from None

    def label(self, wikidata_id: str) -> str:
        return self.row(wikidata_id).label

    def kind(self, wikidata_id: str) -> str:
        return self.row(wikidata_id).kind

    def evidence(self, wikidata_id: str) -> str:
        return self.row(wikidata_id).evidence

    def misuse(self, use: Use) -> str | None:
        """Why ``use`` breaks the register, or None when the id is registered as a kind it allows."""
        row = self.rows.get(use.id)
        if row is None:
            return (f"{use.id} is not in the register of checked Wikidata ids ({_shown(self.path)}); "
                    "check the id and add a row with its evidence, or leave the thing unlinked")
        if row.kind not in use.kinds:
            return (f"{use.id} ({row.label}) is registered as {_a(row.kind)} but used here as "
                    f"{' or '.join(map(_a, use.kinds)) or 'a property'}")
        return None


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.home().resolve()))
    except ValueError:
        return str(path)


def _a(kind: str) -> str:
    return f"an {kind}" if kind == "item" else f"a {kind}"


def register_path() -> Path:
    return paths.home() / "data" / "wikidata-ids.tsv"


def load(path: Path | str | None = None) -> Register:
    """The register at ``path`` (the repository's by default); DataFileError on a malformed row."""
    path = Path(path) if path is not None else register_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataFileError(path, f"cannot read the register of Wikidata ids: {error.strerror}") from None
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            row = _parse_row(path, number, line)
            if row.id in seen:
                raise DataFileError(path, f"{row.id} is listed twice (first on line {seen[row.id]})", number)
            seen[row.id] = number
            rows.append(row)
    return Register(rows, path)


def _parse_row(path: Path, number: int, line: str) -> Row:
    cells = line.split("\t")
    if len(cells) != len(COLUMNS):
        raise DataFileError(path, f"a row needs {len(COLUMNS)} tab-separated columns "
                                  f"({', '.join(COLUMNS)}), this one has {len(cells)}", number)
    row = Row(*(cell.strip() for cell in cells))
    problem = _row_problem(row)
    if problem:
        raise DataFileError(path, problem, number)
    return row


def _row_problem(row: Row) -> str | None:
    if not ID.match(row.id):
        return f"{row.id!r} is not a Wikidata id (Q… or P… followed by digits)"
    if row.kind not in KINDS:
        return f"{row.id}: kind {row.kind!r} is not one of {', '.join(KINDS)}"
    if (row.kind == "property") != row.id.startswith("P"):
        return f"{row.id}: a P id is a property and a property is a P id (kind {row.kind!r})"
    if not row.label:
        return f"{row.id}: the label is empty"
    if row.id.startswith("Q") and not row.evidence:
        return f"{row.id}: the evidence is empty (say where the id was seen paired with its label)"
    return None


@lru_cache(maxsize=4)
def _default(path: str, modified: float) -> Register:
    return load(Path(path))


def default() -> Register:
    """The repository's register, read again when the file changes."""
    path = register_path()
    try:
        modified = path.stat().st_mtime
    except OSError:
        modified = 0.0
    return _default(str(path), modified)


def label(wikidata_id: str) -> str:
    """Wikidata's label of a registered id (UnregisteredId otherwise)."""
    return default().label(wikidata_id)


def kind(wikidata_id: str) -> str:
    """``item``, ``class`` or ``property`` (UnregisteredId for an id not in the register)."""
    return default().kind(wikidata_id)


def evidence(wikidata_id: str) -> str:
    """Where the id was seen paired with its label."""
    return default().evidence(wikidata_id)


def parse_iri(term: object) -> tuple[str, tuple[str, ...]] | None:
    """(id, kinds its namespace allows) of a Wikidata IRI ending in an id, else None."""
    if not isinstance(term, URIRef):
        return None
    match = _IRI.match(str(term))
    if match is None or match.group("namespace") not in NAMESPACES:
        return None
    found = match.group("id")
    kinds = NAMESPACES[match.group("namespace")]
    return found, (PROPERTY if found.startswith("P") else kinds)


def triple_uses(triples: Iterable[tuple]) -> Iterator[Use]:
    """Every Wikidata id the triples use, each with the kinds its place allows."""
    for subject, predicate, value in triples:
        for term in (subject, predicate):
            parsed = parse_iri(term)
            if parsed:
                yield Use(parsed[0], parsed[1], (subject, term))
        parsed = parse_iri(value)
        if parsed:
            yield Use(parsed[0], _value_kinds(predicate, *parsed), (subject, value))


def _value_kinds(predicate: object, found: str, kinds: tuple[str, ...]) -> tuple[str, ...]:
    if found.startswith("P") or kinds == PROPERTY:
        return kinds
    if predicate == OWL.sameAs:
        return ITEM
    if predicate in CLASS_ALIGNMENTS:
        return CLASS
    valued_by = parse_iri(predicate)
    if valued_by and valued_by[1] == PROPERTY:
        return CLASS if valued_by[0] in CLASS_VALUED else ITEM  # a statement's value
    return ENTITY  # a value of a non-Wikidata predicate (rdfs:seeAlso, …): either kind


def text_uses(text: str) -> Iterator[Use]:
    """Every Wikidata id a text names, by line: prefixed (wd:Q…, wdt:P…), bare ("P…") or in a
    full IRI. A value of a CLASS_VALUED property must be a class, an owl:sameAs target an item."""
    for number, line in enumerate(text.splitlines(), 1):
        yield from _line_uses(line, number)


def _line_uses(line: str, number: int) -> Iterator[Use]:
    placed: dict[int, tuple[str, ...]] = {}
    for match in _CLASS_VALUE.finditer(line):
        placed[match.start("id")] = CLASS
    for match in _SAME_AS.finditer(line):
        placed[match.start("id")] = ITEM
    for match in _PREFIXED.finditer(line):
        kinds = PREFIXES.get(match.group("prefix"))
        if kinds is not None:
            placed.setdefault(match.start("id"), kinds)
    for match in _BARE.finditer(line):
        found = match.group(0)
        kinds = placed.get(match.start(), PROPERTY if found.startswith("P") else ENTITY)
        if found.startswith("P") and kinds != PROPERTY:
            kinds = PROPERTY
        elif found.startswith("Q") and kinds == PROPERTY:
            kinds = ()  # a property prefix on a Q id (wdt:Q…) fits no kind at all
        yield Use(found, kinds, number)
