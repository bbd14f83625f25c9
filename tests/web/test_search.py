"""/search over HTTP (JSON and HTML), the search box, kzf: functions in SPARQL, index rebuilds."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Literal
from rdflib.namespace import SKOS

from kzgraph import Settings, create_app, load_dataset
from kzgraph.namespaces import KZ, KZG
from kzgraph.search import KZF, MAX_LIMIT, MAX_QUERY_LENGTH
from kzgraph.release import Served
from kzgraph.web.search import CurrentIndex
from kzgraph.web.service import Service

from ..conftest import LiveServer, select
from .browser import browser, console_errors, needs_browser  # noqa: F401 - fixture

AGENCY = str(KZ.KazCosmos)
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_json_by_default_with_every_field(client):
    response = client.get("/search", params={"q": "kazakhstan space agency"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "Accept" in response.headers["vary"]
    body = response.json()
    assert (body["query"], body["limit"], body["total"]) == ("kazakhstan space agency", 20, 1)
    assert body["results"] == [{
        "iri": AGENCY, "href": "/resource/KazCosmos",
        "label": "National Space Agency of the Republic of Kazakhstan", "language": "en",
        "property": body["results"][0]["property"], "match": "token", "score": body["results"][0]["score"],
        "name": "National Space Agency of the Republic of Kazakhstan",
        "types": [{"iri": "https://w3id.org/kzgraph/ontology#SpaceAgency", "label": "space agency"}],
    }]
    assert body["results"][0]["property"] in ("http://www.w3.org/2000/01/rdf-schema#label",
                                              "http://www.w3.org/2004/02/skos/core#prefLabel")
    assert 1 <= body["results"][0]["score"] < 2


@pytest.mark.parametrize("query, label, language", [
    ("ғарыш", "Қазақстан Республикасы Ұлттық ғарыш агенттiгi", "kk"),
    ("QAZAQSTAN respublikasy", "Qazaqstan Respublikasy Ūlttyq ğaryş agenttıgı", "kk-Latn"),
    ("казкосмос", "KazKosmos", "en"),
])
def test_three_scripts(client, query, label, language):
    first = client.get("/search", params={"q": query}).json()["results"][0]
    assert (first["iri"], first["label"], first["language"]) == (AGENCY, label, language)


def test_prefix_limit_and_order(client):
    body = client.get("/search", params={"q": "kazs", "limit": 3}).json()
    assert [r["iri"].rsplit("/", 1)[1] for r in body["results"]] == ["KazSat-1", "KazSat-2", "KazSat-3"]
    assert body["total"] > 3 and body["limit"] == 3


@pytest.mark.parametrize("params, message", [
    ({}, "empty"), ({"q": ""}, "empty"), ({"q": "  "}, "empty"), ({"q": "?!"}, "no letters or digits"),
    ({"q": "x" * (MAX_QUERY_LENGTH + 1)}, "characters long"),
    ({"q": "kazsat", "limit": "0"}, "limit"), ({"q": "kazsat", "limit": str(MAX_LIMIT + 1)}, "limit"),
    ({"q": "kazsat", "limit": "ten"}, "limit"), ({"q": "kazsat", "format": "xml"}, "format"),
])
def test_bad_input_is_a_400_with_a_reason(client, params, message):
    response = client.get("/search", params=params)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert message in response.json()["message"]


def test_fts_syntax_is_never_an_error(client):
    for query in ['"kazsat', "kazsat*", "NEAR(kazsat", "kazsat OR", "folded:kazsat", "^kazsat", "(("]:
        response = client.get("/search", params={"q": query})
        assert response.status_code in (200, 400), query
        if response.status_code == 400:
            assert "no letters or digits" in response.json()["message"]


def test_html_for_browsers_links_to_entity_pages(client):
    response = client.get("/search", params={"q": "ғарыш"}, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<a href="/resource/KazCosmos">National Space Agency of the Republic of Kazakhstan</a>' in page
    assert "Қазақстан Республикасы Ұлттық ғарыш агенттiгi" in page and "@kk" in page
    assert 'href="/ontology#SpaceAgency"' in page
    assert 'value="ғарыш"' in page


def test_format_parameter_overrides_accept(client):
    assert client.get("/search", params={"q": "mir", "format": "html"}).headers["content-type"].startswith("text/html")
    as_json = client.get("/search", params={"q": "mir", "format": "json"}, headers={"Accept": BROWSER_ACCEPT})
    assert as_json.json()["results"][0]["iri"] == str(KZ.Mir)


def test_html_page_escapes_the_query(client):
    response = client.get("/search", params={"q": "<script>alert(1)</script> kazsat", "format": "html"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; kazsat" in response.text


def test_html_without_a_query_is_the_search_form_and_bad_input_says_why(client):
    empty = client.get("/search", headers={"Accept": BROWSER_ACCEPT})
    assert empty.status_code == 200 and 'action="/search"' in empty.text and "aimb" in empty.text
    long = client.get("/search", params={"q": "x" * (MAX_QUERY_LENGTH + 1)}, headers={"Accept": BROWSER_ACCEPT})
    assert long.status_code == 400 and "characters long" in long.text and 'class="error"' in long.text
    nothing = client.get("/search", params={"q": "zzzzqx"}, headers={"Accept": BROWSER_ACCEPT})
    assert nothing.status_code == 200 and "Nothing is named" in nothing.text


@pytest.mark.parametrize("path", ["/", "/doc/resource/KazCosmos", "/ontology", "/resource/Nonexistent"])
def test_every_page_has_the_search_box(client, path):
    page = client.get(path, headers={"Accept": BROWSER_ACCEPT}).text
    assert '<form class="search" action="/search" method="get" role="search">' in page
    assert '<input type="search" name="q"' in page


def test_sparql_functions_on_the_live_endpoint(client):
    rows = select(client, """
        PREFIX kzf: <https://w3id.org/kzgraph/function#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
        SELECT ?e ?l ?s WHERE {
          ?e rdfs:label|kzo:nativeName|kzo:shortName ?l
          FILTER(kzf:match(?l, "казкосмос"))
          BIND(kzf:score(?l, "казкосмос") AS ?s)
        } ORDER BY DESC(?s) ?e""")
    assert [(r["e"], r["l"]) for r in rows] == [
        (AGENCY, "KazKosmos"),
        ("https://w3id.org/kzgraph/source/ref-5", "[5] A. Aimbetov appointed Advisor to Kazkosmos Chairman"),
        ("https://w3id.org/kzgraph/source/ref-13",
         "[13] First ILS Proton Shared Launch with the KazSat-2 Satellite - Kazkosmos"),
    ]
    assert float(rows[0]["s"]) == 3.5
    # a Latin query on a Cyrillic label; a query with nothing to search is an error: no rows
    cyrillic = select(client, 'PREFIX kzf: <https://w3id.org/kzgraph/function#> '
                              'SELECT ?l WHERE { ?e <https://w3id.org/kzgraph/ontology#nativeName> ?l '
                              'FILTER(kzf:match(?l, "ulttyq gharysh")) }')
    assert [r["l"] for r in cyrillic] == ["Қазақстан Республикасы Ұлттық ғарыш агенттiгi"]
    assert select(client, 'PREFIX kzf: <https://w3id.org/kzgraph/function#> '
                          'SELECT ?l WHERE { ?e <http://www.w3.org/2000/01/rdf-schema#label> ?l '
                          'FILTER(kzf:match(?l, "!!")) }') == []


def test_service_description_lists_the_functions(client):
    from rdflib import Graph, URIRef

    description = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).text,
                                format="turtle")
    extension = URIRef("http://www.w3.org/ns/sparql-service-description#extensionFunction")
    assert set(description.objects(None, extension)) == {URIRef(str(KZF.match)), URIRef(str(KZF.score))}


def test_index_is_rebuilt_when_the_served_data_changes():
    app = create_app(Service.from_dataset(load_dataset(), Settings(query_workers=1, rate_limit_requests=0),
                                          examples=[]))
    served = app.state.service.served
    current = CurrentIndex(served)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        def found(query: str) -> list[str]:
            return [r["iri"] for r in http.get("/search", params={"q": query}).json()["results"]]

        assert found("Байқоңыр") == []
        assert found("kazsat-1")[0] == str(KZ["KazSat-1"])
        before = current.get()
        changed = load_dataset()
        changed.remove((KZ["KazSat-1"], None, None, None))
        changed.add((KZ.Baikonur_Cosmodrome, SKOS.altLabel, Literal("Байқоңыр ғарыш айлағы", lang="kk"),
                     KZG["search-test"]))
        served.replace(changed)
        assert found("Байқоңыр") == [str(KZ.Baikonur_Cosmodrome)]
        assert found("Baiqoñyr") == found("bayqongyr") == [str(KZ.Baikonur_Cosmodrome)]  # and in Latin
        assert str(KZ["KazSat-1"]) not in found("kazsat-1")
        assert current.get() is not before and current.get() is current.get()


@needs_browser
def test_search_box_in_a_browser(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/doc/resource/KazSat-2")
    box = browser.find_element(By.CSS_SELECTOR, "header form.search input[name=q]")
    box.send_keys("ғарыш агенттігі")
    box.submit()
    WebDriverWait(browser, 20).until(lambda d: "/search?q=" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Search"
    results = browser.find_elements(By.CSS_SELECTOR, "ol.results li a")
    assert results[0].text == "National Space Agency of the Republic of Kazakhstan"
    links = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")}
    with httpx.Client(timeout=30, follow_redirects=True) as http:
        for link in sorted(links):
            assert http.get(link.split("#")[0], headers={"Accept": BROWSER_ACCEPT}).status_code == 200, link
    assert console_errors(browser) == []


def test_the_index_of_a_built_store_is_kept_in_its_cache_entry(tmp_path):
    """A restart on the same data opens the index the first start built (seconds at 1M quads)."""
    from kzgraph.store import StoreCache
    from kzgraph.release import Release

    built = StoreCache(tmp_path / "cache").get()
    first = CurrentIndex(Served(Release.of_store(built, in_memory=True))).get()
    assert (built.path / "search.sqlite").is_file()
    restarted = CurrentIndex(Served(Release.of_store(StoreCache(tmp_path / "cache").get(),
                                                     in_memory=True)))
    kept_at = (built.path / "search.sqlite").stat().st_mtime_ns
    again = restarted.get()
    assert (built.path / "search.sqlite").stat().st_mtime_ns == kept_at  # opened, not rewritten
    assert [h.iri for h in again.search("kazcosmos").hits] == [h.iri for h in first.search("kazcosmos").hits]
    assert again.search("kazcosmos").hits[0].iri == AGENCY
