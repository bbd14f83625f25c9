"""Curators' writes in the library: applied to a copy, SHACL-gated, committed atomically, recorded."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from kzgraph.curation import (CHANGES_GRAPH, Curator, DatasetFile, build_served, canonical_trig, load_served,
                              served_files, with_protocol_dataset)
from kzgraph.dataset import load_dataset
from kzgraph.errors import BadRequest, QuerySyntaxError, WriteRejected
from kzgraph.namespaces import KZ, KZG, KZO, ONTOLOGY_GRAPH
from kzgraph.store import StoreCache
from kzgraph.validation import load_shapes

LEAD = KZG["lead"]
AGENCY = KZ["KazCosmos"]
PREFIXES = """PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzg: <https://w3id.org/kzgraph/graph/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
ADD_COMMENT = PREFIXES + 'INSERT DATA { GRAPH kzg:lead { kz:KazCosmos rdfs:comment "%s"@en } }'
BAD_DATE = PREFIXES + 'INSERT DATA { GRAPH kzg:lead { kz:KazCosmos kzo:formationDate "soon" } }'


@pytest.fixture(scope="module")
def shapes():
    return load_shapes()


@pytest.fixture()
def curator(tmp_path, shapes):
    clock = lambda: datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)  # noqa: E731
    return Curator(load_dataset(), DatasetFile(tmp_path), shapes, clock=clock)


def comments(dataset) -> set[str]:
    return {str(o) for o in dataset.objects(AGENCY, RDFS.comment)}


def test_a_conforming_update_is_committed_to_the_file_and_recorded(curator, tmp_path):
    before = curator.dataset
    change = curator.update(ADD_COMMENT % "curated", "alice")
    assert (change.who, change.added, change.removed) == ("alice", 1, 0)
    assert change.graphs == (str(LEAD),)
    assert comments(curator.dataset) == {"curated"} and comments(before) == set()
    reloaded = load_dataset([tmp_path / "dataset.trig"])
    assert comments(reloaded) == {"curated"}
    assert len(reloaded) == len(curator.dataset)
    log = reloaded.graph(CHANGES_GRAPH)
    activity = URIRef(change.iri)
    assert str(log.value(activity, URIRef("http://www.w3.org/ns/prov#wasAssociatedWith"))) == "alice"
    assert log.value(activity, KZO.changedGraph) == LEAD
    assert str(log.value(activity, URIRef("http://www.w3.org/ns/prov#endedAtTime"))) == "2026-11-25T12:00:00+00:00"


def test_a_write_that_breaks_a_shape_is_refused_and_nothing_is_stored(curator, tmp_path):
    curator.update(ADD_COMMENT % "first", "alice")
    stored = (tmp_path / "dataset.trig").read_bytes()
    served = curator.dataset
    with pytest.raises(WriteRejected) as refused:
        curator.update(BAD_DATE, "alice")
    report = refused.value.report
    assert not report.conforms
    assert any(r.path == "kzo:formationDate" and r.focus == "kz:KazCosmos" for r in report.results)
    assert (tmp_path / "dataset.trig").read_bytes() == stored
    assert curator.dataset is served and comments(served) == {"first"}


def test_a_new_claim_graph_without_provenance_is_refused(curator, tmp_path):
    triples = Graph()
    triples.add((AGENCY, RDFS.comment, Literal("unsourced", lang="en")))
    with pytest.raises(WriteRejected):
        curator.replace_graph(KZG["unsourced"], triples, "alice")
    assert not (tmp_path / "dataset.trig").exists()


def test_graph_store_put_post_delete(curator):
    triples = Graph()
    triples.add((AGENCY, RDFS.comment, Literal("one", lang="en")))
    lead_size = len(curator.dataset.graph(LEAD))
    curator.add_to_graph(LEAD, triples, "bob")
    assert len(curator.dataset.graph(LEAD)) == lead_size + 1
    replacement = Graph()
    for triple in curator.dataset.graph(LEAD):
        if triple[1] != RDFS.comment:
            replacement.add(triple)
    change = curator.replace_graph(LEAD, replacement, "bob")
    assert change.removed == 1 and change.added == 0 and comments(curator.dataset) == set()
    # Deleting a claim graph leaves its provenance describing nothing: the shapes refuse it.
    with pytest.raises(WriteRejected):
        curator.delete_graph(LEAD, "bob")
    assert curator.has_graph(LEAD)


