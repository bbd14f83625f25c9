"""Readable SPARQL errors: a corpus of broken queries, each explained in words at its own place."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kzgraph.errors import BadRequest, QuerySyntaxError, ServiceNotAllowed
from kzgraph.matching import FUNCTIONS
from kzgraph.query.diagnose import diagnose, explained

PREFIXES = {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "kz": "https://w3id.org/kzgraph/resource/",
            "kzf": "https://w3id.org/kzgraph/function#"}

# (broken query, words the explanation must contain, line, column of the spot it points at)
CORPUS = [
    # unclosed groups, parentheses, strings
    ("SELECT * WHERE { ?s ?p ?o ", "the group `{` opened on line 1, column 16 is not closed: add a `}`", 1, 26),
    ("SELECT * WHERE {\n  ?s ?p ?o\n", "opened on line 1, column 16 is not closed", 2, 11),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o > 1 }", "the parenthesis `(` opened on line 1, column 33 is still open: close it first with `)`", 1, 41),
    ("SELECT * WHERE { ?s ?p ?o ) }", "this `)` comes while the group `{` opened on line 1, column 16 is still open", 1, 27),
    ("SELECT * WHERE { ?s ?p ?o } }", "this `}` closes nothing that is open", 1, 29),
    ("SELECT * WHERE { ?s ?p ?o FILTER(STRLEN(?o) > 1)) }", "this `)` comes while the group `{`", 1, 49),
    ('SELECT * WHERE { ?s ?p "abc }', 'the string that starts here is not closed: end it with "', 1, 24),
    ("SELECT * WHERE { ?s ?p 'abc }", "the string that starts here is not closed: end it with '", 1, 24),
    # typos in keywords and functions
    ("SELEC * WHERE { ?s ?p ?o }", "`SELEC` is not a SPARQL keyword; did you mean SELECT?", 1, 1),
    ("SELECT * WHERE { ?s ?p ?o OPTINAL { ?s ?q ?r } }", "did you mean OPTIONAL?", 1, 27),
    ("SELECT * WHERE { ?s ?p ?o } LIMT 10", "did you mean LIMIT?", 1, 29),
    ("SELECT * WHERE { ?s ?p ?o FILTR(?o) }", "unknown function `FILTR`; did you mean FILTER?", 1, 27),
    ("SELECT * WHERE { ?s ?p ?o FILTER(STRLENGTH(?o) > 3) }", "unknown function `STRLENGTH`; did you mean STRLEN?", 1, 34),
    ("SELECT * WHERE { ?s ?p ?o FILTER(foo(?o)) }", "unknown function `foo`", 1, 34),
    ("SELECT * WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }",
     "unknown function <http://example.org/f>: this endpoint has SPARQL's built-in functions and these extension functions: <https://w3id.org/kzgraph/function#match>", 1, 34),
    # missing dots
    ("SELECT * WHERE { ?s ?p ?o ?s2 ?p2 ?o2 }", "a `.` is missing before this", 1, 27),
    ("SELECT * WHERE {\n  ?s rdfs:label ?l\n  ?s ?p ?o\n}", "a `.` is missing before this", 3, 3),
    ('SELECT * WHERE { ?s ?p "x"@en ?t ?q ?r }', "a `.` is missing before this", 1, 31),
    # undeclared prefixes
    ("SELECT * WHERE { nope:x ?p ?o }", "prefix `nope:` is not declared; declare it (PREFIX nope: <…>), or use one of the predeclared prefixes: kz:, kzf:, rdfs:", 1, 18),
    ("SELECT * WHERE {\n  ?s ?p ?o\n  OPTIONAL { ?s bd:serviceParam ?y }\n}", "prefix `bd:` is not declared", 3, 17),
    ('SELECT * WHERE { ?s ?p ?o FILTER(?o = "x"^^xsd:string) }', "prefix `xsd:` is not declared", 1, 44),
    # GROUP BY and aggregates
    ("SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s ?p ?o }", "?s is selected but neither grouped nor aggregated", 1, 8),
    ("SELECT ?x WHERE { ?s ?p ?o } GROUP BY ?s", "?x is selected but neither grouped nor aggregated: add ?x to GROUP BY", 1, 8),
    ("SELECT ?s ?p (COUNT(?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s", "?p is selected but neither grouped nor aggregated", 1, 11),
    ("SELECT (SUM(?o) AS ?n) ?o WHERE { ?s ?p ?o }", "?o is selected but neither grouped nor aggregated: add GROUP BY ?o", 1, 24),
    ("SELECT * WHERE { ?s ?p ?o } GROUP BY ?s", "SELECT * cannot be used with GROUP BY", 1, 8),
    ("SELECT * WHERE { ?s ?p ?o BIND(1 AS ?s) }", "?s is already bound in this group before BIND assigns it", 1, 37),
    # bad IRIs and literals
    ("SELECT * WHERE { <http://example.org/a b> ?p ?o }", "`<http://example.org/a b>` is not an IRI", 1, 18),
    ("SELECT * WHERE { ?s ?p 12.3.4 }", "`12.3.4` is not a number", 1, 24),
    ("SELECT * WHERE { ?s ?p 'x'@ }", "a language tag must follow `@`", 1, 27),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT ten", "LIMIT takes a whole number of solutions, as in LIMIT 10", 1, 35),
    ("SELECT * WHERE { ?s ?p ?o } OFFSET -1", "OFFSET takes a whole number", 1, 36),
    # what is left to the engine's own message, in words
    ("SELECT * WHERE { ?s ?p ?o } ORDER BY", "expected a variable, `(`, a prefixed name or an IRI here", 1, 37),
    ("SELECT DISTINCT WHERE { ?s ?p ?o }", "expected a variable, `(` or `*` here", 1, 17),
    ("SELECT * WHERE { ?s ?p ?o . ?s ?p }", "a triple pattern needs a subject, a predicate and an object", 1, 36),
]


def engine_message(query: str) -> str:
    try:
        pyoxigraph.Store().query(query, prefixes=PREFIXES, custom_functions={
            pyoxigraph.NamedNode(iri): (lambda *args: None) for iri in FUNCTIONS})
    except (SyntaxError, RuntimeError) as error:
        return str(error)
    raise AssertionError(f"the engine accepts {query!r}")


def test_the_corpus_is_large_enough_to_matter():
    assert len(CORPUS) >= 25


@pytest.mark.parametrize("query,words,line,column", CORPUS, ids=[q for q, *_ in CORPUS])
def test_each_broken_query_is_explained_in_words_at_its_place(query, words, line, column):
    found = diagnose(query, engine_message(query), prefixes=PREFIXES, functions=FUNCTIONS[:1])
    assert words in found.message
    assert (found.line, found.column) == (line, column)
    caret_row = found.excerpt.splitlines()[-1]
    assert caret_row.index("^") - caret_row.index("|") - 2 == column - 1  # the caret under the spot
    assert "['" not in found.message and "..=" not in found.message  # no character classes


def test_the_excerpt_numbers_the_line_before_and_the_faulty_line():
    query = "SELECT * WHERE {\n  ?s rdfs:label ?l\n  ?s ?p ?o\n}"
    found = diagnose(query, engine_message(query), prefixes=PREFIXES)
    assert found.excerpt == "2 |   ?s rdfs:label ?l\n3 |   ?s ?p ?o\n  |   ^"


def test_a_query_own_prefix_is_not_reported_as_undeclared():
    query = "PREFIX nope: <http://example.org/> SELECT * WHERE { nope:x ?p ?o ?q ?r ?t }"
    found = diagnose(query, engine_message(query))
    assert "not declared" not in found.message and "a `.` is missing" in found.message


def test_explained_turns_the_engines_refusal_into_a_placed_syntax_error():
    query = "SELECT * WHERE { nope:x ?p ?o }"
    error = explained(QuerySyntaxError(engine_message(query)), query, PREFIXES)
    assert isinstance(error, QuerySyntaxError)
    assert error.details == {"line": 1, "column": 18,
                             "excerpt": "1 | SELECT * WHERE { nope:x ?p ?o }\n  |                  ^"}


def test_explained_leaves_other_errors_as_they_were():
    refused = ServiceNotAllowed("SERVICE <http://x> is not allowed")
    assert explained(refused, "SELECT * WHERE { ?s ?p ?o }") is refused
    unplaced = BadRequest("a type error the diagnosis knows nothing of")
    assert explained(unplaced, "SELECT * WHERE { ?s ?p ?o }") is unplaced


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("SELECT*WHERE{}()[]?s <>:\"'.;,@^0123456789\n#-kz")),
               max_size=60))
def test_any_text_gets_an_explanation_and_never_an_exception(text):
    found = diagnose(text, "error at 1:1: expected one of \"}\", [_]", prefixes=PREFIXES)
    assert found.message
    if found.line is not None:
        assert 1 <= found.line <= text.count("\n") + 1 and found.column >= 1
