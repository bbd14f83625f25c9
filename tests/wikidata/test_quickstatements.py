"""QuickStatements v1 output, checked by a small parser of the v1 syntax."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kzgraph.namespaces import KZ
from kzgraph.wikidata import Statement, Value, diff, load_entity_files, quickstatements
from kzgraph.wikidata.diff import Difference
from tests.wikidata.conftest import FIXTURES, data_files

ITEM = re.compile(r"Q\d+$")
PROPERTY = re.compile(r"P\d+$")
SOURCE = re.compile(r"S\d+$")
VALUE = re.compile(r'''(Q\d+                                   # item
                       |\+\d{4}-\d\d-\d\dT00:00:00Z/(9|10|11) # time with precision
                       |[a-z]{2,3}(-[A-Za-z]+)?:"[^\t]*"      # monolingual text
                       |"[^\t]*"                              # string, URL
                       |[-+]?\d+(\.\d+)?(~\d+(\.\d+)?)?(U\d+)?)$ # quantity [tolerance] [unit]''', re.X)


def parse(text: str) -> list[dict]:
    """Parse QuickStatements v1 lines: item, property, value, then qualifier and source pairs."""
    commands = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("\t")
        assert len(fields) >= 3 and len(fields) % 2 == 1, f"line {number}: {line!r}"
        item, prop, value, *pairs = fields
        assert ITEM.match(item) and PROPERTY.match(prop) and VALUE.match(value), f"line {number}"
        command = {"item": item, "property": prop, "value": value, "qualifiers": [], "sources": []}
        for key, pair_value in zip(pairs[::2], pairs[1::2]):
            assert VALUE.match(pair_value), f"line {number}: {pair_value!r}"
            assert not command["sources"] or SOURCE.match(key), "qualifiers come before sources"
            kind = "sources" if SOURCE.match(key) else "qualifiers"
            assert kind == "sources" or PROPERTY.match(key)
            command[kind].append((key, pair_value))
        commands.append(command)
    return commands


@pytest.fixture(scope="module")
def commands(linked_dataset):
    text = quickstatements(diff(linked_dataset, load_entity_files([FIXTURES / "entities"])))
    return parse(text)


def test_only_missing_facts_are_added(commands):
    added = {(c["item"], c["property"], c["value"]) for c in commands}
    assert ("Q900000103", "P619", "+2014-00-00T00:00:00Z/9") in added
    assert ("Q900000101", "P619", "+2006-06-18T00:00:00Z/11") in added
    assert ("Q900000100", "P1813", 'en:"KazKosmos"') in added
    assert not any(prop == "P571" for _, prop, _ in added)  # a conflict is for people to settle
    assert not any(prop == "P31" and item == "Q900000102" for item, prop, _ in added)  # already there


def test_the_agency_website_is_a_quoted_url_citing_the_article(commands):
    website = [c for c in commands if c["property"] == "P856"]
    assert [(c["item"], c["value"]) for c in website] == [("Q900000100", '"http://kazcosmos.gov.kz"')]
    assert dict(website[0]["sources"])["S854"] == (
        '"https://en.wikipedia.org/w/index.php?title=KazCosmos&oldid=1284504097"')  # the infobox


def test_every_command_cites_the_article_or_a_reference(commands):
    for command in commands:
        sources = dict(command["sources"])
        assert "S854" in sources or "S1476" in sources
    article = [dict(c["sources"]) for c in commands if "S854" in dict(c["sources"])]
    assert article[0]["S854"] == '"https://en.wikipedia.org/w/index.php?title=KazCosmos&oldid=1284504097"'
    assert article[0]["S1476"] == 'en:"KazCosmos"'


def test_reference_dates_keep_their_precision(commands):
    dates = {value for c in commands for key, value in c["sources"] if key == "S577"}
    assert "+2008-02-00T00:00:00Z/10" in dates  # reference 11 is dated February 2008
    assert "+2011-07-16T00:00:00Z/11" in dates


def test_the_parser_rejects_malformed_lines():
    for bad in ("Q1\tP31", "Q1\tP31\tQ5\tS854", "Q1\tP571\t2007-03-24", "X1\tP31\tQ5"):
        with pytest.raises(AssertionError):
            parse(bad)


def test_cli_writes_commands_to_a_file(tmp_path):
    out = tmp_path / "qs.txt"
    result = subprocess.run([sys.executable, "-m", "kzgraph", "wikidata", "quickstatements",
                             *map(str, data_files()), "--entity-data", str(FIXTURES / "entities"),
                             "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert parse(out.read_text(encoding="utf-8"))


def test_a_quantity_is_written_with_its_unit_and_stated_bounds_as_a_tolerance():
    def command(value: Value) -> list[dict]:
        statement = Statement(KZ.flight, "Q900000200", "P2047", value)
        return parse(quickstatements([Difference("missing-on-wikidata", str(KZ.flight), "Q900000200",
                                                  "P2047", value, (), statement)]))
    assert [c["value"] for c in command(Value("quantity", "10", unit="Q573"))] == ["10U573"]
    assert [c["value"] for c in command(Value("quantity", "10", unit="Q573", lower="9", upper="11"))] \
        == ["10~1U573"]
    # 10 days between 9 and 12 has no v1 syntax: left out, never written without its bounds
    assert command(Value("quantity", "10", unit="Q573", lower="9", upper="12")) == []
