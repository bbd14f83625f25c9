"""Label search over the served data: an SQLite FTS5 index, and the SPARQL functions in rdflib.

Names are found across scripts and spellings (the normalisation is :mod:`kzgraph.matching`'s):
case and diacritics are folded (``AÏMBETOV`` finds *Aimbetov*), and every label is also indexed
in Latin transliteration, so a Latin query finds a Kazakh Cyrillic label (``ulttyq`` →
*Ұлттық*) and a Cyrillic query a Latin one (``Аймбетов`` → *Aimbetov*). Each query word may be
the beginning of a word (``aimb`` → *Aimbetov*).

Ranking: the whole label equal to the query (``exact``) before a label that begins with it
(``prefix``) before any other label containing every query word (``token``, ordered by FTS5's
bm25); ties are broken by entity IRI, so answers are deterministic.

The index (``SearchIndex``) and the SPARQL functions ``kzf:match`` / ``kzf:score`` (registered in
the query workers' Oxigraph and, for the differential test, in rdflib) share ``forms`` and
``Query``: a label the function matches is a label the index finds.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SDO, SKOS

from kzgraph import matching
from kzgraph.atomic import replacing
from kzgraph.errors import BadRequest
from kzgraph.matching import (KZF_NAMESPACE, MATCH_KINDS, MAX_QUERY_LENGTH, TIER_WEIGHT, Query,
                              columns, distinct_forms, fold, forms, match, oxigraph_functions,
                              score, tokens)

__all__ = [
    "DEFAULT_LIMIT",
    "KZF",
    "MAX_LIMIT",
    "MAX_QUERY_LENGTH",
    "Hit",
    "TypeRef",
    "Query",
    "SearchIndex",
    "SearchResults",
    "columns",
    "english_label",
    "fold",
    "forms",
    "label_properties",
    "match",
    "oxigraph_functions",
    "register_rdflib_functions",
    "score",
    "tokens",
]

KZF = Namespace(KZF_NAMESPACE)

log = logging.getLogger("kzgraph.search")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

# Label properties whatever the ontology says; their sub-properties in the data are added.
BASE_LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SDO.name)


def register_rdflib_functions() -> None:
    """Register kzf:match and kzf:score with rdflib's SPARQL engine (process-wide)."""
    from rdflib.plugins.sparql.operators import register_custom_function
    from rdflib.plugins.sparql.sparql import SPARQLError

    def strings(*terms) -> list[str]:
        if not all(isinstance(t, Literal) for t in terms):
            raise SPARQLError("kzf functions take two literals: the text and the search query")
        return [str(t) for t in terms]

    def match_function(text, query):
        found = match(*strings(text, query))
        if found is None:
            raise SPARQLError("the search query has nothing to search for")
        return Literal(found)

    def score_function(text, query):
        value = score(*strings(text, query))
        if value is None:
            raise SPARQLError("the search query has nothing to search for")
        return Literal(value)

    register_custom_function(KZF.match, match_function, override=True)
    register_custom_function(KZF.score, score_function, override=True)


# --- the index -------------------------------------------------------------------------------

