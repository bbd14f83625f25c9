"""/wikidata/sparql: the Wikidata-vocabulary view served over the SPARQL protocol, with the
Wikidata Query Service's prefixes predefined, so WDQS queries run unchanged."""

from __future__ import annotations

import re

import pytest

from kzgraph import load_wikidata_examples

EXAMPLES = load_wikidata_examples()
ENDPOINT = "/wikidata/sparql"
JSON = {"Accept": "application/sparql-results+json"}


def rows(response) -> list[tuple[str, ...]]:
    assert response.status_code == 200, response.text
    body = response.json()
    names = body["head"]["vars"]
    return [tuple(b.get(v, {}).get("value", "") for v in names) for b in body["results"]["bindings"]]


def test_there_are_wdqs_style_examples_without_prefix_declarations():
    assert len(EXAMPLES) >= 5
    declares_prefixes = re.compile(r"^\s*PREFIX\s", re.IGNORECASE | re.MULTILINE)
    assert all(e.expected and not declares_prefixes.search(e.query) for e in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_wdqs_query_runs_unchanged(client, example):
    found = rows(client.post(ENDPOINT, data={"query": example.query}, headers=JSON))
    assert example.matches(found), f"{example.name}: got {found}"


def test_get_and_direct_post_work_too(client):
    query = "SELECT ?x WHERE { ?x wdt:P31 wd:Q25956 } ORDER BY ?x"
    by_get = rows(client.get(ENDPOINT, params={"query": query}, headers=JSON))
    direct = rows(client.post(ENDPOINT, content=query.encode(),
                              headers={**JSON, "Content-Type": "application/sparql-query"}))
    assert by_get == direct == [("http://www.wikidata.org/entity/Q25271",),
                                ("http://www.wikidata.org/entity/Q48604",)]


def test_the_view_is_not_mixed_into_the_main_endpoint(client):
    query = "SELECT ?x WHERE { ?x <http://www.wikidata.org/prop/direct/P31> ?c } LIMIT 1"
    assert rows(client.get("/sparql", params={"query": query}, headers=JSON)) == []
    # and kzgraph's own vocabulary is not in the view
    query = "SELECT ?x WHERE { ?x <https://w3id.org/kzgraph/ontology#head> ?y } LIMIT 1"
    assert rows(client.get(ENDPOINT, params={"query": query}, headers=JSON)) == []


def test_a_query_may_still_declare_its_own_prefixes(client):
    query = "PREFIX wd: <http://example.org/other/> SELECT ?x WHERE { ?x ?p wd:Q25956 }"
    assert rows(client.get(ENDPOINT, params={"query": query}, headers=JSON)) == []


def test_the_same_safety_rules_apply(client):
    bad = client.get(ENDPOINT, params={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400 and "syntax" in bad.text.lower()
    update = client.post(ENDPOINT, content=b"INSERT DATA { wd:Q48604 wdt:P31 wd:Q25956 }",
                         headers={"Content-Type": "application/sparql-update"})
    assert update.status_code == 403
    service = client.get(ENDPOINT, params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert service.status_code == 400 and "allow" in service.text.lower()


def test_service_description_names_this_endpoint(client, live_server):
    response = client.get(ENDPOINT, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert f"<{live_server.url}{ENDPOINT}>" in response.text


def test_query_ui_opens_with_the_wdqs_examples_and_lists_the_prefixes(client):
    import json

    page = client.get(ENDPOINT, headers={"Accept": "text/html"}).text
    data = page.split('<script id="examples" type="application/json">')[1].split("</script>")[0]
    shown = json.loads(data)
    assert [e["title"] for e in shown] == [e.title for e in EXAMPLES]  # the first opens first
    assert "SERVICE wikibase:label" in shown[0]["query"]
    # the editor is told the prefixes each example uses (it checks syntax itself), no others
    assert "PREFIX wdt: <http://www.wikidata.org/prop/direct/>" in shown[0]["query"]
    assert "PREFIX psv:" not in shown[0]["query"]
    assert "PREFIX mwapi: &lt;https://www.mediawiki.org/ontology#API/&gt;" in page


def test_descriptions_use_wikidatas_schema_namespace(client):
    """Wikidata's RDF writes http://schema.org/description; a WDQS query says schema:description."""
    query = 'SELECT ?d WHERE { ?agency schema:description ?d ; rdfs:label "National Space Agency of the Republic of Kazakhstan"@en }'
    found = rows(client.get(ENDPOINT, params={"query": query}, headers=JSON))
    assert found == [("Kazakh space agency",)]
