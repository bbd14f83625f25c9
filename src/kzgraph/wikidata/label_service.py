"""The Wikidata Query Service's label service, answered locally by rewriting the query.

WDQS queries end with ``SERVICE wikibase:label { bd:serviceParam wikibase:language "en". }``.
Nothing here calls Wikidata: before a query runs, each such block is replaced by ordinary SPARQL
(OPTIONAL / BIND / COALESCE, one pattern per language in order, a sub-select with GROUP_CONCAT
for aliases) placed where WDQS evaluates the service, after the rest of its group. It follows
WDQS's implementation (wikidata/query/rdf, ``LabelService`` and ``EmptyLabelServiceOptimizer``):

- languages: every ``bd:serviceParam wikibase:language`` value, split at commas, in order;
  ``[AUTO_LANGUAGE]`` is the browser's language on WDQS and ``AUTO_LANGUAGE`` here; none at all
  is an error;
- automatic mode (no statement but the parameters): for each plain variable the query projects
  named ``?xAltLabel``, ``?xLabel`` or ``?xDescription`` (tried in that order), the
  ``skos:altLabel``, ``rdfs:label`` or ``schema:description`` of ``?x``; ``SELECT *`` gets none;
- manual mode: ``?x rdfs:label ?name`` (any property) inside the block binds ``?name``;
- the value is the one of the first language that has one; several in that language are joined
  with ", " (aliases); with none, ``rdfs:label`` gives the entity id (its IRI without
  ``http://www.wikidata.org/entity/``, its Q-number, and any other IRI or literal as a string,
  which is what WDQS gives for IRIs outside Wikidata's entity namespace) and the rest stay
  unbound; an unbound subject gives unbound values.

The rewrite keeps every line where it was (the block becomes blanks, the patterns go on the line
of the group's closing brace), so the engine's error positions still point into the query as sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kzgraph.errors import LabelServiceError
from kzgraph.query.inspect import Token, query_tokens

__all__ = ["AUTO_LANGUAGE", "LABEL_SERVICE", "refuse_label_service", "rewrite_label_service",
           "uses_label_service"]

WIKIBASE = "http://wikiba.se/ontology#"
LABEL_SERVICE = WIKIBASE + "label"
LANGUAGE_PARAM = WIKIBASE + "language"
SERVICE_PARAM = "http://www.bigdata.com/rdf#serviceParam"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
DESCRIPTION = "http://schema.org/description"
ENTITY = "http://www.wikidata.org/entity/"
AUTO_LANGUAGE = "en"  # the language "[AUTO_LANGUAGE]" stands for here (WDQS: the browser's)
# Automatic mode's variable suffixes; AltLabel before Label, as Label is a suffix of it.
SUFFIXES = (("AltLabel", ALT_LABEL), ("Label", RDFS_LABEL), ("Description", DESCRIPTION))
JOINED = {ALT_LABEL}  # properties with many values per language: joined with ", "
_UNBOUND = "<urn:x-kzgraph:unbound-subject>"  # a subject with no labels, for unbound ones
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")  # a BCP 47 tag, as SPARQL LANGTAG
_HELPER = "__ls"  # prefix of the variables the rewrite introduces
_BLOCK_HINT = ('write it as SERVICE wikibase:label { bd:serviceParam wikibase:language '
               '"[AUTO_LANGUAGE],en" . } or add statements such as ?item rdfs:label ?name .')


class _Malformed(Exception):
    """A block that cannot be answered; ``{where}`` in the message becomes "line L, column C"."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message, self.offset = message, offset


@dataclass(frozen=True)
class Resolution:
    """One value to look up: ``subject`` (SPARQL text) ``predicate`` (IRI) → ``?target``."""

    subject: str
    predicate: str
    target: str


@dataclass
class _Call:
    """One ``SERVICE wikibase:label { … }`` block: its span, its group's end, what it asks."""

    start: int
    end: int
    group_end: int
    languages: list[str] = field(default_factory=list)
    resolutions: list[Resolution] = field(default_factory=list)


