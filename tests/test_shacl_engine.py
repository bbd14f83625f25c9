"""Differential test: kzgraph's validation gives exactly pySHACL's results (issue 7).

pySHACL is the reference: ``pyshacl.validate`` on the graph ``kzgraph.validation`` validates (every
graph, claim index and ontology), read by rdflib. Each result is compared as (focus node, path,
value, shape, constraint component, severity, message), as a multiset, on the repository's data,
on every bad fixture of test_validation.py, and on synthetic graphs (plain and "linked").
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDF, SH

from kzgraph import paths, validate
from kzgraph.dataset import load_dataset, union_graph
from kzgraph.shacl_engine import sparql_bulk_safe
from kzgraph.validation import load_shapes
from tests.test_validation import BREAKAGES, mutate

sys.path.insert(0, str(paths.home() / "bench"))
from generate import generate  # noqa: E402
from validate import linked  # noqa: E402


def reference(files: list[Path], shapes: Graph) -> Counter:
    graph = union_graph(load_dataset(files))
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=False,
                                    allow_warnings=True)
    found = Counter()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, result) in report:
            continue  # nested under sh:node: not a result of its own
        found[tuple(_name(report.value(result, p), report) for p in (
            SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
            SH.resultSeverity)) + (str(report.value(result, SH.resultMessage) or ""),)] += 1
    return found


def _name(term: object, shapes: Graph) -> str:
    """A blank shape (or path) is named by what it says (pySHACL's report holds a copy of its
    description), so both runs' names compare."""
    if term is None:
        return ""
    if isinstance(term, BNode) and (term, None, None) in shapes:
        return "[" + " ; ".join(sorted(f"{p} {_name(o, shapes)}" for p, o in
                                       shapes.predicate_objects(term) if p != SH.property)) + "]"
    return term.n3()


def ours(files: list[Path], shapes: Graph) -> Counter:
    """kzgraph's results in the same terms, read back from its engine's records and from the
    results of the shapes it left to pySHACL."""
    from kzgraph import shacl_report, validation

    captured, delegated = [], []
    found_terms, results_of = validation._found_terms, shacl_report.results_of

    def spy(found):
        captured.append(found)
        return found_terms(found)

    def spy_delegated(report):
        results = results_of(report)
        delegated.extend(results)
        return results

    validation._found_terms, shacl_report.results_of = spy, spy_delegated
    load, validation.load_shapes = validation.load_shapes, lambda files=None: shapes
    try:
        report = validate(files)
    finally:
        validation._found_terms, shacl_report.results_of = found_terms, results_of
        validation.load_shapes = load
    found = Counter(tuple(_name(t, shapes) for t in (
        f.focus, f.path, f.value, f.shape, f.component, f.severity)) + (
        f.messages[0] if f.messages else "",) for f in captured)
    found.update(tuple(_name(terms.get(p), shapes) for p in (
        SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.sourceConstraintComponent,
        SH.resultSeverity)) + (str(terms.get(SH.resultMessage) or ""),) for terms in delegated)
    assert len(report.results) >= sum(found.values())
    return found


def same(files: list[Path]) -> Counter:
    shapes = load_shapes()
    expected, got = reference(files, shapes), ours(files, shapes)
    assert got == expected, (f"only pySHACL: {list((expected - got).items())[:5]}\n"
                             f"only kzgraph: {list((got - expected).items())[:5]}")
    return got


FACTS = paths.home() / "data" / "kazcosmos.trig"


def test_repository_data():
    assert same(paths.data_files()) == Counter()


