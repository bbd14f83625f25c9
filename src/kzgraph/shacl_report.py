"""The SHACL validation report graph (sh:ValidationReport), built from the results a run found.

Validation keeps its results as small records (``shacl_engine.Found``); the RDF form of the report
is made from them on demand, without validating again. Each result carries SHACL's result
properties: sh:focusNode, sh:resultPath, sh:value, sh:sourceShape, sh:sourceConstraintComponent,
sh:sourceConstraint, sh:resultSeverity and its sh:resultMessage(s). A blank shape, path or
constraint is described in the report by a copy of its description in the shapes graph, a blank
value node by its description in the data, as pySHACL does, so the report stands on its own.

The results of shapes pySHACL validated (those the engine leaves to it) are in pySHACL's own
report graph: they are copied as they are, sh:detail included. The engine gives no sh:detail
under an sh:node result (SHACL makes it optional).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, SH

if TYPE_CHECKING:
    from kzgraph.shacl_engine import Found

__all__ = ["report_graph", "results_of"]


def report_graph(found: Iterable[Found], shapes: Graph,
                 describe_data: Callable[[BNode], Iterable[tuple]],
                 pyshacl_report: Graph | None = None) -> Graph:
    """The report of ``found`` (and of ``pyshacl_report``'s results, when pySHACL ran too)."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in shapes.namespaces():
        graph.bind(prefix, namespace)
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    copied: set = set()

    def copy(term: Any, source: Callable[[BNode], Iterable[tuple]]) -> None:
        if isinstance(term, BNode) and term not in copied:
            copied.add(term)
            for triple in source(term):
                graph.add(triple)

    def from_shapes(node: BNode) -> Iterable[tuple]:
        return shapes.cbd(node)

    conforms = True
    for result in found:
        conforms = False
        node = _add_result(graph, report, result)
        for term in (result.shape, result.path, result.source_constraint):
            copy(term, from_shapes)
        for term in (result.focus, result.value):
            copy(term, describe_data)
    if pyshacl_report is not None:
        conforms = _copy_pyshacl_results(graph, report, pyshacl_report) and conforms
    graph.add((report, SH.conforms, Literal(conforms)))
    return graph


def _add_result(graph: Graph, report: BNode, result: Found) -> BNode:
    node = BNode()
    graph.add((report, SH.result, node))
    graph.add((node, RDF.type, SH.ValidationResult))
    for predicate, term in ((SH.focusNode, result.focus), (SH.resultPath, result.path),
                            (SH.value, result.value), (SH.sourceShape, result.shape),
                            (SH.sourceConstraintComponent, result.component),
                            (SH.sourceConstraint, result.source_constraint),
                            (SH.resultSeverity, result.severity)):
        if term is not None:
            graph.add((node, predicate, term))
    for message in result.messages:
        graph.add((node, SH.resultMessage, Literal(message)))
    return node


def _copy_pyshacl_results(graph: Graph, report: BNode, theirs: Graph) -> bool:
    """Adds pySHACL's results to ``graph`` under ``report``; whether pySHACL's report conforms."""
    their_report = theirs.value(predicate=RDF.type, object=SH.ValidationReport)
    for s, p, o in theirs:
        if s != their_report:
            graph.add((s, p, o))
    for result in theirs.objects(their_report, SH.result):
        graph.add((report, SH.result, result))
    return theirs.value(their_report, SH.conforms) != Literal(False)


def results_of(report: Graph) -> list[dict[Any, Any]]:
    """Each top-level result of a report graph (not those nested under sh:detail), as its
    predicates → their first object."""
    top = report.value(predicate=RDF.type, object=SH.ValidationReport)
    found = []
    for result in report.objects(top, SH.result):
        terms: dict[Any, Any] = {}
        for predicate, value in sorted(report.predicate_objects(result)):
            terms.setdefault(predicate, value)
        found.append(terms)
    return found
