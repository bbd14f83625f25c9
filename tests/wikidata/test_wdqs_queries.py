"""WDQS-style queries, written as a Wikidata user writes them for query.wikidata.org (no PREFIX
lines, the label service), run unchanged on /wikidata/sparql with the answers they must give.

The expectations are in one table, ``QUERIES``: each entry is a query and rows it must return
(``*`` matches any value, ``""`` an unbound one), with ``rows`` the exact count where it is
stable. They are stated on labels rather than entity IRIs, so that linking more entities to
Wikidata (people get wd: ids) changes none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kzgraph.examples import Example

LABELS = 'SERVICE wikibase:label { bd:serviceParam wikibase:language "[AUTO_LANGUAGE],en". }'


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    expected: list[tuple[str, ...]]
    rows: int | None = None
    ordered: list[str] = field(default_factory=list)  # a column whose values come sorted


QUERIES = [
    Case("items-by-p31", f"""SELECT ?item ?itemLabel WHERE {{ ?item wdt:P31 wd:Q149918 . {LABELS} }}
         ORDER BY ?itemLabel""",
         [("*", "KazSat-1"), ("*", "KazSat-2"), ("*", "KazSat-3")], rows=3, ordered=["itemLabel"]),
    Case("humans", f"SELECT ?personLabel WHERE {{ ?person wdt:P31 wd:Q5 . {LABELS} }} ORDER BY ?personLabel",
         [("Aydyn Aimbetov",), ("Sarah Brightman",), ("Satoshi Takamatsu",), ("Talgat Musabayev",)],
         ordered=["personLabel"]),
    Case("cosmonauts-by-p106", f"""SELECT ?astronautLabel WHERE {{ ?astronaut wdt:P106 wd:Q12634815 .
         {LABELS} }} ORDER BY ?astronautLabel""",
         [("Aydyn Aimbetov",), ("Talgat Musabayev",), ("Toktar Aubakirov",)],
         rows=3),  # the people who flew (Aymakhanov was a candidate); a linked one has Wikidata's label
    Case("missions-with-qualifiers", f"""SELECT ?astronautLabel ?start ?end WHERE {{
           ?astronaut wdt:P106 wd:Q12634815 ; p:P450 ?st . ?st ps:P450 ?mission ; pq:P580 ?start .
           OPTIONAL {{ ?st pq:P582 ?end }} {LABELS} }} ORDER BY ?start""",
         [("Toktar Aubakirov", "1991-01-01T00:00:00Z", ""),
          ("Talgat Musabayev", "1994-01-01T00:00:00Z", ""),
          ("Aydyn Aimbetov", "2015-09-02T00:00:00Z", "2015-09-11T00:00:00Z")], ordered=["start"]),
    Case("crew-of-a-flight", f"""SELECT ?flightLabel ?crewLabel WHERE {{ ?flight wdt:P31 wd:Q752783 ;
           wdt:P1029 ?crew ; wdt:P619 ?launch . FILTER(YEAR(?launch) = 2015) {LABELS} }}""",
         [("*", "Aydyn Aimbetov")], rows=1),
    Case("launch-site", f"""SELECT ?itemLabel ?siteLabel WHERE {{ ?item wdt:P448 ?site . {LABELS} }}
         ORDER BY ?itemLabel""",
         [("KazSat-1", "Baikonur Cosmodrome"), ("*", "Baikonur Cosmodrome")]),
    Case("launch-precision-via-psv", """SELECT ?date ?precision ?calendar WHERE {
           ?sat rdfs:label "KazSat-3"@en ; p:P619/psv:P619 ?value .
           ?value wikibase:timeValue ?date ; wikibase:timePrecision ?precision .
           OPTIONAL { ?value wikibase:timeCalendarModel ?calendar } }""",
         [("2014-01-01T00:00:00Z", "9", "*")], rows=1),
    Case("day-precision-via-psv", """SELECT ?precision WHERE {
           ?sat rdfs:label "KazSat-2"@en ; p:P619/psv:P619/wikibase:timePrecision ?precision }""",
         [("11",)], rows=1),
    Case("reference-url-and-title", """SELECT DISTINCT ?title ?url WHERE {
           ?sat rdfs:label "KazSat-3"@en ; p:P619 ?st . ?st prov:wasDerivedFrom ?ref .
           ?ref pr:P1476 ?title ; pr:P854 ?url }""",
         [("KazCosmos", "https://en.wikipedia.org/w/index.php?title=KazCosmos&oldid=1284504097")]),
    Case("reference-authors", """SELECT DISTINCT ?author WHERE { ?st prov:wasDerivedFrom ?ref .
           ?ref pr:P2093 ?author } ORDER BY ?author""",
         [("Chris Gebhardt",), ("Irene Klotz",)], ordered=["author"]),
    Case("reference-retrieved", """SELECT DISTINCT ?title ?retrieved WHERE { ?st prov:wasDerivedFrom ?ref .
           ?ref pr:P1476 ?title ; pr:P813 ?retrieved .
           FILTER(CONTAINS(?title, "new head")) }""",
         [("PM introduced new head of Kazakh National Space Agency", "2011-01-05T00:00:00Z")]),
    Case("count-by-class", """SELECT ?class (COUNT(?item) AS ?n) WHERE { ?item wdt:P31 ?class }
         GROUP BY ?class ORDER BY DESC(?n)""",
         [("http://www.wikidata.org/entity/Q752783", "5"), ("http://www.wikidata.org/entity/Q149918", "3")]),
    Case("count-missions-with-labels", f"""SELECT ?astronautLabel (COUNT(?m) AS ?missions) WHERE {{
           ?astronaut wdt:P106 wd:Q12634815 . OPTIONAL {{ ?astronaut wdt:P450 ?m }} {LABELS} }}
         GROUP BY ?astronautLabel ORDER BY DESC(?missions)""",
         [("Talgat Musabayev", "3"), ("Toktar Aubakirov", "1"), ("Aydyn Aimbetov", "1")], rows=3),
    Case("optional-description", f"""SELECT ?itemLabel ?itemDescription WHERE {{
           ?item wdt:P17 wd:Q232 . {LABELS} }} ORDER BY ?itemLabel""",
         [("National Space Agency of the Republic of Kazakhstan", "Kazakh space agency"),
          ("Kazakh space program", "*")]),
    Case("aliases", f"""SELECT ?agencyAltLabel WHERE {{ ?agency wdt:P31 wd:Q17505024 . {LABELS} }}""",
         [("*",)], rows=1),
    Case("values-of-items", f"""SELECT ?item ?itemLabel WHERE {{
           VALUES ?item {{ wd:Q232 wd:Q159 wd:Q15180 }} {LABELS} }} ORDER BY ?itemLabel""",
         [("*", "Kazakhstan"), ("*", "Russia"), ("*", "Soviet Union")], rows=3, ordered=["itemLabel"]),
    Case("no-label-in-those-languages-gives-the-id", """SELECT ?itemLabel WHERE {
           VALUES ?item { wd:Q48604 } SERVICE wikibase:label { bd:serviceParam wikibase:language "fr". } }""",
         [("Q48604",)], rows=1),
    Case("filter-lang", """SELECT ?name WHERE { ?agency wdt:P31 wd:Q17505024 ; rdfs:label|skos:altLabel ?name .
           FILTER(LANG(?name) = "kk") }""",
         [("Қазақстан Республикасы Ұлттық ғарыш агенттiгi",)]),
    Case("short-names", """SELECT ?short WHERE { ?agency wdt:P31 wd:Q17505024 ; wdt:P1813 ?short }
         ORDER BY ?short""", [("KazCosmos",), ("KazKosmos",)], rows=2, ordered=["short"]),
    Case("inception", f"""SELECT ?agencyLabel ?inception WHERE {{ ?agency wdt:P31 wd:Q17505024 ;
           wdt:P571 ?inception . {LABELS} }}""",
         [("National Space Agency of the Republic of Kazakhstan", "2007-03-24T00:00:00Z")]),
    Case("headquarters-and-country", f"""SELECT ?hqLabel ?countryLabel WHERE {{
           ?agency wdt:P31 wd:Q17505024 ; wdt:P159 ?hq . ?hq wdt:P17 ?country . {LABELS} }}""",
         [("*", "Kazakhstan")], rows=1),  # the article says Nur-Sultan, the register Astana
    Case("manufacturer-labels", f"""SELECT ?makerLabel WHERE {{ ?sat rdfs:label "KazSat-2"@en ;
           wdt:P176 ?maker . {LABELS} }} ORDER BY ?makerLabel""",
         [("Khrunichev State Research and Production Space Center",)], rows=2),
    Case("official-website", """SELECT ?site WHERE { ?agency wdt:P31 wd:Q17505024 ; wdt:P856 ?site }""",
         [("http://kazcosmos.gov.kz",)], rows=1),
    Case("duration-in-days", """SELECT ?days WHERE { ?flight wdt:P1029 ?crew ; wdt:P2873 ?days .
           ?crew rdfs:label "Aydyn Aimbetov"@en }""", [("10",)]),
    Case("statement-rank", """SELECT (COUNT(?st) AS ?n) WHERE { ?item p:P31 ?st .
           ?st wikibase:rank wikibase:NormalRank }""", [("*",)], rows=1),
    Case("manual-mode-custom-names", """SELECT ?name ?about WHERE { ?agency wdt:P31 wd:Q17505024 .
           SERVICE wikibase:label { bd:serviceParam wikibase:language "fr,en" .
             ?agency rdfs:label ?name ; schema:description ?about . } }""",
         [("National Space Agency of the Republic of Kazakhstan", "Kazakh space agency")], rows=1),
    Case("full-iri-service", """SELECT ?stationLabel WHERE { ?station wdt:P31 wd:Q25956 .
           SERVICE <http://wikiba.se/ontology#label> { bd:serviceParam wikibase:language "en" } }
         ORDER BY ?stationLabel""",
         [("International Space Station",), ("Mir",)], rows=2, ordered=["stationLabel"]),
    Case("ask", """ASK { ?x wdt:P106 wd:Q12634815 ; rdfs:label "Talgat Musabayev"@en }""", [], rows=None),
]


def rows_of(body: dict) -> list[tuple[str, ...]]:
    names = body["head"]["vars"]
    return [tuple(b.get(v, {}).get("value", "") for v in names) for b in body["results"]["bindings"]]


def test_there_are_at_least_twenty_queries_none_declaring_prefixes():
    assert len(QUERIES) >= 20
    assert len({case.name for case in QUERIES}) == len(QUERIES)
    assert not any("PREFIX" in case.query.upper() for case in QUERIES)


@pytest.mark.parametrize("case", QUERIES, ids=[c.name for c in QUERIES])
def test_wdqs_style_query(client, case):
    response = client.post("/wikidata/sparql", data={"query": case.query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    body = response.json()
    if "boolean" in body:
        assert body["boolean"] is True
        return
    found = rows_of(body)
    expectation = Example(case.name, case.name, "", case.query, case.rows, case.expected)
    assert expectation.matches(found), f"{case.name}: got {found}"
    for column in case.ordered:
        values = [b[column]["value"] for b in body["results"]["bindings"]]
        assert values == sorted(values), f"{case.name}: {column} not in order: {values}"