@pytest.mark.parametrize("case", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_bad_fixtures(tmp_path, case):
    _, source, old, new, *_ = case
    assert same(mutate(tmp_path, source, old, new))


@pytest.mark.parametrize("variant", ["plain", "linked"])
def test_synthetic_graph(tmp_path, variant):
    text = generate(3000)
    data = tmp_path / f"{variant}.nq"
    data.write_text(text if variant == "plain" else linked(text), encoding="utf-8")
    found = same([data])
    assert sum(found.values()) > 1000


def test_linked_synthetic_graph_breaks_the_sparql_shapes(tmp_path):
    """Flights landing before launch, cosmonauts with too few stated flights: SPARQL results,
    found in bulk, equal pySHACL's per-node ones."""
    text = linked(generate(2000))
    text = text.replace('"2030-01-01"', '"1950-01-01"', 40).replace('"1"^^', '"0"^^', 40)
    data = tmp_path / "broken.nq"
    data.write_text(text, encoding="utf-8")
    found = same([data])
    sparql = [k for k in found if k[4] == SH.SPARQLConstraintComponent.n3()]
    assert len(sparql) >= 40


@pytest.mark.parametrize("query, safe", [
    ("SELECT $this ?x WHERE { $this <urn:p> ?x }", True),
    ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this <urn:p> ?x } GROUP BY $this", True),
    ("SELECT $this ?n (COUNT(DISTINCT ?f) AS ?c) WHERE { $this <urn:p> ?n OPTIONAL { $this <urn:q> ?f } }"
     " GROUP BY $this ?n HAVING (COUNT(DISTINCT ?f) > ?n)", True),        # as kzsh:FlightCountShape
    ("SELECT ?x WHERE { $this <urn:p> ?x }", False),                        # $this not projected
    ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this <urn:p> ?x }", False),   # one group for all
    ("SELECT $this WHERE { OPTIONAL { $this <urn:p> ?x } }", False),        # may stay unbound
    ("SELECT $this WHERE { { $this <urn:p> ?x } UNION { ?x <urn:p> ?y } }", False),
    ("SELECT $this WHERE { $this <urn:p> ?x FILTER NOT EXISTS { ?x <urn:q> $this } }", False),
    ("SELECT $this WHERE { $this <urn:p> ?x } LIMIT 1", False),
])
def test_which_sparql_constraints_run_in_bulk(query, safe):
    from rdflib.plugins.sparql import prepareQuery

    assert sparql_bulk_safe(prepareQuery(query).algebra) is safe


def test_shapes_the_engine_cannot_run_are_validated_by_pyshacl(tmp_path):
    """An inverse path, a sh:xone and a component kzgraph's shapes do not use (sh:maxLength):
    left to pySHACL, same results."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix kzo: <https://w3id.org/kzgraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:x:Short> a sh:NodeShape ; sh:targetClass kzo:Person ;\n"
        "  sh:property [ sh:path [ sh:inversePath kzo:crewMember ] ; sh:maxCount 0 ] .\n"
        "<urn:x:Either> a sh:NodeShape ; sh:targetClass kzo:Spaceflight ;\n"
        "  sh:xone ( [ sh:path kzo:launchDate ; sh:minCount 1 ] [ sh:path kzo:crewMember ; sh:minCount 1 ] ) .\n"
        "<urn:x:Brief> a sh:NodeShape ; sh:targetClass kzo:Person ;\n"
        "  sh:property [ sh:path rdfs:label ; sh:maxLength 14 ] .\n",
        encoding="utf-8")
    files = paths.data_files()
    report = validate(files, [shapes])
    graph = Graph().parse(shapes)
    expected = reference(files, graph)
    assert ours(files, graph) == expected
    assert len(report.results) == sum(expected.values()) > 0
    assert {r.shape.split(" ")[0] for r in report.results} == {"<urn:x:Short>", "<urn:x:Either>",
                                                               "<urn:x:Brief>"}


def test_a_shape_left_to_pyshacl_checks_the_property_shapes_it_names(tmp_path):
    """pySHACL given only some shapes (use_shapes) builds only those: a property shape they name
    by IRI (as kzsh:EntityShape names kzsh:Sourced) would go unchecked. The results of a shape
    the engine leaves to pySHACL still include those of its named property shapes."""
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix kzo: <https://w3id.org/kzgraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:x:Named> a sh:PropertyShape ; sh:path rdfs:comment ; sh:minCount 1 .\n"
        "<urn:x:Spaceflight> a sh:NodeShape ; sh:targetClass kzo:Spaceflight ;\n"
        "  sh:property <urn:x:Named> ;\n"
        "  sh:xone ( [ sh:path kzo:launchDate ; sh:minCount 1 ] [ sh:path kzo:crewMember ; sh:minCount 1 ] ) .\n",
        encoding="utf-8")
    graph = Graph().parse(shapes)
    files = paths.data_files()
    expected = reference(files, graph)
    assert ours(files, graph) == expected
    assert any(key[3] == "<urn:x:Named>" for key in expected)
