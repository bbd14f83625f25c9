"""Readable SPARQL errors: where a query went wrong and what it needs there, in words.

Oxigraph's parser reports the furthest point its grammar reached and the terminals it tried
there (``expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' …``): exact for the machine,
opaque for a person, and often far from the mistake (an undeclared prefix is reported at the end
of the triple pattern, as "expected OPTIONAL"). So a query that fails to parse is read again here,
token by token (``kzgraph.query.inspect``), for the mistakes people make — an unclosed string or
bracket, a misspelt keyword, an undeclared prefix, an unknown function, a selected variable that
is neither grouped nor aggregated — each reported at its own place. Only when none is found is the
engine's message used, its character classes dropped and its terminals written as words.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kzgraph.errors import BadRequest, QuerySyntaxError
from kzgraph.query.inspect import Token, code_tokens

__all__ = ["Diagnosis", "diagnose", "explained"]

_FUNCTIONS = frozenset("""
STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE
LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES
SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT
SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRIPLE SUBJECT PREDICATE
OBJECT ISTRIPLE ADJUST LANGDIR STRLANGDIR HASLANG HASLANGDIR
""".split())
_AGGREGATES = frozenset("COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT".split())
_KEYWORDS = frozenset("""
BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE GROUP BY HAVING
ORDER ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL MINUS GRAPH SERVICE SILENT UNION FILTER BIND NOT
IN EXISTS TRUE FALSE VERSION LOAD CLEAR DROP CREATE ADD MOVE COPY TO INSERT DELETE DATA WITH USING DEFAULT
ALL INTO SEPARATOR LATERAL
""".split())
_KNOWN_WORDS = _FUNCTIONS | _AGGREGATES | _KEYWORDS
_CLOSERS = {"{": "}", "(": ")", "[": "]"}
_OPENER_NAMES = {"{": "group", "(": "parenthesis", "[": "bracket"}
_ENGINE_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
# The grammar's terminals, as a person would name what is missing.
_EXPECTED_WORDS = {
    ".": "`.`", ",": "`,`", ";": "`;`", "{": "`{`", "}": "`}`", "(": "`(`", ")": "`)`",
    "]": "`]`", "*": "`*`", "?": "a variable", "$": "a variable", "<": "an IRI",
    ":": "a prefixed name", '\\"': "a string", "'": "a string", "=": "an operator",
    "&&": "an operator", "||": "an operator", "+": "an operator", "-": "an operator",
    "/": "an operator",
}
_UNSUPPORTED_FUNCTION = re.compile(r"The custom function (<[^>]*>) is not supported")


@dataclass(frozen=True)
class Diagnosis:
    """What is wrong (``message``), where (1-based ``line`` and ``column``, None if unknown), and
    the query text around that place with a caret under it (``excerpt``)."""

    message: str
    line: int | None = None
    column: int | None = None
    excerpt: str = ""

    def report(self) -> str:
        """The message and the excerpt, as a plain-text error body shows them."""
        return f"{self.message}\n\n{self.excerpt}" if self.excerpt else self.message


def diagnose(query: str, engine_message: str, prefixes: Iterable[str] = (),
             functions: Iterable[str] = ()) -> Diagnosis:
    """Explain why ``query`` failed, given the engine's message. ``prefixes`` are the names the
    endpoint predeclares; ``functions`` the IRIs of the extension functions it offers."""
    tokens = code_tokens(query)
    known_functions = frozenset(functions)
    for check in (_unclosed_string, _bad_iri, _bad_limit, _misspelt_word, _unbalanced,
                  _bad_number, _missing_language_tag, _missing_dot, _rebound_variable):
        found = check(tokens, query)
        if found:
            return _at(query, *found)
    found = _undeclared_prefix(tokens, set(prefixes)) or _unknown_function(
        tokens, _declared(tokens), known_functions, engine_message)
    if found:
        return _at(query, *found)
    return _from_engine(query, tokens, engine_message)


def explained(error: BadRequest, query: str, prefixes: Iterable[str] = (),
              functions: Iterable[str] = ()) -> BadRequest:
    """The engine's refusal of ``query`` as a QuerySyntaxError that says what and where; an error
    that is not the engine's reading of the query, or that the diagnosis cannot improve, as it was."""
    if type(error) not in (BadRequest, QuerySyntaxError):
        return error
    diagnosis = diagnose(query, error.message, prefixes, functions)
    if diagnosis.line is None and diagnosis.message == error.message.strip():
        return error
    return QuerySyntaxError(diagnosis.message, error.headers, line=diagnosis.line,
                            column=diagnosis.column, excerpt=diagnosis.excerpt)