def label_properties(dataset: Dataset) -> set[URIRef]:
    """The label properties and, transitively, their sub-properties declared in the data
    (the ontology's kzo:nativeName, kzo:romanizedName, kzo:shortName under skos:altLabel)."""
    found = set(BASE_LABEL_PROPERTIES)
    frontier = list(found)
    while frontier:
        for sub in dataset.subjects(RDFS.subPropertyOf, frontier.pop()):
            if isinstance(sub, URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return found


@dataclass(frozen=True)
class TypeRef:
    iri: str
    label: str


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str            # the label that matched best
    language: str | None  # its language tag
    property: str         # the property that gives it
    match: str            # exact, prefix or token
    score: float          # higher is better: 3 exact, 2 prefix, 1 token, plus bm25's share in [0, 1)
    name: str             # the entity's English label
    types: tuple[TypeRef, ...]


@dataclass(frozen=True)
class SearchResults:
    query: str
    limit: int
    total: int  # matching entities, of which the first ``limit`` are in ``hits``
    hits: tuple[Hit, ...]


class SearchIndex:
    """An SQLite FTS5 index of every label in a dataset, one row per (entity, property, label);
    built once per version of the served data, read by many threads.

    With ``file``, the index is kept there (written whole, then renamed into place) and a later
    index of the same data opens it instead of building: a restart on a million quads skips a
    build of several seconds. The file's name should depend on the data's version; the index's
    own format is checked (:data:`INDEX_FORMAT`). An entity's name and types are looked up in
    ``dataset`` when a search returns it, not for every entity beforehand.
    """

    def __init__(self, dataset: Dataset, file: Path | None = None) -> None:
        self._dataset = dataset
        self._lock = threading.Lock()
        self._described: dict[str, tuple[str, tuple[TypeRef, ...]]] = {}
        self._db = _open_kept(file) if file is not None else None
        if self._db is None:
            self._db = _build(self._rows(dataset))
            if file is not None:
                _keep(self._db, file)
        self._db.create_function("kz_tier", 2, _sql_tier, deterministic=True)
        self.size = self._db.execute("SELECT COUNT(*) FROM labels").fetchone()[0]

    @staticmethod
    def _rows(dataset: Dataset) -> Iterator[tuple]:
        seen = set()
        for prop in sorted(label_properties(dataset)):
            for entity, label in dataset.subject_objects(prop):
                if not isinstance(entity, URIRef) or not isinstance(label, Literal):
                    continue
                key = (entity, prop, label)
                if key in seen:
                    continue
                seen.add(key)
                text_columns = columns(str(label))
                if not any(text_columns):
                    continue
                yield (*(" ".join(words) for words in text_columns), str(entity), str(label),
                       label.language, str(prop), "\n".join(" ".join(f) for f in distinct_forms(text_columns)))

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> SearchResults:
        """The entities whose labels match ``text``, best first; BadRequest for unusable input."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        query = Query.parse(text)
        whole = "\n".join(" ".join(f) for f in query.whole)
        with self._lock:
            rows = self._db.execute(_SEARCH_SQL, (whole, query.fts(), limit)).fetchall()
        hits = tuple(self._hit(*row) for row in rows)
        return SearchResults(query.text, limit, rows[0][-1] if rows else 0, hits)

    def _hit(self, entity, text, lang, prop, tier, rank, _total) -> Hit:
        if entity not in self._described:  # two threads may both look it up: same answer
            self._described[entity] = _describe(self._dataset, URIRef(entity))
        name, types = self._described[entity]
        relevance = max(0.0, -rank)
        return Hit(entity, text, lang, prop, MATCH_KINDS[tier],
                   round(TIER_WEIGHT[tier] + relevance / (1.0 + relevance), 6), name, types)


# The kept index's layout and what its rows are made of (this module, the normalisation's, the
# transliteration library): a file written by another version is built again, not trusted.
INDEX_FORMAT = hashlib.sha256(
    Path(__file__).read_bytes() + Path(matching.__file__).read_bytes()
    + metadata.version("anyascii").encode()).hexdigest()[:16]

_CREATE = ("CREATE VIRTUAL TABLE labels USING fts5(folded, latin, roman, entity UNINDEXED, "
           "text UNINDEXED, lang UNINDEXED, property UNINDEXED, forms UNINDEXED, "
           "tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3')")


def _build(rows: Iterable[tuple]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(_CREATE)
    db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute(f"PRAGMA user_version = {int(INDEX_FORMAT[:7], 16)}")
    db.commit()
    return db


def _open_kept(file: Path) -> sqlite3.Connection | None:
    """The index kept in ``file``, opened read-only; None if there is none usable."""
    if not file.is_file():
        return None
    try:
        db = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True,
                             check_same_thread=False)
        if db.execute("PRAGMA user_version").fetchone()[0] == int(INDEX_FORMAT[:7], 16):
            db.execute("SELECT COUNT(*) FROM labels").fetchone()
            return db
        db.close()
    except sqlite3.Error:
        pass
    return None


def _keep(db: sqlite3.Connection, file: Path) -> None:
    """Write the index to ``file`` whole, then rename it into place; a failure only costs the
    next start a build (e.g. a read-only cache)."""
    try:
        with replacing(file) as partial, closing(sqlite3.connect(partial)) as copy:
            db.backup(copy)
    except (OSError, sqlite3.Error) as error:
        log.warning("search index not kept in %s: %s", file, error)


# One row per entity: its best label (tier, then bm25, then the label itself), best entities first.
_SEARCH_SQL = """
WITH hits AS (
    SELECT entity, text, lang, property, kz_tier(forms, ?) AS tier,
           bm25(labels, 2.0, 1.0, 1.0) AS rank
    FROM labels WHERE labels MATCH ?
), best AS (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY entity ORDER BY tier, rank, text, lang, property) AS n
    FROM hits
)
SELECT entity, text, lang, property, tier, rank, COUNT(*) OVER () AS total
FROM best WHERE n = 1
ORDER BY tier, rank, entity
LIMIT ?
"""


def _sql_tier(label_forms: str, query_forms: str) -> int:
    whole = tuple(tuple(f.split(" ")) for f in query_forms.split("\n"))
    return Query("", (), whole).tier(tuple(f.split(" ")) for f in label_forms.split("\n"))


def _describe(dataset: Dataset, entity: URIRef) -> tuple[str, tuple[TypeRef, ...]]:
    types = sorted({t for t in dataset.objects(entity, RDF.type) if isinstance(t, URIRef)})
    return english_label(dataset, entity), tuple(TypeRef(str(t), english_label(dataset, t)) for t in types)


def english_label(dataset: Dataset, iri: URIRef) -> str:
    """The English (or untagged, or any) skos:prefLabel or rdfs:label, else the IRI's local name."""
    for prop in (SKOS.prefLabel, RDFS.label):
        labels = sorted(str(label) for label in dataset.objects(iri, prop)
                        if isinstance(label, Literal) and label.language in ("en", None))
        if labels:
            return labels[0]
    others = sorted(str(label) for label in dataset.objects(iri, RDFS.label))
    if others:
        return others[0]
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text
