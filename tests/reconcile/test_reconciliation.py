"""kzgraph.reconciliation as a library: which classes are the named entities' types, the shared
match decision, JSON errors, and a service rebuilt when a new release replaces the data."""

from __future__ import annotations

import json

import httpx
import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS

from kzgraph import load_dataset
from kzgraph.errors import BadRequest
from kzgraph.namespaces import KZ, KZG, KZO
from kzgraph.reconciliation import Reconciler, named_entity_classes, parse_json
from kzgraph.search import SearchIndex
from kzgraph.validation import load_shapes
from kzgraph.config import Settings
from kzgraph.web import create_app
from kzgraph.web.service import Service
from kzgraph.wikidata.reconcile import MARGIN, THRESHOLD, proposed

from ..conftest import LiveServer
from .schemas import check


@pytest.fixture(scope="module")
def reconciler(dataset) -> Reconciler:
    return Reconciler(dataset, SearchIndex(dataset), named_entity_classes(load_shapes()))


def test_the_named_entity_classes_are_the_shapes():
    assert named_entity_classes(load_shapes()) == sorted([
        KZO.LaunchVehicle, KZO.Organization, KZO.Person, KZO.Place, KZO.SpaceProgram,
        KZO.Spacecraft, KZO.SpacecraftFamily, KZO.Spaceflight])


def test_events_and_values_are_not_candidates(reconciler):
    assert KZ.Cosmonaut_selection_2002 not in reconciler.entities  # an event, not named
    assert KZ.Aidyn_Aimbetov_spaceflight_2015_time_in_space not in reconciler.entities
    assert not reconciler.reconcile({"q": {"query": "Selection of two cosmonaut candidates, 2002"}})["q"]["result"]


@pytest.mark.parametrize("scores, match", [
    ([0.8], True), ([0.7], True), ([0.69], False), ([0.8, 0.6], True), ([0.8, 0.61], False), ([], False),
])
def test_match_is_wikidata_reconciles_decision(scores, match):
    assert (THRESHOLD, MARGIN) == (0.7, 0.2)
    assert proposed(scores) is match


def test_parse_json_says_where():
    with pytest.raises(BadRequest, match=r"queries is not valid JSON: .* \(line 2, column 1\)"):
        parse_json('{"q0":\n}', "queries")


def test_the_library_answers_as_the_schemas_say(reconciler):
    check("reconciliation-result-batch", reconciler.reconcile({"q": {"query": "Mir", "type": "Spacecraft"}}))
    check("suggest-types-response", reconciler.suggest_types("", 0))
    check("data-extension-response", reconciler.extend({"ids": ["Mir"], "properties": [{"id": "country"}]}))


def test_a_new_release_is_reconciled_against():
    service = Service.from_dataset(load_dataset(), Settings(public_url="http://kzgraph.test"))
    served = service.served
    query = {"queries": json.dumps({"q": {"query": "Testsat Alpha", "type": "Spacecraft"}})}
    with LiveServer(create_app(service)) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.post("/reconcile", data=query).json()["q"]["result"] == []
        assert http.get("/reconcile").json()["view"]["url"] == "http://kzgraph.test/doc/resource/{{id}}"

        changed = load_dataset()  # a test's own entity, in a graph of its own: not in data/
        graph = changed.graph(KZG["reconcile-test"])
        graph.add((KZ.Testsat_Alpha, RDF.type, KZO.Satellite))
        graph.add((KZ.Testsat_Alpha, RDFS.label, Literal("Testsat Alpha", lang="en")))
        served.replace(changed)
        first = http.post("/reconcile", data=query).json()["q"]["result"][0]
        assert (first["id"], first["match"]) == ("Testsat_Alpha", True)