def uses_label_service(query: str, prefixes: dict[str, str]) -> bool:
    """Whether ``query`` calls the label service (by prefixed name or full IRI)."""
    code = _code(query)
    declared = _declared(code, prefixes)
    return any(_is_label_service(code, i, declared) for i in range(len(code)))


def refuse_label_service(query: str, prefixes: dict[str, str], endpoint: str) -> None:
    """Raise a clear error if ``query`` calls the label service where it is not offered."""
    code = _code(query)
    declared = _declared(code, prefixes)
    for index in range(len(code)):
        if _is_label_service(code, index, declared) or _names_wikibase_label(code, index):
            raise LabelServiceError(
                f"the label service (SERVICE wikibase:label) is not offered on {endpoint}, "
                "whose data uses kzgraph's vocabulary: send Wikidata-style queries to "
                "/wikidata/sparql, or ask for labels directly here, e.g. "
                '?x rdfs:label ?name FILTER(LANG(?name) = "en")')


def rewrite_label_service(query: str, prefixes: dict[str, str]) -> str:
    """``query`` with each label-service block replaced by the SPARQL that answers it."""
    try:
        return _rewrite(query, prefixes)
    except _Malformed as error:
        raise LabelServiceError(error.message.replace("{where}", _where(query, error.offset))) from None


def _rewrite(query: str, prefixes: dict[str, str]) -> str:
    code = _code(query)
    declared = _declared(code, prefixes)
    calls = [_read_call(code, index, declared) for index in range(len(code))
             if _is_label_service(code, index, declared)]
    if not calls:
        return query
    projection = _projection(code)
    automatic = next((c for c in calls if not c.resolutions), None)
    if automatic is not None:  # WDQS fills in one automatic block only
        automatic.resolutions = _automatic(projection, code, calls)
    text = _blank_blocks(query, calls)
    insertions = _patterns_by_group(calls)
    for offset in sorted(insertions, reverse=True):
        text = text[:offset] + insertions[offset] + text[offset:]
    return _explicit_projection(text, projection, code, calls)


# --- reading the query -------------------------------------------------------------------

def _where(query: str, offset: int) -> str:
    line = query.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (query.rfind(chr(10), 0, offset) + 1) + 1}"


def _code(query: str) -> list[Token]:
    return [t for t in query_tokens(query) if t.kind != "comment"]


def _declared(code: list[Token], prefixes: dict[str, str]) -> dict[str, str]:
    """The endpoint's prefixes, overridden by the query's own PREFIX declarations."""
    declared = dict(prefixes)
    for index, token in enumerate(code[:-2]):
        name, iri = code[index + 1], code[index + 2]
        if token.is_word("PREFIX") and name.kind == "pname" and iri.kind == "iri":
            declared[name.text[:-1]] = iri.text[1:-1]
    return declared


def _iri(token: Token, declared: dict[str, str]) -> str | None:
    """The IRI a token names, if it names one (``a`` is rdf:type)."""
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return declared[prefix] + local.replace("\\", "") if prefix in declared else None
    if token.is_word("A") and token.text == "a":
        return RDF_TYPE
    return None


def _endpoint_index(code: list[Token], index: int) -> int | None:
    """Index of the endpoint token of the SERVICE keyword at ``index``, if one is there."""
    if not code[index].is_word("SERVICE"):
        return None
    at = index + 1
    if at < len(code) and code[at].is_word("SILENT"):
        at += 1
    return at if at < len(code) else None


def _is_label_service(code: list[Token], index: int, declared: dict[str, str]) -> bool:
    at = _endpoint_index(code, index)
    return at is not None and _iri(code[at], declared) == LABEL_SERVICE


def _names_wikibase_label(code: list[Token], index: int) -> bool:
    """``SERVICE wikibase:label`` with ``wikibase:`` undeclared (as on /sparql)."""
    at = _endpoint_index(code, index)
    return at is not None and code[at].text == "wikibase:label"