def test_the_ontology_and_the_change_history_cannot_be_written(curator):
    ontology_size = len(curator.dataset.graph(ONTOLOGY_GRAPH))
    curator.update(ADD_COMMENT % "x", "alice")
    history = set(curator.dataset.graph(CHANGES_GRAPH))
    curator.update(PREFIXES + "CLEAR GRAPH <https://w3id.org/kzgraph/ontology> ;"
                   f" CLEAR GRAPH <{CHANGES_GRAPH}> ;" + (ADD_COMMENT % "y").split(PREFIXES)[1],
                   "alice")
    assert len(curator.dataset.graph(ONTOLOGY_GRAPH)) == ontology_size
    assert history < set(curator.dataset.graph(CHANGES_GRAPH))


@pytest.mark.parametrize("update,error", [
    ("LOAD <file:///etc/passwd>", BadRequest),
    ("LOAD <http://127.0.0.1:9/x> INTO GRAPH <http://e/g>", BadRequest),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
     BadRequest),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }", BadRequest),
    ("INSERT DATA { <a> <b> ", QuerySyntaxError),
])
def test_updates_that_would_fetch_or_do_not_parse_are_refused(curator, tmp_path, update, error):
    with pytest.raises(error):
        curator.update(update, "alice")
    assert not (tmp_path / "dataset.trig").exists()


def test_using_names_only_graphs_of_the_dataset(curator):
    """USING <file:…> must not read the file: the graph is simply empty, so nothing matches."""
    update = PREFIXES + ('INSERT { GRAPH kzg:lead { kz:KazCosmos rdfs:comment ?x } } '
                         'USING <file:///etc/hostname> WHERE { ?s ?p ?x }')
    change = curator.update(update, "alice")
    assert change.added == 0 and comments(curator.dataset) == set()


