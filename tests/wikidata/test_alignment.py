"""The alignment table: read from the ontology and the links file; ids hard-coded nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

from kzgraph.namespaces import KZ, KZO
from kzgraph.wikidata import load_alignment
from kzgraph.wikidata.facts import collect_statements

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "kzgraph" / "wikidata"


def test_properties_and_classes_come_from_exact_matches(dataset):
    alignment = load_alignment(dataset)
    assert alignment.properties[KZO.launchDate] == "P619"
    assert alignment.properties[KZO.headquarters] == "P159"
    assert KZO.officialEstablishmentDate not in alignment.properties  # only a closeMatch
    assert alignment.classes[KZO.SpaceStation] == "Q25956"
    assert alignment.class_qid(KZO.Cosmonaut) == "Q5"  # through kzo:Person


def test_entities_come_from_the_links_file(dataset):
    entities = load_alignment(dataset).entities
    assert entities[KZ.Mir] == "Q48604"
    assert KZ.KazCosmos not in entities


def test_no_wikidata_id_is_hard_coded_outside_the_table():
    pattern = re.compile(r"""["'][PQ]\d+["']""")
    offenders = {path.name: pattern.findall(path.read_text(encoding="utf-8"))
                 for path in PACKAGE.glob("*.py") if path.name != "alignment.py"}
    assert not {name: ids for name, ids in offenders.items() if ids}


def test_a_fact_stated_by_two_claims_is_one_statement_with_both_sources(dataset):
    statements = [s for s in collect_statements(dataset)
                  if s.subject == KZ.Talgat_Musabayev and s.pid == "P31"]
    assert len(statements) == 1
    assert {str(r.source).rsplit("/", 1)[1] for r in statements[0].references} == {"article", "ref-3"}
