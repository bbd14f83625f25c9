"""Linked data: IRIs dereference (303 → document), content negotiation, HTML pages, 404/406."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef

KAZCOSMOS = URIRef("https://w3id.org/kzgraph/resource/KazCosmos")


@pytest.mark.parametrize("path", ["/resource/KazCosmos", "/resource/KazSat-1", "/source/ref-12",
                                  "/graph/flight-2015", "/source/article"])
def test_thing_iri_answers_303_to_its_document(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/doc" + path


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"),
])
def test_document_negotiates_rdf(client, accept, fmt):
    response = client.get("/resource/KazCosmos", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in response.headers["vary"]
    graph = Graph().parse(data=response.content, format=fmt)
    assert (KAZCOSMOS, URIRef("https://w3id.org/kzgraph/ontology#head"),
            URIRef("https://w3id.org/kzgraph/resource/Talgat_Musabayev")) in graph
    # inverse links are part of the description
    assert (None, None, KAZCOSMOS) in graph


def test_trig_keeps_the_claim_graphs_and_their_provenance(client):
    response = client.get("/doc/resource/KazSat-1.trig")
    assert response.status_code == 200
    dataset = Dataset()
    dataset.parse(data=response.content, format="trig")
    names = {str(g.identifier) for g in dataset.graphs()}
    assert "https://w3id.org/kzgraph/graph/kazsat-1-lost" in names
    assert "https://w3id.org/kzgraph/graph/provenance" in names


def test_html_entity_page_shows_labels_facts_sources_and_wikidata_status(client):
    page = client.get("/resource/KazCosmos", headers={"Accept": "text/html"}).text
    assert "Қазақстан Республикасы Ұлттық ғарыш агенттiгi" in page     # label in Kazakh
    assert "Qazaqstan Respublikasy" in page                               # romanized
    assert 'href="/resource/Talgat_Musabayev"' in page                   # fact linking an entity
    assert "PM introduced new head of Kazakh National Space Agency" in page  # reference 1's title
    assert "unverified" in page                                            # no checked Wikidata id
    assert 'href="/doc/resource/KazCosmos.ttl"' in page
    assert "Referenced by" in page


def test_verified_entity_links_to_wikidata(client):
    page = client.get("/doc/resource/Baikonur_Cosmodrome.html").text
    assert 'href="https://www.wikidata.org/wiki/Q177477"' in page
    assert "unverified" not in page
    # how and when the link was checked, read from the links graph that states it
    assert ('<span class="wikidata-check">label and description matched against a stored copy '
            'of the Wikidata page, 2026-11-24</span>') in page


def test_page_output_is_escaped(client):
    page = client.get("/doc/source/ref-2.html").text
    assert "&#34;I will travel into space only under the Kazakh flag&#34;" in page or \
           "&quot;I will travel" in page


def test_home_page_counts_and_entry_points(client, dataset):
    page = client.get("/", headers={"Accept": "text/html"}).text
    assert f"{len(dataset)} quads" in page
    for link in ("/resource/KazCosmos", "/resource/Aidyn_Aimbetov", "/resource/KazSat-2",
                 "/resource/Aidyn_Aimbetov_spaceflight_2015", "/source/ref-13", "/sparql", "/ontology"):
        assert f'href="{link}"' in page


def test_ontology_page_and_rdf(client):
    page = client.get("/ontology", headers={"Accept": "text/html"}).text
    assert 'id="formationDate"' in page and "wikidata.org/prop/direct/P571" in page
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=turtle.content, format="turtle")) > 400


def test_unknown_iri_is_404_with_a_helpful_page(client):
    response = client.get("/resource/Nonexistent", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "SPARQL query" in response.text
    assert client.get("/resource/Nonexistent", headers={"Accept": "application/json"}).status_code == 404
    assert client.get("/elsewhere/thing").status_code == 404


def test_406_when_no_representation_is_acceptable(client):
    response = client.get("/doc/resource/KazCosmos", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["message"]
