"""The Wikidata-vocabulary view: queries written for the Wikidata Query Service run on it unchanged."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV

from kzgraph import load_dataset
from kzgraph.dataset import PROVENANCE_GRAPH
from kzgraph.namespaces import KZ, KZO, WD, WDT
from kzgraph.wikidata import build_view, load_alignment
from kzgraph.wikidata import register as wikidata_register
from kzgraph.wikidata.view import PQ, PR, PRV, PS, PSV, WIKIBASE
from kzgraph.wikidata.vocabulary import QUALIFIER_PROPERTIES, REFERENCE_PROPERTIES, UNIT_ITEMS

# Copied as one would write them for https://query.wikidata.org/ (with its standard prefixes).
WDQS_PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX psv: <http://www.wikidata.org/prop/statement/value/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX pr: <http://www.wikidata.org/prop/reference/>
PREFIX prv: <http://www.wikidata.org/prop/reference/value/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
# wd:Q…, wd:P…, wdt:P…, p:P…, ps:P…, psv:P…, pq:P…, pqv:P…, pr:P…, prv:P…
WIKIDATA_IRI = re.compile(r"http://www\.wikidata\.org/(entity|prop(?:/direct|/statement(?:/value)?"
                          r"|/qualifier(?:/value)?|/reference(?:/value)?)?)/([PQ][0-9]+)")


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
        ?person rdfs:label|skos:altLabel "Aidyn Aimbetov"@en ; p:P450 ?st .
        ?st pq:P580 ?start ; pq:P582 ?end }""")
    assert found == [("2015-09-02T00:00:00Z", "2015-09-11T00:00:00Z")]


def test_cosmonauts_as_occupation(view, store):
    # only the people who flew (Aymakhanov was selected, a kzo:CosmonautCandidate, never said to
    # fly), by the article's names: the label, or an alias where Wikidata spells it otherwise
    found = rows(view, store, """SELECT ?p ?name WHERE {
        ?p wdt:P31 wd:Q5 ; wdt:P106 wd:Q12634815 ; rdfs:label|skos:altLabel ?name }""")
    assert len({p for p, _ in found}) == 3
    names = {n for _, n in found}
    assert {"Aidyn Aimbetov", "Talgat Musabayev", "Toktar Aubakirov"} <= names
    assert "Mukhtar Aymakhanov" not in names


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


def test_every_fact_on_an_aligned_property_appears(dataset, view):
    # exact matches and close matches with a kzo:wikidataProperty; rdf:type is tested by class
    alignment = load_alignment(dataset)
    claims = set(dataset.graph(PROVENANCE_GRAPH).subjects(RDF.type, KZO.Claim))
    sources = {source for claim in claims for source in dataset.objects(claim, PROV.wasDerivedFrom)}
    facts = [(s, p) for claim in claims for s, p, _ in dataset.graph(claim)
             if p in alignment.properties and p != RDF.type and s not in sources]
    assert {KZO.duration, KZO.officialEstablishmentDate, KZO.parentOrganization} <= {p for _, p in facts}
    missing = [(str(s), str(p)) for s, p in facts
               if not list(view.objects(WD[alignment.entities[s]] if s in alignment.entities else s,
                                        WDT[alignment.properties[p]]))]
    assert not missing


def wikidata_ids(view: Graph) -> dict[str, set[URIRef]]:
    """Every Wikidata id the view names (as item, as property, in any of its namespaces) → the
    IRIs it is named by."""
    found: dict[str, set[URIRef]] = {}
    for node in {t for triple in view for t in triple if isinstance(t, URIRef)}:
        match = WIKIDATA_IRI.fullmatch(str(node))
        if match:
            found.setdefault(match.group(2), set()).add(node)
    return found


def test_every_wikidata_id_in_the_view_is_a_checked_one_used_as_its_kind(view):
    register = wikidata_register.load().rows
    ids = wikidata_ids(view)
    assert {"P31", "P2047", "Q573", "Q17505024"} <= ids.keys()
    for wid, nodes in ids.items():
        assert wid in register, f"{wid} is not in data/wikidata-ids.tsv"
        expected = ("property",) if wid.startswith("P") else ("item", "class")
        assert register[wid].kind in expected, f"{wid} is a {register[wid].kind}"
        if wid.startswith("Q"):
            assert nodes == {WD[wid]}, nodes  # an item is never written as a property


def test_every_wikidata_id_comes_from_the_links_file_the_ontology_or_the_table(dataset, view):
    alignment = load_alignment(dataset)
    known = set(alignment.entities.values()) | set(alignment.classes.values())
    known |= {qid for _, qid in alignment.type_statements.values()} | set(UNIT_ITEMS.values())
    known |= set(alignment.properties.values()) | {pid for pid, _ in alignment.type_statements.values()}
    known |= set(REFERENCE_PROPERTIES.values()) | set(QUALIFIER_PROPERTIES.values())
    assert set(wikidata_ids(view)) <= known


