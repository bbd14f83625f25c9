"""Wikidata ids in code: only the table of reference and qualifier properties and units holds any.

Entity ids live in ``data/wikidata-links.trig`` and the ids of aligned terms in the ontology; a
line of ``src/`` that must name an id anyway says why in a comment ``# wikidata-id-ok: <reason>``.
"""

from __future__ import annotations

import re
from pathlib import Path

from kzgraph.wikidata import register
from kzgraph.wikidata.vocabulary import QUALIFIER_PROPERTIES, REFERENCE_PROPERTIES, UNIT_ITEMS
from tests.conftest import WIKIDATA_IDS

SRC = Path(__file__).resolve().parents[2] / "src"
TABLE = SRC / "kzgraph" / "wikidata" / "vocabulary.py"
WIKIDATA_ID = re.compile(r"\b[PQ][1-9][0-9]*\b")
JUSTIFIED = re.compile(r"#.*\bwikidata-id-ok:\s*\S")


def unjustified_ids(text: str) -> list[tuple[int, str]]:
    """(line number, id) for every Wikidata id on a line without a justifying comment."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not JUSTIFIED.search(line):
            found.extend((number, match) for match in WIKIDATA_ID.findall(line))
    return found


def test_no_wikidata_id_in_code_outside_the_table():
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        ids = unjustified_ids(path.read_text(encoding="utf-8"))
        if path != TABLE and ids:
            offenders[str(path.relative_to(SRC))] = ids
    assert not offenders


def test_the_scan_finds_ids_in_strings_and_comments_and_honours_a_justification():
    code = 'TYPE = ("P106", "Q12634815")\nx = 1  # instance of is P31\ny = "P10D"  # a duration\n'
    assert unjustified_ids(code) == [(1, "P106"), (1, "Q12634815"), (2, "P31")]
    assert unjustified_ids('x = "Q5"  # wikidata-id-ok: the class every fixture person has') == []
    assert unjustified_ids('x = "Q5"  # wikidata-id-ok:') == [(1, "Q5")]  # a reason is required


def test_the_table_holds_only_reference_and_qualifier_properties_and_units_each_checked():
    in_table = {match for _, match in unjustified_ids(TABLE.read_text(encoding="utf-8"))}
    properties = set(REFERENCE_PROPERTIES.values()) | set(QUALIFIER_PROPERTIES.values())
    assert in_table == properties | set(UNIT_ITEMS.values())
    kinds = {row.id: row.kind for row in register.load(WIKIDATA_IDS)}
    assert all(kinds.get(pid) == "property" for pid in properties), sorted(properties - kinds.keys())
    assert all(kinds.get(qid) == "item" for qid in UNIT_ITEMS.values())  # a unit is an item
