"""Label search over the served data: one normalisation, an SQLite FTS5 index, SPARQL functions.

Names are found across scripts and spellings: case and diacritics are folded (``AÏMBETOV`` finds
*Aimbetov*), and every label is also indexed in Latin transliteration, so a Latin query finds a
Kazakh Cyrillic label (``ulttyq`` → *Ұлттық*) and a Cyrillic query a Latin one (``Аймбетов`` →
*Aimbetov*). Each query word may be the beginning of a word (``aimb`` → *Aimbetov*).

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
import os
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from anyascii import anyascii
from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SDO, SKOS

from kzgraph.errors import BadRequest

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

KZF = Namespace("https://w3id.org/kzgraph/function#")

log = logging.getLogger("kzgraph.search")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 200   # characters: names are short; this bounds the FTS expression too
MAX_QUERY_WORDS = 12

# Label properties whatever the ontology says; their sub-properties in the data are added.
BASE_LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SDO.name)

MATCH_KINDS = ("exact", "prefix", "token")  # by tier: 0, 1, 2
_TIER_WEIGHT = {0: 3.0, 1: 2.0, 2: 1.0}

# Kazakh Cyrillic → the Kazakh Latin alphabet of January 2021 (the one kzo:romanizedName uses in
# data/kazcosmos.trig: "Ūlttyq ğaryş agenttıgı"). Only the letters whose Latin form is fixed by
# that alphabet are listed; the letters of Russian loanwords (ё ц ч щ ъ ь э ю я) are left to
# anyascii's general romanization. The result is then folded to ASCII like everything else.
_KAZAKH_LATIN = str.maketrans({
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e", "ж": "j",
    "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ñ",
    "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü",
    "ф": "f", "х": "h", "һ": "h", "ш": "ş", "ы": "y", "і": "ı",
})
# Apostrophes and quotes that romanization produces (ъ, ь → ') would split words: drop them.
_ROMANIZATION_MARKS = re.compile(r"['\"`ʹʺ’]")


# --- normalisation: shared by the index, the query parser and the SPARQL functions -----------

def fold(text: str) -> str:
    """Case- and diacritic-free text: casefolded, decomposed, combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def tokens(text: str) -> tuple[str, ...]:
    """The folded words of ``text``: runs of letters and digits, as SQLite's unicode61 splits."""
    return tuple(_words(fold(text)))


def _words(text: str) -> Iterator[str]:
    return _runs(text, "LN")


def _runs(text: str, kinds: str) -> Iterator[str]:
    """Maximal runs of characters whose Unicode category starts with one of ``kinds`` (letters,
    numbers, marks…) or is private use."""
    word: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in kinds or category == "Co":
            word.append(char)
        elif word:
            yield "".join(word)
            word = []
    if word:
        yield "".join(word)


def kazakh_latin(text: str) -> str:
    """``text`` with Kazakh Cyrillic in the 2021 Kazakh Latin alphabet, then in ASCII."""
    return _romanized(text.casefold().translate(_KAZAKH_LATIN))


def _romanized(text: str) -> str:
    # Character by character, so that only marks romanization adds are dropped, not the
    # apostrophes written in the text ("Aimbetov's" keeps its two words).
    return "".join(char if char.isascii() else _ROMANIZATION_MARKS.sub("", anyascii(char)) for char in text)


def forms(text: str) -> tuple[tuple[str, ...], ...]:
    """The distinct word sequences a text is found by (see ``columns``)."""
    return _unique(columns(text))


