"""What a SPARQL query asks for, read from its tokens before it runs.

A lexer that follows the terminals of the SPARQL grammar (as Oxigraph reads them: IRIs, the four
kinds of strings, comments up to the end of the line, variables, prefixed names with their
``\\'`` and ``\\#`` escapes, blank nodes, language tags) splits the query into tokens, so that
keywords are found only where they are keywords: the query form (SELECT/ASK/CONSTRUCT/DESCRIBE),
SERVICE endpoints, update keywords and the nesting depth of ``{ ( [`` and ``!``. The query engine
parses the query again for real; this only decides policy (allowlist, negotiation) and refuses
oversized input before any parser sees it.

Two things keep the SERVICE check sound where a lexer alone could be fooled. Oxigraph reads a
keyword even when a name follows it without a space (``SERVICE:x``, ``SERVICE<…>``), so any token
that contains the letters "service" and is not the keyword itself, a variable, the local part of
a prefixed name, a string, a comment or an IRI makes the query unreadable for the check. And ``<``
is ambiguous: less-than inside an expression, the start of an IRI elsewhere; the lexer reads an
IRI wherever one can start, so from the first ``<…>`` that follows an operand inside parentheses
(where the engine may read less-than instead) on, a "service" hidden in any token is unreadable
too. An unreadable query is refused (``QueryShape.unchecked_service``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["QueryShape", "Token", "code_tokens", "inspect_query", "load_offset", "query_tokens",
           "service_iri_spans", "top_level_words"]

# The character classes of the SPARQL 1.1 grammar (section 19.8).
_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"

_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\n]+)"
    r"|(?P<comment>#[^\n]*)"  # Oxigraph ends a comment at \n only
    r'|(?P<iri><[^<>"{}|^`\x00-\x20]*>)'  # backslash allowed: Oxigraph reads \u escapes in IRIs
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    rf"|(?P<var>[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)"
    rf"|(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)"
    rf"|(?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)"
    r"|(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)"
    r"|(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<punct>\^\^|&&|\|\||!=|<=|>=|.)",
    re.DOTALL,
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
# Tokens after which the engine, inside an expression, reads "<" as less-than.
_OPERAND_ENDS = {"var", "iri", "pname", "string", "number", "langtag", "bnode"}
_OPERAND_PUNCT = {")", "]"}
# Tokens that may hold the letters "service" without being the keyword, whatever follows them.
_OPAQUE = {"string", "comment", "iri", "var", "langtag", "bnode"}


@dataclass(frozen=True)
class QueryShape:
    form: str | None            # SELECT, ASK, CONSTRUCT, DESCRIBE, or None if not recognised
    services: tuple[str, ...]   # SERVICE endpoint IRIs, or "?var" / prefixed names as written
    depth: int                  # deepest nesting of { } ( ) [ ] and of unary !
    is_update: bool             # uses update keywords and no query form
    unchecked_service: int | None = None  # offset of a "service" the check cannot place


@dataclass(frozen=True)
class Token:
    """One token: its kind (a group name of the lexer: word, var, pname, iri, string, punct,
    comment, …), its text and its offset in the query."""

    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def inspect_query(query: str) -> QueryShape:
    tokens = _tokens(query)
    form = _first_word(tokens, _FORMS)
    return QueryShape(
        form=form,
        services=tuple(endpoint.text[1:-1] if endpoint.kind == "iri" else endpoint.text
                       for _, endpoint in _services(tokens)),
        depth=_depth(tokens),
        is_update=form is None and _first_word(tokens, _UPDATES) is not None,
        unchecked_service=_unchecked_service(tokens),
    )


def names_default_graphs(query: str) -> bool:
    """Whether the query has a FROM clause (FROM NAMED or not): Oxigraph's union default graph
    option would override it."""
    return any(token.is_word("FROM") for token in _code(_tokens(query)))


def service_iri_spans(query: str) -> list[tuple[int, int, str]]:
    """(start, end, IRI) of each ``<IRI>`` written after SERVICE, as offsets into ``query``."""
    return [(endpoint.start, endpoint.end, endpoint.text[1:-1])
            for _, endpoint in _services(_tokens(query)) if endpoint.kind == "iri"]


def query_tokens(query: str) -> list[Token]:
    """The tokens of ``query`` (comments included, whitespace left out), for rewrites that must
    see keywords only where they are keywords (see ``kzgraph.wikidata.label_service``)."""
    return _tokens(query)


def _tokens(query: str) -> list[Token]:
    """Every token but whitespace; comments are kept, as they may hide the word "service"."""
    return [Token(m.lastgroup, m.group(0), m.start()) for m in _TOKEN.finditer(query)
            if m.lastgroup != "ws"]


def _code(tokens: list[Token]) -> list[Token]:
    return [token for token in tokens if token.kind != "comment"]


def _first_word(tokens: list[Token], words: tuple[str, ...]) -> str | None:
    return next((t.text.upper() for t in tokens if t.is_word(*words)), None)


def _services(tokens: list[Token]) -> list[tuple[Token, Token]]:
    """(SERVICE keyword, endpoint token) pairs; the endpoint is the token after SILENT, if any."""
    code = _code(tokens)
    pairs = []
    for index, token in enumerate(code):
        if token.is_word("SERVICE"):
            rest = code[index + 1:index + 3]
            if rest and rest[0].is_word("SILENT"):
                rest = rest[1:]
            pairs.append((token, rest[0] if rest else Token("punct", "", token.end)))
    return pairs


def _unchecked_service(tokens: list[Token]) -> int | None:
    """Offset of the first "service" that may be a SERVICE keyword the lexer did not see."""
    ambiguous = _first_ambiguous_iri(tokens)
    for token in tokens:
        if "service" not in token.text.lower() or token.is_word("SERVICE"):
            continue
        if ambiguous is not None and token.start >= ambiguous:
            return token.start + token.text.lower().index("service")
        if token.kind in _OPAQUE:
            continue
        if token.kind == "pname" and "service" not in token.text.partition(":")[0].lower():
            continue
        return token.start + token.text.lower().index("service")
    return None


def _first_ambiguous_iri(tokens: list[Token]) -> int | None:
    """Start of the first ``<…>`` read as an IRI where the engine may read less-than."""
    parens, previous = 0, None
    for token in _code(tokens):
        if token.kind == "iri" and parens > 0 and previous is not None and (
                previous.kind in _OPERAND_ENDS or previous.text in _OPERAND_PUNCT
                or previous.is_word("TRUE", "FALSE")):
            return token.start
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens = max(parens - 1, 0)
        previous = token
    return None


def _depth(tokens: list[Token]) -> int:
    """Deepest nesting of brackets, counting each unary ``!`` in a run as one more level (the
    engine's parser recurses on both)."""
    depth = deepest = bangs = 0
    for token in _code(tokens):
        bangs = bangs + 1 if token.text == "!" else 0
        if token.text in ("{", "(", "["):
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        deepest = max(deepest, depth + bangs)
    return deepest


def code_tokens(query: str) -> list[Token]:
    """The query's tokens in order, without whitespace and comments (for explaining errors)."""
    return _code(_tokens(query))


def top_level_words(text: str) -> list[tuple[str, int]]:
    """(word in upper case, offset) of each keyword, ``;`` and opening ``{`` outside every
    bracket, in order: in an update, the operations (split at ``;``) and their clauses (WITH,
    USING, WHERE, and ``{`` where a template or pattern starts)."""
    depth, found = 0, []
    for token in _code(_tokens(text)):
        if token.text in ("{", "(", "["):
            if depth == 0 and token.text == "{":
                found.append(("{", token.start))
            depth += 1
        elif token.text in ("}", ")", "]"):
            depth -= 1
        elif depth == 0 and (token.kind == "word" or token.text == ";"):
            found.append((token.text.upper(), token.start))
    return found


def load_offset(text: str) -> int | None:
    """Offset of a LOAD keyword, or of letters "load" the lexer cannot rule out as one (in a
    word, or in a prefix: Oxigraph reads ``LOAD:x`` as the keyword); None if there is none."""
    for token in _code(_tokens(text)):
        if "load" not in token.text.lower() or token.kind in _OPAQUE:
            continue
        if token.kind == "pname" and "load" not in token.text.partition(":")[0].lower():
            continue
        return token.start
    return None
