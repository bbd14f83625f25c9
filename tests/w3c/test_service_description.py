"""The W3C SPARQL 1.1 Service Description tests (returns RDF, sd:endpoint matches, schema)."""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from ..conftest import W3C

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MANIFEST = W3C / "service-description" / "manifest.ttl"


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml")])
def test_get_on_endpoint_returns_rdf_with_matching_endpoint(client, live_server, accept, fmt):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.content, format=fmt)
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    assert URIRef(f"{live_server.url}/sparql") in set(graph.objects(services[0], SD.endpoint))


def test_description_conforms_to_the_sd_schema_and_names_the_dataset(client, dataset):
    graph = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    [service] = graph.subjects(RDF.type, SD.Service)
    assert SD.SPARQL11Query in set(graph.objects(service, SD.supportedLanguage))
    assert set(graph.objects(service, SD.resultFormat)) >= {
        URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON"),
        URIRef("http://www.w3.org/ns/formats/Turtle")}
    default_dataset = graph.value(service, SD.defaultDataset)
    assert (default_dataset, RDF.type, SD.Dataset) in graph
    names = {graph.value(n, SD.name) for n in graph.objects(default_dataset, SD.namedGraph)}
    assert URIRef("https://w3id.org/kzgraph/graph/flight-2015") in names
    assert len(names) == len([g for g in dataset.graphs() if "kzgraph" in str(g.identifier)])


def test_manifest_lists_the_three_tests_covered_here():
    manifest = Graph().parse(MANIFEST, format="turtle")
    names = {str(o) for o in manifest.objects(None, Namespace(
        "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#").name)}
    assert names == {"GET on endpoint returns RDF",
                     "Service description contains a matching sd:endpoint triple",
                     "Service description conforms to schema"}
