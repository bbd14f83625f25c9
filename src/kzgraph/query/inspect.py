"""What a SPARQL query asks for, read from its tokens before it runs.

A small lexer blanks out comments and string literals (keeping IRIs), so that keywords are found
only where they are keywords: the query form (SELECT/ASK/CONSTRUCT/DESCRIBE), SERVICE endpoints,
update keywords and the nesting depth of braces. The query engine parses the query again for
real; this only decides policy (allowlist, negotiation) and refuses oversized input before any
parser sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["QueryShape", "inspect_query", "service_iri_spans"]

# Strings first (long forms before short), then comments; IRIs are matched to be kept intact.
_LEXEME = re.compile(
    r'(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<comment>#[^\n]*)",
    re.DOTALL,
)
_KEYWORD = r"(?<![\w:?$\-.]){}(?![\w:\-])"
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


@dataclass(frozen=True)
class QueryShape:
    form: str | None            # SELECT, ASK, CONSTRUCT, DESCRIBE, or None if not recognised
    services: tuple[str, ...]   # SERVICE endpoint IRIs, or "?var" / prefixed names as written
    depth: int                  # deepest nesting of { } and ( )
    is_update: bool             # uses update keywords and no query form


def inspect_query(query: str) -> QueryShape:
    code = _blank_literals(query)
    form = _first_keyword(code, _FORMS)
    return QueryShape(
        form=form,
        services=tuple(_services(code)),
        depth=_depth(code),
        is_update=form is None and _first_keyword(code, _UPDATES) is not None,
    )


def _blank_literals(query: str) -> str:
    def blank(match: re.Match[str]) -> str:
        return match.group(0) if match.lastgroup == "iri" else " " * len(match.group(0))

    return _LEXEME.sub(blank, query)


def _first_keyword(code: str, words: tuple[str, ...]) -> str | None:
    pattern = re.compile(_KEYWORD.format("(" + "|".join(words) + ")"), re.IGNORECASE)
    match = pattern.search(_without_iris(code))
    return match.group(1).upper() if match else None


def _without_iris(code: str) -> str:
    return re.sub(r"<[^<>\s]*>", lambda m: " " * len(m.group(0)), code)


_SERVICE = re.compile(_KEYWORD.format("SERVICE") + r"\s+(?:SILENT\s+)?(<[^>]*>|\S+)", re.IGNORECASE)


def _services(code: str) -> list[str]:
    return [m.group(1).strip("<>") if m.group(1).startswith("<") else m.group(1)
            for m in _SERVICE.finditer(code)]


def service_iri_spans(query: str) -> list[tuple[int, int, str]]:
    """(start, end, IRI) of each ``<IRI>`` written after SERVICE, as offsets into ``query``."""
    code = _blank_literals(query)  # same length as the query: offsets carry over
    return [(m.start(1), m.end(1), m.group(1)[1:-1]) for m in _SERVICE.finditer(code)
            if m.group(1).startswith("<")]


def _depth(code: str) -> int:
    depth = deepest = 0
    for char in _without_iris(code):
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth -= 1
    return deepest
