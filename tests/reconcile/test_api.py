"""/reconcile over HTTP: the manifest, reconciliation batches (GET and POST) with the cases a
spreadsheet brings, suggest, preview and data extension; every request and response is checked
against the Reconciliation Service API v0.2 schemas (conftest.Service)."""

from __future__ import annotations

import json

import pytest

from kzgraph.reconciliation import BATCH_SIZE, IDENTIFIER_SPACE, SCHEMA_SPACE
from kzgraph.search import MAX_LIMIT
from kzgraph.wikidata.reconcile import proposed

from .conftest import ids, refused
from .schemas import check, errors

# The classes of kzsh:WikidataStatusShape (shapes/kzgraph-shapes.ttl): the named entities' types.
NAMED_CLASSES = ["LaunchVehicle", "Organization", "Person", "Place", "SpaceProgram", "Spacecraft",
                 "SpacecraftFamily", "Spaceflight"]


# --- the schemas themselves ----------------------------------------------------------------

def test_the_schemas_refuse_what_the_spec_does_not_allow():
    assert errors("manifest", {"name": "x", "identifierSpace": "a", "schemaSpace": "b"})
    assert errors("reconciliation-query-batch", {"q0": {"limit": 1}})  # neither query nor properties
    assert errors("reconciliation-result-batch", {"q0": {}})
    assert errors("data-extension-response", {"meta": [], "rows": {"a": {"p": [{"date": "2014"}]}}})


# --- manifest ------------------------------------------------------------------------------

