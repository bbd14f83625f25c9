"""The Wikidata-vocabulary view: queries written for the Wikidata Query Service run on it unchanged."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph
import pytest
from rdflib import Graph, URIRef

from kzgraph.namespaces import KZ, WD
from kzgraph.wikidata import build_view, load_alignment

# Copied as one would write them for https://query.wikidata.org/ (with its standard prefixes).
WDQS_PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


@pytest.fixture(scope="module")
def view(dataset) -> Graph:
    return build_view(dataset)


@pytest.fixture(scope="module")
def store(view) -> pyoxigraph.Store:
    """The same view in pyoxigraph, the engine behind ``kzgraph serve``."""
    store = pyoxigraph.Store()
    store.load(view.serialize(format="nt", encoding="utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def rows(view: Graph, store: pyoxigraph.Store, query: str) -> list[tuple[str, ...]]:
    """Run on both engines; they must agree. Unbound variables are ""."""
    text = WDQS_PREFIXES + query
    ours = sorted(tuple("" if v is None else str(v) for v in row) for row in view.query(text))
    oxigraph = sorted(tuple("" if t is None else t.value for t in solution)
                      for solution in store.query(text))
    assert ours == oxigraph
    return ours


def test_space_stations_by_instance_of(view, store):
    found = rows(view, store, "SELECT ?station ?name WHERE { ?station wdt:P31 wd:Q25956 ; rdfs:label ?name }")
    assert found == [(str(WD.Q25271), "International Space Station"), (str(WD.Q48604), "Mir")]


def test_subclass_path_pattern_runs(view, store):
    found = rows(view, store, "SELECT ?x WHERE { ?x wdt:P31/wdt:P279* wd:Q149918 }")
    assert {x for (x,) in found} == {str(KZ[f"KazSat-{n}"]) for n in (1, 2, 3)}


def test_satellites_launched_on_a_proton_by_their_builder(view, store):
    found = rows(view, store, """SELECT ?sat ?launch WHERE {
        ?sat wdt:P31 wd:Q149918 ; wdt:P375 wd:Q249231 ; wdt:P176 wd:Q1197016 ; wdt:P619 ?launch }""")
    assert found == [(str(KZ["KazSat-2"]), "2011-07-16T00:00:00Z")]


def test_things_in_kazakhstan(view, store):
    found = {x for (x,) in rows(view, store, "SELECT ?x WHERE { ?x wdt:P17 wd:Q232 }")}
    assert {str(WD.Q177477), str(WD.Q1520), str(KZ.KazCosmos)} <= found


def test_statement_with_date_precision_and_reference(view, store):
    found = rows(view, store, """SELECT ?date ?precision ?title WHERE {
        ?sat rdfs:label "KazSat-3"@en ; p:P619 ?st .
        ?st ps:P619 ?date ; psv:P619/wikibase:timePrecision ?precision ;
            prov:wasDerivedFrom/pr:P854 ?url ; prov:wasDerivedFrom/pr:P1476 ?title }""")
    assert found == [("2014-01-01T00:00:00Z", "9", "KazCosmos")]


def test_references_carry_the_article_reference_data(view, store):
    found = rows(view, store, """SELECT DISTINCT ?title ?published ?retrieved WHERE {
        ?item p:P571 ?st . ?st prov:wasDerivedFrom ?ref .
        OPTIONAL { ?ref pr:P1476 ?title } OPTIONAL { ?ref pr:P577 ?published }
        OPTIONAL { ?ref pr:P813 ?retrieved } }""")
    assert found == [("KazCosmos", "", "")]  # the infobox cites nothing but the article
    found = rows(view, store, """SELECT ?title ?published WHERE {
        ?flight p:P620 ?st . ?st prov:wasDerivedFrom ?ref . ?ref pr:P1476 ?title ; pr:P577 ?published }""")
    assert ("Soyuz TMA-18M docks to increase ISS crew size to nine", "2015-09-03T00:00:00Z") in found


def test_qualifiers_start_and_end_time(view, store):
    found = rows(view, store, """SELECT ?start ?end WHERE {
        ?person rdfs:label "Aidyn Aimbetov"@en ; p:P450 ?st .
        ?st pq:P580 ?start ; pq:P582 ?end }""")
    assert found == [("2015-09-02T00:00:00Z", "2015-09-11T00:00:00Z")]


def test_cosmonauts_as_occupation(view, store):
    found = rows(view, store, "SELECT ?name WHERE { ?p wdt:P31 wd:Q5 ; wdt:P106 wd:Q12634815 ; rdfs:label ?name }")
    # only the people who flew: Aymakhanov was selected (a kzo:CosmonautCandidate), never said to fly
    assert [name for (name,) in found] == ["Aidyn Aimbetov", "Talgat Musabayev", "Toktar Aubakirov"]


def test_official_website_of_the_agency(view, store):
    # the article gives the bare host name; a Wikidata URL value is absolute
    found = rows(view, store, "SELECT ?agency ?site WHERE { ?agency wdt:P31 wd:Q17505024 ; wdt:P856 ?site }")
    assert found == [(str(KZ.KazCosmos), "http://kazcosmos.gov.kz")]
    sourced = rows(view, store, """SELECT ?title WHERE {
        ?agency p:P856 [ ps:P856 ?site ; prov:wasDerivedFrom/pr:P1476 ?title ] }""")
    assert [title for (title,) in sourced] == ["KazCosmos"]  # the article: the infobox cites nothing


def test_sources_are_references_never_items_with_statements(view):
    # schema:url of the article is a reference URL, not the official website of the article
    websites = set(view.subjects(URIRef("http://www.wikidata.org/prop/direct/P856"), None))
    assert websites == {KZ.KazCosmos}
    assert not any(str(s).startswith("https://w3id.org/kzgraph/source/") for s in view.subjects())


def test_unlinked_entities_keep_kzgraph_iris(view):
    assert (KZ.KazCosmos, None, None) in view
    assert not any(str(s).startswith(str(WD)) and str(s).endswith("KazCosmos") for s in view.subjects())


def test_every_wikidata_id_comes_from_the_links_file_or_the_ontology(dataset, view):
    alignment = load_alignment(dataset)
    known = set(alignment.entities.values()) | set(alignment.classes.values())
    known |= {qid for _, qid in alignment.type_statements.values()}
    used = {str(t)[len(str(WD)):] for triple in view for t in triple
            if isinstance(t, URIRef) and str(t).startswith(str(WD))}
    assert used and used <= known


def test_export_wikidata_flag_writes_the_view(tmp_path):
    out = tmp_path / "view.ttl"
    result = subprocess.run([sys.executable, "-m", "kzgraph", "export", "--wikidata", "-o", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(out, format="turtle")
    assert (WD.Q48604, URIRef("http://www.wikidata.org/prop/direct/P31"), WD.Q25956) in graph
    assert not list(graph.triples((None, URIRef("https://w3id.org/kzgraph/ontology#head"), None)))
