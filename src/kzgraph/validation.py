"""SHACL validation of the data against ``shapes/`` with the ontology, as a report object.

The data graph is the union of every data graph plus the claim index (``kzg:index``), so shapes
see each entity with all its facts and the claims that state them. The ontology is added to the
data graph, so its rdfs:subClassOf links make a kzo:Cosmonaut a kzo:Person for targets and
sh:class (SHACL's own subclass rule) and its status values are known. No RDFS inference: it would
read rdfs:range as "therefore of that class" and make every sh:class check on a ranged
property pass vacuously.
Each result is located in the data files (file and line where its focus node first appears).

pySHACL defines every check: kzgraph's engine (:mod:`kzgraph.shacl_engine`) runs pySHACL's own
constraint components in bulk, and pySHACL validates the shapes the engine cannot. The RDF form of
the report is built from the results found (:mod:`kzgraph.shacl_report`), only when asked for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyparsing import ParseBaseException
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kzgraph import paths
from kzgraph.dataset import parse_file, union_graph
from kzgraph.errors import DataFileError
from kzgraph.shacl_data import ShaclData, from_dataset, read_files

if TYPE_CHECKING:
    from kzgraph.shacl_engine import Found

__all__ = ["REGISTER_SHAPE", "ValidationReport", "ValidationResult", "load_shapes", "locate",
           "validate", "validate_dataset"]

DEFAULT_GRAPH_SHAPE = "kzgraph: every data triple in a named claim graph"
REGISTER_SHAPE = "kzgraph: Wikidata ids only from the register, each as its kind"


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
    rdf: Callable[[], Graph] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._graph: Graph | None = None

    @property
    def graph(self) -> Graph | None:
        """The SHACL validation report as RDF (:mod:`kzgraph.shacl_report`), built on first use
        from the results found: at 100k results it costs seconds the command line never needs.
        It holds the shapes' results (kzgraph's register and default-graph rules are in
        ``results`` only)."""
        if self._graph is None and self.rdf is not None:
            self._graph, self.rdf = self.rdf(), None
        return self._graph

    @graph.setter
    def graph(self, value: Graph | None) -> None:
        self._graph, self.rdf = value, None

    def __getstate__(self) -> dict:
        # the builder holds the data index: a pickled report carries the graph it would have
        # built instead
        state = dict(self.__dict__)
        state["_graph"], state["rdf"] = self.graph, None
        return state

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

    Raises DataSyntaxError / DataFileNotFound for files that cannot be read, DataFileError for
    shapes pySHACL cannot use (a malformed constraint, a sh:select that does not parse).
    """
    files = [Path(p) for p in (data if data is not None else paths.data_files())]
    shape_files = [Path(p) for p in (shapes if shapes is not None else paths.shape_files())]
    shapes_graph = load_shapes(shape_files)
    from pyshacl.errors import ReportableRuntimeError

    try:
        data = read_files(files, ontology)
        return _with_register_results(_validate(data, shapes_graph, files, named_graphs_only=True),
                                      data, files)
    except (ReportableRuntimeError, ParseBaseException) as error:
        raise _unusable_shapes(shape_files, error) from None


def _with_register_results(report: ValidationReport, data: ShaclData,
                           files: list[Path]) -> ValidationReport:
    """The report with a result for every Wikidata id the files use that is not in the register
    (data/wikidata-ids.tsv) or is used as another kind than it is registered as."""
    from kzgraph.wikidata import register

    uses = list(register.triple_uses(data.triples()))
    if not uses:
        return report  # data naming no Wikidata id needs no register
    checked = register.default()
    found: dict[tuple, ValidationResult] = {}
    for use in uses:
        problem = checked.misuse(use)
        subject, term = use.where
        if problem and (subject, term) not in found:
            where = locate(term, files) or locate(subject, files)
            found[subject, term] = ValidationResult(
                focus=_show(subject, data.names), path="", value=_show(term, data.names),
                message=problem, shape=REGISTER_SHAPE,
                file=where[0] if where else None, line=where[1] if where else None)
    if found:
        report.results = sorted([*report.results, *found.values()], key=_in_file_order)
        report.conforms = False
    return report


def _unusable_shapes(files: list[Path], error: Exception) -> DataFileError:
    reason = getattr(error, "message", None) or str(error)
    where = f" (one of {', '.join(map(str, files))})" if len(files) > 1 else ""
    return DataFileError(files[0] if files else Path("shapes"),
                         f"not usable as SHACL shapes{where}: {reason.strip()}")