def test_the_manifest(service, live_server):
    manifest = service.manifest()
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == IDENTIFIER_SPACE == "https://w3id.org/kzgraph/resource/"
    assert manifest["schemaSpace"] == SCHEMA_SPACE == "https://w3id.org/kzgraph/ontology#"
    assert [t["id"] for t in manifest["defaultTypes"]] == NAMED_CLASSES
    assert manifest["batchSize"] == BATCH_SIZE
    assert manifest["view"]["url"] == f"{live_server.url}/doc/resource/{{{{id}}}}"
    assert manifest["preview"]["url"] == f"{live_server.url}/reconcile/preview?id={{{{id}}}}"
    for kind in ("entity", "type", "property"):
        assert manifest["suggest"][kind] == {"service_url": live_server.url,
                                             "service_path": f"/reconcile/suggest/{kind}"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/reconcile/properties"


def test_the_manifests_view_and_preview_urls_answer(service, client):
    manifest = service.manifest()
    for template in (manifest["view"]["url"], manifest["preview"]["url"]):
        response = client.get(template.replace("{{id}}", "KazSat-2"), headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "KazSat-2" in response.text


def test_cors_on_every_endpoint(client):
    for path in ("/reconcile", "/reconcile/suggest/entity?prefix=kaz", "/reconcile/preview?id=Mir"):
        response = client.get(path, headers={"Origin": "https://openrefine.example"})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"


# --- reconciliation: the spreadsheet's cases -----------------------------------------------

@pytest.mark.parametrize("cell, entity", [
    ("Aidyn Aymbetov", "Aidyn_Aimbetov"),      # Wikidata's spelling of the article's Aidyn Aimbetov
    ("Talgat Musabaev", "Talgat_Musabayev"),   # no y
    ("Toktar Aubakirow", "Toktar_Aubakirov"),  # German-style w
    ("Mukhtar Aimakhanov", "Mukhtar_Aymakhanov"),
])
def test_misspelt_names_match(service, cell, entity):
    first = service.one({"query": cell, "type": "Person"})[0]
    assert (first["id"], first["match"]) == (entity, True)


@pytest.mark.parametrize("cell, entity", [
    ("Aimbetow", "Aidyn_Aimbetov"),             # a surname alone
    ("Tokhtar Aubakirov", "Toktar_Aubakirov"),  # only similar: kh is not a spelling of k
])
def test_a_name_only_like_is_a_candidate_but_no_match(service, cell, entity):
    candidates = service.one({"query": cell, "type": "Person"})
    assert ids(candidates)[:1] == [entity]
    assert candidates[0]["match"] is False
    assert candidates[0]["score"] < 0.7


@pytest.mark.parametrize("cell, entity", [
    ("Токтар Аубакиров", "Toktar_Aubakirov"),  # Russian Cyrillic
    ("Талғат Мұсабаев", "Talgat_Musabayev"),   # Kazakh Cyrillic
    ("Айдын Аимбетов", "Aidyn_Aimbetov"),
    ("Байконур", "Baikonur_Cosmodrome"),
])
def test_cyrillic_names_find_latin_labels(service, cell, entity):
    types = "Person" if entity != "Baikonur_Cosmodrome" else "Place"
    assert ids(service.one({"query": cell, "type": types}))[:1] == [entity]


def test_with_and_without_diacritics_score_alike(service):
    written = service.one({"query": "Qazaqstan Respublikasy Ūlttyq ğaryş agenttıgı"})
    plain = service.one({"query": "Qazaqstan Respublikasy Ulttyq garys agenttigi"})
    assert ids(written)[:1] == ids(plain)[:1] == ["KazCosmos"]
    assert written[0]["score"] == plain[0]["score"] > 0


@pytest.mark.parametrize("cell", ["", "   ", "?!", "—"])
def test_an_empty_cell_has_no_candidates(service, cell):
    assert service.one({"query": cell, "type": "Person"}) == []


def test_an_unknown_type_is_a_400_naming_the_types(service):
    response = service.send("queries", json.dumps({"q0": {"query": "KazSat", "type": "Satelite"}}))
    body = refused(response, 400, "unknown type 'Satelite'")
    assert "CommunicationsSatellite" in body["message"] and "suggest/type" in body["message"]


def test_a_batch_at_the_size_limit_is_answered_whole(service):
    batch = {f"q{n}": {"query": name, "type": "Spacecraft"}
             for n, name in enumerate(["KazSat-1", "KazSat 2", "Kazsat 3", "Soyuz TMA-18M", "Mir"] * 10)}
    assert len(batch) == BATCH_SIZE
    answers = service.reconcile(batch)
    assert answers.keys() == batch.keys()
    assert ids(answers["q2"]["result"])[:1] == ["KazSat-3"]


def test_a_batch_over_the_size_limit_is_refused_with_the_limit(service):
    batch = {f"q{n}": {"query": "KazSat"} for n in range(BATCH_SIZE + 1)}
    refused(service.send("queries", json.dumps(batch)), 413,
            f"{BATCH_SIZE + 1} queries; at most {BATCH_SIZE}")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("text, words", [
    ('{"q0": {"query": "KazSat"', "not valid JSON"),
    ("q0=KazSat", "not valid JSON"),
    ("", "not valid JSON"),
    ('["KazSat"]', "JSON object of query ids"),
    ('{"q0": "KazSat"}', "query 'q0' must be an object"),
    ('{"q0": {"text": "KazSat"}}', "unknown field(s) text"),
    ('{"q0": {"limit": 3}}', "needs a query string or at least one property"),
    ('{"q0": {"query": 7}}', "query must be a string"),
    ('{"q0": {"query": "KazSat", "limit": 0}}', "limit must be a whole number"),
    ('{"q0": {"query": "KazSat", "limit": "5"}}', "limit must be a whole number"),
    ('{"q0": {"query": "KazSat", "type": 3}}', "type must be a type id"),
    ('{"q0": {"query": "KazSat", "type_strict": "must"}}', "type_strict must be one of"),
    ('{"q0": {"query": "KazSat", "properties": [{"pid": "launchDate"}]}}', "pid and v"),
    ('{"q0": {"query": "KazSat", "properties": [{"pid": "launchDat", "v": "2014"}]}}',
     "unknown property 'launchDat'"),
    ('{"q0": {"query": "KazSat", "properties": [{"pid": "launchDate", "v": [null]}]}}',
     "a property value is a string"),
    ('{"q0": {"query": "' + "x" * 201 + '"}}', "query 'q0': the search text is 201 characters"),
])
def test_malformed_batches_are_400s_saying_what_is_wrong(service, method, text, words):
    refused(service.send("queries", text, method), 400, words)


def test_a_post_that_is_not_a_form_is_a_415(client):
    response = client.post("/reconcile", json={"q0": {"query": "KazSat"}})
    refused(response, 415, "as a form")


def test_a_form_without_queries_or_extend_is_a_400(client):
    refused(client.post("/reconcile", data={"query": "KazSat"}), 400, "no queries= or extend=")
    both = {"queries": "{}", "extend": "{}"}
    refused(client.get("/reconcile", params=both), 400, "not both")


# --- reconciliation: scores, types, properties ---------------------------------------------

def test_get_and_post_answer_alike(service):
    batch = {"a": {"query": "Kazsat 2", "type": "Spacecraft"}, "b": {"query": "Proton"}}
    assert service.reconcile(batch, "GET") == service.reconcile(batch, "POST")


def test_candidates_are_sorted_features_add_up_and_match_is_reconciles_decision(service):
    batch = {name: {"query": name} | ({"type": kind} if kind else {})
             for name, kind in [("KazSat 1", "Spacecraft"), ("Soyuz", None), ("Soyuz", "SpacecraftFamily"),
                                ("Kazakhstan", "Place"), ("Baikonur", None), ("Musabayev", "Person")]}
    for key, answer in service.reconcile(batch).items():
        scores = [c["score"] for c in answer["result"]]
        assert scores == sorted(scores, reverse=True), key
        for candidate in answer["result"]:
            total = sum(f["value"] for f in candidate["features"])
            assert candidate["score"] == pytest.approx(min(1.0, max(0.0, total)), abs=0.002)
        assert [c["match"] for c in answer["result"]] == \
            [proposed(scores)] + [False] * (len(scores) - 1), key


def test_a_name_alone_is_never_a_match_a_type_makes_it_one(service):
    untyped = service.one({"query": "KazSat-1 "})[0]
    typed = service.one({"query": "KazSat-1 ", "type": "Spacecraft"})[0]
    assert untyped["id"] == typed["id"] == "KazSat-1"
    assert (untyped["match"], typed["match"]) == (False, True)
    assert {f["id"]: f["value"] for f in typed["features"]} == {"name": 0.5, "type": 0.3}


def test_the_type_restricts_and_a_subclass_counts(service):
    assert ids(service.one({"query": "Soyuz", "type": "SpacecraftFamily"})) == ["Soyuz"]
    spacecraft = ids(service.one({"query": "Soyuz", "type": "Spacecraft"}))
    assert "Soyuz" not in spacecraft and "Soyuz_TMA-18M" in spacecraft
    # KazSat-1 is a kzo:CommunicationsSatellite, a subclass of kzo:Spacecraft
    assert ids(service.one({"query": "KazSat-1", "type": "Spacecraft"}))[:1] == ["KazSat-1"]


def test_type_strict_should_keeps_other_types_with_the_penalty(service):
    soft = service.one({"query": "Soyuz", "type": "Spacecraft", "type_strict": "should"})
    family = next(c for c in soft if c["id"] == "Soyuz")
    assert {"id": "type", "value": -0.4} in family["features"]
    assert family["match"] is False


def test_all_types_must_hold_with_type_strict_all(service):
    both = service.one({"query": "Aidyn Aimbetov", "type": ["Cosmonaut", "CosmonautCandidate"],
                        "type_strict": "all"})
    assert ids(both) == ["Aidyn_Aimbetov"]
    assert service.one({"query": "Toktar Aubakirov", "type": ["Cosmonaut", "CosmonautCandidate"],
                        "type_strict": "all"}) == []


def test_limit(service):
    assert len(service.one({"query": "KazSat", "limit": 2})) == 2
    assert len(service.one({"query": "KazSat", "limit": MAX_LIMIT})) == 3


def test_the_query_may_be_an_entity_id(service):
    first = service.one({"query": "Soyuz_TMA-16M"})[0]
    assert first["id"] == "Soyuz_TMA-16M"
    assert {"id": "id", "value": 1.0} in first["features"] and first["score"] == 1.0


def features(candidate: dict) -> dict:
    return {f["id"]: f["value"] for f in candidate["features"]}


@pytest.mark.parametrize("date, entity", [
    ("2011-07-16", "KazSat-2"), ("2014", "KazSat-3"), ("2006-06", "KazSat-1"),
    ("2006-06-18T00:00:00Z", "KazSat-1"),  # as OpenRefine sends a date cell
    ("18 June 2006", "KazSat-1"), (2014, "KazSat-3"),
])
def test_a_launch_date_column_picks_the_satellite(service, date, entity):
    candidates = service.one({"query": "KazSat", "type": "Spacecraft",
                              "properties": [{"pid": "launchDate", "v": date}]})
    assert ids(candidates)[0] == entity
    assert features(candidates[0])["property:launchDate"] == 0.2
    assert all(features(c)["property:launchDate"] == -0.2 for c in candidates[1:])


def test_dates_are_compared_at_the_coarser_precision(service):
    def launch(date):
        candidates = service.one({"query": "KazSat-3", "type": "Spacecraft",
                                  "properties": [{"pid": "launchDate", "v": date}]})
        return features(candidates[0])["property:launchDate"]
    # KazSat-3's launch is "2014"^^xsd:gYear: any day of 2014 agrees, 2015 does not
    assert (launch("2014-11-30"), launch("2014"), launch("2015-01-01")) == (0.2, 0.2, -0.2)


def test_entity_values_are_compared_by_label_id_or_wikidata_id(service):
    def country(value):
        candidates = service.one({"query": "Talgat Musabayev", "type": "Person",
                                  "properties": [{"pid": "nationality", "v": value}]})
        return features(candidates[0])["property:nationality"]
    assert country("Kazakhstan") == 0.2
    assert country("Казахстан") == 0.2                          # by label, in another script
    assert country({"id": "Kazakhstan"}) == 0.2                 # a kzgraph id
    assert country({"id": "Q232", "name": "Kazakhstan"}) == 0.2  # reconciled against Wikidata
    assert country("Russia") == -0.4


@pytest.mark.parametrize("empty", ["", "  ", []])
def test_an_empty_property_cell_is_no_evidence(service, empty):
    candidates = service.one({"query": "KazSat-2", "type": "Spacecraft",
                              "properties": [{"pid": "launchDate", "v": empty}]})
    assert features(candidates[0]) == {"name": 0.5, "type": 0.3}


def test_a_property_the_entity_lacks_is_no_evidence(service):
    candidates = service.one({"query": "Aidyn Aimbetov", "type": "Person",
                              "properties": [{"pid": "nationality", "v": "Kazakhstan"}]})
    assert "property:nationality" not in features(candidates[0])


def test_a_wikidata_id_column(service):
    agree = service.one({"query": "Kazakstan", "type": "Place",
                         "properties": [{"pid": "wikidata", "v": "Q232"}]})[0]
    differ = next(c for c in service.one({"query": "Kazakstan", "type": "Place",
                                          "properties": [{"pid": "wikidata", "v": "Q159"}]})
                  if c["id"] == "Kazakhstan")
    assert features(agree)["property:wikidata"] == 0.3 and agree["match"] is True
    assert features(differ)["property:wikidata"] == -0.4 and differ["match"] is False


def test_a_query_by_properties_alone(service):
    candidates = service.one({"properties": [{"pid": "wikidata", "v": "Q560360"}]})
    assert ids(candidates) == ["Talgat_Musabayev"]


# --- suggest -------------------------------------------------------------------------------

def test_suggest_entities(service):
    assert ids(service.suggest("entity", "aimb"))[:1] == ["Aidyn_Aimbetov"]
    assert ids(service.suggest("entity", "Аубак"))[:1] == ["Toktar_Aubakirov"]
    assert ids(service.suggest("entity", "Soyuz_TMA-18M"))[:1] == ["Soyuz_TMA-18M"]  # an id
    agency = service.suggest("entity", "kazcos")[0]
    assert agency == {"id": "KazCosmos", "name": "National Space Agency of the Republic of Kazakhstan",
                      "description": "Kazakh space agency",
                      "notable": [{"id": "SpaceAgency", "name": "space agency"}]}
    assert service.suggest("entity", "") == []


def test_suggest_pages_with_the_cursor(service):
    assert ids(service.suggest("entity", "kazsat")) == ["KazSat-1", "KazSat-2", "KazSat-3"]
    assert ids(service.suggest("entity", "kazsat", cursor=1)) == ["KazSat-2", "KazSat-3"]
    assert service.suggest("entity", "kazsat", cursor=3) == []


def test_suggest_types_with_their_broader_types(service):
    assert service.suggest("type", "cosmonaut ca") == [
        {"id": "CosmonautCandidate", "name": "cosmonaut candidate",
         "broader": [{"id": "Person", "name": "person"}]}]
    assert ids(service.suggest("type", "cosmonaut")) == ["Cosmonaut", "CosmonautCandidate",
                                                        "CosmonautCorps"]
    assert ids(service.suggest("type", "Spacecraf")) == ["Spacecraft", "SpacecraftFamily"]
    assert "Event" not in ids(service.suggest("type", "ev"))  # not a type of named entities


def test_suggest_properties(service):
    found = service.suggest("property", "launch")
    assert ids(found)[:3] == ["launchDate", "launchSite", "launchVehicle"]
    assert all(p["description"] for p in found)
    assert ids(service.suggest("property", "wiki")) == ["wikidata"]
    assert "wikidataStatus" not in ids(service.suggest("property", "wikidataS"))


@pytest.mark.parametrize("path, words", [
    ("/reconcile/suggest/entity", "prefix="), ("/reconcile/suggest/things?prefix=a", "not 'things'"),
    ("/reconcile/suggest/entity?prefix=a&cursor=-1", "cursor must be"),
])
def test_bad_suggest_requests(client, path, words):
    refused(client.get(path), 400, words)


# --- preview -------------------------------------------------------------------------------

def test_the_preview_card_names_the_sources(client):
    response = client.get("/reconcile/preview", params={"id": "Aidyn_Aimbetov"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<h1><a href=\"/doc/resource/Aidyn_Aimbetov\"" in html
    assert "cosmonaut" in html and "Aydyn Aimbetov" in html and "Q4831087" in html
    assert "[9] Record-setting cosmonaut" in html and "[10] Soyuz TMA-18M docks" in html


def test_an_unlinked_entity_has_no_wikidata_line(client):
    html = client.get("/reconcile/preview", params={"id": "KazSat-1"}).text
    assert "KazSat-1" in html and "wikidata.org" not in html
    assert "[11]" in html and "[12]" in html


@pytest.mark.parametrize("query, status, words", [
    ("", 400, "id="), ("?id=NoSuchThing", 404, "no entity 'NoSuchThing'"),
    ("?id=Kazakh%20steppe", 404, "no entity"),
])
def test_bad_preview_requests(client, query, status, words):
    refused(client.get(f"/reconcile/preview{query}"), status, words)


# --- data extension ------------------------------------------------------------------------

def test_property_proposals_per_type(service):
    spacecraft = service.proposals(type="Spacecraft")
    assert spacecraft["type"] == "Spacecraft"
    assert {"launchDate", "launchVehicle", "manufacturer", "launchSite", "wikidata"} <= set(
        ids(spacecraft["properties"]))
    people = ids(service.proposals(type="Person", limit=3)["properties"])
    assert len(people) == 3 and "wikidata" in people  # every cosmonaut is linked
    assert service.proposals(type="Person", limit=3)["limit"] == 3


def test_property_proposals_without_a_type_cover_every_named_entity(service):
    everything = service.proposals()
    assert "type" not in everything
    assert {"launchDate", "nationality", "headquarters", "wikidata"} <= set(ids(everything["properties"]))


@pytest.mark.parametrize("params, status, words", [
    ({"type": "Satelite"}, 400, "unknown type"),
    ({"type": "Person", "limit": "0"}, 400, "limit must be"),
])
def test_bad_property_proposals(client, params, status, words):
    refused(client.get("/reconcile/properties", params=params), status, words)


def test_extension_values_typed_as_the_spec_says(service):
    answer = service.extend({"ids": ["KazSat-2", "KazSat-3", "Kazakhstan"],
                             "properties": [{"id": "launchDate"}, {"id": "launchVehicle"},
                                            {"id": "manufacturer"}, {"id": "wikidata"},
                                            {"id": "seriesOrdinal"}]})
    assert answer["meta"] == [
        {"id": "launchDate", "name": "launch date"},
        {"id": "launchVehicle", "name": "launch vehicle",
         "type": {"id": "LaunchVehicle", "name": "launch vehicle"}},
        {"id": "manufacturer", "name": "manufacturer", "type": {"id": "Organization", "name": "organisation"}},
        {"id": "wikidata", "name": "Wikidata id"},
        {"id": "seriesOrdinal", "name": "series ordinal"}]
    rows = answer["rows"]
    assert rows["KazSat-2"]["launchDate"] == [{"date": "2011-07-16T00:00:00Z"}]  # an xsd:date
    assert rows["KazSat-3"]["launchDate"] == [{"str": "2014"}]  # a gYear keeps its precision
    assert rows["KazSat-2"]["launchVehicle"] == [{"id": "Proton", "name": "Proton"}]
    assert ids(rows["KazSat-2"]["manufacturer"]) == ["Khrunichev", "Thales_Alenia_Space_Italy"]
    assert rows["KazSat-3"]["seriesOrdinal"] == [{"int": 3}]
    assert rows["Kazakhstan"]["wikidata"] == [{"str": "Q232"}]
    assert rows["KazSat-2"]["wikidata"] == [] and rows["Kazakhstan"]["launchDate"] == []


def test_extension_by_get_and_the_limit_setting(service):
    request = {"ids": ["KazSat-2"], "properties": [{"id": "manufacturer", "settings": {"limit": 1}}]}
    assert service.extend(request, "GET")["rows"]["KazSat-2"]["manufacturer"] == [
        {"id": "Khrunichev", "name": "Khrunichev State Research and Production Space Center"}]


@pytest.mark.parametrize("text, status, words", [
    ("{", 400, "extend is not valid JSON"),
    ('{"ids": ["KazSat-2"]}', 400, "extend must be a JSON object"),
    ('{"ids": [1], "properties": []}', 400, "ids must be entity ids"),
    ('{"ids": ["KazSat-9"], "properties": [{"id": "launchDate"}]}', 404, "no entity 'KazSat-9'"),
    ('{"ids": ["KazSat-2"], "properties": [{"id": "launched"}]}', 400, "unknown property 'launched'"),
    ('{"ids": ["KazSat-2"], "properties": ["launchDate"]}', 400, "each property is an object"),
    ('{"ids": ["KazSat-2"], "properties": [{"id": "launchDate", "settings": {"limit": -1}}]}',
     400, "limit setting"),
])
def test_bad_extension_requests(service, text, status, words):
    refused(service.send("extend", text), status, words)


def test_no_request_of_these_tests_is_a_500(service):
    """Odd but well-formed input still gets an answer, not an error."""
    odd = {"a": {"query": "((", "type": []}, "b": {"query": "KazSat" * 30},
           "c": {"query": "NEAR(kazsat", "limit": 1.0}, "d": {"query": "\u0000"}}
    answers = service.reconcile(odd)
    assert answers["a"]["result"] == [] and answers["d"]["result"] == []
    check("reconciliation-result-batch", answers)