# --- checks on the tokens: each returns (message, offset) or None ---------------------------

def _unclosed_string(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for token in tokens:
        if token.kind == "punct" and token.text in "\"'":
            return (f"the string that starts here is not closed: end it with {token.text} on the "
                    "same line (use triple quotes for a string over several lines)", token.start)
    return None


def _misspelt_word(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for index, token in enumerate(tokens):
        if token.kind != "word" or token.text == "a" or token.text.upper() in _KNOWN_WORDS:
            continue
        calls = index + 1 < len(tokens) and tokens[index + 1].text == "("
        kind = "function" if calls else "keyword"
        choices = (_FUNCTIONS | _AGGREGATES | {"FILTER", "BIND"}) if calls else _KEYWORDS
        return _unknown_word(token.text, kind, choices), token.start
    return None


def _unknown_word(word: str, kind: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.upper(), sorted(choices), n=1, cutoff=0.7)
    hint = f"; did you mean {close[0]}?" if close else ""
    if kind == "function":
        return (f"unknown function `{word}`{hint} (SPARQL's functions are built in, like STRLEN "
                "or CONTAINS; an extension function is named by an IRI or a prefixed name)")
    return (f"`{word}` is not a SPARQL keyword{hint} (a name needs a prefix, as in kz:{word}, "
            "or angle brackets, as in <…>)")


def _unbalanced(tokens: list[Token], query: str) -> tuple[str, int] | None:
    open_brackets: list[Token] = []
    for token in tokens:
        if token.kind != "punct":
            continue
        if token.text in _CLOSERS:
            open_brackets.append(token)
        elif token.text in _CLOSERS.values():
            if not open_brackets:
                return f"this `{token.text}` closes nothing that is open: remove it", token.start
            opener = open_brackets.pop()
            if _CLOSERS[opener.text] != token.text:
                return (f"this `{token.text}` comes while the {_OPENER_NAMES[opener.text]} "
                        f"`{opener.text}` opened {_place(query, opener.start)} is still open: "
                        f"close it first with `{_CLOSERS[opener.text]}`"), token.start
    if open_brackets:
        opener = open_brackets[-1]
        return (f"the query ends, but the {_OPENER_NAMES[opener.text]} `{opener.text}` opened "
                f"{_place(query, opener.start)} is not closed: add a `{_CLOSERS[opener.text]}` "
                f"to close it"), len(query.rstrip())
    return None


def _bad_number(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for before, after in zip(tokens, tokens[1:]):
        if before.kind == "number" and after.start == before.end and after.kind in ("number", "word"):
            text = query[before.start:after.end]
            return (f"`{text}` is not a number: write an integer (12), a decimal (12.5) or a double "
                    "(1.2e3)", before.start)
    return None


def _bad_iri(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for before, after in zip(tokens, tokens[1:]):
        if before.text == "<" and before.kind == "punct" and after.start == before.end \
                and after.kind in ("pname", "word"):
            end = query.find(">", before.start)
            line_end = query.find("\n", before.start)
            if end != -1 and (line_end == -1 or end < line_end):
                written = query[before.start:end + 1]
                return (f"`{written}` is not an IRI: an IRI cannot contain spaces, quotes, "
                        "`{ } | ^` or backticks; percent-encode them (a space is %20)", before.start)
    return None


def _missing_language_tag(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for before, after in zip(tokens, tokens[1:]):
        if before.kind == "string" and after.text == "@" and after.start == before.end:
            return ("a language tag must follow `@`, as in \"text\"@en or \"текст\"@kk",
                    after.start)
    return None


def _bad_limit(tokens: list[Token], query: str) -> tuple[str, int] | None:
    for keyword, value in zip(tokens, tokens[1:]):
        if keyword.is_word("LIMIT", "OFFSET") and not (value.kind == "number" and value.text.isdigit()):
            word = keyword.text.upper()
            return f"{word} takes a whole number of solutions, as in {word} 10", value.start
    return None


_TERMS = {"var", "iri", "pname", "string", "number", "bnode"}


def _missing_dot(tokens: list[Token], query: str) -> tuple[str, int] | None:
    """A fourth term in a row inside a group pattern: the `.` after a triple is missing."""
    groups: list[bool] = []  # per open { : whether it holds triple patterns (not VALUES data)
    run, parens, values = 0, 0, False
    for before, token in zip([None, *tokens], tokens):
        if token.text == "{" and token.kind == "punct":
            groups.append(not values)
            values, run = False, 0
        elif token.text == "}" and token.kind == "punct":
            groups and groups.pop()
            run = 0
        elif token.text in "()" and token.kind == "punct":
            parens += 1 if token.text == "(" else -1
            run = 0
        elif token.kind == "langtag" or (before is not None and before.text == "^^"):
            continue  # part of the literal before it
        elif _is_term(token) and groups and groups[-1] and parens == 0:
            run += 1
            if run == 4:
                return ("a `.` is missing before this: a triple pattern is a subject, a "
                        "predicate and an object, and ends with `.` before the next one"), token.start
        else:
            values = values or token.is_word("VALUES")
            run = 0
    return None


def _is_term(token: Token) -> bool:
    return token.kind in _TERMS or token.text == "a" or token.is_word("TRUE", "FALSE")


def _rebound_variable(tokens: list[Token], query: str) -> tuple[str, int] | None:
    """BIND (… AS ?v) where ?v already occurs earlier in the same group."""
    for index, token in enumerate(tokens):
        if not token.is_word("BIND"):
            continue
        target = _bind_target(tokens, index)
        if target is not None and target.text[1:] in _variables_before(tokens, index):
            return (f"{target.text} is already bound in this group before BIND assigns it: BIND "
                    f"needs a new variable (say {target.text}2), or move it before the patterns "
                    f"that use {target.text}"), target.start
    return None


def _bind_target(tokens: list[Token], index: int) -> Token | None:
    depth = 0
    for before, token in zip(tokens[index:], tokens[index + 1:]):
        depth += (token.text == "(") - (token.text == ")")
        if depth == 1 and before.is_word("AS") and token.kind == "var":
            return token
        if depth <= 0 and token.text == ")":
            return None
    return None


def _variables_before(tokens: list[Token], index: int) -> set[str]:
    """Variables between the group that holds ``tokens[index]`` opens and ``index``."""
    depth, names = 0, set()
    for token in reversed(tokens[:index]):
        depth += (token.text == "}") - (token.text == "{")
        if depth < 0:
            break
        if token.kind == "var":
            names.add(token.text[1:])
    return names


def _declared(tokens: list[Token]) -> set[str]:
    return {after.text[:-1] for before, after in zip(tokens, tokens[1:])
            if before.is_word("PREFIX") and after.kind == "pname" and after.text.endswith(":")}


def _undeclared_prefix(tokens: list[Token], predeclared: set[str]) -> tuple[str, int] | None:
    declared = _declared(tokens) | predeclared
    for before, token in zip([None, *tokens], tokens):
        if token.kind != "pname" or (before is not None and before.is_word("PREFIX")):
            continue
        prefix = token.text.partition(":")[0]
        if prefix not in declared:
            offer = (f", or use one of the predeclared prefixes: "
                     f"{', '.join(name + ':' for name in sorted(predeclared))}" if predeclared else "")
            return (f"prefix `{prefix}:` is not declared; declare it "
                    f"(PREFIX {prefix}: <…>){offer}", token.start)
    return None


def _unknown_function(tokens: list[Token], declared: set[str], functions: frozenset[str],
                      engine_message: str) -> tuple[str, int] | None:
    unsupported = _UNSUPPORTED_FUNCTION.search(engine_message)
    if unsupported is None:
        return None
    iri = unsupported.group(1)
    offered = ", ".join(f"<{f}>" for f in sorted(functions)) or "none"
    return (f"unknown function {iri}: this endpoint has SPARQL's built-in functions and these "
            f"extension functions: {offered}", _offset_of_call(tokens, iri))


def _offset_of_call(tokens: list[Token], iri: str) -> int | None:
    for token, after in zip(tokens, tokens[1:]):
        if after.text == "(" and (token.text == iri or (token.kind == "pname" and iri.endswith(
                token.text.partition(":")[2] + ">"))):
            return token.start
    return None


# --- the engine's own message, made readable --------------------------------------------------

def _from_engine(query: str, tokens: list[Token], engine_message: str) -> Diagnosis:
    match = _ENGINE_POSITION.match(engine_message)
    if match is None:
        return Diagnosis(engine_message.strip() or "the query cannot be read")
    line, column, expected = int(match.group(1)), int(match.group(2)), match.group(3)
    offset = _offset(query, line, column)
    if "The SELECT contains a variable that is unbound" in expected:
        found = _ungrouped_variable(tokens)
        if found:
            return _at(query, *found)
    if "SELECT * is not authorized with GROUP BY" in expected:
        star = next((t for t in tokens if t.text == "*"), None)
        return _at(query, "SELECT * cannot be used with GROUP BY: select the grouped variables and "
                   "aggregates by name", star.start if star else offset)
    if "IRI parsing failed" in expected:
        return _at(query, "this is not a valid IRI (an IRI needs a scheme, as in <https://…>, and "
                   "no spaces)", offset)
    words = _expected_in_words(expected)
    needs = (f"; expected {words} here" if words else
             ": check the pattern before this point (a triple pattern needs a subject, a predicate "
             "and an object)")
    return _at(query, f"the query cannot be read from here{needs}", offset)


def _expected_in_words(expected: str) -> str:
    """What the grammar expected, in words (`.`, `}`, a variable, an IRI …); the keywords and
    character classes it tried are left out: they are where the parser's search ended, rarely
    what was missing."""
    words = [_EXPECTED_WORDS[mark] for mark in _QUOTED.findall(expected) if mark in _EXPECTED_WORDS]
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _ungrouped_variable(tokens: list[Token]) -> tuple[str, int] | None:
    """The first plain variable of the SELECT clause that is neither grouped nor aggregated."""
    selected = _selected_variables(tokens)
    grouped = _grouped_variables(tokens)
    for token in selected:
        if token.text[1:] not in grouped:
            fix = (f"add {token.text} to GROUP BY" if grouped else f"add GROUP BY {token.text}")
            return (f"{token.text} is selected but neither grouped nor aggregated: {fix}, or "
                    f"select an aggregate of it such as (SAMPLE({token.text}) AS {token.text}_any) "
                    "(with GROUP BY or an aggregate such as COUNT, every selected variable must be "
                    "grouped or aggregated)", token.start)
    return None


def _selected_variables(tokens: list[Token]) -> list[Token]:
    """Variables projected plainly (outside parentheses) by the first SELECT."""
    start = next((i for i, t in enumerate(tokens) if t.is_word("SELECT")), None)
    if start is None:
        return []
    found, depth = [], 0
    for token in tokens[start + 1:]:
        if depth == 0 and (token.is_word("WHERE", "FROM") or token.text == "{"):
            break
        depth += token.text == "("
        depth -= token.text == ")"
        if depth == 0 and token.kind == "var":
            found.append(token)
    return found


def _grouped_variables(tokens: list[Token]) -> set[str]:
    """Names of the variables of GROUP BY: plain ones and those bound by (expression AS ?v)."""
    names, grouping, depth = set(), False, 0
    for before, token in zip([None, *tokens], tokens):
        if before is not None and before.is_word("GROUP") and token.is_word("BY"):
            grouping = True
            continue
        if grouping and depth == 0 and token.is_word("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"):
            break
        if grouping:
            depth += token.text == "("
            depth -= token.text == ")"
            if token.kind == "var" and (depth == 0 or (before is not None and before.is_word("AS"))):
                names.add(token.text[1:])
    return names


# --- places -----------------------------------------------------------------------------------

def _at(query: str, message: str, offset: int | None) -> Diagnosis:
    if offset is None:
        return Diagnosis(message)
    line, column = _line_column(query, offset)
    return Diagnosis(message, line, column, _excerpt(query, line, column))


def _line_column(query: str, offset: int) -> tuple[int, int]:
    before = query[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _offset(query: str, line: int, column: int) -> int:
    lines = query.split("\n")
    start = sum(len(text) + 1 for text in lines[:line - 1])
    return min(start + column - 1, len(query))


def _place(query: str, offset: int) -> str:
    line, column = _line_column(query, offset)
    return f"on line {line}, column {column}"


def _excerpt(query: str, line: int, column: int) -> str:
    """The line before (if any) and the faulty line, numbered, with a caret under the column."""
    lines = query.split("\n")
    shown = range(max(1, line - 1), min(line, len(lines)) + 1)
    width = len(str(line))
    rows = [f"{number:>{width}} | {lines[number - 1]}" for number in shown]
    rows.append(f"{' ' * width} | {' ' * (column - 1)}^")
    return "\n".join(rows)