def test_concurrent_writes_are_serialized_and_none_is_lost(curator, tmp_path):
    threads = [threading.Thread(target=curator.update, args=(ADD_COMMENT % f"c{i}", f"curator{i}"))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert comments(curator.dataset) == {f"c{i}" for i in range(6)}
    assert comments(load_dataset([tmp_path / "dataset.trig"])) == {f"c{i}" for i in range(6)}
    changes = set(curator.dataset.graph(CHANGES_GRAPH).subjects(KZO.triplesAdded, None))
    assert len(changes) == 6


def test_the_committed_file_is_sorted_and_deterministic(curator, tmp_path):
    curator.update(ADD_COMMENT % "sorted", "alice")
    text = (tmp_path / "dataset.trig").read_text(encoding="utf-8")
    assert canonical_trig(load_dataset([tmp_path / "dataset.trig"])) == text
    for block in text.split("\n}\n"):
        statements = [line for line in block.splitlines() if line.startswith("    ")]
        assert statements == sorted(statements)
    graphs = [line for line in text.splitlines() if line.endswith("{") and line.startswith("<")]
    assert graphs == sorted(graphs)
    assert f"<{ONTOLOGY_GRAPH}> {{" not in graphs and f"<{KZG['index']}> {{" not in graphs
    assert f"<{LEAD}> {{" in graphs


def test_the_data_directory_supersedes_the_embedded_files_once_it_holds_data(curator, tmp_path):
    assert served_files(tmp_path) != [tmp_path / "dataset.trig"]
    (tmp_path / ".dataset-killed.tmp").write_text("half a write")
    curator.update(ADD_COMMENT % "x", "alice")
    assert served_files(tmp_path) == [tmp_path / "dataset.trig"]
    load_served(tmp_path)  # a restart
    assert not (tmp_path / ".dataset-killed.tmp").exists()  # leftovers of a killed write go


def test_only_a_start_clears_temporaries_when_building_the_served_store(curator, tmp_path):
    """The reload watcher rebuilds the store each time the committed file changes: at that
    moment a temporary may be the next commit in progress, which must not be deleted."""
    curator.update(ADD_COMMENT % "x", "alice")
    in_progress = tmp_path / ".dataset-in-progress.tmp"
    in_progress.write_text("a commit being written")
    cache = StoreCache(tmp_path / "cache")
    assert build_served(tmp_path, None, cache).triples > 0  # a reload
    assert in_progress.exists()
    build_served(tmp_path, None, cache, starting=True)  # a restart
    assert not in_progress.exists()


# Updates run on Oxigraph: the protocol's dataset, refusals before anything runs, the Oxigraph
# copy kept in step with the committed data.

LABEL_AS_COMMENT = PREFIXES + ('INSERT { GRAPH kzg:lead { kz:KazCosmos rdfs:comment ?c } } '
                               'WHERE { kz:KazCosmos rdfs:label ?c }')
NAMED_LABEL_AS_COMMENT = PREFIXES + ('INSERT { GRAPH kzg:lead { kz:KazCosmos rdfs:comment ?c } } '
                                     'WHERE { GRAPH ?g { kz:KazCosmos rdfs:label ?c } }')


def labels_in(dataset, graph) -> set[str]:
    return {str(o) for o in dataset.graph(graph).objects(AGENCY, RDFS.label)}


def test_using_graph_uri_makes_the_graph_the_where_clauses_default_graph(curator):
    assert labels_in(curator.dataset, LEAD)
    assert curator.update(LABEL_AS_COMMENT, "alice").added == 0  # the store's default graph is empty
    change = curator.update(LABEL_AS_COMMENT, "alice", using=[str(LEAD)])
    assert change.added == len(labels_in(curator.dataset, LEAD))
    assert comments(curator.dataset) == labels_in(curator.dataset, LEAD)


def test_using_named_graph_uri_limits_graph_patterns_to_the_graphs_named(curator):
    elsewhere = KZG["nowhere"]
    assert curator.update(NAMED_LABEL_AS_COMMENT, "alice", using_named=[str(elsewhere)]).added == 0
    change = curator.update(NAMED_LABEL_AS_COMMENT, "alice", using_named=[str(LEAD)])
    assert comments(curator.dataset) == labels_in(curator.dataset, LEAD) and change.added > 0


@pytest.mark.parametrize("update", [
    PREFIXES + "WITH kzg:lead INSERT { kz:KazCosmos rdfs:comment ?c } WHERE { kz:KazCosmos rdfs:label ?c }",
    LABEL_AS_COMMENT.replace("WHERE", "USING kzg:lead WHERE"),
])
def test_protocol_graphs_with_using_or_with_in_the_update_are_refused(curator, tmp_path, update):
    with pytest.raises(BadRequest, match="cannot be combined"):
        curator.update(update, "alice", using=[str(LEAD)])
    assert not (tmp_path / "dataset.trig").exists()


@pytest.mark.parametrize("iri", ["relative", "http://e/g> } WHERE { ?s ?p ?o } ; DROP ALL ; #",
                                 "http://e/a b"])
def test_a_protocol_graph_that_is_not_one_iri_is_refused(curator, tmp_path, iri):
    with pytest.raises(BadRequest, match="not an absolute IRI"):
        curator.update(LABEL_AS_COMMENT, "alice", using=[iri])
    assert not (tmp_path / "dataset.trig").exists()


def test_protocol_graphs_go_before_each_top_level_where_only():
    text = ('DELETE WHERE { ?a ?b ?c } ; INSERT { <urn:x> <urn:y> "WHERE" } # WHERE\n'
            'WHERE { { SELECT ?s WHERE { ?s ?p ?o } } } ; DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }')
    rewritten = with_protocol_dataset(text, ["urn:g"], ["urn:n"])
    assert rewritten == text.replace("\nWHERE {", "\nUSING <urn:g> USING NAMED <urn:n> WHERE {").replace(
        "} WHERE { ?s ?p ?o }", "} USING <urn:g> USING NAMED <urn:n> WHERE { ?s ?p ?o }")
    assert rewritten.startswith("DELETE WHERE { ?a ?b ?c }")  # DELETE WHERE takes no USING
    assert with_protocol_dataset(text, [], []) == text


@pytest.mark.parametrize("update", [
    "load<file:///etc/passwd>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:g>",
    "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> 1 } } ;\nLoAd <http://127.0.0.1:9/x>",
    "PREFIX load: <file:///etc/> INSERT DATA { <urn:a> <urn:b> 1 } ; LOAD load:passwd",
])
def test_load_in_any_spelling_is_refused_before_anything_runs(curator, tmp_path, update):
    with pytest.raises(BadRequest, match="LOAD is not allowed"):
        curator.update(update, "alice")
    assert not (tmp_path / "dataset.trig").exists()


def test_the_word_load_in_a_string_or_a_name_is_data(curator):
    update = PREFIXES + ('INSERT DATA { GRAPH kzg:lead { kz:KazCosmos rdfs:comment '
                         '"LOAD <file:///etc/passwd>"@en } } # LOAD')
    curator.update(update, "alice")
    assert comments(curator.dataset) == {"LOAD <file:///etc/passwd>"}


def test_an_update_oxigraph_cannot_apply_is_a_bad_request_and_changes_nothing(curator, tmp_path):
    with pytest.raises(BadRequest, match="could not be applied"):
        curator.update(PREFIXES + "CREATE GRAPH kzg:lead", "alice")
    with pytest.raises(BadRequest, match="could not be applied"):
        curator.update(PREFIXES + "DROP GRAPH kzg:no-such-graph", "alice")
    assert not (tmp_path / "dataset.trig").exists()
    curator.update(PREFIXES + "DROP SILENT GRAPH kzg:no-such-graph ; " + ADD_COMMENT.split(PREFIXES)[1]
                   % "after", "alice")
    assert comments(curator.dataset) == {"after"}


def test_a_refused_write_leaves_nothing_for_the_next_write_to_find(curator, tmp_path):
    with pytest.raises(WriteRejected):
        curator.update(BAD_DATE, "alice")
    curator.update(ADD_COMMENT % "next", "alice")
    for dataset in (curator.dataset, load_dataset([tmp_path / "dataset.trig"])):
        assert str(dataset.value(AGENCY, KZO.formationDate)) != "soon"
        assert comments(dataset) == {"next"}


def test_later_writes_see_what_earlier_ones_committed_and_recorded(curator):
    curator.update(ADD_COMMENT % "first", "alice")
    curator.update(PREFIXES + 'DELETE DATA { GRAPH kzg:lead { kz:KazCosmos rdfs:comment "first"@en } }',
                   "bob")
    assert comments(curator.dataset) == set()
    # the history (read-only) is visible to a WHERE clause: the first two writes' curators
    curator.update(PREFIXES + 'PREFIX prov: <http://www.w3.org/ns/prov#>\n'
                   'INSERT { GRAPH kzg:lead { kz:KazCosmos rdfs:comment ?by } } '
                   'WHERE { GRAPH kzg:changes { ?change prov:wasAssociatedWith ?who } '
                   'BIND(STRLANG(CONCAT("by ", ?who), "en") AS ?by) }', "carol")
    assert comments(curator.dataset) == {"by alice", "by bob"}


def test_earlier_records_are_committed_again_exactly_as_written(curator, tmp_path):
    """Oxigraph would write the record's +00:00 as Z: the file keeps what the record wrote."""
    curator.update(ADD_COMMENT % "one", "alice")
    first = (tmp_path / "dataset.trig").read_text(encoding="utf-8")
    curator.update(ADD_COMMENT % "two", "alice")
    second = (tmp_path / "dataset.trig").read_text(encoding="utf-8")
    assert set(first.splitlines()) - set(second.splitlines()) == set()
    assert second.count('"2026-11-25T12:00:00+00:00"^^') == 2


@pytest.mark.parametrize("written", [
    Literal("a note", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string")),  # Oxigraph: "a note"
    Literal("2026-11-25T12:00:00+00:00",  # Oxigraph: …Z
            datatype=URIRef("http://www.w3.org/2001/XMLSchema#dateTime")),
])
def test_a_literal_written_in_another_form_than_oxigraphs_is_still_removed(tmp_path, written):
    dataset = load_dataset()
    dataset.graph(LEAD).add((AGENCY, RDFS.comment, written))
    curator = Curator(dataset, DatasetFile(tmp_path), Graph())
    change = curator.update(PREFIXES + "DELETE WHERE { GRAPH kzg:lead { kz:KazCosmos rdfs:comment ?n } }",
                            "alice")
    assert change.removed == 1
    assert comments(curator.dataset) == set()
    assert comments(load_dataset([tmp_path / "dataset.trig"])) == set()


def test_writes_to_the_claim_index_are_undone_and_the_index_follows_the_data(curator):
    fake = (KZ["Nobody"], KZO.statedIn, LEAD)
    curator.update(PREFIXES + f"INSERT DATA {{ GRAPH kzg:index {{ <{fake[0]}> kzo:statedIn kzg:lead }} }}",
                   "alice")
    assert fake not in curator.dataset.graph(KZG["index"])
    curator.update(ADD_COMMENT % "indexed", "alice")
    assert (AGENCY, KZO.statedIn, LEAD) in curator.dataset.graph(KZG["index"])


def test_a_new_release_of_the_files_is_what_later_writes_apply_to(curator):
    curator.update(ADD_COMMENT % "before the release", "alice")
    curator.reset(load_dataset())
    curator.update(ADD_COMMENT % "after the release", "alice")
    assert comments(curator.dataset) == {"after the release"}


def test_graph_store_writes_to_protected_graphs_are_undone(curator):
    curator.update(ADD_COMMENT % "x", "alice")
    history = set(curator.dataset.graph(CHANGES_GRAPH))
    ontology = set(curator.dataset.graph(ONTOLOGY_GRAPH))
    change = curator.replace_graph(CHANGES_GRAPH, Graph(), "mallory")
    curator.delete_graph(ONTOLOGY_GRAPH, "mallory")
    assert (change.added, change.removed, change.graphs) == (0, 0, ())
    assert history < set(curator.dataset.graph(CHANGES_GRAPH))
    assert set(curator.dataset.graph(ONTOLOGY_GRAPH)) == ontology


def test_a_graph_store_body_oxigraph_cannot_hold_is_a_bad_request(curator, tmp_path):
    triples = Graph()
    triples.add((AGENCY, RDFS.comment, URIRef("not an iri")))
    with pytest.raises(BadRequest, match="could not be applied"):
        curator.add_to_graph(LEAD, triples, "alice")
    assert not (tmp_path / "dataset.trig").exists()