def columns(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The index's three columns for a text: its words folded as written, in Kazakh Latin, and
    romanized by anyascii (Cyrillic ``ғарыш`` → ``garys``, ``gharysh``; Latin text is unchanged)."""
    return tokens(text), tokens(kazakh_latin(text)), tokens(_romanized(text))


def _unique(items: Iterable[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(item for item in items if item))


@dataclass(frozen=True)
class Query:
    """A parsed search query: per word, the phrases it may match (its ``forms``: folded,
    Kazakh Latin, romanized), the last word of each a prefix; and the whole query's forms."""

    text: str
    words: tuple[tuple[tuple[str, ...], ...], ...]
    whole: tuple[tuple[str, ...], ...]

    @classmethod
    def parse(cls, text: str) -> "Query":
        """Raises BadRequest, with what to change, for text that cannot be searched."""
        text = (text or "").strip()
        if not text:
            raise BadRequest("the search text is empty: give a name or a word to look for, e.g. q=KazSat")
        if len(text) > MAX_QUERY_LENGTH:
            raise BadRequest(f"the search text is {len(text)} characters long; at most "
                             f"{MAX_QUERY_LENGTH} are searched")
        raw_words = list(_raw_words(text))
        if not raw_words:
            raise BadRequest("the search text has no letters or digits to look for")
        if len(raw_words) > MAX_QUERY_WORDS:
            raise BadRequest(f"the search text has {len(raw_words)} words; at most "
                             f"{MAX_QUERY_WORDS} are searched")
        words = tuple(forms(word) for word in raw_words)
        return cls(text, tuple(w for w in words if w), forms(text))

    def fts(self) -> str:
        """The FTS5 MATCH expression: every word, as any of its phrases, prefix-matched, in any
        of the three columns (so exactly what ``matches`` accepts).

        Phrases are quoted strings of letters and digits only, so nothing the user typed can be
        read as FTS5 syntax.
        """
        def phrase(words: tuple[str, ...]) -> str:
            return '"' + " ".join(words).replace('"', '""') + '" *'

        return " AND ".join("(" + " OR ".join(phrase(a) for a in alternatives) + ")"
                            for alternatives in self.words)

    def matches(self, text_forms: tuple[tuple[str, ...], ...]) -> bool:
        """Whether every query word occurs (as a prefix) in some form of the label."""
        return all(any(_contains(form, phrase) for phrase in alternatives for form in text_forms)
                   for alternatives in self.words)

    def tier(self, text_forms: Iterable[tuple[str, ...]]) -> int:
        """0: a form of the label equals a form of the query; 1: begins with one; 2: otherwise."""
        text_forms = tuple(text_forms)
        if any(form in self.whole for form in text_forms):
            return 0
        if any(_begins_with(form, whole) for form in text_forms for whole in self.whole):
            return 1
        return 2


def _raw_words(text: str) -> Iterator[str]:
    """Words as typed (marks kept, so each word is transliterated from what the user wrote)."""
    return _runs(unicodedata.normalize("NFC", text), "LNM")


def _begins_with(form: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """``form`` starts with ``phrase``, its last word as a prefix (FTS5's ``"a b" *``)."""
    n = len(phrase)
    return len(form) >= n and form[:n - 1] == phrase[:-1] and form[n - 1].startswith(phrase[-1])


def _contains(form: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    return any(_begins_with(form[i:], phrase) for i in range(len(form) - len(phrase) + 1))


# --- the SPARQL functions --------------------------------------------------------------------

@lru_cache(maxsize=256)
def _parsed(text: str) -> Query | None:
    try:
        return Query.parse(text)
    except BadRequest:
        return None


def match(text: str, query: str) -> bool | None:
    """``kzf:match``: whether ``text`` is found by ``query`` as the index would find it; None
    (a SPARQL error, so FILTER drops the row) when the query cannot be searched."""
    parsed = _parsed(query)
    return None if parsed is None else parsed.matches(forms(text))


def score(text: str, query: str) -> float | None:
    """``kzf:score``: 3 exact, 2 prefix, 1 other match, plus a share in [0, 1) that grows as the
    query covers more of the text; 0.0 without a match; None when the query cannot be searched."""
    parsed = _parsed(query)
    if parsed is None:
        return None
    text_forms = forms(text)
    if not parsed.matches(text_forms):
        return 0.0
    coverage = len(parsed.words) / (max(len(f) for f in text_forms) + 1)
    return _TIER_WEIGHT[parsed.tier(text_forms)] + min(coverage, 0.999)


@lru_cache(maxsize=1)
def oxigraph_functions() -> dict:
    """``custom_functions`` for pyoxigraph's ``Store.query``: kzf:match and kzf:score."""
    import pyoxigraph

    boolean = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
    double = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#double")

    def strings(*terms):
        return [t.value for t in terms] if all(isinstance(t, pyoxigraph.Literal) for t in terms) else None

    def match_function(text, query):
        args = strings(text, query)
        found = None if args is None else match(*args)
        return None if found is None else pyoxigraph.Literal("true" if found else "false", datatype=boolean)

    def score_function(text, query):
        args = strings(text, query)
        value = None if args is None else score(*args)
        return None if value is None else pyoxigraph.Literal(repr(value), datatype=double)

    return {pyoxigraph.NamedNode(str(KZF.match)): match_function,
            pyoxigraph.NamedNode(str(KZF.score)): score_function}


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
                       label.language, str(prop), "\n".join(" ".join(f) for f in _unique(text_columns)))

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
                   round(_TIER_WEIGHT[tier] + relevance / (1.0 + relevance), 6), name, types)


# The kept index's layout and what its rows are made of (this module's normalisation, the
# transliteration library): a file written by another version is built again, not trusted.
INDEX_FORMAT = hashlib.sha256(
    Path(__file__).read_bytes() + metadata.version("anyascii").encode()).hexdigest()[:16]

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
    partial = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    try:
        with closing(sqlite3.connect(partial)) as copy:
            db.backup(copy)
        os.replace(partial, file)
    except (OSError, sqlite3.Error) as error:
        log.warning("search index not kept in %s: %s", file, error)
        with suppress(OSError):
            partial.unlink()


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
