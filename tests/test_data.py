"""The data says what the article says: verbatim quotes, every reference, every listed fact."""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, XSD

from kzgraph.dataset import default_graph_triples
from kzgraph.namespaces import KZ, KZO, SRC
from kzgraph.wikidata import register

from .conftest import ARTICLE, WIKIDATA_IDS


def normalise(text: str) -> str:
    """The article text as retrieved has citation marks and spaces before punctuation."""
    text = re.sub(r"\[ \d+ \]|\^ ", " ", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:)]|'s\b)", r"\1", text)
    return re.sub(r"\(\s+", "(", text).strip()


def source_text(source: URIRef) -> str:
    path = WIKIDATA_IDS if source == SRC["wikidata-ids"] else ARTICLE
    return normalise(path.read_text(encoding="utf-8"))


def test_every_claim_quotes_its_source_verbatim(dataset):
    claims = list(dataset.subject_objects(KZO.quote))
    assert len(claims) >= 17
    for claim, quote in claims:
        sources = set(dataset.objects(claim, PROV.wasDerivedFrom))
        text = source_text(SRC["wikidata-ids"] if SRC["wikidata-ids"] in sources else SRC.article)
        for part in normalise(str(quote)).split("…"):
            assert part.strip() in text, f"{claim}: {part.strip()!r} is not in the source"


def test_every_claim_of_the_article_derives_from_the_article(dataset):
    for claim in dataset.subjects(KZO.quote, None):
        sources = set(dataset.objects(claim, PROV.wasDerivedFrom))
        assert SRC.article in sources or sources == {SRC["wikidata-ids"]}, claim


@pytest.mark.parametrize("number", range(1, 14))
def test_reference_is_described_and_cited(dataset, number):
    ref = SRC[f"ref-{number}"]
    assert (ref, KZO.referenceNumber, Literal(number)) in dataset
    citing = set(dataset.subjects(PROV.wasDerivedFrom, ref))
    assert len(citing) == (2 if number == 11 else 1)


def test_no_fact_outside_a_named_graph(dataset):
    assert len(default_graph_triples(dataset)) == 0


def test_only_checked_wikidata_ids_appear_each_as_its_kind(dataset):
    checked = register.load(WIKIDATA_IDS)
    uses = list(register.triple_uses(dataset.triples((None, None, None))))
    assert uses and not [message for use in uses if (message := checked.misuse(use))]


@pytest.mark.parametrize("fact", [
    'kz:Khrunichev rdfs:label "Khrunichev State Research and Production Space Center"@en',
    "kz:Thales_Alenia_Space_Italy kzo:parentOrganization kz:Thales_Alenia_Space",
])
def test_an_outside_fact_sits_in_a_claim_of_the_register_not_of_the_article(dataset, fact):
    query = f"""{PREFIXES} PREFIX src: <https://w3id.org/kzgraph/source/>
        SELECT ?claim ?source WHERE {{ GRAPH ?claim {{ {fact} }} ?claim prov:wasDerivedFrom ?source }}"""
    rows = list(dataset.query(query))
    assert rows and {row.source for row in rows} == {SRC["wikidata-ids"]}, fact


def test_the_articles_spelling_of_khrunichev_stays_an_alias_from_the_article(dataset):
    query = f"""{PREFIXES} ASK {{ GRAPH ?claim {{ kz:Khrunichev skos:altLabel "Krunichev"@en }}
        ?claim prov:wasDerivedFrom <https://w3id.org/kzgraph/source/article> }}"""
    assert dataset.query(query).askAnswer


def test_formation_and_official_establishment_are_two_distinct_sourced_facts(dataset):
    formed = dataset.value(KZ.KazCosmos, KZO.formationDate)
    established = dataset.value(KZ.KazCosmos, KZO.officialEstablishmentDate)
    assert formed == Literal("2007-03-24", datatype=XSD.date)
    assert established == Literal("2007-03-27", datatype=XSD.date)


