"""The snapshot reader, and reconcile / verify / diff / QuickStatements on the real export's subset
(tests/wikidata/snapshot/, cut from the June 2025 astronauts export: see its README)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import OWL, SKOS

from kzgraph import load_dataset, paths
from kzgraph.errors import DataFileError, DataFileNotFound, DataSyntaxError, LinkRejected
from kzgraph.namespaces import KZ
from kzgraph.wikidata import Value, WikidataClient, accept, diff, reconcile, verify
from kzgraph.wikidata.alignment import labels_of
from kzgraph.wikidata.entities import entity_names, entity_values
from kzgraph.wikidata import register
from kzgraph.wikidata.reconcile import verify_register
from kzgraph.wikidata.snapshot import load_snapshot
from tests.wikidata.standin import StandIn

HERE = Path(__file__).resolve().parent / "snapshot"
SUBSET = HERE / "astronauts-subset.nt"
REGISTER = paths.home() / "data" / "wikidata-ids.tsv"
COSMONAUTS = {"Talgat_Musabayev": "Q560360", "Toktar_Aubakirov": "Q468258",
              "Aidyn_Aimbetov": "Q4831087", "Mukhtar_Aymakhanov": "Q16153519"}


def kzgraph(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True,
                          timeout=120, cwd=paths.home())


@pytest.fixture(scope="module")
def snapshot():
    return load_snapshot(SUBSET)


@pytest.fixture(scope="module")
def article_dataset():
    """The data as it was before the people were linked: their links and Wikidata's spelling of
    Aimbetov (an alias once he is linked) taken out, so that reconcile has to find "Aydyn" from
    "Aidyn" and accept may record an id (before the links are merged this changes nothing)."""
    dataset = load_dataset()
    for name in COSMONAUTS:
        dataset.remove((KZ[name], OWL.sameAs, None, None))
    dataset.remove((KZ.Aidyn_Aimbetov, SKOS.altLabel, Literal("Aydyn Aimbetov", lang="en"), None))
    return dataset


@pytest.fixture(scope="module")
def people_dataset():
    return load_dataset()


# reading

def test_truthy_export_read_in_wbgetentities_shape(snapshot):
    [entity] = snapshot.get_entities(["Q4831087"]).values()
    assert entity_names(entity, "en") == ("Aydyn Aimbetov", [], "")  # a plain label: the language's
    values = entity_values(entity)
    assert values["P27"] == [Value("item", "Q232")]
    assert values["P31"] == [Value("item", "Q5")]  # the export writes instance of as rdf:type
    assert values["P569"] == [Value("time", "1972", 9)]  # "1972": a year
    assert {"P27", "P31", "P106", "P569"} <= snapshot.properties


def test_an_id_the_snapshot_does_not_hold_is_absent_not_missing(snapshot):
    assert snapshot.get_entities(["Q3814905", "Q232"]).keys() == {"Q232"}


FULL_STATEMENTS = """\
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix wdt: <http://www.wikidata.org/prop/direct/> .
@prefix p: <http://www.wikidata.org/prop/> .
@prefix ps: <http://www.wikidata.org/prop/statement/> .
@prefix psv: <http://www.wikidata.org/prop/statement/value/> .
@prefix pq: <http://www.wikidata.org/prop/qualifier/> .
@prefix wikibase: <http://wikiba.se/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
wd:Q900000001 rdfs:label "Test item"@en, "Тест"@ru ; skos:altLabel "Another name"@en ;
    schema:description "a test item"@en ;
    wdt:P571 "2007-01-01T00:00:00Z"^^xsd:dateTime ;
    p:P571 [ ps:P571 "2007-03-01T00:00:00Z"^^xsd:dateTime ; wikibase:rank wikibase:NormalRank ;
             psv:P571 [ wikibase:timeValue "2007-03-01T00:00:00Z"^^xsd:dateTime ;
                        wikibase:timePrecision "10"^^xsd:integer ] ;
             pq:P585 "2007-03-24"^^xsd:date ] ,
           [ ps:P571 "1990-01-01T00:00:00Z"^^xsd:dateTime ; wikibase:rank wikibase:DeprecatedRank ] .
