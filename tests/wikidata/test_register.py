"""The register of checked Wikidata ids: well formed, the only source of ids, each used as its kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import OWL, RDFS, Literal, URIRef
from rdflib.namespace import SKOS

from kzgraph import DataFileError, load_dataset, paths
from kzgraph.dataset import parse_file, new_dataset
from kzgraph.errors import UnregisteredId
from kzgraph.namespaces import KZ, KZO, WD
from kzgraph.wikidata import register
from kzgraph.wikidata.view import build_view
from tests.conftest import WIKIDATA_IDS

SCANNED = ("data", "ontology", "shapes", "src", "examples")
SCANNED_SUFFIXES = (".py", ".ttl", ".trig", ".rq")
RDF_SUFFIXES = (".ttl", ".trig")
HEADER = "# columns: id\tlabel\tkind\tused for\tevidence\n"


@pytest.fixture(scope="module")
def checked() -> register.Register:
    return register.load(WIKIDATA_IDS)


def scanned_files() -> list[Path]:
    return sorted(path for top in SCANNED for path in (paths.home() / top).rglob("*")
                  if path.suffix in SCANNED_SUFFIXES)


def problems(uses, checked: register.Register) -> list[str]:
    return [f"{use.where}: {message}" for use in uses if (message := checked.misuse(use))]


# The register itself

def test_the_register_is_the_repositorys_own_file():
    assert register.register_path() == paths.home() / "data" / "wikidata-ids.tsv" == WIKIDATA_IDS


def test_every_row_has_five_tab_separated_columns_a_known_kind_and_a_unique_id():
    ids = []
    for line in WIKIDATA_IDS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            cells = line.split("\t")
            assert len(cells) == 5, line
            assert re.fullmatch(r"[PQ][1-9][0-9]*", cells[0]) and cells[1].strip(), line
            assert cells[2] in register.KINDS, line
            assert (cells[2] == "property") == cells[0].startswith("P"), line
            assert not cells[0].startswith("Q") or cells[4].strip(), f"{cells[0]} has no evidence"
            ids.append(cells[0])
    assert len(ids) == len(set(ids)) > 80


def test_load_reads_every_row(checked):
    assert len(checked) == sum(1 for line in WIKIDATA_IDS.read_text(encoding="utf-8").splitlines()
                               if line[:1] in "PQ")
    row = checked.row("Q4831087")
    assert (row.label, row.kind) == ("Aydyn Aimbetov", "item")
    assert row.used_for.startswith("Aidyn Aimbetov (the article's spelling)")
    assert row.evidence.startswith("Wikidata export of astronauts (2025-06)")


def test_the_public_lookups_read_the_repositorys_register():
    assert register.label("Q17505024") == "space agency"
    assert register.kind("Q17505024") == "class"
    assert register.kind("P31") == "property"
    assert register.evidence("Q560360").startswith("Wikidata export of astronauts")


def test_an_id_not_in_the_register_is_a_clear_error(checked):
    # an id beyond any Wikidata has minted, so certainly never checked
    with pytest.raises(UnregisteredId, match="Q999999999 is not in the register"):
        checked.label("Q999999999")
    with pytest.raises(UnregisteredId):
        register.kind("P999999999")


@pytest.mark.parametrize("row, problem", [
    ("Q5\thuman\tclass\ttype", "5 tab-separated columns"),
    ("Q5\thuman\tthing\ttype\texport", "kind 'thing'"),
    ("Q5\thuman\tclass\ttype\t", "evidence is empty"),
    ("P31\tinstance of\titem\t\t", "a P id is a property"),
    ("Q5 \thuman\tclass\ttype\texport\nQ5\thuman\tclass\ttype\texport", "listed twice"),
    ("X5\thuman\tclass\ttype\texport", "not a Wikidata id"),
    ("Q5\t\tclass\ttype\texport", "label is empty"),
])
def test_a_malformed_row_is_reported_with_file_and_line(tmp_path, row, problem):
    path = tmp_path / "wikidata-ids.tsv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(problem)) as raised:
        register.load(path)
    assert raised.value.path == path and raised.value.line in (2, 3)


def test_a_missing_register_is_a_data_file_error(tmp_path):
    with pytest.raises(DataFileError, match="cannot read the register"):
        register.load(tmp_path / "absent.tsv")


# Every id in the repository is registered and used as its kind

def test_every_wikidata_id_in_the_repositorys_files_is_registered_and_used_as_its_kind(checked):
    found, used = [], set()
    for path in scanned_files():
        uses = list(register.text_uses(path.read_text(encoding="utf-8")))
        used |= {use.id for use in uses}
        found += [f"{path.relative_to(paths.home())}:{p}" for p in problems(uses, checked)]
    assert not found
    assert {"Q17505024", "Q560360", "P31", "P854"} <= used  # the scan does see the ids


def test_every_wikidata_iri_in_the_rdf_files_is_registered_and_used_as_its_kind(checked):
    found, used = [], set()
    for path in scanned_files():
        if path.suffix in RDF_SUFFIXES:
            dataset = new_dataset()
            parse_file(path, dataset)
            uses = list(register.triple_uses((s, p, o) for s, p, o, _ in dataset.quads()))
            used |= {use.id for use in uses}
            found += [f"{path.name}: {p}" for p in problems(uses, checked)]
    assert not found
    assert {"Q4831087", "Q12634815", "P1037"} <= used


def test_the_wikidata_view_uses_only_registered_ids_each_as_its_kind(checked):
    uses = list(register.triple_uses(build_view(load_dataset())))
    assert not problems(uses, checked)
    assert {"Q17505024", "P31"} <= {use.id for use in uses}


@pytest.mark.parametrize("text, message", [
    ("?x wdt:P31 wd:Q560360 .", "registered as an item but used here as a class"),
    ("kz:Talgat_Musabayev owl:sameAs wd:Q5 .", "registered as a class but used here as an item"),
    ("?agency wdt:P31 wd:Q999999999 .", "Q999999999 is not in the register"),
    ("?x wdt:Q5 ?y .", "used here as a property"),
    ('STATS = ("P999999999",)', "P999999999 is not in the register"),
    ("<http://www.wikidata.org/entity/Q999999998>", "Q999999998 is not in the register"),
])
def test_the_text_scan_catches_a_wrong_id_or_kind(checked, text, message):
    assert any(message in p for p in problems(register.text_uses(text), checked)), text


def test_the_text_scan_accepts_right_uses(checked):
    text = ("?x wdt:P31 wd:Q17505024 ; wdt:P17 wd:Q232 .\nkz:Mir owl:sameAs wd:Q48604 .\n"
            'PROPERTIES = {"title": "P1476"}\n# a duration "P10D" is no id\n')
    uses = list(register.text_uses(text))
    assert [use.id for use in uses] == ["P31", "Q17505024", "P17", "Q232", "Q48604", "P1476"]
    assert not problems(uses, checked)


@pytest.mark.parametrize("triple, message", [
    ((KZ.Mir, OWL.sameAs, WD.Q25956), "registered as a class but used here as an item"),
    ((KZO.Person, SKOS.exactMatch, WD.Q560360), "registered as an item but used here as a class"),
    ((KZ.Mir, URIRef("http://www.wikidata.org/prop/direct/P31"), WD.Q48604), "used here as a class"),
    ((KZ.Mir, RDFS.seeAlso, URIRef("http://www.wikidata.org/prop/direct/Q5")), "used here as a property"),
    ((KZ.Mir, OWL.sameAs, WD.Q999999999), "Q999999999 is not in the register"),
])
def test_the_graph_scan_catches_a_wrong_id_or_kind(checked, triple, message):
    assert any(message in p for p in problems(register.triple_uses([triple]), checked)), triple


# The links follow the register

LINKED = {"Talgat_Musabayev": "Q560360", "Toktar_Aubakirov": "Q468258", "Aidyn_Aimbetov": "Q4831087",
          "Mukhtar_Aymakhanov": "Q16153519", "Government_of_Kazakhstan": "Q3814905",
          "Soviet_space_program": "Q849730"}
UNLINKED = ("Star_City", "Russian_space_program", "KazCosmos", "KazSat-1", "KazSat-2", "KazSat-3",
            "Soyuz_TMA-18M", "Soyuz_TMA-16M", "Sarah_Brightman", "Satoshi_Takamatsu",
            "Thales_Alenia_Space_Italy", "Kazakh_space_program")


def wikidata_id(item: URIRef) -> str:
    return str(item).rsplit("/", 1)[1]


@pytest.mark.parametrize("name", sorted(LINKED))
def test_the_newly_checked_entities_are_linked(dataset, name):
    entity = KZ[name]
    assert set(dataset.objects(entity, OWL.sameAs)) == {WD[LINKED[name]]}
    assert dataset.value(entity, KZO.wikidataStatus) == KZO.Verified


@pytest.mark.parametrize("name", UNLINKED)
def test_the_entities_without_a_checked_id_stay_unlinked(dataset, name):
    assert dataset.value(KZ[name], KZO.wikidataStatus) == KZO.Unverified
    assert dataset.value(KZ[name], OWL.sameAs) is None


def test_every_link_carries_the_registers_evidence_for_its_id(dataset, checked):
    links = list(dataset.subject_objects(OWL.sameAs))
    assert len(links) == 18
    for entity, item in links:
        assert list(dataset.objects(entity, KZO.wikidataEvidence)) == \
            [Literal(checked.evidence(wikidata_id(item)))], entity


def test_wikidatas_label_is_a_name_of_every_linked_entity(dataset, checked):
    for entity, item in dataset.subject_objects(OWL.sameAs):
        names = {str(n) for p in (RDFS.label, SKOS.altLabel) for n in dataset.objects(entity, p)}
        assert checked.label(wikidata_id(item)) in names, entity
    assert Literal("Aydyn Aimbetov", lang="en") in dataset.objects(KZ.Aidyn_Aimbetov, SKOS.altLabel)
    assert dataset.value(KZ.Aidyn_Aimbetov, RDFS.label) == Literal("Aidyn Aimbetov", lang="en")


def test_the_id_once_wrongly_given_to_space_agency_appears_nowhere():
    """Regression (issue 15): an old list gave 'space agency' the id of 'research institute'."""
    wrong = "Q" + "31855"  # spelt apart so this file does not hold it either
    top = paths.home()
    files = [top / "README.md", *(path for folder in ("data", "ontology", "shapes", "src", "tests",
                                                       "examples", "docs", "deploy", "bench")
                                  for path in (top / folder).rglob("*") if path.is_file())]
    holding = [str(path.relative_to(top)) for path in files
               if not any(part == "__pycache__" or part.endswith(".egg-info") for part in path.parts)
               and wrong in path.read_text(encoding="utf-8", errors="replace")]
    assert holding == []