ASK_FACTS = {
    "native name in Kazakh": 'kz:KazCosmos kzo:nativeName "Қазақстан Республикасы Ұлттық ғарыш агенттiгi"@kk',
    "romanized name": 'kz:KazCosmos kzo:romanizedName "Qazaqstan Respublikasy Ūlttyq ğaryş agenttıgı"@kk-Latn',
    "short name KazCosmos": 'kz:KazCosmos kzo:shortName "KazCosmos"@en',
    "short name KazKosmos": 'kz:KazCosmos kzo:shortName "KazKosmos"@en',
    "type": "kz:KazCosmos a kzo:SpaceAgency",
    "jurisdiction": 'kz:KazCosmos kzo:jurisdiction/rdfs:label "Government of Kazakhstan"@en',
    "headquarters": 'kz:KazCosmos kzo:headquarters/rdfs:label "Nur-Sultan"@en',
    "head": "kz:KazCosmos kzo:head kz:Talgat_Musabayev",
    "primary spaceport": "kz:KazCosmos kzo:primarySpaceport kz:Baikonur_Cosmodrome",
    "website": 'kz:KazCosmos schema:url "kazcosmos.gov.kz"^^xsd:anyURI',
    "corps decree": '?d a kzo:Decree ; kzo:date "2000-01-07"^^xsd:date ; kzo:decreedFormationOf ?c . ?c a kzo:CosmonautCorps',
    "Aubakirov 1991": 'kz:Toktar_Aubakirov kzo:astronautMission/kzo:launchDate "1991"^^xsd:gYear',
    "Musabayev 1994": 'kz:Talgat_Musabayev kzo:astronautMission/kzo:launchDate "1994"^^xsd:gYear',
    "Musabayev 1998": 'kz:Talgat_Musabayev kzo:astronautMission/kzo:launchDate "1998"^^xsd:gYear',
    "Musabayev 2001": 'kz:Talgat_Musabayev kzo:astronautMission/kzo:launchDate "2001"^^xsd:gYear',
    "2000 candidates, 2 selected in 2002": '?s kzo:candidateCount 2000 ; kzo:selectedCount 2 ; kzo:date "2002"^^xsd:gYear ; kzo:selectedPerson kz:Aidyn_Aimbetov, kz:Mukhtar_Aymakhanov',
    "Star City 2003-2009": '?t a kzo:Training ; kzo:location kz:Star_City ; kzo:startDate "2003"^^xsd:gYear ; kzo:endDate "2009"^^xsd:gYear',
    "postponed by the crisis": '?p kzo:postponedBy kz:World_financial_crisis ; kzo:status kzo:IndefinitelyPostponed',
    "projected 2005 or 2006": '?p kzo:projectedYear "2005"^^xsd:gYear, "2006"^^xsd:gYear',
    "return to KazCosmos 2009": '?e kzo:organization kz:KazCosmos ; kzo:date "2009"^^xsd:gYear ; kzo:participant kz:Aidyn_Aimbetov',
    "Aymakhanov left 2012": '?e kzo:participant kz:Mukhtar_Aymakhanov ; kzo:departedFrom kz:Kazakhstan ; kzo:date "2012"^^xsd:gYear',
    "Aymakhanov left to become a Russian citizen": "?e kzo:participant kz:Mukhtar_Aymakhanov ; kzo:intendedCitizenship kz:Russia ; kzo:purpose ?why FILTER(CONTAINS(?why, 'Russian citizen'))",
    "2002 selection of two candidates": "kz:Aidyn_Aimbetov a kzo:CosmonautCandidate . kz:Mukhtar_Aymakhanov a kzo:CosmonautCandidate",
    "projected 2005 or 2006 for both": '?p kzo:candidateCrew kz:Aidyn_Aimbetov, kz:Mukhtar_Aymakhanov ; kzo:projectedYear "2005"^^xsd:gYear',
    "Aimbetov ready April 2015": 'kz:Aidyn_Aimbetov kzo:readyForSpaceflightAsOf "2015-04"^^xsd:gYearMonth',
    "projected 2017": '?p kzo:candidateCrew kz:Aidyn_Aimbetov ; kzo:projectedYear "2017"^^xsd:gYear',
    "selected June 2015 replacing Brightman": '?s kzo:selectedPerson kz:Aidyn_Aimbetov ; kzo:replacementFor kz:Sarah_Brightman ; kzo:date "2015-06"^^xsd:gYearMonth',
    "Brightman declined": "kz:Sarah_Brightman kzo:declinedFlightOn kz:Soyuz_TMA-18M, kz:Soyuz_TMA-16M",
    "Takamatsu backup declined": "kz:Satoshi_Takamatsu kzo:backupFor kz:Sarah_Brightman ; kzo:declinedFlightOn kz:Soyuz_TMA-18M, kz:Soyuz_TMA-16M",
    "Aimbetov flew: a cosmonaut": "kz:Aidyn_Aimbetov a kzo:Cosmonaut ; kzo:astronautMission kz:Aidyn_Aimbetov_spaceflight_2015",
    "launch 2 Sep 2015 from Baikonur": 'kz:Aidyn_Aimbetov_spaceflight_2015 kzo:launchDate "2015-09-02"^^xsd:date ; kzo:launchSite kz:Baikonur_Cosmodrome',
    "docked with ISS": "kz:Aidyn_Aimbetov_spaceflight_2015 kzo:dockedWith kz:International_Space_Station",
    "returned 11 Sep 2015 on the steppe": 'kz:Aidyn_Aimbetov_spaceflight_2015 kzo:landingDate "2015-09-11"^^xsd:date ; kzo:landingPlace kz:Kazakhstan_Steppe',
    "about 10 days in space": 'kz:Aidyn_Aimbetov_spaceflight_2015 kzo:duration ?days ; kzo:timeInSpace ?days . ?days schema:value 10 ; schema:unitCode "DAY" ; kzo:approximate true',
    "up on TMA-18M, down on TMA-16M": "kz:Aidyn_Aimbetov_spaceflight_2015 kzo:ascentSpacecraft kz:Soyuz_TMA-18M ; kzo:descentSpacecraft kz:Soyuz_TMA-16M",
    "KazSat-1 launch": 'kz:KazSat-1 a kzo:CommunicationsSatellite ; kzo:launchDate "2006-06-18"^^xsd:date ; kzo:launchSite kz:Baikonur_Cosmodrome',
    "KazSat-1 lost 2008": 'kz:KazSat-1 kzo:endOfCommunications "2008"^^xsd:gYear ; kzo:status kzo:Lost',
    "KazSat-2 the next satellite": "kz:KazSat-2 a kzo:Satellite . kz:KazSat-1 kzo:followedBy kz:KazSat-2",
    "KazSat-2 launch on Proton": 'kz:KazSat-2 kzo:launchDate "2011-07-16"^^xsd:date ; kzo:launchVehicle kz:Proton',
    "KazSat-2 builders": "kz:KazSat-2 kzo:manufacturer kz:Khrunichev, kz:Thales_Alenia_Space_Italy",
    "KazSat-2 delays": "kz:KazSat-2 skos:note ?delays FILTER(CONTAINS(?delays, 'delays'))",
    "KazSat-3 contract": '?c a kzo:Contract ; kzo:date "2011-06-21"^^xsd:date ; kzo:party kz:KazCosmos, kz:ISS-Reshetnev, kz:Thales_Alenia_Space_Italy ; kzo:contractSubject kz:KazSat-3',
    "KazSat-3 launched 2014": 'kz:KazSat-3 kzo:launchDate "2014"^^xsd:gYear',
    "head's three flights, two Mir stays": "kz:Talgat_Musabayev kzo:numberOfSpaceflights 3 ; kzo:longDurationStays 2 ; kzo:longDurationStayStation kz:Mir",
    "Baikonur in cooperation": "?s kzo:statedBy kz:Talgat_Musabayev ; kzo:about kz:Baikonur_Cosmodrome ; kzo:cooperationBetween kz:Russian_space_program, kz:Kazakh_space_program",
    "Russians use Baikonur": "kz:Baikonur_Cosmodrome kzo:usedForLaunchesBy kz:Russia",
}