wd:Q900000002 <http://www.w3.org/2002/07/owl#sameAs> wd:Q900000001 .
"""


def test_turtle_with_names_and_full_statements(tmp_path):
    """Test data (invented ids): tagged labels, aliases, a description; full statements replace
    the truthy ones, with the precision of their value node, qualifiers and ranks."""
    path = tmp_path / "test.ttl"
    path.write_text(FULL_STATEMENTS, encoding="utf-8")
    snapshot = load_snapshot(path)
    entities = snapshot.get_entities(["Q900000001", "Q900000002"])
    entity = entities["Q900000001"]
    assert entity_names(entity, "en") == ("Test item", ["Another name"], "a test item")
    assert entity_names(entity, "ru")[0] == "Тест"
    assert entity_values(entity) == {"P571": [Value("time", "2007-03", 10)]}  # deprecated left out
    [normal] = [c for c in entity["claims"]["P571"] if c["rank"] == "normal"]
    assert normal["qualifiers"]["P585"][0]["datavalue"]["value"]["time"] == "+2007-03-24T00:00:00Z"
    assert entities["Q900000002"]["redirects"] == {"from": "Q900000002", "to": "Q900000001"}


def test_nquads_are_read(tmp_path):
    path = tmp_path / "test.nq"
    path.write_text('<http://www.wikidata.org/entity/Q900000001> '
                    '<http://www.w3.org/2000/01/rdf-schema#label> "Test"@en <http://example.org/g> .\n',
                    encoding="utf-8")
    assert entity_names(load_snapshot(path).get_entities(["Q900000001"])["Q900000001"], "en")[0] == "Test"


def test_unreadable_snapshots_are_named_with_file_and_line(tmp_path):
    with pytest.raises(DataFileNotFound, match="no such Wikidata snapshot"):
        load_snapshot(tmp_path / "absent.nt")
    (tmp_path / "export.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\.nt, \.ttl, \.nq"):
        load_snapshot(tmp_path / "export.json")
    bad = tmp_path / "bad.nt"
    bad.write_text(SUBSET.read_text(encoding="utf-8").splitlines()[0] + "\n<http://a> <http://b> oops .\n",
                   encoding="utf-8")
    with pytest.raises(DataSyntaxError) as error:
        load_snapshot(bad)
    assert error.value.line == 2 and f"{bad}:2:" in str(error.value)


def test_cli_bad_snapshot_exits_2_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.nt"
    bad.write_text("<http://a> <http://b> oops .\n", encoding="utf-8")
    result = kzgraph("wikidata", "verify", "--snapshot", str(bad))
    assert result.returncode == 2 and f"{bad}:1:" in result.stderr and "Traceback" not in result.stderr


def test_cli_snapshot_excludes_the_online_options():
    result = kzgraph("wikidata", "verify", "--snapshot", str(SUBSET), "--api-url", "http://127.0.0.1:9")
    assert result.returncode == 2 and "--api-url only apply to the live service" in result.stderr
    result = kzgraph("wikidata", "diff", "--snapshot", str(SUBSET), "--entity-data", str(HERE))
    assert result.returncode == 2 and "not allowed with argument" in result.stderr


# search

@pytest.mark.parametrize("text, qid", [
    ("Aidyn Aimbetov", "Q4831087"),      # the article's spelling; Wikidata's is "Aydyn"
    ("Talgat Musabaev", "Q560360"),      # Wikidata: "Musabayev"
    ("Тоқтар Әубәкіров", "Q468258"),     # Kazakh Cyrillic
    ("Мухтар Аймаханов", "Q16153519"),   # Russian Cyrillic
    ("Múkhtar Aymakhánov", "Q16153519"),  # diacritics
])
def test_search_finds_spelling_variants(snapshot, text, qid):
    assert snapshot.search(text)[0]["id"] == qid


def test_search_finds_nothing_for_an_unrelated_name(snapshot):
    assert snapshot.search("Sarah Brightman") == []


# reconcile

def test_reconcile_finds_the_four_kazakh_cosmonauts(snapshot, article_dataset):
    dataset = article_dataset
    proposals = {p.entity: p for p in reconcile(dataset, snapshot, [KZ[name] for name in COSMONAUTS])}
    for name, qid in COSMONAUTS.items():
        proposal = proposals[str(KZ[name])]
        assert (proposal.status, proposal.candidates[0].qid) == ("proposed", qid), proposal
    aimbetov = proposals[str(KZ.Aidyn_Aimbetov)].candidates[0]
    assert "label 'Aydyn Aimbetov' is a spelling of 'Aidyn Aimbetov'" in aimbetov.evidence
    assert "P31 Q5 as expected" in aimbetov.evidence
    # the article states no citizenship of his (only that he left to become a Russian citizen)
    assert not any(e.startswith("P27") for e in proposals[str(KZ.Mukhtar_Aymakhanov)].candidates[0].evidence)


def test_a_namesake_in_another_country_is_not_proposed(snapshot, article_dataset):
    """Real decoy: Wikidata's "Star City" in the export is a town in the United States."""
    [proposal] = reconcile(article_dataset, snapshot, [KZ.Star_City])
    assert proposal.candidates[0].label == "Star City" and proposal.status == "review"