def _matching(code: list[Token], index: int) -> int:
    """Index of the bracket closing the one at ``index``."""
    opening = code[index].text
    closing = {"{": "}", "(": ")", "[": "]"}[opening]
    depth = 0
    for at in range(index, len(code)):
        if code[at].text == opening and code[at].kind == "punct":
            depth += 1
        elif code[at].text == closing and code[at].kind == "punct":
            depth -= 1
            if depth == 0:
                return at
    raise _Malformed(f"the '{opening}' at {{where}} is never closed", code[index].start)


def _enclosing_group_end(code: list[Token], index: int) -> int:
    """Offset of the ``}`` that closes the group holding the token at ``index``."""
    depth = 0
    for at in range(index - 1, -1, -1):
        if code[at].text == "}" and code[at].kind == "punct":
            depth += 1
        elif code[at].text == "{" and code[at].kind == "punct":
            if depth == 0:
                return code[_matching(code, at)].start
            depth -= 1
    raise LabelServiceError("SERVICE wikibase:label must stand inside the query's WHERE { … }")


def _read_call(code: list[Token], index: int, declared: dict[str, str]) -> _Call:
    at = _endpoint_index(code, index) + 1
    if at >= len(code) or code[at].text != "{":
        raise _Malformed(f"SERVICE wikibase:label at {{where}} has no {{ … }} block: "
                         f"{_BLOCK_HINT}", code[index].start)
    close = _matching(code, at)
    # a "." after the block belongs to it: left behind, it would follow another "." (an error)
    last = close + 1 if close + 1 < len(code) and code[close + 1].text == "." else close
    call = _Call(code[index].start, code[last].end, _enclosing_group_end(code, index))
    for subject, predicate, value in _triples(code[at + 1:close]):
        _take(call, subject, predicate, value, declared)
    if not call.languages:
        raise _Malformed(
            "SERVICE wikibase:label at {where} names no language: add bd:serviceParam "
            'wikibase:language "[AUTO_LANGUAGE],en" . inside its { } (WDQS: "You must provide '
            'the label service a list of languages.")', code[index].start)
    return call


def _triples(tokens: list[Token]) -> list[tuple[Token, Token, list[Token]]]:
    """The triples of a block of plain triple patterns (``;`` and ``,`` lists allowed)."""
    triples, at = [], 0
    while at < len(tokens):
        subject, at = tokens[at], at + 1
        while True:
            predicate, at = _need(tokens, at), at + 1
            while True:
                value, at = _object(tokens, at)
                triples.append((subject, predicate, value))
                if at < len(tokens) and tokens[at].text == ",":
                    at += 1
                    continue
                break
            if at < len(tokens) and tokens[at].text == ";":
                at += 1
                if at < len(tokens) and tokens[at].text != ".":
                    continue
            break
        if at < len(tokens) and tokens[at].text == ".":
            at += 1
        elif at < len(tokens):
            raise _Malformed(f"cannot read the label service block at '{tokens[at].text}' "
                             f"({{where}}): it holds triples only; {_BLOCK_HINT}", tokens[at].start)
    return triples


def _need(tokens: list[Token], at: int) -> Token:
    if at >= len(tokens):
        raise LabelServiceError(f"the label service block ends in the middle of a triple; "
                                f"{_BLOCK_HINT}")
    return tokens[at]


def _object(tokens: list[Token], at: int) -> tuple[list[Token], int]:
    """An object term: one token, or a string with its language tag or ``^^`` datatype."""
    term = [_need(tokens, at)]
    at += 1
    if term[0].kind == "string" and at < len(tokens):
        if tokens[at].kind == "langtag":
            term.append(tokens[at])
            at += 1
        elif tokens[at].text == "^^":
            term += [tokens[at], _need(tokens, at + 1)]
            at += 2
    return term, at


