"""The label service, compared case by case with WDQS's documented behaviour.

WDQS's behaviour is taken from its User Manual ("Label service") and from its own tests
(wikidata/query/rdf, LabelServiceUnitTest: an item with labels "in en", "in de", "in ru",
aliases "alt label in en", "alt label in en2", "alt label in de"); the fixture below is that
item (as ex:item, so that no Wikidata id outside the register is written; wd:Q48604, from the
register, is the item without labels), so each expectation here is the one WDQS's tests state. The rewritten query runs on a
pyoxigraph store; the endpoint tests at the end run it through /wikidata/sparql.
"""

from __future__ import annotations

import pyoxigraph
import pytest

from kzgraph.errors import LabelServiceError
from kzgraph.prefixes import KZGRAPH_PREFIXES, WDQS_PREFIXES
from kzgraph.wikidata.label_service import (refuse_label_service, rewrite_label_service,
                                            uses_label_service)

FIXTURE = """
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix ex: <http://example.org/> .
ex:item rdfs:label "in en"@en, "in de"@de, "in ru"@ru ;
    skos:altLabel "alt label in en"@en, "alt label in en2"@en, "alt label in de"@de ;
    schema:description "description in en"@en, "description in de"@de, "description in ru"@ru .
ex:dummy ex:dummy ex:item .
ex:dummy ex:unlabelled wd:Q48604 .
ex:dummy ex:foreign <https://w3id.org/kzgraph/resource/Nothing> .
ex:dummy ex:when "2015-09-02T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
"""
PREFIXES = {**WDQS_PREFIXES, "ex": "http://example.org/"}