PREFIXES = """
PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""


@pytest.mark.parametrize("fact", sorted(ASK_FACTS))
def test_fact_is_in_the_graph_with_a_source(dataset, fact):
    pattern = ASK_FACTS[fact]
    sourced = f"{PREFIXES} ASK {{ GRAPH ?claim {{ {pattern} }} ?claim prov:wasDerivedFrom ?source }}"
    assert dataset.query(sourced).askAnswer, fact


# The article cites references with marks such as "[ 9 ] [ 10 ]" right after the passage they
# support; these tests read those marks, so the data's claim → reference links are checked
# against the article itself, not against a copy of them.
MARK = "\u27e6{}\u27e7"  # a citation mark kept through normalise(): ⟦9⟧


def article_with_citation_marks() -> str:
    text = ARTICLE.read_text(encoding="utf-8")
    return normalise(re.sub(r"\[ (\d+) \]", lambda m: " " + MARK.format(m.group(1)) + " ", text))


def cited_after(text: str, passage: str) -> set[int]:
    """The reference numbers marked right after ``passage`` in ``text``."""
    position = text.find(passage)
    assert position >= 0, f"{passage!r} is not one passage of the article"
    marks = re.match(r"(?:\s*\u27e6\d+\u27e7)*", text[position + len(passage):]).group(0)
    return {int(n) for n in re.findall(r"\d+", marks)}


def test_every_claim_derives_from_exactly_the_references_the_article_cites_for_it(dataset):
    text = article_with_citation_marks()
    checked = 0
    for claim, quote in dataset.subject_objects(KZO.quote):
        sources = set(dataset.objects(claim, PROV.wasDerivedFrom))
        if SRC.article not in sources:
            continue  # the Wikidata links claim quotes ids.tsv
        last_part = normalise(str(quote)).split("…")[-1].strip()
        numbers = {int(dataset.value(ref, KZO.referenceNumber)) for ref in sources if ref != SRC.article}
        assert numbers == cited_after(text, last_part), claim
        checked += 1
    assert checked >= 17


def reference_entries() -> dict[int, str]:
    """The article's reference list, entry by entry (normalised), numbered from 1."""
    text = ARTICLE.read_text(encoding="utf-8")
    listing = text[text.index("References [ edit ]"):text.index("External links [ edit ]")]
    return {number: normalise(entry) for number, entry in enumerate(listing.split("^ ")[1:], 1)}