def load_shapes(files: Sequence[Path | str] | None = None) -> Graph:
    """The shapes graph: the given files, or the embedded ``shapes/``."""
    return _load_graph(files if files is not None else paths.shape_files())


def validate_dataset(dataset: Dataset, shapes_graph: Graph, files: Sequence[Path] = (),
                     named_graphs_only: bool = True) -> ValidationReport:
    """Validate a loaded dataset (its ontology graph included) against ``shapes_graph``.

    ``files`` locate each result (file and line); ``named_graphs_only`` adds kzgraph's rule that
    no data triple sits in the default graph.
    """
    return _validate(from_dataset(dataset), shapes_graph, list(files), named_graphs_only)


def _validate(data: ShaclData, shapes_graph: Graph, files: list[Path],
              named_graphs_only: bool) -> ValidationReport:
    from kzgraph.shacl_engine import Index
    from kzgraph.shacl_report import report_graph, results_of
    from kzgraph.shacl_run import rdflib_graph, run_engine, run_pyshacl

    index = Index(data.triples(), data.names)
    found, rest = run_engine(index, shapes_graph)
    names = data.names
    for prefix, namespace in shapes_graph.namespaces():
        names.bind(prefix, namespace, override=False)
    results = _shacl_results([_found_terms(f) for f in found], names, shapes_graph, files)
    theirs = None
    if rest is None or rest:
        # what the engine cannot evaluate, pySHACL does (rest None: every shape)
        theirs = run_pyshacl(rdflib_graph(index), shapes_graph, rest)
        results += _shacl_results(results_of(theirs), names, shapes_graph, files)
        results.sort(key=_in_file_order)
    if named_graphs_only:
        results += _default_graph_results(data.stray, files)
    return ValidationReport(
        conforms=not results, triples=len(data.data), shapes=_count_shapes(shapes_graph),
        files=files, results=results,
        rdf=lambda: report_graph(found, shapes_graph, index.describe, theirs),
    )


def _found_terms(found: Found) -> dict[Any, Any]:
    return {_FOCUS: found.focus, _PATH: found.path, _VALUE: found.value,
            _MESSAGE: found.messages[0] if found.messages else None, _SHAPE: found.shape,
            _SEVERITY: found.severity}


def _load_graph(files: Sequence[Path | str]) -> Graph:
    dataset = Dataset(default_union=True)
    for path in files:
        parse_file(path, dataset, graph=URIRef(Path(path).resolve().as_uri()))
    return union_graph(dataset)


def _count_shapes(shapes: Graph) -> int:
    return len(set(shapes.subjects(RDF.type, SH.NodeShape)))


def _shacl_results(
    results: list, names: Graph, shapes: Graph, files: list[Path]
) -> list[ValidationResult]:
    # a node, shape or path recurs in many results: each is named once
    show = lru_cache(maxsize=None)(lambda term: _show(term, names))
    shape_name = lru_cache(maxsize=None)(lambda shape: _shape_name(shape, shapes))
    show_path = lru_cache(maxsize=None)(lambda path: _show_path(path, names, shapes))
    severity = lru_cache(maxsize=None)(lambda level: _show(level, shapes).rpartition(":")[2])
    files = [Path(p) for p in files]
    where_is = lru_cache(maxsize=None)(lambda node: locate(node, files))
    found = []
    for result in results:
        focus = result.get(_FOCUS)
        where = where_is(focus) if focus is not None else None
        found.append(ValidationResult(
            focus=show(focus),
            path=show_path(result.get(_PATH)),
            value=show(result.get(_VALUE)),
            message=str(result.get(_MESSAGE) or "constraint not met"),
            shape=shape_name(result.get(_SHAPE)),
            severity=severity(result.get(_SEVERITY)),
            file=where[0] if where else None,
            line=where[1] if where else None,
        ))
    return sorted(found, key=_in_file_order)


def _in_file_order(result: ValidationResult) -> tuple:
    return str(result.file), result.line or 0, result.focus, result.path


_FOCUS, _PATH, _VALUE = SH.focusNode, SH.resultPath, SH.value
_MESSAGE, _SHAPE, _SEVERITY = SH.resultMessage, SH.sourceShape, SH.resultSeverity


def _default_graph_results(stray: Graph, files: list[Path]) -> list[ValidationResult]:
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


def _show_path(path: object, names: Graph, shapes: Graph) -> str:
    """A result path; a complex path (a blank node) is described from the shapes graph."""
    return _show(path, shapes if isinstance(path, BNode) else names)


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
        path = path if isinstance(path, Path) else Path(path)
        line = _term_lines(path).get(str(node))
        if line:
            return path, line
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
