"""kzgraph's facts as Wikidata values: durations and quantities with their units."""

from __future__ import annotations

from rdflib import Literal, URIRef

from kzgraph.namespaces import KZ
from kzgraph.wikidata.facts import Value, collect_statements, duration_value, to_value


def test_a_duration_of_days_is_a_quantity_in_days():
    assert duration_value("P10D") == Value("quantity", "10", unit="Q573")
    assert duration_value("P2.5D") == Value("quantity", "2.5", unit="Q573")


def test_a_duration_without_one_checked_unit_has_no_value():
    assert duration_value("PT5H") is None  # hour: no checked id
    assert duration_value("P1DT2H") is None  # two components: no single unit
    assert duration_value("P1M") is None  # a month is no fixed length
    assert duration_value("ten days") is None


def test_an_xsd_duration_literal_becomes_the_quantity():
    duration = URIRef("http://www.w3.org/2001/XMLSchema#duration")
    value = to_value(Literal("P10D", datatype=duration), alignment=None)
    assert value is not None and (value.kind, value.text, value.unit) == ("quantity", "10", "Q573")


def test_the_aimbetov_flight_states_duration_and_time_in_space_in_days(dataset):
    found = {(s.pid, s.value) for s in collect_statements(dataset)
             if s.subject == KZ.Aidyn_Aimbetov_spaceflight_2015 and s.value.kind == "quantity"}
    day = Value("quantity", "10", unit="Q573")
    assert found == {("P2047", day), ("P2873", day)}  # duration, time in space
