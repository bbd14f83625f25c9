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
    ("application/ld+json", "json-ld"), ("application/trig", "trig"),
])
def test_document_negotiates_rdf(client, accept, fmt):
    response = client.get("/resource/KazCosmos", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in response.headers["vary"]
    graph = Dataset(default_union=True) if fmt == "trig" else Graph()
    graph.parse(data=response.content, format=fmt)
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
    assert "PM introduced new head of Kazakh National Space Agency</a>, kazinform, 2007-04-12" in page
    assert "unverified" in page                                            # no checked Wikidata id
    assert 'href="/doc/resource/KazCosmos.ttl"' in page and 'href="/doc/resource/KazCosmos.jsonld"' in page
    assert 'href="/ontology#SpaceAgency"' in page  # its type
    assert "Referenced by" in page


def test_verified_entity_links_to_wikidata(client):
    page = client.get("/doc/resource/Baikonur_Cosmodrome.html").text
    assert 'href="https://www.wikidata.org/wiki/Q177477"' in page
    assert "unverified" not in page
    # how and when the link was checked, read from the links graph that states it
    assert ('<span class="wikidata-check">id seen paired with its label in a stored copy of a '
            'public source (evidence in the register), 2026-12-02</span>') in page


def test_a_linked_person_shows_the_link_its_evidence_and_wikidatas_spelling(client):
    page = client.get("/doc/resource/Aidyn_Aimbetov.html").text
    assert 'href="https://www.wikidata.org/wiki/Q4831087"' in page
    assert "unverified" not in page
    assert "Wikidata export of astronauts (2025-06)" in page  # the register's evidence
    assert "Aydyn Aimbetov" in page  # Wikidata's spelling, an alias


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


def test_home_page_lists_the_candidates_apart_from_the_cosmonauts_who_flew(client):
    page = client.get("/", headers={"Accept": "text/html"}).text
    flown, _, candidates = page.partition("Cosmonaut candidates")
    assert 'href="/resource/Mukhtar_Aymakhanov"' in candidates.split("<h2")[0]
    assert 'href="/resource/Mukhtar_Aymakhanov"' not in flown.rpartition("Cosmonauts")[2]


def test_home_page_names_the_wikidata_view_and_lists_each_endpoints_prefixes(client):
    page = client.get("/", headers={"Accept": "text/html"}).text
    assert 'href="/wikidata/sparql"' in page and "SERVICE wikibase:label" in page
    for name, namespace in (("kzo", "https://w3id.org/kzgraph/ontology#"),
                            ("schema", "https://schema.org/"),  # /sparql: kzgraph's data
                            ("schema", "http://schema.org/"),   # /wikidata/sparql: WDQS's
                            ("bd", "http://www.bigdata.com/rdf#")):
        assert f"<code>{name}:</code></td><td><code>{namespace}</code>" in page


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


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "image/png", None])
def test_unknown_iri_is_404_whatever_the_client_accepts(client, accept):
    headers = {"Accept": accept} if accept else {}
    for path in ("/resource/Nonexistent", "/doc/resource/Nonexistent", "/doc/resource/Nonexistent.ttl"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, (path, accept, response.text)


def test_not_found_message_is_valid_json_for_any_iri(client):
    response = client.get('/resource/a"b', headers={"Accept": "application/json"})
    assert response.status_code == 404 and 'a"b' in response.json()["message"]


def kzgraph_iris(dataset) -> set[str]:
    """Every IRI in kzgraph's namespace that the dataset uses, graph names included."""
    found = set()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        for term in (s, p, o, getattr(g, "identifier", g)):
            if isinstance(term, URIRef) and str(term).startswith("https://w3id.org/kzgraph/"):
                found.add(str(term))
    return found


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_every_iri_of_the_graph_resolves(client, dataset, accept):
    iris = kzgraph_iris(dataset)
    assert "https://w3id.org/kzgraph/graph/provenance" in iris and len(iris) > 150
    failed = {}
    for iri in sorted(iris):
        path = iri[len("https://w3id.org/kzgraph"):].split("#")[0]
        status = client.get(path, headers={"Accept": accept}).status_code
        if status != 200:
            failed[iri] = status
    assert failed == {}


def test_named_graph_page_links_to_its_contents(client, dataset):
    page = client.get("/graph/provenance", headers={"Accept": "text/html"})
    assert page.status_code == 200
    size = len(dataset.graph(URIRef("https://w3id.org/kzgraph/graph/provenance")))
    assert f"A named graph of {size} triples" in page.text
    link = "/rdf-graphs?graph=https%3A//w3id.org/kzgraph/graph/provenance"
    assert f'href="{link}"' in page.text
    contents = client.get(link, headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=contents.content, format="nt")) == size


def test_home_page_lists_references_in_numeric_order(client):
    page = client.get("/", headers={"Accept": "text/html"}).text
    positions = [page.index(f'href="/source/ref-{n}"') for n in range(1, 14)]
    assert positions == sorted(positions)
    assert page.index('href="/source/article"') < positions[0]


def test_a_long_section_links_a_query_for_all_its_entries_the_article_too(client, dataset,
                                                                         monkeypatch):
    from kzgraph.web import pages
    monkeypatch.setattr(pages, "HOME_LIST_LIMIT", 5)  # the 13 references and the article: 14
    context = pages._home_context(dataset, pages.PageView(dataset))
    title, shown, more, query = next(s for s in context["sections"] if s[0] == "Sources")
    assert (len(shown), more) == (5, 9)
    listed = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert listed.status_code == 200
    assert len(listed.text.split()[1:]) == 14 and "https://w3id.org/kzgraph/source/article" in listed.text


def test_406_when_no_representation_is_acceptable(client):
    response = client.get("/doc/resource/KazCosmos", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["message"]


def test_named_graph_rdf_document_states_its_size(client, dataset):
    """No triple describes the provenance graph: its document still says what it is."""
    response = client.get("/doc/graph/provenance.ttl")
    assert response.status_code == 200
    described = Graph().parse(data=response.text, format="turtle")
    graph = URIRef("https://w3id.org/kzgraph/graph/provenance")
    size = described.value(graph, URIRef("http://rdfs.org/ns/void#triples"))
    assert size is not None and int(size) == len(dataset.graph(graph))
    assert (graph, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("http://www.w3.org/ns/sparql-service-description#NamedGraph")) in described


def test_language_tags_are_shown_in_bcp47_case_although_the_store_lowercases_them(client):
    page = client.get("/resource/KazCosmos", headers={"Accept": "text/html"}).text
    assert "<th>kk-Latn</th>" in page and "kk-latn" not in page


def test_the_article_is_a_source_without_a_number_and_references_keep_theirs(client):
    page = client.get("/resource/KazCosmos", headers={"Accept": "text/html"}).text
    assert 'value="0"' not in page
    numbered, _, unnumbered = page.partition('<ul class="references unnumbered">')
    assert '<li value="1">' in numbered               # reference 1, cited for the lead
    assert "KazCosmos" in unnumbered.split("</ul>")[0]  # the article itself, unnumbered