def renamed(line_subject: str, label: str) -> list[str]:
    """DECOY, TEST-LOCAL: the export's real rows of another entity, its label replaced."""
    rows = [line for line in SUBSET.read_text(encoding="utf-8").splitlines()
            if line.startswith(f"<http://www.wikidata.org/entity/{line_subject}> ")]
    return [f'<http://www.wikidata.org/entity/{line_subject}> '
            f'<http://www.w3.org/2000/01/rdf-schema#label> "{label}" .' if "rdf-schema#label" in line
            else line for line in rows]


def test_renamed_decoys_of_the_wrong_kind_or_country_are_never_proposed(tmp_path, article_dataset):
    """The export has no namesakes of ours, so four are made from real rows, renamed in a copy:
    Canada's government (P17 Q16) called Government of Kazakhstan, whose country the article
    gives; NASA (not a human) called Talgat Musabayev; an American astronaut called Mukhtar
    Aymakhanov and a Soviet cosmonaut called Aidyn Aimbetov, exactly as the article spells them."""
    renames = {"Q422404": "Government of Kazakhstan", "Q23548": "Talgat Musabayev",
               "Q440303": "Mukhtar Aymakhanov", "Q466513": "Aidyn Aimbetov"}
    decoys = [line for qid, label in renames.items() for line in renamed(qid, label)]
    lines = [line for line in SUBSET.read_text(encoding="utf-8").splitlines()
             if not line.startswith(tuple(f"<http://www.wikidata.org/entity/{qid}> " for qid in renames))]
    copy = tmp_path / "with-decoys.nt"
    copy.write_text("\n".join(lines + decoys) + "\n", encoding="utf-8")
    targets = [KZ.Government_of_Kazakhstan, KZ.Talgat_Musabayev, KZ.Mukhtar_Aymakhanov,
               KZ.Aidyn_Aimbetov]
    found = {p.entity: p for p in reconcile(article_dataset, load_snapshot(copy), targets)}
    government, musabayev, aymakhanov, aimbetov = (found[str(entity)] for entity in targets)
    # the wrong country: the article's P17 Kazakhstan against Wikidata's Canada
    assert government.status != "proposed"
    assert "P17 Q232 differs (Wikidata: Q16)" in government.candidates[0].evidence
    # the wrong kind: an organisation for a person
    assert (musabayev.status, musabayev.candidates[0].qid) == ("proposed", "Q560360")
    assert any(e.startswith("P31 Q5 differs") for e in
               next(c for c in musabayev.candidates if c.qid == "Q23548").evidence)
    # the same kind and no country in the article to tell them apart: neither is proposed
    for person, real, decoy in ((aymakhanov, "Q16153519", "Q440303"), (aimbetov, "Q4831087", "Q466513")):
        assert person.status == "review" and {c.qid for c in person.candidates} >= {real, decoy}


# verify

def test_verify_links_on_the_snapshot(snapshot, people_dataset):
    findings = {f.qid: f for f in verify(people_dataset, snapshot)}
    for qid in COSMONAUTS.values():
        assert findings[qid].status == "ok"  # Aidyn / Aydyn is a spelling, not drift
    assert findings["Q232"].status == "ok"
    assert findings["Q3814905"].status == "unchecked"  # the export does not hold it
    assert "astronauts-subset.nt" in findings["Q3814905"].detail


def test_verify_reports_a_wrong_registered_label_or_kind(snapshot):
    """The check that would have caught the wrong space-agency class: a register copy with a
    wrong label and a wrong kind for ids the export holds."""
    rows = [register.Row("Q232", "space agency", "item", "", "test"),
            register.Row("Q159", "Russia", "class", "", "test"),
            register.Row("Q11631", "astronaut", "class", "", "test")]
    findings = {f.qid: f for f in verify_register(rows, snapshot, snapshot.uses())}
    assert findings["Q232"].status == "label" and "'Kazakhstan'" in findings["Q232"].detail
    assert findings["Q159"].status == "type" and "use it as item" in findings["Q159"].detail
    assert findings["Q11631"].status == "ok"


def test_the_real_register_disagrees_with_the_export_only_on_q5(snapshot):
    findings = verify_register(register.load(REGISTER), snapshot, snapshot.uses())
    assert len(findings) >= 15
    drift = [(f.qid, f.status) for f in findings if f.status != "ok"]
    assert drift == [("Q5", "label")]  # the export labels it "Person" (docs/wikidata-workflow.md)


