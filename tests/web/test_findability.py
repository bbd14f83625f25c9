"""Findability: schema.org markup read by a maintained extractor (extruct), robots.txt, the
sitemap, and versioned downloads listed in DCAT."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import extruct
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF

from kzgraph.namespaces import KZO

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
VOID = "http://rdfs.org/ns/void#"
HTML = {"Accept": "text/html"}
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's DCAT namespace object warns when pytest inspects it


def json_ld(client, path: str) -> list[dict]:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200
    return extruct.extract(response.text, base_url=str(response.url), syntaxes=["json-ld"],
                           uniform=True)["json-ld"]


def the_dataset(client) -> dict:
    [markup] = [m for m in json_ld(client, "/") if m.get("@type") == "Dataset"]
    return markup


def release_version(client) -> str:
    void = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                         format="turtle")
    [node] = [s for s in void.subjects(RDF.type, URIRef(VOID + "Dataset")) if str(s).endswith("#kzgraph")]
    return str(void.value(node, OWL.versionInfo))


# ---- the home page's Dataset ------------------------------------------------------------------

def test_home_page_carries_a_dataset_with_googles_required_and_recommended_fields(client):
    dataset = the_dataset(client)
    assert dataset["name"] and 50 <= len(dataset["description"]) <= 5000  # Google's bounds
    for field in ("url", "identifier", "keywords", "license", "creator", "publisher", "isBasedOn",
                  "spatialCoverage", "temporalCoverage", "version", "dateModified", "distribution"):
        assert dataset.get(field), field
    assert dataset["license"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert dataset["creator"]["@type"] == "Organization" and dataset["creator"]["name"]
    assert dataset["isAccessibleForFree"] is True


def test_the_version_and_date_are_the_releases(client):
    dataset = the_dataset(client)
    void = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                         format="turtle")
    [node] = [s for s in void.subjects(RDF.type, URIRef(VOID + "Dataset")) if str(s).endswith("#kzgraph")]
    assert dataset["version"] == str(void.value(node, OWL.versionInfo))
    modified = void.value(node, URIRef("http://purl.org/dc/terms/modified")).toPython()
    from datetime import datetime
    assert datetime.fromisoformat(dataset["dateModified"]) == modified


def test_it_is_based_on_the_article_and_every_reference(client, dataset):
    based_on = the_dataset(client)["isBasedOn"]
    article = dataset.value(URIRef("https://w3id.org/kzgraph/source/article"), URIRef("https://schema.org/url"))
    assert based_on[0]["@type"] == "Article" and based_on[0]["url"] == str(article)
    references = {str(r) for r in dataset.subjects(RDF.type, KZO.Reference)}
    assert {work["@id"] for work in based_on[1:]} == references and len(references) == 13
    [first] = [w for w in based_on if w["@id"].endswith("/ref-1")]
    assert first["name"] == "PM introduced new head of Kazakh National Space Agency"
    assert first["publisher"]["name"] == "kazinform" and first["datePublished"] == "2007-04-12"


def test_coverage_comes_from_the_data(client, dataset):
    markup = the_dataset(client)
    [country] = markup["spatialCoverage"]
    assert country["@type"] == "Country" and country["name"] == "Kazakhstan"
    assert country["sameAs"] == [str(o) for o in dataset.objects(URIRef(country["@id"]), OWL.sameAs)]
    start, end = markup["temporalCoverage"].split("/")
    claims = set(dataset.subjects(RDF.type, KZO.Claim))
    dates = sorted(str(o) for g in claims for o in dataset.graph(g).objects()
                   if isinstance(o, Literal) and o.datatype is not None and o.datatype.endswith(("#date", "#gYear", "#gYearMonth")))
    assert (start, end) == (dates[0], dates[-1])
    assert start == "1991"  # Aubakirov's flight, the earliest thing a passage dates


def test_every_download_is_a_datadownload_that_is_served(client):
    markup = the_dataset(client)
    version = markup["version"]
    downloads = [d for d in markup["distribution"] if d["contentUrl"].rsplit("/", 1)[-1].startswith(("kazcosmos.", "ontology", "shapes"))]
    assert {d["contentUrl"].rsplit("/", 1)[-1] for d in downloads} == {
        "kazcosmos.ttl", "kazcosmos.nt", "kazcosmos.trig", "kazcosmos.nq", "kazcosmos.jsonld",
        "ontology.ttl", "shapes.ttl"}
    for download in downloads:
        assert download["@type"] == "DataDownload"
        assert f"/download/{version}/" in download["contentUrl"]
        response = client.head(download["contentUrl"])
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(download["encodingFormat"])


def test_the_sparql_endpoint_is_named(client):
    markup = the_dataset(client)
    [endpoint] = [d for d in markup["distribution"] if d["contentUrl"].endswith("/sparql")]
    answer = client.get(endpoint["contentUrl"], params={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": endpoint["encodingFormat"]})
    assert answer.status_code == 200 and answer.json()["boolean"] is True
    action = markup["potentialAction"]
    assert action["@type"] == "SearchAction" and "{query}" in action["target"]


def test_markup_cannot_end_its_script_element():
    from kzgraph.dataset_markup import script_json

    text = script_json({"name": "</script><script>alert(1)</script> & more"})
    assert "</script>" not in text and "<" not in text and "&" not in text
    import json
    assert json.loads(text)["name"] == "</script><script>alert(1)</script> & more"


# ---- entity pages ------------------------------------------------------------------------------

def test_an_entity_page_embeds_its_own_markup_with_aligned_types(client, dataset):
    [agency] = json_ld(client, "/doc/resource/KazCosmos")
    assert agency["@id"] == "https://w3id.org/kzgraph/resource/KazCosmos"
    assert agency["@type"] == ["GovernmentOrganization"]  # kzo:SpaceAgency ⊑ schema:GovernmentOrganization
    assert agency["name"] == "National Space Agency of the Republic of Kazakhstan"
    assert "KazCosmos" in agency["alternateName"]
    assert agency["foundingDate"] == ["2007-03-24"]  # kzo:formationDate ⊑ schema:foundingDate
    assert agency["mainEntityOfPage"].endswith("/doc/resource/KazCosmos")
    # The infobox's website has no scheme: schema.org would resolve it against the page, so it
    # is left out (the data keeps it as the source wrote it).
    assert "url" not in agency
    assert agency["description"] == ["Kazakh space agency"]
    cited = {c["@id"] for c in agency["citation"]}
    assert "https://w3id.org/kzgraph/source/ref-1" in cited


def test_a_linked_person_names_wikidata_as_same_as(client):
    [person] = json_ld(client, "/doc/resource/Aidyn_Aimbetov")
    assert person["@type"] == ["Person"]
    assert person["sameAs"] == ["http://www.wikidata.org/entity/Q4831087"]


def test_a_term_without_schema_alignment_is_a_thing(client):
    [claim] = json_ld(client, "/doc/graph/lead")  # kzo:Claim is not aligned to schema.org
    assert claim["@type"] == ["Thing"] and claim["@id"] == "https://w3id.org/kzgraph/graph/lead"


def test_nearest_schema_types_follow_the_ontology(dataset):
    from kzgraph.dataset_markup import aligned_properties, schema_types
    from kzgraph.namespaces import ONTOLOGY_GRAPH

    ontology = dataset.graph(ONTOLOGY_GRAPH)
    assert schema_types(ontology, [KZO.SpaceAgency]) == ["GovernmentOrganization"]
    assert schema_types(ontology, [KZO.Cosmonaut]) == ["Person"]
    assert schema_types(ontology, [KZO.Claim]) == []
    assert aligned_properties(ontology, KZO.formationDate) == ["foundingDate"]


# ---- robots.txt and the sitemap ----------------------------------------------------------------

def test_robots_txt_is_answered_directly_and_keeps_crawlers_off_computed_answers(client, live_server):
    response = client.get("/robots.txt", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    rules = [line.split("#")[0].strip() for line in response.text.splitlines()]
    for path in ("/sparql?", "/wikidata/sparql", "/search?", "/download/"):
        assert f"Disallow: {path}" in rules
    assert "Disallow: /" not in rules and "Allow: /download/$" in rules
    assert f"Sitemap: {live_server.url}/sitemap.xml" in rules
    for path in ("/robots.txt", "/sitemap.xml"):  # link checkers ask HEAD first
        head = client.head(path, follow_redirects=False)
        assert head.status_code == 200 and head.content == b""


def test_robots_txt_as_a_crawler_reads_it_allows_pages_but_not_answers_or_dumps(client, live_server):
    """Read by Protego (Scrapy's parser, Google's conventions: longest rule wins, ``$``)."""
    from protego import Protego

    rules = Protego.parse(client.get("/robots.txt").text)
    base = live_server.url
    for page in ("/", "/doc/resource/KazCosmos", "/ontology", "/sparql", "/download/", "/search"):
        assert rules.can_fetch(base + page, "Googlebot"), page
    for answer in ("/sparql?query=ASK%7B%7D", "/wikidata/sparql", "/wikidata/sparql?query=ASK%7B%7D",
                   "/search?q=x", "/download/kazcosmos.nq", "/rdf-graphs?graph=x"):
        assert not rules.can_fetch(base + answer, "Googlebot"), answer
    assert list(rules.sitemaps) == [f"{base}/sitemap.xml"]


def sitemap_locations(client) -> tuple[list[str], set[str]]:
    response = client.get("/sitemap.xml", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    return ([u.findtext(f"{SITEMAP}loc") for u in root.iter(f"{SITEMAP}url")],
            {u.findtext(f"{SITEMAP}lastmod") for u in root.iter(f"{SITEMAP}url")})


def test_sitemap_lists_every_entity_claim_and_source_page_and_the_ontology(client, dataset, live_server):
    locations, _ = sitemap_locations(client)
    base = live_server.url
    assert len(locations) == len(set(locations))
    assert {f"{base}/", f"{base}/ontology", f"{base}/download/"} <= set(locations)
    canonical = "https://w3id.org/kzgraph/"
    resources = {str(s) for s in dataset.subjects() if str(s).startswith(canonical + "resource/")}
    claims = {str(s) for s in dataset.subjects(RDF.type, KZO.Claim)}
    sources = {str(s) for s in dataset.subjects() if str(s).startswith(canonical + "source/")}
    expected = {base + "/doc/" + iri[len(canonical):] for iri in resources | claims | sources}
    assert expected <= set(locations) and len(locations) == len(expected) + 3
    assert len(resources) > 40 and len(claims) > 20 and len(sources) >= 14  # the article and its 13 references at least


def test_every_sitemap_page_is_html_and_lastmod_is_the_releases(client):
    locations, lastmods = sitemap_locations(client)
    for location in locations[:3] + locations[3::10]:
        response = client.get(location, follow_redirects=False)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert lastmods == {the_dataset(client)["dateModified"]}


def test_past_the_limit_the_sitemap_is_an_index_of_parts_holding_every_page(client, monkeypatch):
    from kzgraph.web import findability

    every, _ = sitemap_locations(client)
    monkeypatch.setattr(findability, "SITEMAP_LIMIT", 40)  # read per request by the served app
    root = ET.fromstring(client.get("/sitemap.xml").content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    parts = [s.findtext(f"{SITEMAP}loc") for s in root]
    assert len(parts) == -(-len(every) // 40) and parts[0].endswith("/sitemap-1.xml")
    found = []
    for part in parts:
        urls = [u.findtext(f"{SITEMAP}loc") for u in ET.fromstring(client.get(part).content)]
        assert 0 < len(urls) <= 40
        found += urls
    assert found == every
    assert client.get(f"/sitemap-{len(parts) + 1}.xml").status_code == 404


def test_an_unknown_sitemap_part_is_404(client):
    response = client.get("/sitemap-2.xml")
    assert response.status_code == 404 and "/sitemap.xml" in response.json()["message"]


# ---- versioned downloads -----------------------------------------------------------------------

def test_dcat_lists_the_versioned_distributions_and_each_downloads(client, live_server):
    version = release_version(client)
    void = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                         format="turtle")
    [node] = [s for s in void.subjects(RDF.type, URIRef(VOID + "Dataset")) if str(s).endswith("#kzgraph")]
    assert void.value(node, URIRef("http://www.w3.org/ns/dcat#version")) == Literal(version)
    distributions = list(void.objects(node, DCAT.distribution))
    assert len(distributions) == 7
    for item in distributions:
        url = str(void.value(item, DCAT.downloadURL))
        assert url.startswith(f"{live_server.url}/download/{version}/")
        response = client.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(str(void.value(item, DCAT.mediaType)))
        assert int(void.value(item, DCAT.byteSize)) == len(response.content)


def test_a_versioned_download_is_the_same_file_as_the_current_one(client):
    version = release_version(client)
    current = client.get("/download/kazcosmos.trig", headers={"Accept-Encoding": "identity"})
    pinned = client.get(f"/download/{version}/kazcosmos.trig", headers={"Accept-Encoding": "identity"})
    assert pinned.content == current.content and pinned.headers["etag"] == current.headers["etag"]
    packed = client.get(f"/download/{version}/kazcosmos.trig.gz")
    assert packed.headers["content-type"] == "application/gzip"


@pytest.mark.parametrize("path", ["/download/0123456789ab/kazcosmos.trig", "/download/0123456789ab/"])
def test_a_version_not_served_is_404_naming_the_one_that_is(client, path):
    version = release_version(client)
    response = client.get(path)
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "version_not_served" and body["versions"] == [version]
    assert "0123456789ab" in body["message"] and f"/download/{version}/" in body["message"]


def test_an_unknown_file_of_the_served_version_is_404(client):
    response = client.get(f"/download/{release_version(client)}/secrets.txt")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_the_downloads_page_shows_the_versioned_links(client):
    version = release_version(client)
    page = client.get("/download/").text
    assert f'href="/download/{version}/kazcosmos.trig"' in page and version in page
    assert client.get(f"/download/{version}/").text == page


def test_a_new_release_moves_every_versioned_url_and_the_old_one_is_404(dataset):
    """After a release is swapped in (a curator's commit, changed data files), the markup, DCAT
    and the sitemap name the new version, its files are served and the old version's are 404."""
    import httpx
    from rdflib import Dataset

    from kzgraph import Settings, create_app
    from kzgraph.web.service import Service

    from ..conftest import LiveServer

    settings = Settings(port=0, rate_limit_requests=0, rate_limit_query_seconds=0, readiness="loaded")
    app = create_app(Service.from_dataset(dataset, settings, examples=[]))
    with LiveServer(app) as running, httpx.Client(base_url=running.url, timeout=30) as client:
        old = release_version(client)
        assert client.get(f"/download/{old}/kazcosmos.nq").status_code == 200
        changed = Dataset()
        changed.addN(dataset.quads((None, None, None, None)))
        changed.graph(URIRef("urn:kzgraph:test-release")).add(
            (URIRef("https://w3id.org/kzgraph/resource/KazCosmos"), URIRef("urn:kzgraph:test#note"),
             Literal("a second release")))
        app.state.service.served.replace(changed)
        new = release_version(client)
        assert new != old and the_dataset(client)["version"] == new
        pinned = client.get(f"/download/{new}/kazcosmos.nq")
        assert pinned.status_code == 200 and "a second release" in pinned.text
        gone = client.get(f"/download/{old}/kazcosmos.nq")
        assert gone.status_code == 404 and gone.json()["versions"] == [new]
