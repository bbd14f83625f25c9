"""Predeclared prefixes (kzgraph.prefixes): usable without PREFIX lines on both endpoints, a
query's own PREFIX wins, and each endpoint publishes its table in its service description."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace

from kzgraph.prefixes import KZGRAPH_PREFIXES, WDQS_PREFIXES, prefix_lines, used_prefixes

JSON = {"Accept": "application/sparql-results+json"}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def values(client, path: str, query: str) -> list[str]:
    response = client.get(path, params={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    body = response.json()
    [name] = body["head"]["vars"]
    return [b[name]["value"] for b in body["results"]["bindings"] if name in b]


def test_the_tables_hold_what_the_briefs_list():
    assert {"kz", "kzo", "kzg", "src", "kzf", "rdf", "rdfs", "owl", "xsd", "skos", "schema", "prov",
            "dct", "dc", "wd", "wdt"} <= set(KZGRAPH_PREFIXES)
    assert KZGRAPH_PREFIXES["schema"] == "https://schema.org/"  # as kzgraph's data writes it
    assert {"wd", "wdt", "wikibase", "p", "ps", "psv", "psn", "pq", "pqv", "pqn", "pr", "prv", "prn",
            "wds", "wdv", "wdref", "wdno", "wdata", "bd", "rdf", "rdfs", "owl", "xsd", "skos",
            "schema", "prov", "dct", "ontolex", "geo", "hint"} <= set(WDQS_PREFIXES)
    assert WDQS_PREFIXES["schema"] == "http://schema.org/"  # as Wikidata's RDF writes it


@pytest.mark.parametrize("query,expected", [
    ('SELECT ?name WHERE { kz:KazCosmos rdfs:label ?name FILTER(LANG(?name) = "en") }',
     ["National Space Agency of the Republic of Kazakhstan"]),
    ("SELECT ?head WHERE { kz:KazCosmos kzo:head ?head }", ["https://w3id.org/kzgraph/resource/Talgat_Musabayev"]),
    ("SELECT ?c WHERE { kz:KazCosmos rdf:type ?c FILTER(?c = kzo:SpaceAgency) }",
     ["https://w3id.org/kzgraph/ontology#SpaceAgency"]),
    ('SELECT ?s WHERE { ?s owl:sameAs wd:Q177477 }', ["https://w3id.org/kzgraph/resource/Baikonur_Cosmodrome"]),
    ('SELECT (xsd:integer("7") AS ?n) WHERE {}', ["7"]),
])
def test_main_endpoint_predeclares_its_prefixes(client, query, expected):
    assert values(client, "/sparql", query) == expected


def test_a_querys_own_prefix_wins_on_both_endpoints(client):
    own = "PREFIX kz: <http://example.org/elsewhere/> SELECT ?n WHERE { kz:KazCosmos ?p ?n } LIMIT 1"
    assert values(client, "/sparql", own) == []
    own = "PREFIX wdt: <http://example.org/elsewhere/> SELECT ?x WHERE { ?x wdt:P31 ?c } LIMIT 1"
    assert values(client, "/wikidata/sparql", own) == []
    assert values(client, "/wikidata/sparql", "SELECT ?x WHERE { ?x wdt:P31 wd:Q25956 } LIMIT 1")


def test_wdqs_prefixes_that_were_missing_now_parse(client):
    query = ("SELECT ?n WHERE { ?s a wikibase:Statement ; wikibase:rank ?r . "
             "OPTIONAL { ?s pqv:P580 ?v } OPTIONAL { ?s psn:P2873 ?w } OPTIONAL { ?s prv:P813 ?x } "
             "OPTIONAL { ?s wdno:P17 ?y } OPTIONAL { ?s owl:sameAs wds:x, wdv:x, wdref:x } "
             "OPTIONAL { ?s dct:x ?z } FILTER(?r = wikibase:NormalRank) BIND(1 AS ?n) } LIMIT 1")
    assert values(client, "/wikidata/sparql", query) == ["1"]


def test_an_undeclared_prefix_is_still_an_error(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s nope:x ?o }"})
    assert response.status_code == 400


@pytest.mark.parametrize("path,table", [("/sparql", KZGRAPH_PREFIXES), ("/wikidata/sparql", WDQS_PREFIXES)])
def test_service_description_declares_the_prefixes(client, path, table):
    graph = Graph().parse(data=client.get(path, headers={"Accept": "text/turtle"}).content, format="turtle")
    [service] = graph.subjects(URIRef(str(SD) + "endpoint"), None)
    declared = {str(graph.value(d, namespace.SH.prefix)): graph.value(d, namespace.SH.namespace)
                for d in graph.objects(service, namespace.SH.declare)}
    assert declared == {name: Literal(iri, datatype=namespace.XSD.anyURI) for name, iri in table.items()}


def test_main_service_description_names_the_wikidata_view(client, live_server):
    graph = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    [service] = graph.subjects(URIRef(str(SD) + "endpoint"), None)
    view = URIRef(f"{live_server.url}/wikidata/sparql")
    assert view in set(graph.objects(service, namespace.RDFS.seeAlso))
    assert "Wikidata" in str(graph.value(view, URIRef("http://purl.org/dc/terms/title")))


def test_used_prefixes_and_prefix_lines():
    query = "PREFIX wd: <http://example.org/> SELECT * { ?s wdt:P31 wd:Q5 ; rdfs:label 'wdt:no' } # p:x"
    assert used_prefixes(query, WDQS_PREFIXES) == {"rdfs": WDQS_PREFIXES["rdfs"], "wdt": WDQS_PREFIXES["wdt"]}
    assert prefix_lines({"b": "http://b/", "a": "http://a/"}) == "PREFIX a: <http://a/>\nPREFIX b: <http://b/>\n"