def entity_iris(view: Graph) -> set[URIRef]:
    """Items and properties: statement subjects, item values (truthy, qualifier, reference),
    quantity units and property entities."""
    item_props = {p for p in view.subjects(WIKIBASE.propertyType, WIKIBASE.WikibaseItem)}
    predicates = {WIKIBASE.directClaim: WDT, WIKIBASE.qualifier: PQ, WIKIBASE.reference: PR}
    entities = {s for s, p, _ in view if str(p).startswith(str(WDT))}
    entities |= set(view.subjects(RDF.type, WIKIBASE.Property)) | set(view.objects(None, WIKIBASE.quantityUnit))
    for prop in item_props:
        for link in predicates:
            entities |= {o for o in view.objects(None, view.value(prop, link))}
    return entities


def test_every_entity_in_the_view_has_a_language_tagged_label(view):
    entities = entity_iris(view)
    assert KZ.Thales_Alenia_Space_Italy in entities and WD.Q573 in entities and WD.P31 in entities
    unlabelled = sorted(str(e) for e in entities
                        if not any(isinstance(l, Literal) and l.language for l in view.objects(e, RDFS.label)))
    assert not unlabelled
    for wid, nodes in wikidata_ids(view).items():
        assert any(l.language == "en" for l in view.objects(WD[wid], RDFS.label)), wid


def test_wikidata_ids_carry_the_register_label_and_the_articles_name_is_an_alias(view, store):
    found = rows(view, store, """SELECT ?label ?alias WHERE {
        wd:Q1520 rdfs:label ?label . OPTIONAL { wd:Q1520 skos:altLabel ?alias } }""")
    assert found == [("Astana", "Nur-Sultan")]  # the article calls the city by its 2019–2022 name
    found = rows(view, store, "SELECT ?label WHERE { wd:Q5 rdfs:label ?label }")
    assert found == [("human",)]
    assert Literal("human", lang="en") in set(view.objects(WD.Q5, RDFS.label))


def test_properties_are_described_as_wdqs_describes_them(view, store):
    found = rows(view, store, """SELECT ?label ?type ?ps ?psv ?pq ?pr ?prv WHERE {
        ?prop wikibase:directClaim wdt:P577 ; rdfs:label ?label ; wikibase:propertyType ?type ;
              wikibase:statementProperty ?ps ; wikibase:statementValue ?psv ;
              wikibase:qualifier ?pq ; wikibase:reference ?pr ; wikibase:referenceValue ?prv .
        ?prop a wikibase:Property ; wikibase:claim p:P577 }""")
    assert found == [("publication date", str(WIKIBASE.Time), str(PS.P577), str(PSV.P577),
                      str(PQ.P577), str(PR.P577), str(PRV.P577))]
    assert Literal("instance of", lang="en") in set(view.objects(WD.P31, RDFS.label))


def test_duration_is_a_quantity_of_days(view, store):
    found = rows(view, store, """SELECT ?flight ?days ?amount ?unitLabel WHERE {
        ?flight wdt:P2047 ?days ; p:P2047/psv:P2047 ?value .
        ?value a wikibase:QuantityValue ; wikibase:quantityAmount ?amount ; wikibase:quantityUnit ?unit .
        ?unit rdfs:label ?unitLabel }""")
    assert found == [(str(KZ.Aidyn_Aimbetov_spaceflight_2015), "10", "10", "day")]


def test_time_in_space_carries_its_unit(view, store):
    found = rows(view, store, """SELECT ?amount ?unit WHERE {
        ?flight p:P2873 ?st . ?st ps:P2873 ?days ; psv:P2873 [ wikibase:quantityAmount ?amount ;
                                                              wikibase:quantityUnit ?unit ] }""")
    assert found == [("10", str(WD.Q573))]


def test_a_month_precise_publication_date_keeps_precision_10_in_references(view, store):
    found = rows(view, store, """SELECT DISTINCT ?published ?precision ?value WHERE {
        ?ref pr:P1476 "BAIKONUR IS STILL THE CORE OF KAZAKH-RUSSIAN COOPERATION IN SPACE"@en ;
             pr:P577 ?published ; prv:P577 [ wikibase:timePrecision ?precision ; wikibase:timeValue ?value ] }""")
    assert found == [("2008-02-01T00:00:00Z", "10", "2008-02-01T00:00:00Z")]
    precisions = rows(view, store, "SELECT DISTINCT ?p WHERE { ?ref prv:P577/wikibase:timePrecision ?p }")
    assert precisions == [("10",), ("11",)]


def test_official_establishment_is_date_of_official_opening_and_formation_is_inception(view, store):
    found = rows(view, store, """SELECT ?inception ?opened ?precision WHERE {
        ?agency wdt:P31 wd:Q17505024 ; wdt:P571 ?inception ; wdt:P1619 ?opened ;
                p:P1619/psv:P1619/wikibase:timePrecision ?precision }""")
    assert found == [("2007-03-24T00:00:00Z", "2007-03-27T00:00:00Z", "11")]