def _take(call: _Call, subject: Token, predicate: Token, value: list[Token],
          declared: dict[str, str]) -> None:
    """Add one triple of the block to ``call``: a parameter, or a value to look up."""
    if _iri(subject, declared) == SERVICE_PARAM:
        if _iri(predicate, declared) != LANGUAGE_PARAM:
            raise LabelServiceError(f"the label service knows one parameter, wikibase:language; "
                                    f"got {predicate.text}")
        if value[0].kind != "string":
            raise LabelServiceError(f"wikibase:language takes a string such as \"en,fr\"; "
                                    f"got {value[0].text}")
        for language in _string_value(value[0]).split(","):
            language = language.strip().replace("[AUTO_LANGUAGE]", AUTO_LANGUAGE)
            if language and not _LANGUAGE.fullmatch(language):
                raise LabelServiceError(f"{language!r} is not a language code; write codes such "
                                        f"as \"kk,ru,en\" or \"[AUTO_LANGUAGE]\"")
            language = language.lower()  # tags compare case-insensitively (BCP 47): kk-Latn
            if language and language not in call.languages:
                call.languages.append(language)
        return
    iri = _iri(predicate, declared)
    if iri is None or value[0].kind != "var" or len(value) > 1:
        raise LabelServiceError(
            f"inside the label service, write statements such as ?item rdfs:label ?name "
            f"(a property and a variable to bind); got {subject.text} {predicate.text} "
            f"{' '.join(t.text for t in value)}")
    call.resolutions.append(Resolution(_subject_text(subject, declared), iri, value[0].text[1:]))


def _string_value(token: Token) -> str:
    quote = 3 if token.text[:3] in ('"""', "'''") else 1
    return token.text[quote:-quote]


def _subject_text(subject: Token, declared: dict[str, str]) -> str:
    if subject.kind == "var":
        return "?" + subject.text[1:]
    iri = _iri(subject, declared)
    if iri is None:
        raise LabelServiceError(f"the label service looks up labels of a variable or an IRI; "
                                f"got {subject.text}")
    return f"<{iri}>"


def _projection(code: list[Token]) -> tuple[int, int] | None:
    """(first, last+1) token indexes of the outermost SELECT's projection, if there is one."""
    start = next((i for i, t in enumerate(code) if t.is_word(*_FORMS)), None)
    if start is None or not code[start].is_word("SELECT"):
        return None  # ASK, CONSTRUCT, DESCRIBE project nothing for automatic mode to fill
    end, depth = start + 1, 0
    while end < len(code):
        token = code[end]
        if depth == 0 and (token.is_word("WHERE", "FROM") or token.text == "{"):
            break
        depth += token.text == "("
        depth -= token.text == ")"
        end += 1
    return start + 1, end


def _automatic(projection: tuple[int, int] | None, code: list[Token],
               calls: list[_Call]) -> list[Resolution]:
    """What an empty block resolves: the projected ``?xLabel``-like variables WDQS fills."""
    if projection is None:
        return []
    bound = set(_where_variables(code, calls, projection))
    resolutions, depth = [], 0
    for token in code[projection[0]:projection[1]]:
        depth += token.text == "("
        depth -= token.text == ")"
        if token.kind != "var" or depth != 0 or token.text[1:] in bound:
            continue  # WDQS fills plain projected variables the query does not bind itself
        name = token.text[1:]
        for suffix, predicate in SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                resolutions.append(Resolution("?" + name[:-len(suffix)], predicate, name))
                break
    return resolutions


def _where_variables(code: list[Token], calls: list[_Call],
                     projection: tuple[int, int]) -> list[str]:
    """Names of the variables in the outermost WHERE group, outside the label-service blocks,
    in the order they first appear."""
    at = projection[1]
    while at < len(code) and code[at].text != "{":
        at += 1
    if at >= len(code):
        return []
    close = _matching(code, at)
    names = [t.text[1:] for t in code[at:close] if t.kind == "var"
             and not any(c.start <= t.start < c.end for c in calls)]
    return list(dict.fromkeys(names))


