"""The web service over a built store of a graph far bigger than KazCosmos's own (the benchmark's
synthetic space agencies): pages, downloads and queries read the store, and the home page lists a
bounded number of entries per section."""

from __future__ import annotations

import gzip
import html
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kzgraph import Settings, create_app
from kzgraph.web.service import Service
from kzgraph.store import StoreCache, open_dataset
from kzgraph.web.downloads import build_files
from kzgraph.web.pages import HOME_LIST_LIMIT
from kzgraph.release import Release
from tests.conftest import LiveServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from generate import generate  # noqa: E402

CSV = {"Accept": "text/csv"}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    data = folder / "synthetic.nq"
    data.write_text(generate(20_000), encoding="utf-8")
    built = StoreCache(folder / "cache").get([data])
    settings = Settings(port=0, rate_limit_requests=0, rate_limit_query_seconds=0, readiness="loaded")
    with LiveServer(create_app(Service.from_dataset(Release.of_store(built), settings, examples=[]))) as server, \
            httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as client:
        yield built, client


def count(client: httpx.Client, query: str) -> int:
    response = client.get("/sparql", params={"query": query}, headers=CSV)
    assert response.status_code == 200, response.text
    return int(response.text.split()[1])


def test_the_home_page_lists_a_bounded_number_and_says_how_many_more(big):
    _, client = big
    cosmonauts = count(client, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { "
                               "?c a <https://w3id.org/kzgraph/ontology#Cosmonaut> }")
    assert cosmonauts > HOME_LIST_LIMIT
    page = client.get("/", headers={"Accept": "text/html"}).text
    section = page.split("<h2>Cosmonauts</h2>")[1].split("<h2>")[0]
    assert section.count("<li>") == HOME_LIST_LIMIT
    assert f"… and {cosmonauts - HOME_LIST_LIMIT} more" in section and "/sparql?query=" in section
    link = html.unescape(section.split('class="more"')[1].split('href="')[1].split('"')[0])
    listed = client.get(link, headers=CSV)
    assert listed.status_code == 200 and len(listed.text.split()) - 1 == cosmonauts


def test_pages_and_counts_come_from_the_store(big):
    built, client = big
    assert count(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == built.triples
    assert client.get("/health").json()["quads"] == built.triples
    page = client.get("/resource/Agency_7", headers={"Accept": "text/turtle"})
    assert page.status_code == 200 and "rdfs:label" in page.text


def test_the_quads_download_is_the_whole_store(big):
    built, client = big
    body = client.get("/download/kazcosmos.nq").content
    parsed = list(ox.parse(body, format=ox.RdfFormat.N_QUADS))
    assert len(parsed) == built.quads


def test_void_counts_come_from_the_store(big):
    built, client = big
    from rdflib import Graph, Namespace

    void = Namespace("http://rdfs.org/ns/void#")
    graph = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content,
                          format="turtle")
    node = next(s for s in graph.subjects(void.sparqlEndpoint, None) if str(s).endswith("#kzgraph"))
    assert int(graph.value(node, void.triples)) == built.triples
    subjects = count(client, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }")
    assert int(graph.value(node, void.distinctSubjects)) == subjects
    by_property = [int(graph.value(part, void.triples)) for part in graph.objects(node, void.propertyPartition)]
    assert sum(by_property) == built.triples


def test_downloads_of_a_built_store_are_files_in_its_entry(big):
    built, client = big
    plain = client.get("/download/kazcosmos.nq")
    written = built.path / "downloads" / "kazcosmos.nq"
    assert written.read_bytes() == plain.content
    head = client.head("/download/kazcosmos.nq", headers={"Accept-Encoding": "identity"})
    assert head.headers["content-length"] == str(written.stat().st_size) and head.content == b""
    packed = client.get("/download/kazcosmos.nq.gz")
    assert gzip.decompress(packed.content) == plain.content
    again = client.get("/download/kazcosmos.nq", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304


def test_a_restart_finds_the_downloads_written_before(big):
    built, client = big
    client.get("/download/")  # written by now
    written = built.path / "downloads" / "kazcosmos.ttl"
    stamp = written.stat().st_mtime_ns
    files = build_files(open_dataset(built), built.path / "downloads")
    assert files["kazcosmos.ttl"].plain.content == written and written.stat().st_mtime_ns == stamp
    identity = {"Accept-Encoding": "identity"}
    assert files["kazcosmos.ttl"].plain.etag == client.get("/download/kazcosmos.ttl", headers=identity).headers["etag"]