def test_the_loss_of_kazsat_1_is_its_service_retirement_in_2008(view, store):
    found = rows(view, store, """SELECT ?sat ?retired ?precision ?title WHERE {
        ?sat wdt:P730 ?retired ; p:P730 ?st . ?st psv:P730/wikibase:timePrecision ?precision ;
             prov:wasDerivedFrom/pr:P1476 ?title }""")
    assert found == [(str(KZ["KazSat-1"]), "2008-01-01T00:00:00Z", "9", "KazCosmos"),
                     (str(KZ["KazSat-1"]), "2008-01-01T00:00:00Z", "9", "KazSat")]


def test_the_branch_has_the_company_as_parent_organization_and_a_label(view, store):
    found = rows(view, store, """SELECT ?branchName ?parentName WHERE {
        ?sat rdfs:label "KazSat-2"@en ; wdt:P176 ?branch .
        ?branch wdt:P749 ?parent ; rdfs:label ?branchName . ?parent rdfs:label ?parentName }""")
    assert found == [("Thales Alenia Space Italy", "Thales Alenia Space")]
    assert (KZ.Thales_Alenia_Space_Italy, WDT.P749, WD.Q128356) in view


SMALL_DATA = """
@prefix kzo: <https://w3id.org/kzgraph/ontology#> . @prefix kz: <https://w3id.org/kzgraph/resource/> .
@prefix kzg: <https://w3id.org/kzgraph/graph/> . @prefix src: <https://w3id.org/kzgraph/source/> .
@prefix schema: <https://schema.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix dct: <http://purl.org/dc/terms/> .
kzg:flights {
    kz:f1 a kzo:CrewedSpaceflight ; rdfs:label "flight one"@en ; kzo:duration kz:f1-duration .
    kz:f1-duration a kzo:QuantitativeValue ; schema:value 10 ; schema:unitCode "DAY" .
    kz:f2 a kzo:CrewedSpaceflight ; rdfs:label "flight two"@en ; kzo:duration kz:f2-duration .
    kz:f2-duration a kzo:QuantitativeValue ; schema:value 10 ; schema:unitCode "DAY" ;
        schema:minValue 9 ; schema:maxValue 11 .
    kz:f3 a kzo:CrewedSpaceflight ; rdfs:label "flight three"@en ; kzo:duration kz:f3-duration .
    kz:f3-duration a kzo:QuantitativeValue ; schema:value 5 ; schema:unitCode "HUR" .
    kz:sat kzo:manufacturer kz:maker .
    kz:maker rdfs:label "Maker Ltd"@en .
}
kzg:sources { src:s a kzo:Source ; dct:title "A source"@en . }
kzg:provenance { kzg:flights a kzo:Claim ; prov:wasDerivedFrom src:s . }
"""


@pytest.fixture(scope="module")
def small_view(tmp_path_factory) -> tuple[Graph, pyoxigraph.Store]:
    path = tmp_path_factory.mktemp("small") / "flights.trig"
    path.write_text(SMALL_DATA, encoding="utf-8")
    view = build_view(load_dataset([path]))
    store = pyoxigraph.Store()
    store.load(view.serialize(format="nt", encoding="utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    return view, store


def test_duration_given_as_a_quantity_node(small_view):
    # the form kzo:duration takes when its value is a kzo:QuantitativeValue, not an xsd:duration
    view, store = small_view
    found = rows(view, store, """SELECT ?name ?days ?unit ?lower ?upper WHERE {
        ?flight rdfs:label ?name ; wdt:P2047 ?days ; p:P2047/psv:P2047 ?v .
        ?v wikibase:quantityUnit ?unit .
        OPTIONAL { ?v wikibase:quantityLowerBound ?lower ; wikibase:quantityUpperBound ?upper } }""")
    assert found == [("flight one", "10", str(WD.Q573), "", ""), ("flight two", "10", str(WD.Q573), "9", "11")]
    # flight three's unit (hour) has no checked Wikidata id: no statement, neither a bare 5 nor the node
    assert (KZ.f3, WDT.P31, None) in view and (KZ.f3, WDT.P2047, None) not in view


def test_an_item_value_with_no_statements_of_its_own_has_its_label(small_view):
    view, store = small_view
    found = rows(view, store, "SELECT ?maker ?name WHERE { ?sat wdt:P176 ?maker . ?maker rdfs:label ?name }")
    assert found == [(str(KZ.maker), "Maker Ltd")]


DOCS = Path(__file__).resolve().parents[2] / "docs" / "wikidata-view.md"


def test_the_queries_of_the_view_docs_give_the_output_shown(view, store):
    blocks = re.findall(r"```sparql\n(.*?)```\n\n```console\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    for query, output in blocks:
        lines = [line for line in output.splitlines() if not line.startswith("$ ")]
        expected = [tuple(row) for row in csv.reader(lines[1:])]
        assert rows(view, store, query) == sorted(expected), query


def test_export_wikidata_flag_writes_the_view(tmp_path):
    out = tmp_path / "view.ttl"
    result = subprocess.run([sys.executable, "-m", "kzgraph", "export", "--wikidata", "-o", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(out, format="turtle")
    assert (WD.Q48604, URIRef("http://www.wikidata.org/prop/direct/P31"), WD.Q25956) in graph
    assert not list(graph.triples((None, URIRef("https://w3id.org/kzgraph/ontology#head"), None)))
