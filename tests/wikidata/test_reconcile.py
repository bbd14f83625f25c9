"""reconcile, accept and verify against the stand-in; nothing is written to data/."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kzgraph import load_dataset, paths
from kzgraph.errors import LinkRejected, UsageError
from kzgraph.namespaces import KZ
from kzgraph.wikidata import WikidataClient, accept, reconcile, resolve_entity, verify
from tests.terminal import stderr_on_a_terminal
from tests.wikidata.conftest import data_files


def kzgraph(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True,
                          timeout=120)


def test_verify_reports_each_kind_of_drift(linked_dataset, stand_in):
    with WikidataClient(stand_in.settings()) as client:
        findings = {f.qid: f for f in verify(linked_dataset, client)}
    assert findings["Q900000001"].status == "ok"
    assert findings["Q900000007"].status == "ok"  # "Kazakhstan" is an alias there
    assert findings["Q900000002"].status == "redirected" and "Q900000003" in findings["Q900000002"].detail
    assert findings["Q900000004"].status == "missing"
    assert findings["Q900000005"].status == "label"


def test_reconcile_proposes_only_clear_winners(linked_dataset, stand_in):
    with WikidataClient(stand_in.settings()) as client:
        proposals = {p.entity: p for p in reconcile(linked_dataset, client)}
    aimbetov = proposals[str(KZ.Aidyn_Aimbetov)]
    assert aimbetov.status == "proposed" and aimbetov.candidates[0].qid == "Q900000201"
    assert "P31 Q5 as expected" in aimbetov.candidates[0].evidence
    assert proposals[str(KZ.Star_City)].status == "review"  # two equally good candidates
    assert proposals[str(KZ["Soyuz_TMA-18M"])].status == "review"  # label alone is not enough


def test_reconcile_scores_aliases_and_dates(linked_dataset, stand_in):
    """Three candidates for KazSat-1: label + type + launch date agreeing; an alias + type with
    another launch date; the same label on a person."""
    with WikidataClient(stand_in.settings()) as client:
        [proposal] = reconcile(linked_dataset, client, [KZ["KazSat-1"]])
    found = {c.qid: c for c in proposal.candidates}
    agreeing, alias, person = found["Q900000601"], found["Q900000602"], found["Q900000603"]
    assert "P619 2006-06-18 agrees" in agreeing.evidence and "P31 Q149918 as expected" in agreeing.evidence
    assert "an alias of 'KazSat 1 (test)' matches" in alias.evidence
    assert "P619 2006-06-18 differs (Wikidata: 2008-05-01)" in alias.evidence
    assert not any("as expected" in e for e in person.evidence)  # a person, not a satellite
    assert agreeing.score > max(alias.score, person.score) + 0.2
    assert proposal.status == "proposed" and proposal.candidates[0].qid == "Q900000601"


def links_file(tmp_path, qid: str):
    links = tmp_path / "links.trig"
    links.write_text("@prefix kzo: <https://w3id.org/kzgraph/ontology#> .\n"
                     "@prefix kz: <https://w3id.org/kzgraph/resource/> .\n"
                     "@prefix wd: <http://www.wikidata.org/entity/> .\n"
                     "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                     f"<https://w3id.org/kzgraph/graph/test-links> {{ kz:KazSat-1 owl:sameAs wd:{qid} ; "
                     "kzo:wikidataStatus kzo:Verified . }\n", encoding="utf-8")
    return [p for p in paths.data_files() if p.name != "wikidata-links.trig"] + [links]


def test_verify_reports_a_type_that_no_longer_matches(stand_in, tmp_path):
    with WikidataClient(stand_in.settings()) as client:
        [drifted] = verify(load_dataset(links_file(tmp_path, "Q900000603")), client)
        [fine] = verify(load_dataset(links_file(tmp_path, "Q900000601")), client)
    assert drifted.status == "type" and "Q5" in drifted.detail and "Q149918" in drifted.detail
    assert fine.status == "ok"


def test_accept_records_evidence_and_rejects_merged_or_missing_ids(linked_dataset, stand_in):
    with WikidataClient(stand_in.settings()) as client:
        record = accept(linked_dataset, client, KZ.Aidyn_Aimbetov, "Q900000201")
        with pytest.raises(LinkRejected, match="Q900000003"):
            accept(linked_dataset, client, KZ.Star_City, "Q900000002")
        with pytest.raises(LinkRejected, match="does not exist"):
            accept(linked_dataset, client, KZ.Star_City, "Q900000004")
        with pytest.raises(UsageError, match="already linked"):
            accept(linked_dataset, client, KZ.Mir, "Q900000001")
    assert record["label"] == "Aidyn Aimbetov" and record["description"] == "test item: a cosmonaut"
    assert record["score"] == 0.9 and "P106 Q12634815 as expected" in record["evidence"]  # name, kind, occupation
    assert record["checked"] and record["status"] == "accepted-for-review"


def test_resolve_entity_names():
    dataset = load_dataset(data_files())
    assert resolve_entity(dataset, "kz:KazSat-2") == KZ["KazSat-2"] == resolve_entity(dataset, "KazSat-2")
    with pytest.raises(UsageError):
        resolve_entity(dataset, "kz:Nobody")


def data_snapshot() -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in (paths.home() / "data").rglob("*") if p.is_file()}


def test_cli_reconcile_writes_proposals_and_accepts_into_a_separate_file(stand_in, tmp_path):
    before = data_snapshot()
    data = [str(p) for p in data_files()]
    out, accepted = tmp_path / "proposals.json", tmp_path / "accepted.json"
    result = kzgraph("wikidata", "reconcile", *data, *stand_in.options(), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "proposed" in result.stdout and "Traceback" not in result.stderr
    assert {p["status"] for p in json.loads(out.read_text())} == {"proposed", "review"}
    result = kzgraph("wikidata", "reconcile", *data, *stand_in.options(), "--accept",
                     "kz:Aidyn_Aimbetov", "Q900000201", "--accepted-file", str(accepted))
    assert result.returncode == 0, result.stderr
    assert [r["qid"] for r in json.loads(accepted.read_text())] == ["Q900000201"]
    assert data_snapshot() == before


def test_cli_accept_of_a_merged_id_exits_1(stand_in, tmp_path):
    data = [str(p) for p in data_files()]
    result = kzgraph("wikidata", "reconcile", *data, *stand_in.options(), "--accept", "Star_City",
                     "Q900000002", "--accepted-file", str(tmp_path / "a.json"))
    assert result.returncode == 1 and "merged into Q900000003" in result.stderr
    assert not (tmp_path / "a.json").exists()


def test_cli_verify_exit_codes(stand_in):
    drift = kzgraph("wikidata", "verify", *map(str, data_files()), *stand_in.options())
    assert drift.returncode == 1, drift.stderr
    assert "redirected" in drift.stdout and "missing" in drift.stdout and "label" in drift.stdout
    clean = kzgraph("wikidata", "verify", *map(str, data_files("links-ok.trig")), *stand_in.options())
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "all 3 Wikidata links verified" in clean.stdout


def test_cli_verify_unavailable_service_exits_3():
    result = kzgraph("wikidata", "verify", "--api-url", "http://127.0.0.1:9/w/api.php",
                     "--retries", "0", "--timeout", "1")
    assert result.returncode == 3 and "kzgraph: error:" in result.stderr
    assert "Traceback" not in result.stderr


def test_progress_is_shown_on_a_terminal_and_quiet_otherwise(stand_in):
    """Run `kzgraph wikidata verify` once with stderr on a pseudo-terminal, once on a pipe."""
    command = [sys.executable, "-m", "kzgraph", "wikidata", "verify",
               *map(str, data_files("links-ok.trig")), *stand_in.options()]
    status, shown = stderr_on_a_terminal(command, timeout=120)
    assert status == 0
    assert b"\r[1/" in shown and b"]" in shown  # a redrawn progress line
    on_pipe = subprocess.run(command, capture_output=True, timeout=120)
    assert on_pipe.returncode == 0
    assert b"[1/" not in on_pipe.stderr


def test_a_value_without_a_checked_id_is_no_evidence_either_way():
    """kzgraph's value is its own IRI (no checked id): it can neither agree nor differ."""
    from kzgraph.wikidata import Value
    from kzgraph.wikidata.reconcile import candidate
    from kzgraph.wikidata.facts import Statement

    ours = [Statement(KZ.Somewhere, None, "P17", Value("item", str(KZ.Some_country)))]
    answer = {"labels": {"en": {"language": "en", "value": "Somewhere"}},
              "claims": {"P17": [{"mainsnak": {"snaktype": "value", "property": "P17",
                                               "datatype": "wikibase-item",
                                               "datavalue": {"type": "wikibase-entityid",
                                                             "value": {"id": "Q900000007"}}},
                                  "rank": "normal"}]}}
    found = candidate("Q900000900", answer, ["Somewhere"], ours, "en", frozenset({"P31"}))
    assert (found.score, found.evidence) == (0.5, ["label 'Somewhere' matches"])
