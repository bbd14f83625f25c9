"""SHACL validation of the data against ``shapes/`` with the ontology, as a report object.

The data graph is the union of every data graph plus the claim index (``kzg:index``), so shapes
see each entity with all its facts and the claims that state them. The ontology is added to the
data graph, so its rdfs:subClassOf links make a kzo:Cosmonaut a kzo:Person for targets and
sh:class (SHACL's own subclass rule) and its status values are known. No RDFS inference: it would
read rdfs:range as "therefore of that class" and make every sh:class check on a ranged
property pass vacuously.
Each result is located in the data files (file and line where its focus node first appears).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kzgraph import paths
from kzgraph.dataset import default_graph_triples, load_dataset, parse_file, union_graph
from kzgraph.namespaces import ONTOLOGY_GRAPH

__all__ = ["ValidationReport", "ValidationResult", "load_shapes", "locate", "validate",
           "validate_dataset"]

DEFAULT_GRAPH_SHAPE = "kzgraph: every data triple in a named claim graph"


@dataclass(frozen=True)
class ValidationResult:
    """One violation: what, where in the graph, where in the files, and which shape says so."""

    focus: str
    path: str
    value: str
    message: str
    shape: str
    severity: str = "Violation"
    file: Path | None = None
    line: int | None = None

    def location(self) -> str:
        if self.file is None:
            return "(not in the data files)"
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass
class ValidationReport:
    conforms: bool
    triples: int
    shapes: int
    files: list[Path] = field(default_factory=list)
    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph | None = None  # the SHACL validation report as RDF (pyshacl's results graph)

    def summary(self) -> str:
        verdict = "Conforms" if self.conforms else "Does not conform"
        where = f" in {len(self.files)} file(s)" if self.files else ""
        return (f"{verdict}: {self.triples} triples{where}, {self.shapes} shapes, "
                f"{len(self.results)} violation(s)")

    def lines(self) -> list[str]:
        """The report as readable lines, one block per result."""
        out = []
        for r in self.results:
            out.append(f"{r.location()}  {r.severity}: {r.message}")
            out.append(f"    focus node: {r.focus}")
            if r.path:
                out.append(f"    path:       {r.path}")
            if r.value:
                out.append(f"    value:      {r.value}")
            out.append(f"    shape:      {r.shape}")
        return out


def validate(
    data: Sequence[Path | str] | None = None,
    shapes: Sequence[Path | str] | None = None,
    ontology: Sequence[Path | str] | None = None,
) -> ValidationReport:
    """Validate data files (the embedded data by default) against the shapes and ontology.

    Raises DataSyntaxError / DataFileNotFound for files that cannot be read.
    """
    files = [Path(p) for p in (data if data is not None else paths.data_files())]
    dataset = load_dataset(files, ontology)
    return validate_dataset(dataset, load_shapes(shapes), files)


def load_shapes(files: Sequence[Path | str] | None = None) -> Graph:
    """The shapes graph: the given files, or the embedded ``shapes/``."""
    return _load_graph(files if files is not None else paths.shape_files())


def validate_dataset(dataset: Dataset, shapes_graph: Graph, files: Sequence[Path] = (),
                     named_graphs_only: bool = True) -> ValidationReport:
    """Validate a loaded dataset (its ontology graph included) against ``shapes_graph``.

    ``files`` locate each result (file and line); ``named_graphs_only`` adds kzgraph's rule that
    no data triple sits in the default graph.
    """
    files = list(files)
    data_graph = union_graph(dataset, _data_graph_names(dataset))
    data_triples = len(data_graph)
    data_graph += dataset.graph(ONTOLOGY_GRAPH)
    _, results_graph, _ = pyshacl.validate(
        data_graph, shacl_graph=shapes_graph, inference="none", advanced=True, allow_warnings=True,
    )
    for prefix, namespace in shapes_graph.namespaces():
        data_graph.bind(prefix, namespace, override=False)
    results = _shacl_results(results_graph, data_graph, shapes_graph, files)
    if named_graphs_only:
        results += _default_graph_results(dataset, files)
    return ValidationReport(
        conforms=not results, triples=data_triples, shapes=_count_shapes(shapes_graph),
        files=files, results=results, graph=results_graph,
    )


def _data_graph_names(dataset: Dataset) -> list[URIRef]:
    return [g.identifier for g in dataset.graphs() if g.identifier != ONTOLOGY_GRAPH]


def _load_graph(files: Sequence[Path | str]) -> Graph:
    dataset = Dataset(default_union=True)
    for path in files:
        parse_file(path, dataset, graph=URIRef(Path(path).resolve().as_uri()))
    return union_graph(dataset)


def _count_shapes(shapes: Graph) -> int:
    return len(set(shapes.subjects(RDF.type, SH.NodeShape)))


def _shacl_results(
    results: Graph, names: Graph, shapes: Graph, files: list[Path]
) -> list[ValidationResult]:
    found = []
    for node in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(node, SH.focusNode)
        where = locate(focus, files) if focus is not None else None
        found.append(ValidationResult(
            focus=_show(focus, names),
            path=_show(results.value(node, SH.resultPath), names),
            value=_show(results.value(node, SH.value), names),
            message=str(results.value(node, SH.resultMessage) or "constraint not met"),
            shape=_shape_name(results.value(node, SH.sourceShape), shapes),
            severity=_show(results.value(node, SH.resultSeverity), shapes).rpartition(":")[2],
            file=where[0] if where else None,
            line=where[1] if where else None,
        ))
    return sorted(found, key=lambda r: (str(r.file), r.line or 0, r.focus, r.path))


def _default_graph_results(dataset: Dataset, files: list[Path]) -> list[ValidationResult]:
    stray = default_graph_triples(dataset)
    results = []
    for subject in sorted(set(stray.subjects()), key=str):
        where = locate(subject, files)
        results.append(ValidationResult(
            focus=_show(subject, stray), path="", value="",
            message="Triples outside any named graph: put every fact in a named claim graph "
                    "declared a kzo:Claim in kzg:provenance (see data/kazcosmos.trig).",
            shape=DEFAULT_GRAPH_SHAPE,
            file=where[0] if where else None, line=where[1] if where else None,
        ))
    return results


def _show(term: object, graph: Graph) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return graph.namespace_manager.normalizeUri(term)
    if isinstance(term, Literal):
        return term.n3(graph.namespace_manager)
    if isinstance(term, BNode):
        return _describe_path(term, graph)
    return str(term)


def _describe_path(node: BNode, graph: Graph) -> str:
    inverse = graph.value(node, SH.inversePath)
    if inverse is not None:
        return f"^{_show(inverse, graph)}"
    return "[]"


def _shape_name(shape: object, shapes: Graph) -> str:
    """A readable shape name; a blank property shape is named by its node shape and path."""
    if not isinstance(shape, BNode):
        return _show(shape, shapes)
    parent = shapes.value(predicate=SH.property, object=shape)
    path = _show(shapes.value(shape, SH.path), shapes)
    return f"{_show(parent, shapes)} (property {path})" if parent is not None else f"property {path}"


def locate(node: object, files: Sequence[Path]) -> tuple[Path, int] | None:
    """File and line where ``node`` first appears, preferring subject position."""
    if not isinstance(node, URIRef):
        return None
    for path in files:
        line = _term_lines(Path(path)).get(str(node))
        if line:
            return Path(path), line
    return None


_TERM = re.compile(r"<([^<>\s]*)>|(?<![\w<])([A-Za-z][\w.-]*|):((?:[\w-]|\.(?=[\w-]))+)")


@lru_cache(maxsize=64)
def _term_lines(path: Path) -> dict[str, int]:
    """Every IRI in a Turtle/TriG/N-Quads file → its line: first as a subject, else first at all."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    prefixes = _prefixes(lines)
    as_subject: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        for position, match in enumerate(_TERM.finditer(line)):
            iri = match.group(1) or _expand(prefixes, match.group(2), match.group(3))
            if iri is None:
                continue
            anywhere.setdefault(iri, number)
            if position == 0 and not line[:match.start()].strip():
                as_subject.setdefault(iri, number)
    return {**anywhere, **as_subject}


def _expand(prefixes: dict[str, str], prefix: str, local: str) -> str | None:
    namespace = prefixes.get(prefix)
    return namespace + local if namespace is not None else None


def _prefixes(lines: list[str]) -> dict[str, str]:
    declared = {}
    for line in lines:
        match = re.match(r"\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", line, re.IGNORECASE)
        if match:
            declared[match.group(1)] = match.group(2)
    return declared