@pytest.fixture(scope="module")
def store():
    store = pyoxigraph.Store()
    store.load(FIXTURE.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def answer(store, query: str) -> list[dict[str, pyoxigraph.Literal | None]]:
    results = store.query(rewrite_label_service(query, PREFIXES), prefixes=PREFIXES)
    names = [v.value for v in results.variables]
    return [{name: row[name] for name in names} for row in results]


def only(store, query: str) -> dict:
    [row] = answer(store, query)
    return row


def text(term) -> tuple[str, str | None] | None:
    return None if term is None else (term.value, term.language)


def automatic(languages: str, extra: str = "ex:dummy ex:dummy ?o .") -> str:
    return (f"SELECT ?oLabel ?oAltLabel ?oDescription WHERE {{ {extra} "
            f"SERVICE wikibase:label {{ bd:serviceParam wikibase:language \"{languages}\" . }} }}")


# WDQS's simpleLabelLookupTestCase: (languages, label, alias) as its test states them
@pytest.mark.parametrize("languages,label,alias", [
    ("en", ("in en", "en"), ("alt label in en, alt label in en2", "en")),
    ("ru", ("in ru", "ru"), None),
    ("dummy", ("http://example.org/item", None), None),
    ("dummy,en", ("in en", "en"), ("alt label in en, alt label in en2", "en")),
    ("en,ru", ("in en", "en"), ("alt label in en, alt label in en2", "en")),
    ("ru,de", ("in ru", "ru"), ("alt label in de", "de")),
    ("en , ru, en", ("in en", "en"), ("alt label in en, alt label in en2", "en")),
])
def test_automatic_labels_and_aliases_follow_the_language_list(store, languages, label, alias):
    row = only(store, automatic(languages))
    assert text(row["oLabel"]) == label
    if alias is None:
        assert row["oAltLabel"] is None
    else:  # WDQS joins them with ", " in store order: compare as a set
        value, language = text(row["oAltLabel"])
        assert (set(value.split(", ")), language) == (set(alias[0].split(", ")), alias[1])


def test_description_in_the_first_language_that_has_one(store):
    assert text(only(store, automatic("fr,de,en"))["oDescription"]) == ("description in de", "de")


def test_no_description_in_those_languages_stays_unbound(store):
    assert only(store, automatic("fr"))["oDescription"] is None


def test_auto_language_is_english_here(store):
    row = only(store, automatic("[AUTO_LANGUAGE]"))
    assert text(row["oLabel"]) == ("in en", "en")
    assert text(only(store, automatic("[AUTO_LANGUAGE],de"))["oDescription"]) == (
        "description in en", "en")


def test_language_tags_compare_case_insensitively(store):
    """BCP 47 tags are case-insensitive: "DE" finds the "de" label (and kk-Latn, kk-latn)."""
    assert text(only(store, automatic("DE"))["oLabel"]) == ("in de", "de")


def test_several_language_parameters_are_one_list(store):
    query = ("SELECT ?oLabel WHERE { ex:dummy ex:dummy ?o . SERVICE wikibase:label { "
             'bd:serviceParam wikibase:language "fr" . bd:serviceParam wikibase:language "de,en" . } }')
    assert text(only(store, query)["oLabel"]) == ("in de", "de")


def test_an_item_with_no_label_gets_its_id(store):
    query = automatic("en", "ex:dummy ex:unlabelled ?o .")
    row = only(store, query)
    assert text(row["oLabel"]) == ("Q48604", None)
    assert row["oDescription"] is None and row["oAltLabel"] is None


def test_an_iri_outside_wikidata_with_no_label_gets_the_iri_as_wdqs_does(store):
    row = only(store, automatic("en", "ex:dummy ex:foreign ?o ."))
    assert text(row["oLabel"]) == ("https://w3id.org/kzgraph/resource/Nothing", None)


def test_a_literal_is_its_own_label(store):
    row = only(store, automatic("en", "ex:dummy ex:when ?o ."))
    assert text(row["oLabel"]) == ("2015-09-02T00:00:00Z", None)
    assert row["oDescription"] is None


def test_an_unbound_subject_leaves_the_label_unbound(store):
    """WDQS's labelOverUnboundSubject; here also a subject bound in some rows only."""
    assert only(store, automatic("en", ""))["oLabel"] is None
    query = ("SELECT ?o ?oLabel WHERE { VALUES ?k { 1 2 } OPTIONAL { ex:dummy ex:dummy ?o "
             "FILTER(?k = 1) } SERVICE wikibase:label { bd:serviceParam wikibase:language \"en\" } }")
    rows = answer(store, query)
    assert len(rows) == 2  # the row without ?o is neither dropped nor multiplied
    assert sorted((text(r["oLabel"]) or ("",))[0] for r in rows) == ["", "in en"]


def test_select_star_gets_no_automatic_labels(store):
    query = ('SELECT * WHERE { ex:dummy ex:dummy ?o . '
             'SERVICE wikibase:label { bd:serviceParam wikibase:language "en" } }')
    assert answer(store, query) == [{"o": pyoxigraph.NamedNode("http://example.org/item")}]


def test_manual_mode_binds_custom_names_and_select_star_shows_only_them(store):
    query = ('SELECT * WHERE { ex:dummy ex:dummy ?o . SERVICE wikibase:label { '
             'bd:serviceParam wikibase:language "de" . ?o rdfs:label ?name ; '
             'schema:description ?about . ?o skos:altLabel ?aliases } }')
    [row] = answer(store, query)
    assert set(row) == {"o", "name", "about", "aliases"}  # no helper variables
    assert text(row["name"]) == ("in de", "de")
    assert text(row["about"]) == ("description in de", "de")
    assert text(row["aliases"]) == ("alt label in de", "de")


def test_manual_mode_over_a_constant(store):
    query = ('SELECT ?itemLabel WHERE { SERVICE wikibase:label { '
             'bd:serviceParam wikibase:language "ru" . ex:item rdfs:label ?itemLabel } }')
    assert text(only(store, query)["itemLabel"]) == ("in ru", "ru")


def test_the_full_iri_form_and_a_query_s_own_prefixes(store):
    query = ('PREFIX w: <http://wikiba.se/ontology#> PREFIX b: <http://www.bigdata.com/rdf#> '
             'SELECT ?oLabel WHERE { ex:dummy ex:dummy ?o . SERVICE <http://wikiba.se/ontology#label> '
             '{ b:serviceParam w:language "de" } }')
    assert text(only(store, query)["oLabel"]) == ("in de", "de")


def test_the_label_service_in_a_deeper_group(store):
    """WDQS's deeperServiceCall: the service answers for its own group."""
    query = ('SELECT ?oLabel WHERE { ex:dummy ?p ?x . { ex:dummy ex:dummy ?o . '
             'SERVICE wikibase:label { bd:serviceParam wikibase:language "en , de" . } } } LIMIT 1')
    assert text(only(store, query)["oLabel"]) == ("in en", "en")


def test_the_service_runs_after_the_rest_of_its_group(store):
    """Written first, as WDQS users often do, it still sees ?o bound by what follows."""
    query = ('SELECT ?oLabel WHERE { SERVICE wikibase:label { bd:serviceParam wikibase:language '
             '"en" } ex:dummy ex:dummy ?o . }')
    assert text(only(store, query)["oLabel"]) == ("in en", "en")


def test_a_dot_after_the_block_is_fine(store):
    query = ('SELECT ?oLabel WHERE { ex:dummy ex:dummy ?o . SERVICE wikibase:label { '
             'bd:serviceParam wikibase:language "en" . } . }')
    assert text(only(store, query)["oLabel"]) == ("in en", "en")


def test_a_label_the_query_binds_itself_is_left_alone(store):
    query = ('SELECT ?o ?oLabel WHERE { ex:dummy ex:dummy ?o . ?o rdfs:label ?oLabel '
             'FILTER(LANG(?oLabel) = "ru") SERVICE wikibase:label { bd:serviceParam wikibase:language "en" } }')
    assert text(only(store, query)["oLabel"]) == ("in ru", "ru")


def test_labels_in_order_by_and_group_by(store):
    query = ('SELECT ?oLabel (COUNT(*) AS ?n) WHERE { ex:dummy ?p ?o . SERVICE wikibase:label { '
             'bd:serviceParam wikibase:language "en" } } GROUP BY ?oLabel ORDER BY ?oLabel')
    labels = [text(r["oLabel"])[0] for r in answer(store, query)]
    assert labels == sorted(labels) and "in en" in labels and "Q48604" in labels


def test_ask_and_construct(store):
    """WDQS's labelOnAsk: an automatic block in ASK fills nothing (a sub-select's projection is
    not the query's); manual mode works in any form."""
    ask = ('ASK { ex:dummy ex:dummy ?o . { SELECT ?oLabel WHERE { ?x ?y ?z } LIMIT 1 } '
           'FILTER(BOUND(?oLabel)) SERVICE wikibase:label { bd:serviceParam wikibase:language "en" } }')
    assert not bool(store.query(rewrite_label_service(ask, PREFIXES), prefixes=PREFIXES))
    construct = ('CONSTRUCT { ?o rdfs:comment ?name } WHERE { ex:dummy ex:dummy ?o . SERVICE '
                 'wikibase:label { bd:serviceParam wikibase:language "ru" . ?o rdfs:label ?name } }')
    [triple] = store.query(rewrite_label_service(construct, PREFIXES), prefixes=PREFIXES)
    assert triple.object == pyoxigraph.Literal("in ru", language="ru")


def test_line_numbers_survive_the_rewrite():
    query = 'SELECT ?xLabel WHERE {\n  ?x ?p ?o .\n  SERVICE wikibase:label {\n    bd:serviceParam wikibase:language "en" .\n  }\n}\n'
    rewritten = rewrite_label_service(query, PREFIXES)
    assert rewritten.count("\n") == query.count("\n")
    assert rewritten.splitlines()[1] == query.splitlines()[1]
    assert "SERVICE" not in rewritten and "rdf-schema#label" in rewritten.splitlines()[5]


def test_queries_without_the_service_are_untouched():
    query = "SELECT ?x WHERE { ?x rdfs:label ?label } # SERVICE wikibase:label in a comment"
    assert rewrite_label_service(query, PREFIXES) == query
    assert not uses_label_service(query, PREFIXES)
    assert uses_label_service("SELECT * { SERVICE wikibase:label { } }", PREFIXES)


@pytest.mark.parametrize("block,says", [
    ("{ }", "names no language"),
    ("{ ?x rdfs:label ?name }", "names no language"),
    ('{ bd:serviceParam wikibase:colour "en" }', "one parameter"),
    ("{ bd:serviceParam wikibase:language ?lang }", "takes a string"),
    ('{ bd:serviceParam wikibase:language "en" . ?x rdfs:label "fixed" }', "a variable to bind"),
    ('{ bd:serviceParam wikibase:language "en" FILTER(true) }', "holds triples only"),
    ("", "no { … } block"),
    ("{ bd:serviceParam wikibase:language 'en\") } } SELECT' }", "not a language code"),
])
def test_a_malformed_block_is_a_clear_error(block, says):
    with pytest.raises(LabelServiceError, match=says):
        rewrite_label_service(f"SELECT ?xLabel WHERE {{ ?x ?p ?o SERVICE wikibase:label {block} }}",
                              PREFIXES)


def test_errors_say_where_in_lines_and_columns():
    with pytest.raises(LabelServiceError, match="at line 3, column 3 names no language"):
        rewrite_label_service("SELECT ?xLabel WHERE {\n  ?x ?p ?o .\n  SERVICE wikibase:label { }\n}", PREFIXES)
    with pytest.raises(LabelServiceError, match="line 1, column 22 is never closed"):
        rewrite_label_service('SELECT ?xLabel WHERE { ?x ?p ?o SERVICE wikibase:label { '
                              'bd:serviceParam wikibase:language "en" } ', PREFIXES)


def test_refused_where_not_offered():
    query = 'SELECT ?xLabel WHERE { ?x ?p ?o SERVICE wikibase:label { bd:serviceParam wikibase:language "en" } }'
    with pytest.raises(LabelServiceError, match="/wikidata/sparql"):
        refuse_label_service(query, KZGRAPH_PREFIXES, "/sparql")
    refuse_label_service("SELECT ?x WHERE { ?x rdfs:label ?l }", KZGRAPH_PREFIXES, "/sparql")


# --- through the endpoints ---------------------------------------------------------------

JSON = {"Accept": "application/sparql-results+json"}
WDQS_QUERY = """SELECT ?item ?itemLabel ?itemDescription ?itemAltLabel WHERE {
  VALUES ?item { wd:Q48604 wd:Q25271 }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "LANGUAGES". }
}"""


def test_the_wdqs_line_runs_on_the_wikidata_endpoint(client):
    query = WDQS_QUERY.replace("LANGUAGES", "[AUTO_LANGUAGE],en")
    response = client.get("/wikidata/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["head"]["vars"] == ["item", "itemLabel", "itemDescription", "itemAltLabel"]
    labels = {b["item"]["value"]: b["itemLabel"] for b in body["results"]["bindings"]}
    assert labels["http://www.wikidata.org/entity/Q48604"] == {
        "type": "literal", "value": "Mir", "xml:lang": "en"}
    # no label in the one language asked for: the id, as WDQS gives it
    query = WDQS_QUERY.replace("LANGUAGES", "fr")
    body = client.get("/wikidata/sparql", params={"query": query}, headers=JSON).json()
    labels = {b["item"]["value"]: b["itemLabel"] for b in body["results"]["bindings"]}
    assert labels["http://www.wikidata.org/entity/Q48604"] == {"type": "literal", "value": "Q48604"}


def test_a_malformed_block_is_a_400_naming_the_problem(client):
    query = "SELECT ?xLabel WHERE { ?x wdt:P31 ?c SERVICE wikibase:label { } }"
    response = client.get("/wikidata/sparql", params={"query": query})
    assert response.status_code == 400
    assert "names no language" in response.json()["message"]


def test_the_main_endpoint_points_to_the_wikidata_one(client):
    response = client.get("/sparql", params={"query": WDQS_QUERY.replace("LANGUAGES", "en")})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "/wikidata/sparql" in message and "rdfs:label" in message


def test_other_services_keep_the_allowlist_rules(client):
    query = ('SELECT ?xLabel WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?x ?p ?o } '
             'SERVICE wikibase:label { bd:serviceParam wikibase:language "en" } }')
    response = client.get("/wikidata/sparql", params={"query": query})
    assert response.status_code == 400 and response.json()["error"] == "service_not_allowed"
