"""diff against saved Special:EntityData JSON (and live from the stand-in)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kzgraph.errors import DataFileError
from kzgraph.wikidata import Value, diff, load_entity_files
from kzgraph.wikidata.entities import entity_values, same_value
from tests.wikidata.conftest import FIXTURES, data_files

SAVED = FIXTURES / "entities"


def kzgraph(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def differences(linked_dataset):
    found = diff(linked_dataset, load_entity_files([SAVED]))
    return {(d.kind, d.qid, d.pid, d.ours.text if d.ours else d.theirs[0].text) for d in found}


def test_missing_on_wikidata(differences):
    assert ("missing-on-wikidata", "Q900000103", "P619", "2014") in differences
    assert ("missing-on-wikidata", "Q900000100", "P1813", "KazKosmos") in differences  # many names
    assert ("missing-on-wikidata", "Q900000102", "P176", "Q900000008") in differences  # many builders


def test_the_agency_website_is_offered_when_wikidata_has_none(differences):
    assert ("missing-on-wikidata", "Q900000100", "P856", "http://kazcosmos.gov.kz") in differences


def website_claim(url: str) -> dict:
    """An official-website statement as Special:EntityData writes it: a string value, datatype url."""
    return {"mainsnak": {"snaktype": "value", "property": "P856", "datatype": "url",
                         "datavalue": {"value": url, "type": "string"}},
            "type": "statement", "id": "Q900000100$TEST-P856", "rank": "normal"}


@pytest.mark.parametrize("theirs, kind", [
    ("https://www.kazcosmos.gov.kz/", "same"),   # scheme, www. and the slash do not matter
    ("http://KAZCOSMOS.gov.kz", "same"),
    ("https://kazcosmos.gov.kz/en", "missing-on-wikidata"),  # another page is not the site
    ("https://example.org/", "missing-on-wikidata"),
])
def test_the_agency_website_compared_with_wikidata(linked_dataset, tmp_path, theirs, kind):
    entity = json.loads((SAVED / "Q900000100.json").read_text(encoding="utf-8"))
    entity["entities"]["Q900000100"]["claims"]["P856"] = [website_claim(theirs)]
    (tmp_path / "Q900000100.json").write_text(json.dumps(entity), encoding="utf-8")
    found = [d for d in diff(linked_dataset, load_entity_files([tmp_path])) if d.pid == "P856"]
    assert [(d.kind, d.ours.text) for d in found if d.ours] == [(kind, "http://kazcosmos.gov.kz")]
    assert [d.theirs for d in found if d.kind == "missing-here"] == ([] if kind == "same" else
                                                                   [(Value("url", theirs),)])


def test_a_url_value_is_read_as_a_url_and_a_string_value_as_a_string():
    values = entity_values({"claims": {"P856": [website_claim("https://kazcosmos.gov.kz")]}})
    assert values == {"P856": [Value("url", "https://kazcosmos.gov.kz")]}
    assert not same_value(Value("url", "http://kazcosmos.gov.kz"), Value("string", "kazcosmos.gov.kz"))


def test_conflicting_single_values(differences):
    assert ("conflict", "Q900000100", "P571", "2007-03-24") in differences


def test_missing_here_and_same(differences):
    assert ("missing-here", "Q900000102", "P176", "Q900000999") in differences
    assert ("same", "Q900000102", "P619", "2011-07-16") in differences
    assert not any(kind == "missing-here" and pid == "P571" for kind, _, pid, _ in differences)


def test_unreadable_saved_file(tmp_path):
    bad = tmp_path / "Q1.json"
    bad.write_text("{}")
    with pytest.raises(DataFileError, match="Special:EntityData"):
        load_entity_files([bad])


def test_cli_table_and_json():
    data = [str(p) for p in data_files()]
    table = kzgraph("wikidata", "diff", *data, "--entity-data", str(SAVED))
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["kind", "item", "property", "kzgraph", "source", "wikidata"]
    conflict = next(line for line in lines if line.split()[:3] == ["conflict", "Q900000100", "P571"])
    assert conflict.split()[3:5] == ["inception", "2007-03-24"]  # the property's registered label
    assert "https://en.wikipedia.org/w/index.php?title=KazCosmos" in conflict  # our source
    as_json = kzgraph("wikidata", "diff", *data, "--entity-data", str(SAVED), "--json")
    records = json.loads(as_json.stdout)
    conflict = next(r for r in records if r["kind"] == "conflict")
    assert conflict["kzgraph"] == {"type": "time", "value": "2007-03-24", "precision": 11}
    assert any(snak["property"] == "P854" for ref in conflict["references"] for snak in ref["snaks"])


def test_cli_live_diff_through_the_stand_in(stand_in):
    result = kzgraph("wikidata", "diff", *map(str, data_files()), *stand_in.options(), "--json")
    assert result.returncode == 0, result.stderr
    kinds = {r["kind"] for r in json.loads(result.stdout)}
    assert kinds == {"missing-on-wikidata", "conflict", "missing-here", "same"}


def test_linked_items_without_saved_data_are_named_not_silently_skipped():
    # the embedded data links real ids (Q177477, …); the saved fixtures hold only test ids
    result = kzgraph("wikidata", "diff", "--entity-data", str(SAVED))
    assert result.returncode == 0, result.stderr
    assert "not compared" in result.stderr and "Q177477" in result.stderr
    assert result.stdout.splitlines()[1:] == []  # nothing compared, nothing reported