# --- writing the replacement ------------------------------------------------------------

def _blank_blocks(query: str, calls: list[_Call]) -> str:
    """The query with each block replaced by blanks, its line breaks kept."""
    text = query
    for call in calls:
        block = text[call.start:call.end]
        text = text[:call.start] + "".join(c if c in "\r\n" else " " for c in block) + text[call.end:]
    return text


def _patterns_by_group(calls: list[_Call]) -> dict[int, str]:
    """The patterns to insert, by the offset of the closing brace of their group."""
    insertions: dict[int, str] = {}
    done: set[str] = set()
    number = 0
    for call in calls:
        for resolution in call.resolutions:
            if resolution.target in done:
                continue  # a variable is bound once (BIND refuses twice)
            done.add(resolution.target)
            number += 1
            insertions[call.group_end] = (insertions.get(call.group_end, "")
                                          + _patterns(resolution, call.languages, number))
    return insertions


def _patterns(resolution: Resolution, languages: list[str], number: int) -> str:
    """SPARQL binding ``?target`` as WDQS's label service does (on one line)."""
    key = f"?{_HELPER}{number}"
    parts = [f" BIND(COALESCE({resolution.subject}, {_UNBOUND}) AS {key})"]
    candidates = []
    for index, language in enumerate(languages):
        value = f"?{_HELPER}{number}_{index}"
        parts.append(_lookup(key, resolution.predicate, value, language, f"?{_HELPER}{number}v"))
        # STR(): engines differ on whether GROUP_CONCAT keeps a shared language tag
        candidates.append(f'STRLANG(STR({value}), "{language}")' if resolution.predicate in JOINED
                          else value)
    if resolution.predicate == RDFS_LABEL:
        candidates.append(_entity_id(resolution.subject))
    parts.append(f" BIND(COALESCE({', '.join(candidates)}) AS ?{resolution.target}) ")
    return "".join(parts)


def _lookup(key: str, predicate: str, value: str, language: str, each: str) -> str:
    """The value of ``predicate`` in ``language``: one (OPTIONAL), or all joined (sub-select)."""
    if predicate in JOINED:
        return (f" OPTIONAL {{ {{ SELECT {key} (GROUP_CONCAT({each}; separator=\", \") AS {value})"
                f" WHERE {{ {key} <{predicate}> {each} FILTER(LCASE(LANG({each})) = \"{language}\") }}"
                f" GROUP BY {key} }} }}")
    return f' OPTIONAL {{ {key} <{predicate}> {value} FILTER(LCASE(LANG({value})) = "{language}") }}'


def _entity_id(subject: str) -> str:
    """WDQS's label of something without one: the id of a Wikidata entity, else the value."""
    text = f"STR({subject})"
    return (f'IF(STRSTARTS({text}, "{ENTITY}"), STRAFTER({text}, "{ENTITY}"), {text})')


def _modifiers(code: list[Token], projection: tuple[int, int]) -> int:
    return sum(1 for t in code[projection[0]:projection[1]] if t.is_word("DISTINCT", "REDUCED"))


def _explicit_projection(text: str, projection: tuple[int, int] | None, code: list[Token],
                         calls: list[_Call]) -> str:
    """``SELECT *`` would also return the rewrite's helper variables: list the query's own."""
    if projection is None or not any(c.resolutions for c in calls):
        return text
    star = [t for t in code[projection[0]:projection[1]] if t.text == "*"]
    if len(star) != projection[1] - projection[0] - _modifiers(code, projection) or not star:
        return text  # "*" is the whole projection (not COUNT(*)), after DISTINCT or REDUCED
    names = _where_variables(code, calls, projection)
    names += [r.target for c in calls for r in c.resolutions]
    listed = " ".join(f"?{name}" for name in dict.fromkeys(names))
    offset = star[0].start
    return text[:offset] + listed + text[offset + 1:]
