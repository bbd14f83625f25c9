"""The timeline query finds every dated fact by datatype, at its precision, with its sources."""

from __future__ import annotations

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from kzgraph import load_examples, paths
from kzgraph.dataset import PROVENANCE_GRAPH
from kzgraph.namespaces import KZ, KZG, KZO
from kzgraph.timeline import TIMELINE_QUERY, When, load_timeline, parse_when


@pytest.fixture(scope="module")
def timeline(dataset):
    return load_timeline(dataset)


def by_label(timeline, label, prop=None):
    found = [e for e in timeline.events if e.label == label and (prop is None or e.property_label == prop)]
    assert len(found) == 1, [(e.label, e.property_label) for e in timeline.events]
    return found[0]


def test_events_come_in_chronological_order_from_the_1991_flight(timeline):
    days = [e.start.first_day for e in timeline.events]
    assert days == sorted(days)
    assert timeline.events[0].label == "Toktar Aubakirov's spaceflight of 1991"
    assert {e.start.text for e in timeline.events} >= {"1991", "1994", "1998", "2001", "2000-01-07", "2002",
                                                       "2006-06-18", "2007-03-24", "2007-03-27",
                                                       "2011-07-16", "2014", "2015-09-02", "2015-09-11"}


def test_each_date_keeps_its_sources_precision(timeline):
    assert by_label(timeline, "KazSat-1", "launch date").start == When("2006-06-18", "day")
    assert by_label(timeline, "Selection of Aimbetov to replace Sarah Brightman, June 2015").start == When("2015-06", "month")
    assert by_label(timeline, "Selection of two cosmonaut candidates, 2002").start.display == "2002"
    assert by_label(timeline, "Aidyn Aimbetov").display_date == "April 2015"
    assert by_label(timeline, "KazSat-1", "launch date").display_date == "18 June 2006"


def test_a_start_and_an_end_date_make_one_period(timeline):
    training = by_label(timeline, "Training of Aimbetov and Aymakhanov at Star City, 2003–2009")
    assert (training.start.text, training.end.text, training.display_date) == ("2003", "2009", "2003–2009")
    assert training.end.after_last_day.isoformat() == "2010-01-01"  # a year's date covers the year


def test_projected_years_are_plans_and_a_postponement_is_not(timeline):
    plans = {(e.label, e.start.text) for e in timeline.events if e.planned}
    assert plans == {("Planned spaceflight of Aimbetov and Aymakhanov", "2005"),
                     ("Planned spaceflight of Aimbetov and Aymakhanov", "2006"),
                     ("Aimbetov's originally projected 2017 flight", "2017")}
    postponed = by_label(timeline, "Planned spaceflight of Aimbetov and Aymakhanov", "postponement date")
    assert not postponed.planned


def test_each_event_names_its_claim_and_references(timeline):
    launch = by_label(timeline, "Aidyn Aimbetov's spaceflight of 2015", "launch date")
    assert [c.iri for c in launch.claims] == [str(KZG["flight-2015"])]
    assert [r.short for r in launch.references] == ["article", "[9]", "[10]"]
    contract = by_label(timeline, "Contract for KazSat-3, 21 June 2011")
    assert [r.short for r in contract.references] == ["article"]  # the passage cites nothing else


def test_the_years_covered_run_from_the_first_to_the_last_day_of_any_event(timeline):
    assert (timeline.first_year, timeline.last_year) == (1991, 2017)
    agency = timeline.of_entity(str(KZ["KazCosmos"]))
    assert (agency.first_year, agency.last_year) == (2007, 2007)


def test_sources_own_dates_are_not_events(timeline):
    assert not [e for e in timeline.events if e.entity.startswith("https://w3id.org/kzgraph/source/")]
    assert "2007-04-12" not in {e.start.text for e in timeline.events}  # reference 1's publication


def test_a_date_the_data_gains_under_a_new_property_appears(dataset):
    """Dates are found by datatype: a property the timeline has never heard of shows up."""
    copy = Dataset(default_union=True)
    for quad in dataset.quads((None, None, None, None)):
        copy.add(quad)
    claim, thing = KZG["test-claim"], KZ["Test_event"]
    copy.graph(claim).add((thing, URIRef("https://example.org/someNewDate"), Literal("1999-05", datatype=XSD.gYearMonth)))
    copy.graph(claim).add((thing, RDFS.label, Literal("A test event", lang="en")))
    copy.graph(claim).add((thing, URIRef("https://example.org/someText"), Literal("1998")))  # a plain string is no date
    copy.graph(PROVENANCE_GRAPH).add((claim, RDF.type, KZO.Claim))
    copy.graph(PROVENANCE_GRAPH).add((claim, PROV.wasDerivedFrom, URIRef("https://w3id.org/kzgraph/source/article")))
    found = [e for e in load_timeline(copy).events if e.entity == str(thing)]
    assert [(e.start.text, e.start.precision, e.property_label) for e in found] == [("1999-05", "month", "someNewDate")]


def test_parse_when_refuses_what_is_not_a_date():
    assert parse_when("2015-09-02") == (2015, 9, 2)
    assert parse_when("2015-06Z") == (2015, 6, None)
    with pytest.raises(ValueError, match="not an xsd:date"):
        parse_when("September 2015")


def test_the_timeline_example_is_the_timeline_query():
    example = next(e for e in load_examples(paths.example_files()) if e.name == "16-timeline-sources")
    body = "\n".join(line for line in example.query.splitlines() if not line.startswith("#")) + "\n"
    assert body == TIMELINE_QUERY
    assert "#defaultView:Timeline" in example.display_query