def test_cli_verify_with_a_register_copy(tmp_path):
    register = tmp_path / "ids.tsv"
    register.write_text("# a test-local copy\nQ232\tKazakhstan\titem\tcountry\tsnapshot\n"
                        "Q560360\tTalgat Musabayev\titem\thead\tsnapshot\n", encoding="utf-8")
    clean = kzgraph("wikidata", "verify", "--snapshot", str(SUBSET), "--register", str(register))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "2 registered ids held by the Wikidata snapshot astronauts-subset.nt verified" in clean.stdout
    register.write_text("Q232\tresearch institute\titem\tcountry\tsnapshot\n", encoding="utf-8")
    drift = kzgraph("wikidata", "verify", "--snapshot", str(SUBSET), "--register", str(register))
    assert drift.returncode == 1 and "label" in drift.stdout and "Q232" in drift.stdout


# diff and QuickStatements

def test_diff_on_the_snapshot(snapshot, people_dataset):
    qids = {"Q560360", "Q468258", "Q4831087", "Q16153519", "Q232"}
    found = {(d.kind, d.qid, d.pid, (d.ours or d.theirs[0]).text)
             for d in diff(people_dataset, snapshot.get_entities(qids), snapshot.properties)}
    assert not any(qid == "Q16153519" and pid == "P27" and kind != "missing-here"
                   for kind, qid, pid, _ in found)  # the article gives no citizenship of his
    assert ("missing-on-wikidata", "Q560360", "P106", "Q12634815") in found  # cosmonaut
    assert ("missing-here", "Q560360", "P27", "Q232") in found
    assert not any(pid == "P450" for _, _, pid, _ in found)  # the export carries no P450 at all


# online and offline: the same code, the same answers

def stand_in_serving(snapshot, tmp_path, names: list[str]) -> Path:
    """Fixtures for the stand-in that serve the snapshot's entities and its search answers."""
    entities = tmp_path / "entities"
    entities.mkdir()
    for qid in snapshot.entities:
        (entities / f"{qid}.json").write_text(
            json.dumps({"entities": {qid: snapshot.entity_json(qid)}}), encoding="utf-8")
    searches = {name: snapshot.search(name) for name in names}
    (tmp_path / "wbsearchentities.json").write_text(json.dumps(searches), encoding="utf-8")
    (tmp_path / "redirects.json").write_text("{}", encoding="utf-8")
    (tmp_path / "wdqs.ttl").write_text("", encoding="utf-8")
    return tmp_path


def test_online_and_offline_give_the_same_proposals_and_additions(snapshot, tmp_path, article_dataset):
    """The stand-in serves over HTTP exactly what the snapshot holds; reconcile and
    quickstatements then answer the same through the live client as from the file."""
    dataset = article_dataset
    targets = [KZ[name] for name in COSMONAUTS] + [KZ.Star_City]
    names = [str(label) for entity in targets for label in labels_of(dataset, entity)]
    offline = reconcile(dataset, snapshot, targets)
    with StandIn(stand_in_serving(snapshot, tmp_path, names)) as server:
        with WikidataClient(server.settings()) as client:
            online = reconcile(dataset, client, targets)
        data = [*map(str, paths.data_files())]
        live = kzgraph("wikidata", "quickstatements", *data, *server.options())
    assert online == offline
    local = kzgraph("wikidata", "quickstatements", *data, "--snapshot", str(SUBSET))
    assert live.returncode == local.returncode == 0, live.stderr + local.stderr
    held = tuple(f"{qid}\t" for qid in COSMONAUTS.values())
    assert [line for line in live.stdout.splitlines() if line.startswith(held)] == local.stdout.splitlines()
    assert local.stdout


def test_accept_from_the_snapshot_names_it_as_the_method(snapshot, article_dataset):
    dataset = article_dataset
    record = accept(dataset, snapshot, KZ.Aidyn_Aimbetov, "Q4831087")
    assert record["label"] == "Aydyn Aimbetov" and record["score"] == 0.75
    assert record["method"] == "the Wikidata snapshot astronauts-subset.nt"
    with pytest.raises(LinkRejected, match="nothing on it in the Wikidata snapshot"):
        accept(dataset, snapshot, KZ.Aidyn_Aimbetov, "Q900000999")  # an id the export lacks


def test_verify_reports_a_link_to_an_entity_of_another_kind(snapshot, tmp_path):
    """A test-local links file linking Musabayev to the country's id: label and type drift."""
    links = tmp_path / "wrong-links.trig"
    links.write_text("@prefix kz: <https://w3id.org/kzgraph/resource/> .\n"
                     "@prefix wd: <http://www.wikidata.org/entity/> .\n"
                     "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                     "<https://w3id.org/kzgraph/graph/test-links> { kz:Talgat_Musabayev owl:sameAs wd:Q232 . }\n",
                     encoding="utf-8")
    dataset = load_dataset([p for p in paths.data_files() if p.name != "wikidata-links.trig"] + [links])
    found = {f.status: f for f in verify(dataset, snapshot)}
    assert found.keys() == {"label", "type"}
    assert "'Kazakhstan'" in found["label"].detail and "Q5" in found["type"].detail
