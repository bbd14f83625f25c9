"""Competency questions over HTTP against the running server, and its other routes."""

from __future__ import annotations

import pytest

from ..conftest import select

P = """PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
"""


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_who_heads_the_agency(client, method):
    rows = select(client, P + "SELECT ?name WHERE { kz:KazCosmos kzo:head/rdfs:label ?name }", method)
    assert rows == [{"name": "Talgat Musabayev"}]


def test_which_spacecraft_brought_aimbetov_home(client):
    rows = select(client, P + """SELECT ?craft WHERE {
        ?flight kzo:crewMember kz:Aidyn_Aimbetov ; kzo:descentSpacecraft/rdfs:label ?craft }""")
    assert rows == [{"craft": "Soyuz TMA-16M"}]


def test_when_kazsat_2_launched_and_on_what(client):
    rows = select(client, P + """SELECT ?date ?vehicle WHERE {
        kz:KazSat-2 kzo:launchDate ?date ; kzo:launchVehicle/rdfs:label ?vehicle }""")
    assert rows == [{"date": "2011-07-16", "vehicle": "Proton"}]


def test_which_reference_supports_kazsat_1_loss(client):
    rows = select(client, P + """SELECT ?number ?title WHERE {
        GRAPH ?claim { kz:KazSat-1 kzo:status kzo:Lost }
        ?claim prov:wasDerivedFrom ?ref . ?ref kzo:referenceNumber ?number ; dct:title ?title }""")
    assert rows == [{"number": "12", "title": "KazSat"}]


def test_facts_of_reference_eleven_come_from_two_passages(client):
    rows = select(client, P + """SELECT DISTINCT ?claim WHERE {
        ?claim prov:wasDerivedFrom <https://w3id.org/kzgraph/source/ref-11> .
        GRAPH ?claim { ?s ?p ?o } }""")
    assert {r["claim"].rsplit("/", 1)[1] for r in rows} == {"kazsat-1-launch", "head-of-agency"}


def test_two_distinct_founding_dates(client):
    rows = select(client, P + """SELECT ?formed ?established WHERE {
        kz:KazCosmos kzo:formationDate ?formed ; kzo:officialEstablishmentDate ?established }""")
    assert rows == [{"formed": "2007-03-24", "established": "2007-03-27"}]


def test_entity_sources_through_the_claim_index(client):
    rows = select(client, P + """SELECT DISTINCT ?n WHERE {
        kz:Aidyn_Aimbetov_spaceflight_2015 kzo:statedIn ?claim .
        ?claim prov:wasDerivedFrom ?ref . ?ref kzo:referenceNumber ?n } ORDER BY ?n""")
    assert [r["n"] for r in rows] == ["9", "10"]


def test_construct_returns_turtle(client):
    response = client.get("/sparql", params={"query": P + "CONSTRUCT WHERE { kz:KazSat-3 ?p ?o }"},
                          headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert "KazSat-3" in response.text


def test_ui_is_served_at_the_endpoint(client):
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "yasgui" in page.text.lower()
    assert "Aimbetov" in page.text  # example queries are embedded in the UI


def test_health(client, dataset):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["quads"] == len(dataset)


def test_update_is_refused_and_changes_nothing(client):
    update = P + "INSERT DATA { kz:KazCosmos rdfs:label 'hacked' }"
    response = client.post("/sparql", data={"update": update})
    assert response.status_code in (403, 405)
    assert select(client, P + "SELECT ?l WHERE { kz:KazCosmos rdfs:label 'hacked' }") == []


def test_public_url_names_the_service_behind_a_proxy(dataset):
    """Behind a proxy (--public-url), descriptions name the public URLs, not the local socket."""
    import httpx
    from rdflib import Graph, URIRef

    from kzgraph import Settings, create_app
    from kzgraph.web.service import Service

    from ..conftest import LiveServer

    public = "https://kzgraph.example.org"
    with LiveServer(create_app(Service.from_dataset(dataset, Settings(public_url=public + "/"), examples=[]))) as running, \
            httpx.Client(base_url=running.url, timeout=30) as http:
        description = http.get("/sparql", headers={"Accept": "text/turtle"}).text
        void = Graph().parse(data=http.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                             format="turtle")
    assert f"<{public}/sparql>" in description and running.url not in description
    endpoint = URIRef("http://rdfs.org/ns/void#sparqlEndpoint")
    assert set(void.objects(None, endpoint)) == {URIRef(f"{public}/sparql"),
                                                 URIRef(f"{public}/wikidata/sparql")}
    dumps = set(void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump")))
    assert dumps and all(str(d).startswith(f"{public}/download/") for d in dumps)