def article_date(value: Literal) -> str:
    """A date as the article writes it: "12 April 2007", "February 2008"."""
    day = value.toPython()
    if value.datatype == XSD.gYearMonth:
        year, month = str(value).split("-")
        return f"{_MONTHS[int(month) - 1]} {year}"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]


@pytest.mark.parametrize("number", range(1, 14))
def test_reference_fields_are_those_of_the_articles_reference_list(dataset, number):
    from rdflib.namespace import DC, DCTERMS

    entries = reference_entries()
    assert len(entries) == 13
    entry, ref = entries[number], SRC[f"ref-{number}"]
    assert f'"{dataset.value(ref, DCTERMS.title)}' in entry
    for field in (DC.publisher, DC.creator, DC.contributor):
        for value in dataset.objects(ref, field):
            assert str(value) in entry, (field, value)
    published = dataset.value(ref, DCTERMS.date)
    undated = re.sub(r"(Archived from the original on|Retrieved) [^.]*", "", entry)
    assert published is None or article_date(published) in undated  # not the archive/access date
    archived, accessed = dataset.value(ref, KZO.archiveDate), dataset.value(ref, KZO.accessDate)
    assert (archived is not None) == ("Archived from the original on" in entry)
    assert archived is None or f"Archived from the original on {article_date(archived)}" in entry
    assert (accessed is not None) == ("Retrieved" in entry)
    assert accessed is None or f"Retrieved {article_date(accessed)}" in entry
