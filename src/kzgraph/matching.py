"""Label matching: one normalisation of names, shared by the search index and the SPARQL
functions ``kzf:match`` / ``kzf:score``, so a label the function matches is a label the index finds.

Case and diacritics are folded, and every text is also read in Latin transliteration (Kazakh
Cyrillic by the 2021 Kazakh Latin alphabet, the rest by anyascii). Without rdflib: the query
workers import this module, and rdflib would cost each of them about 25 MB.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from kzgraph.errors import BadRequest

__all__ = [
    "FUNCTIONS",
    "KZF_NAMESPACE",
    "MATCH_KINDS",
    "MAX_QUERY_LENGTH",
    "Query",
    "TIER_WEIGHT",
    "columns",
    "distinct_forms",
    "fold",
    "forms",
    "kazakh_latin",
    "match",
    "oxigraph_functions",
    "score",
    "tokens",
]

KZF_NAMESPACE = "https://w3id.org/kzgraph/function#"
FUNCTIONS = (f"{KZF_NAMESPACE}match", f"{KZF_NAMESPACE}score")  # the SPARQL functions offered

MAX_QUERY_LENGTH = 200   # characters: names are short; this bounds the FTS expression too
MAX_QUERY_WORDS = 12

MATCH_KINDS = ("exact", "prefix", "token")  # by tier: 0, 1, 2
TIER_WEIGHT = {0: 3.0, 1: 2.0, 2: 1.0}

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
    return distinct_forms(columns(text))


def columns(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The index's three columns for a text: its words folded as written, in Kazakh Latin, and
    romanized by anyascii (Cyrillic ``ғарыш`` → ``garys``, ``gharysh``; Latin text is unchanged)."""
    return tokens(text), tokens(kazakh_latin(text)), tokens(_romanized(text))


def distinct_forms(items: Iterable[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
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
    return TIER_WEIGHT[parsed.tier(text_forms)] + min(coverage, 0.999)


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

    match_iri, score_iri = FUNCTIONS
    return {pyoxigraph.NamedNode(match_iri): match_function,
            pyoxigraph.NamedNode(score_iri): score_function}
