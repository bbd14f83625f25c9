"""Graph Store Protocol, read side: GET/HEAD of the default and named graphs; writes refused."""

import pytest
from rdflib import Graph


def test_get_default_graph_is_the_union(client, dataset):
    response = client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/n-triples")
    assert len(Graph().parse(data=response.content, format="nt")) == len(set(dataset.triples((None, None, None))))


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                        ("application/ld+json", "json-ld")])
def test_get_named_graph_with_negotiation(client, dataset, accept, fmt):
    name = "https://w3id.org/kzgraph/graph/kazsat-2"
    response = client.get("/rdf-graphs", params={"graph": name}, headers={"Accept": accept})
    assert response.status_code == 200
    from rdflib import URIRef
    assert len(Graph().parse(data=response.content, format=fmt)) == len(dataset.graph(URIRef(name)))


def test_head_and_errors(client):
    head = client.head("/rdf-graphs", params={"graph": "https://w3id.org/kzgraph/graph/lead"})
    assert head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    assert head.headers["content-type"].startswith("text/turtle")  # as the W3C GSP manifest's HEAD test
    assert client.get("/rdf-graphs", params={"graph": "http://example.org/none"}).status_code == 404
    assert client.head("/rdf-graphs", params={"graph": "http://example.org/none"}).status_code == 404
    assert client.get("/rdf-graphs").status_code == 400
    for method in ("PUT", "POST", "DELETE"):
        response = client.request(method, "/rdf-graphs?default", content=b"<a> <b> <c> .",
                                  headers={"Content-Type": "application/n-triples"})
        assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"
