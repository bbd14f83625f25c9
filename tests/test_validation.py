"""The shapes pass on the data and each fires on a small bad fixture, located by file and line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rdflib import BNode, URIRef

import pytest

from kzgraph import DataSyntaxError, paths, validate
from kzgraph.validation import DEFAULT_GRAPH_SHAPE, REGISTER_SHAPE, locate

FACTS = paths.home() / "data" / "kazcosmos.trig"
SOURCES = paths.home() / "data" / "sources.trig"
LINKS = paths.home() / "data" / "wikidata-links.trig"


def test_embedded_data_conforms():
    report = validate()
    assert report.conforms, "\n".join(report.lines())
    assert report.shapes >= 20 and report.triples > 500
    assert report.summary().startswith("Conforms:")


def mutate(tmp_path: Path, source: Path, old: str, new: str) -> list[Path]:
    text = source.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    bad = tmp_path / source.name
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [bad if p == source else p for p in (FACTS, SOURCES, LINKS)]


# (what breaks, file, text to replace, replacement, shape that must fire, focus node)
BREAKAGES = [
    ("formation date untyped", FACTS, 'kzo:formationDate "2007-03-24"^^xsd:date', 'kzo:formationDate "2007-03-24"',
     "kzsh:SpaceAgencyShape (property kzo:formationDate)", "kz:KazCosmos"),
    ("two formation dates", FACTS, 'kzo:formationDate "2007-03-24"^^xsd:date', 'kzo:formationDate "2007-03-24"^^xsd:date, "2007-03-25"^^xsd:date',
     "kzsh:SpaceAgencyShape (property kzo:formationDate)", "kz:KazCosmos"),
    ("no formation date", FACTS, 'kzo:formationDate "2007-03-24"^^xsd:date ;', "",
     "kzsh:SpaceAgencyShape (property kzo:formationDate)", "kz:KazCosmos"),
    ("native name not Kazakh", FACTS, 'агенттiгi"@kk ;', 'агенттiгi"@ru ;',
     "kzsh:SpaceAgencyShape (property kzo:nativeName)", "kz:KazCosmos"),
    ("count as string", FACTS, "kzo:candidateCount 2000 ;", 'kzo:candidateCount "2000" ;',
     "kzsh:CosmonautSelectionShape (property kzo:candidateCount)", "kz:Cosmonaut_selection_2002"),
    ("selected count disagrees with people", FACTS, "kzo:selectedCount 2 ;", "kzo:selectedCount 3 ;",
     "kzsh:CosmonautSelectionShape", "kz:Cosmonaut_selection_2002"),
    ("date of wrong type", FACTS, 'kzo:launchDate "2014"^^xsd:gYear', 'kzo:launchDate "2014"^^xsd:integer',
     "kzsh:SpacecraftShape (property kzo:launchDate)", "kz:KazSat-3"),
    ("landing before launch", FACTS, 'kzo:landingDate "2015-09-11"^^xsd:date', 'kzo:landingDate "2015-08-11"^^xsd:date',
     "kzsh:LandingAfterLaunchShape", "kz:Aidyn_Aimbetov_spaceflight_2015"),
    ("training ends before it starts", FACTS, 'kzo:endDate "2009"^^xsd:gYear', 'kzo:endDate "2001"^^xsd:gYear',
     "kzsh:PeriodOrderShape", "kz:Star_City_training_2003_2009"),
    ("object of the wrong class", FACTS, "kzo:dockedWith kz:International_Space_Station", "kzo:dockedWith kz:Star_City",
     "kzsh:SpaceflightShape (property kzo:dockedWith)", "kz:Aidyn_Aimbetov_spaceflight_2015"),
    ("contract with one party", FACTS, "kzo:party kz:KazCosmos , kz:ISS-Reshetnev , kz:Thales_Alenia_Space_Italy ;", "kzo:party kz:KazCosmos ;",
     "kzsh:ContractShape (property kzo:party)", "kz:KazSat-3_contract"),
    ("flight count below listed flights", FACTS, "kzo:numberOfSpaceflights 3 ;", "kzo:numberOfSpaceflights 2 ;",
     "kzsh:FlightCountShape", "kz:Talgat_Musabayev"),
    ("quantity without unit", FACTS, 'schema:unitCode "DAY" ;', "",
     "kzsh:QuantityShape (property schema:unitCode)", "kz:Aidyn_Aimbetov_spaceflight_2015_time_in_space"),
    ("entity without label", FACTS, 'rdfs:label "Star City"@en', 'skos:altLabel "Star City"@en',
     "kzsh:EnglishLabel", "kz:Star_City"),
    ("claim without sources", FACTS, "prov:wasDerivedFrom src:article , src:ref-12 .", "",
     "kzsh:ClaimShape (property prov:wasDerivedFrom)", "kzg:kazsat-1-lost"),
    ("claim without quote", FACTS, 'kzo:quote "The Russians still heavily use Baikonur for launches."@en ;', "",
     "kzsh:ClaimShape (property kzo:quote)", "kzg:baikonur-use"),
    ("facts in an undeclared graph", FACTS, "kzg:baikonur-use {", "kzg:undeclared {",
     "kzsh:Sourced", "kz:Baikonur_Cosmodrome"),
    ("reference number not an integer", SOURCES, "kzo:referenceNumber 12 ;", 'kzo:referenceNumber "12" ;',
     "kzsh:ReferenceShape (property kzo:referenceNumber)", "src:ref-12"),
    ("archive date untyped", SOURCES, 'kzo:archiveDate "2011-06-22"^^xsd:date', 'kzo:archiveDate "22 June 2011"',
     "kzsh:SourceShape (property kzo:archiveDate)", "src:ref-12"),
    ("malformed Wikidata IRI", LINKS, "kz:Mir owl:sameAs wd:Q48604", "kz:Mir owl:sameAs <https://www.wikidata.org/wiki/Q48604>",
     "kzsh:WikidataLinkShape (property owl:sameAs)", "kz:Mir"),
    ("link on an unverified entity", LINKS, "kz:KazSat-1 kzo:wikidataStatus kzo:Unverified .", "kz:KazSat-1 kzo:wikidataStatus kzo:Unverified ; owl:sameAs wd:Q232 .",
     "kzsh:UnverifiedHasNoLinkShape", "kz:KazSat-1"),
    ("entity without link status", LINKS, "kz:Star_City kzo:wikidataStatus kzo:Unverified .", "",
     "kzsh:WikidataStatusShape (property kzo:wikidataStatus)", "kz:Star_City"),
    ("entity with two link statuses", LINKS, "kz:Star_City kzo:wikidataStatus kzo:Unverified .",
     "kz:Star_City kzo:wikidataStatus kzo:Unverified , kzo:Verified .",
     "kzsh:WikidataStatusShape (property kzo:wikidataStatus)", "kz:Star_City"),
    ("link status on a decree", LINKS, "kz:KazCosmos kzo:wikidataStatus kzo:Unverified .",
     "kz:KazCosmos kzo:wikidataStatus kzo:Unverified .\n    kz:Cosmonaut_corps_decree_2000 kzo:wikidataStatus kzo:Unverified .",
     "kzsh:WikidataStatusShape", "kz:Cosmonaut_corps_decree_2000"),
    ("verified without a link", LINKS, "kz:KazSat-1 kzo:wikidataStatus kzo:Unverified .",
     "kz:KazSat-1 kzo:wikidataStatus kzo:Verified .", "kzsh:WikidataStatusShape", "kz:KazSat-1"),
    ("decree without issuer", FACTS, "kzo:issuedBy kz:Government_of_Kazakhstan ;", "",
     "kzsh:DecreeShape (property kzo:issuedBy)", "kz:Cosmonaut_corps_decree_2000"),
    ("crew selection without mission", FACTS,
     "kzo:replacementFor kz:Sarah_Brightman ;\n        kzo:forMission kz:Aidyn_Aimbetov_spaceflight_2015 .",
     "kzo:replacementFor kz:Sarah_Brightman .",
     "kzsh:CrewSelectionShape (property kzo:forMission)", "kz:Aimbetov_crew_selection_2015"),
    ("projected year not a year", FACTS, 'kzo:projectedYear "2017"^^xsd:gYear', 'kzo:projectedYear "2017"^^xsd:integer',
     "kzsh:PlannedSpaceflightShape (property kzo:projectedYear)", "kz:Planned_spaceflight_of_Aimbetov_2017"),
    ("statement without author", FACTS, "kzo:statedBy kz:Talgat_Musabayev ;", "",
     "kzsh:StatementShape (property kzo:statedBy)", "kz:Musabayev_on_Baikonur"),
    ("event with two dates", FACTS, 'kzo:date "2012"^^xsd:gYear ;', 'kzo:date "2012"^^xsd:gYear , "2013"^^xsd:gYear ;',
     "kzsh:EventShape (property kzo:date)", "kz:Mukhtar_Aymakhanov_departure_2012"),
    ("spaceport used by a non-country", FACTS, "kzo:usedForLaunchesBy kz:Russia", "kzo:usedForLaunchesBy kz:Mir",
     "kzsh:SpaceportShape (property kzo:usedForLaunchesBy)", "kz:Baikonur_Cosmodrome"),
    ("country that is not a country", FACTS,
     'rdfs:label "Nur-Sultan"@en ;\n        kzo:country kz:Kazakhstan .', 'rdfs:label "Nur-Sultan"@en ;\n        kzo:country kz:Star_City .',
     "kzsh:CountryValueShape (property kzo:country)", "kz:Nur-Sultan"),
    ("parent organisation that is a place", LINKS, "kzo:parentOrganization kz:Thales_Alenia_Space .",
     "kzo:parentOrganization kz:Star_City .",
     "kzsh:OrganizationShape (property kzo:parentOrganization)", "kz:Thales_Alenia_Space_Italy"),
    ("satellite without launch date", FACTS, 'kzo:seriesOrdinal 3 ;\n        kzo:launchDate "2014"^^xsd:gYear .',
     "kzo:seriesOrdinal 3 .", "kzsh:CommunicationsSatelliteShape (property kzo:launchDate)", "kz:KazSat-3"),
    ("article revision as a string", SOURCES, "kzo:revisionId 1284504097 ;", 'kzo:revisionId "1284504097" ;',
     "kzsh:ArticleShape (property kzo:revisionId)", "src:article"),
    ("readiness not a date", FACTS, 'kzo:readyForSpaceflightAsOf "2015-04"^^xsd:gYearMonth',
     'kzo:readyForSpaceflightAsOf "April 2015"', "kzsh:PersonShape (property kzo:readyForSpaceflightAsOf)",
     "kz:Aidyn_Aimbetov"),
    ("cosmonaut who never flew", FACTS, "kz:Mukhtar_Aymakhanov a kzo:CosmonautCandidate ;",
     "kz:Mukhtar_Aymakhanov a kzo:Cosmonaut ;", "kzsh:CosmonautShape (property kzo:astronautMission)",
     "kz:Mukhtar_Aymakhanov"),
    ("candidate no selection chose", FACTS, 'rdfs:label "Sarah Brightman"@en ;',
     'rdfs:label "Sarah Brightman"@en ; a kzo:CosmonautCandidate ;',
     "kzsh:CosmonautCandidateShape (property ^kzo:selectedPerson)", "kz:Sarah_Brightman"),
    ("plan typed as an event", FACTS, "kz:Planned_spaceflight_of_Aimbetov_2017 a kzo:PlannedSpaceflight ;",
     "kz:Planned_spaceflight_of_Aimbetov_2017 a kzo:PlannedSpaceflight , kzo:Event ;",
     "kzsh:PlanNotHappenedShape", "kz:Planned_spaceflight_of_Aimbetov_2017"),
    ("plan that launched", FACTS, 'kzo:projectedYear "2017"^^xsd:gYear .',
     'kzo:projectedYear "2017"^^xsd:gYear ; kzo:launchDate "2017"^^xsd:gYear .',
     "kzsh:PlanNotHappenedShape (property kzo:launchDate)", "kz:Planned_spaceflight_of_Aimbetov_2017"),
    ("plan with a crew", FACTS, "kzo:candidateCrew kz:Aidyn_Aimbetov ;\n        kzo:projectedYear",
     "kzo:crewMember kz:Aidyn_Aimbetov ; kzo:candidateCrew kz:Aidyn_Aimbetov ;\n        kzo:projectedYear",
     "kzsh:PlanNotHappenedShape (property kzo:crewMember)", "kz:Planned_spaceflight_of_Aimbetov_2017"),
    ("plan without a label", FACTS, 'rdfs:label "Aimbetov\'s originally projected 2017 flight"@en ;', "",
     "kzsh:EnglishLabel", "kz:Planned_spaceflight_of_Aimbetov_2017"),
    ("duration as an exact literal", FACTS, "kzo:duration kz:Aidyn_Aimbetov_spaceflight_2015_time_in_space ;",
     'kzo:duration "P10D"^^xsd:duration ;', "kzsh:SpaceflightShape (property kzo:duration)",
     "kz:Aidyn_Aimbetov_spaceflight_2015"),
    ("approximate not a boolean", FACTS, "kzo:approximate true ;", 'kzo:approximate "about" ;',
     "kzsh:QuantityShape (property kzo:approximate)", "kz:Aidyn_Aimbetov_spaceflight_2015_time_in_space"),
    ("declined something not a spacecraft", FACTS, "kzo:declinedFlightOn kz:Soyuz_TMA-18M , kz:Soyuz_TMA-16M .\n\n    kz:Satoshi",
     "kzo:declinedFlightOn kz:Aidyn_Aimbetov_spaceflight_2015 .\n\n    kz:Satoshi",
     "kzsh:PersonShape (property kzo:declinedFlightOn)", "kz:Sarah_Brightman"),
    ("agency with two headquarters", FACTS, "kzo:headquarters kz:Nur-Sultan ;", "kzo:headquarters kz:Nur-Sultan , kz:Star_City ;",
     "kzsh:SpaceAgencyShape (property kzo:headquarters)", "kz:KazCosmos"),
]


@pytest.mark.parametrize("case", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_shape_fires_on_bad_fixture(tmp_path, case):
    _, source, old, new, shape, focus = case
    report = validate(mutate(tmp_path, source, old, new))
    assert not report.conforms
    fired = [r for r in report.results if r.shape == shape and (focus is None or r.focus == focus)]
    assert fired, "\n".join(report.lines())
    assert all(r.file is not None and r.line for r in fired), "each result names file and line"


def test_result_names_the_line_of_the_focus_node(tmp_path):
    files = mutate(tmp_path, FACTS, "kzo:selectedCount 2 ;", "kzo:selectedCount 3 ;")
    [result] = [r for r in validate(files).results if r.focus == "kz:Cosmonaut_selection_2002"]
    line = files[0].read_text(encoding="utf-8").splitlines()[result.line - 1]
    assert line.strip().startswith("kz:Cosmonaut_selection_2002 a kzo:CosmonautSelection")


def test_triples_outside_named_graphs_are_reported_with_file_and_line(tmp_path):
    stray = tmp_path / "stray.trig"
    stray.write_text("@prefix kz: <https://w3id.org/kzgraph/resource/> .\n\n"
                     'kz:Thing <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n', encoding="utf-8")
    report = validate([FACTS, SOURCES, LINKS, stray])
    [result] = [r for r in report.results if r.shape == DEFAULT_GRAPH_SHAPE]
    assert (result.file, result.line) == (stray, 3)


def test_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.trig"
    bad.write_text("@prefix kz: <https://w3id.org/kzgraph/resource/> .\nkz:g {\n  kz:a kz:b kz:c kz:d .\n}\n")
    with pytest.raises(DataSyntaxError) as caught:
        validate([bad])
    assert caught.value.path == bad and caught.value.line == 3
    # the parser's reason, without the stretch of input rdflib quotes around it
    assert str(caught.value) == f"{bad}:3: syntax error: expected '.' or '}}' or ']' at end of statement"


def test_locate_prefers_subject_position_and_does_not_confuse_prefixes_of_longer_names():
    from rdflib import URIRef
    kazsat1 = URIRef("https://w3id.org/kzgraph/resource/KazSat-1")
    path, line = locate(kazsat1, [FACTS])
    assert FACTS.read_text(encoding="utf-8").splitlines()[line - 1].strip().startswith("kz:KazSat-1 a ")
    assert locate(URIRef("https://w3id.org/kzgraph/resource/KazSat"), [FACTS]) is None


def test_every_shape_has_a_bad_fixture_that_fires_it():
    from rdflib import Graph
    from rdflib.namespace import RDF, SH

    shapes = Graph()
    for path in paths.shape_files():
        shapes.parse(path)
    name = shapes.namespace_manager.normalizeUri
    covered = {case[4].split(" (property")[0] for case in BREAKAGES}
    missing = []
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)):
        parts = {name(p) for p in shapes.objects(shape, SH.property) if not isinstance(p, BNode)}
        if name(shape) not in covered and not parts & covered and name(shape) != "kzsh:TemporalValue":
            missing.append(name(shape))  # TemporalValue fires through the date properties using it
    assert missing == []


def test_every_class_the_data_uses_is_the_target_of_a_shape(dataset):
    from rdflib import Graph
    from rdflib.namespace import RDF, RDFS, SH

    from kzgraph.namespaces import ONTOLOGY_GRAPH

    shapes = Graph()
    for path in paths.shape_files():
        shapes.parse(path)
    targeted = set(shapes.objects(None, SH.targetClass))
    ontology = dataset.graph(ONTOLOGY_GRAPH)

    def with_superclasses(cls: URIRef) -> set[URIRef]:
        found, todo = {cls}, [cls]
        while todo:
            for parent in ontology.objects(todo.pop(), RDFS.subClassOf):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found

    used = {o for g in dataset.graphs() if g.identifier != ONTOLOGY_GRAPH for o in g.objects(None, RDF.type)}
    assert used
    assert sorted(str(c) for c in used if not with_superclasses(c) & targeted) == []


def test_a_sparql_constraint_is_run_afresh_for_each_focus_node(tmp_path):
    """pySHACL runs the same query text once per focus node with $this bound; kzgraph parses it
    once (issue 7): each node must still get its own answer, and only the nodes that break it."""
    flights = tmp_path / "flights.trig"
    flights.write_text(
        "@prefix kz: <https://w3id.org/kzgraph/resource/> .\n"
        "@prefix kzg: <https://w3id.org/kzgraph/graph/> .\n"
        "@prefix kzo: <https://w3id.org/kzgraph/ontology#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "kzg:flights {\n"
        '    kz:early kzo:launchDate "2015-09-02"^^xsd:date ; kzo:landingDate "2015-08-11"^^xsd:date .\n'
        '    kz:fine kzo:launchDate "2015-09-02"^^xsd:date ; kzo:landingDate "2015-09-11"^^xsd:date .\n'
        '    kz:later kzo:launchDate "2016"^^xsd:gYear ; kzo:landingDate "2015"^^xsd:gYear .\n'
        "}\n", encoding="utf-8")
    fired = {r.focus: r for r in validate([flights]).results if r.shape == "kzsh:LandingAfterLaunchShape"}
    assert sorted(fired) == ["kz:early", "kz:later"]
    assert fired["kz:early"].message == "Lands (2015-08-11) before it launches (2015-09-02)."
    assert fired["kz:later"].message == "Lands (2015) before it launches (2016)."
    assert (fired["kz:later"].file, fired["kz:later"].line) == (flights, 8)


def test_a_link_on_an_unverified_entity_is_reported_with_the_link(tmp_path):
    """The shape targets linked entities only (every named entity has a status, few a link)."""
    files = mutate(tmp_path, LINKS, "kz:KazSat-1 kzo:wikidataStatus kzo:Unverified .",
                   "kz:KazSat-1 kzo:wikidataStatus kzo:Unverified ; owl:sameAs wd:Q232 , wd:Q1520 .")
    fired = [r for r in validate(files).results if r.shape == "kzsh:UnverifiedHasNoLinkShape"]
    assert sorted(r.message for r in fired) == [
        f"An entity marked kzo:Unverified must not carry a Wikidata link (http://www.wikidata.org/entity/{q})."
        for q in ("Q1520", "Q232")]
    assert {r.focus for r in fired} == {"kz:KazSat-1"}


def report_results(report) -> Counter:
    """A report graph's top-level results as (focus, path, value, shape, component, constraint,
    severity), a blank shape, path or constraint named by its description in ``report`` (each
    report holds a copy), nested sh:detail results left out."""
    from rdflib.namespace import RDF, SH

    def name(term):
        if isinstance(term, BNode):
            return "[" + " ; ".join(sorted(f"{p.n3()} {name(o)}" for p, o in report.predicate_objects(term)
                                           if p not in (SH.property, SH.result))) + "]"
        return "" if term is None else term.n3()

    top = report.value(predicate=RDF.type, object=SH.ValidationReport)
    return Counter(tuple(name(report.value(r, p)) for p in (
        SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
        SH.sourceConstraint, SH.resultSeverity)) for r in report.objects(top, SH.result))


def pyshacl_report(files):
    import pyshacl

    from kzgraph.dataset import load_dataset, union_graph
    from kzgraph.validation import load_shapes

    _, graph, _ = pyshacl.validate(union_graph(load_dataset(files)), shacl_graph=load_shapes(),
                                   inference="none", allow_warnings=True)
    return graph


# a SPARQL-based result, one under sh:node (pySHACL nests details), one of a shape the engine
# leaves to pySHACL (sh:not), and a blank property shape's
REPORT_BREAKAGES = [
    ("kzo:selectedCount 2 ;", "kzo:selectedCount 3 ;"),
    ('kzo:launchDate "2014"^^xsd:gYear', 'kzo:launchDate "2014"^^xsd:integer'),
    ("kz:Planned_spaceflight_of_Aimbetov_2017 a kzo:PlannedSpaceflight ;",
     "kz:Planned_spaceflight_of_Aimbetov_2017 a kzo:PlannedSpaceflight , kzo:Event ;"),
    ("kzo:candidateCount 2000 ;", 'kzo:candidateCount "2000" ;'),
]


def test_report_graph_has_pyshacls_results_without_validating_again(tmp_path, monkeypatch):
    """The RDF report is built from the results already found: the same results as the report
    graph pySHACL returns, with its conformance, on a broken fixture and on the shipped data."""
    import pyshacl
    from rdflib import Literal
    from rdflib.namespace import RDF, SH

    text = FACTS.read_text(encoding="utf-8")
    for old, new in REPORT_BREAKAGES:
        assert old in text
        text = text.replace(old, new, 1)
    (tmp_path / FACTS.name).write_text(text, encoding="utf-8")
    broken = [tmp_path / FACTS.name, SOURCES, LINKS]
    cases = [(broken, validate(broken)), (paths.data_files(), validate())]

    def no_second_run(*args, **kwargs):
        raise AssertionError("pySHACL ran again to make the report graph")

    monkeypatch.setattr(pyshacl.Validator, "run", no_second_run)
    built = [(files, report.graph) for files, report in cases]
    monkeypatch.undo()
    for files, graph in built:
        expected = pyshacl_report(files)
        top = graph.value(predicate=RDF.type, object=SH.ValidationReport)
        theirs = expected.value(predicate=RDF.type, object=SH.ValidationReport)
        assert graph.value(top, SH.conforms) == expected.value(theirs, SH.conforms)
        assert report_results(graph) == report_results(expected)
    found = report_results(built[0][1])
    components = {key[4] for key in found}
    assert {SH.SPARQLConstraintComponent.n3(), SH.NodeConstraintComponent.n3(),
            SH.NotConstraintComponent.n3(), SH.DatatypeConstraintComponent.n3()} <= components
    assert sum(found.values()) == len(cases[0][1].results)
    shipped = built[1][1]
    assert set(shipped.objects(None, SH.conforms)) == {Literal(True)}
    assert len(shipped) == 2  # a conforming report is the report node and its verdict


def test_report_pickles_with_its_graph_unless_dropped(tmp_path):
    import pickle

    from rdflib.compare import isomorphic

    report = validate(mutate(tmp_path, FACTS, "kzo:selectedCount 2 ;", "kzo:selectedCount 3 ;"))
    copy = pickle.loads(pickle.dumps(report))
    assert copy.results == report.results and isomorphic(copy.graph, report.graph)
    report.graph = None  # what the checker process does before sending a report back
    assert pickle.loads(pickle.dumps(report)).graph is None


def test_validation_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    validate()
    assert gc.isenabled()
    gc.disable()
    try:
        validate()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("constraint, reason", [
    ('sh:property [ sh:path kzo:head ; sh:minCount "one" ]', "sh:minCount must be a literal"),
    ('sh:sparql [ sh:select "SELECT $this WHERE { nonsense" ]', "Expected SelectQuery"),
], ids=["malformed core constraint", "sh:select that does not parse"])
def test_unusable_shapes_are_a_clear_error_naming_the_file(tmp_path, constraint, reason):
    import gc

    from kzgraph import DataFileError

    shapes = tmp_path / "bad-shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      "@prefix kzo: <https://w3id.org/kzgraph/ontology#> .\n"
                      f"<urn:x:S> a sh:NodeShape ; sh:targetClass kzo:SpaceAgency ; {constraint} .\n",
                      encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        validate(None, [shapes])
    assert caught.value.path == shapes
    assert str(caught.value).startswith(f"{shapes}: not usable as SHACL shapes: ")
    assert reason in str(caught.value)
    assert gc.isenabled()


# validate checks Wikidata ids against the register (data/wikidata-ids.tsv), next to the shapes
REGISTER_BREAKAGES = [
    ("id not in the register", "kz:Mir owl:sameAs wd:Q999999999", "Q999999999 is not in the register"),
    ("class id as a link", "kz:Mir owl:sameAs wd:Q25956",
     "Q25956 (space station) is registered as a class but used here as an item"),
]


@pytest.mark.parametrize("case", REGISTER_BREAKAGES, ids=[b[0] for b in REGISTER_BREAKAGES])
def test_validate_reports_a_wikidata_id_the_register_does_not_allow(tmp_path, case):
    _, new, message = case
    report = validate(mutate(tmp_path, LINKS, "kz:Mir owl:sameAs wd:Q48604", new))
    assert not report.conforms
    fired = [r for r in report.results if r.shape == REGISTER_SHAPE]
    assert len(fired) == 1 and message in fired[0].message, "\n".join(report.lines())
    assert (fired[0].focus, fired[0].file.name) == ("kz:Mir", "wikidata-links.trig") and fired[0].line


def test_the_named_classes_are_one_list_in_the_status_shape_and_the_entity_shape():
    from rdflib import Graph
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    shapes = Graph()
    for path in paths.shape_files():
        shapes.parse(path)
    kzsh = "https://w3id.org/kzgraph/shapes#"
    status, entity = URIRef(kzsh + "WikidataStatusShape"), URIRef(kzsh + "EntityShape")
    targets = set(shapes.objects(status, SH.targetClass))
    alternatives = {shapes.value(member, SH["class"])
                    for member in Collection(shapes, shapes.value(status, SH["or"]))}
    assert len(targets) == 8 and targets == alternatives == set(shapes.objects(entity, SH.targetClass))
