"""Downloads (sizes, counts, gzip, ETag/304, HEAD) and the VoID/DCAT description's numbers."""

from __future__ import annotations

import gzip

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF

VOID = Namespace("http://rdfs.org/ns/void#")
FILES = ["kazcosmos.ttl", "kazcosmos.nt", "kazcosmos.trig", "kazcosmos.nq", "kazcosmos.jsonld",
         "ontology.ttl", "shapes.ttl"]


def test_listing_names_every_file_with_size_and_count(client):
    response = client.get("/download/")
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for name in FILES:
        size = len(client.get(f"/download/{name}", headers={"Accept-Encoding": "identity"}).content)
        assert f'href="/download/{name}"' in page and f'href="/download/{name}.gz"' in page
        assert f"{size:,} bytes" in page
    assert 'href="/sparql"' in page  # the site's own page template, with its navigation


def test_listing_escapes_what_it_shows():
    from kzgraph.web.pages import template_environment

    html = template_environment().get_template("downloads.html").render(files=[
        type("File", (), {"name": "<b>x</b>.ttl", "media_type": "text/turtle", "size": 0,
                          "triples": 0, "description": "a & b"})()])
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "a &amp; b" in html


@pytest.mark.parametrize("name,fmt", [("kazcosmos.ttl", "turtle"), ("kazcosmos.nt", "nt"),
                                      ("ontology.ttl", "turtle"), ("shapes.ttl", "turtle")])
def test_merged_downloads_parse(client, name, fmt):
    response = client.get(f"/download/{name}")
    assert response.status_code == 200 and len(Graph().parse(data=response.content, format=fmt)) > 100


def test_trig_download_keeps_named_graphs(client, dataset):
    parsed = Dataset()
    parsed.parse(data=client.get("/download/kazcosmos.trig").content, format="trig")
    assert {g.identifier for g in parsed.graphs() if len(g)} >= {
        g.identifier for g in dataset.graphs() if len(g)}


def test_gzip_on_request_and_as_gz_file(client):
    plain = client.get("/download/kazcosmos.ttl", headers={"Accept-Encoding": "identity"})
    encoded = client.get("/download/kazcosmos.ttl", headers={"Accept-Encoding": "gzip"})
    assert encoded.headers["content-encoding"] == "gzip" and encoded.content == plain.content  # httpx decodes
    raw = client.get("/download/kazcosmos.ttl.gz")
    assert raw.headers["content-type"] == "application/gzip"
    assert gzip.decompress(raw.content) == plain.content


def test_identity_and_gzip_forms_have_different_strong_etags(client):
    plain = client.get("/download/kazcosmos.nq", headers={"Accept-Encoding": "identity"})
    encoded = client.get("/download/kazcosmos.nq", headers={"Accept-Encoding": "gzip"})
    as_file = client.get("/download/kazcosmos.nq.gz")
    assert encoded.headers["content-encoding"] == "gzip"
    assert plain.headers["etag"] != encoded.headers["etag"] == as_file.headers["etag"]
    # a validator of one form never revalidates the other
    stale = client.get("/download/kazcosmos.nq", headers={
        "Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]})
    assert stale.status_code == 200
    fresh = client.get("/download/kazcosmos.nq", headers={
        "Accept-Encoding": "gzip", "If-None-Match": encoded.headers["etag"]})
    assert fresh.status_code == 304 and fresh.headers["etag"] == encoded.headers["etag"]


def test_gzip_refused_with_q_zero_is_not_sent(client):
    response = client.get("/download/kazcosmos.ttl", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in response.headers
    assert response.content.startswith(b"@prefix")


def test_etag_and_last_modified_give_304(client):
    first = client.get("/download/kazcosmos.nq")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith('W/')
    assert client.get("/download/kazcosmos.nq", headers={"If-None-Match": etag}).status_code == 304
    since = first.headers["last-modified"]
    assert client.get("/download/kazcosmos.nq", headers={"If-Modified-Since": since}).status_code == 304
    assert client.get("/download/kazcosmos.nq", headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_has_headers_and_no_body(client):
    response = client.head("/download/kazcosmos.trig")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == client.get("/download/kazcosmos.trig").headers["content-length"]
    assert response.headers["etag"]


def test_unknown_download_is_404(client):
    assert client.get("/download/secrets.txt").status_code == 404


def test_void_counts_match_the_data(client, dataset):
    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    [node] = [s for s in graph.subjects(RDF.type, VOID.Dataset) if str(s).endswith("#kzgraph")]
    triples = set(dataset.triples((None, None, None)))
    assert graph.value(node, VOID.triples) == Literal(len(triples))
    assert graph.value(node, URIRef("http://purl.org/dc/terms/license")) == \
        URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
    [linkset] = graph.subjects(RDF.type, VOID.Linkset)
    links = {(s, o) for s, o in dataset.subject_objects(OWL.sameAs)}
    assert graph.value(linkset, VOID.triples) == Literal(len(links)) and len(links) == 18
    partitions = {graph.value(p, VOID["class"]): graph.value(p, VOID.entities)
                  for p in graph.objects(node, VOID.classPartition)}
    cosmonaut = URIRef("https://w3id.org/kzgraph/ontology#Cosmonaut")
    assert partitions[cosmonaut] == Literal(len(set(dataset.subjects(RDF.type, cosmonaut))))
    assert len(list(graph.objects(node, VOID.dataDump))) == 7


def test_void_names_title_source_endpoint_entities_and_property_partitions(client, dataset, live_server):
    from rdflib.namespace import DCTERMS, RDFS

    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    [node] = [s for s in graph.subjects(RDF.type, VOID.Dataset) if str(s).endswith("#kzgraph")]
    assert "KazCosmos" in str(graph.value(node, DCTERMS.title))
    article = dataset.value(URIRef("https://w3id.org/kzgraph/source/article"), URIRef("https://schema.org/url"))
    assert graph.value(node, DCTERMS.source) == URIRef(str(article))
    assert graph.value(node, VOID.sparqlEndpoint) == URIRef(f"{live_server.url}/sparql")
    entities = set(dataset.subjects(URIRef("https://w3id.org/kzgraph/ontology#wikidataStatus"), None))
    assert graph.value(node, VOID.entities) == Literal(len(entities))
    triples = set(dataset.triples((None, None, None)))
    partitions = {graph.value(p, VOID.property): graph.value(p, VOID.triples)
                  for p in graph.objects(node, VOID.propertyPartition)}
    assert partitions[RDFS.label] == Literal(sum(1 for _, p, _ in triples if p == RDFS.label))
    assert set(partitions) == {p for _, p, _ in triples}
    for dump in graph.objects(node, VOID.dataDump):  # every dump it names is served
        assert client.head(str(dump).replace(live_server.url, "")).status_code == 200


def test_home_page_links_the_dataset_description(client):
    assert 'href="/.well-known/void"' in client.get("/", headers={"Accept": "text/html"}).text


def test_void_names_the_wikidata_view_and_its_endpoint(client, live_server):
    from rdflib.namespace import DCTERMS, PROV, RDFS

    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    [node] = [s for s in graph.subjects(RDF.type, VOID.Dataset) if str(s).endswith("#kzgraph")]
    [view] = graph.objects(node, RDFS.seeAlso)
    assert (view, RDF.type, VOID.Dataset) in graph and (view, PROV.wasDerivedFrom, node) in graph
    assert graph.value(view, VOID.sparqlEndpoint) == URIRef(f"{live_server.url}/wikidata/sparql")
    assert "Wikidata" in str(graph.value(view, DCTERMS.title))
