"""Curator writes: SPARQL 1.1 Update and Graph Store writes, gated by SHACL, committed atomically.

Every write is applied to a copy of the dataset, the copy is validated against the shapes (with
the ontology), and only a conforming copy is committed: written to the data directory as one
deterministic, sorted TriG file (temp file, fsync, rename, so a crash leaves the old or the new
file, never a broken one), then made the current dataset. Writes are serialized by a lock; the
current dataset object is only ever replaced whole, so readers never see half a write. Each
commit records who, when and what in graph ``kzg:changes`` (PROV-O).

Nothing here fetches a URL or reads a file because of a request: LOAD and SERVICE are refused in
updates, and rdflib's engine is told never to load graphs named in USING or FROM.
"""

from __future__ import annotations

import os
import uuid
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import rdflib.plugins.sparql
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, PROV, RDF, XSD
from rdflib.plugins.sparql.algebra import translateUpdate
from rdflib.plugins.sparql.evaluate import evalPart
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql import update as rdflib_update
from rdflib.plugins.sparql.update import _fillTemplate
from rdflib.plugins.sparql.sparql import QueryContext, Update

from kzgraph import paths
from kzgraph.dataset import CHANGES_GRAPH, INDEX_GRAPH, add_claim_index, load_dataset, new_dataset
from kzgraph.errors import BadRequest, QuerySyntaxError, WriteRejected
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH
from kzgraph.query.inspect import inspect_query
from kzgraph.store import BuiltStore, StoreCache
from kzgraph.validation import ValidationReport, validate_dataset

__all__ = ["CHANGES_GRAPH", "PROTECTED", "Change", "Curator", "DatasetFile", "canonical_trig",
           "build_served", "load_served", "report_json", "served_files"]

# rdflib would otherwise fetch the IRI of a USING / FROM graph it does not hold.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

CHANGE = "https://w3id.org/kzgraph/change/"
# Graphs recomputed or loaded apart from the data: never persisted, never counted as changes.
_DERIVED = {INDEX_GRAPH, ONTOLOGY_GRAPH}
# Graphs no write can change: the ontology (from ontology/), the claim index (computed) and the
# history of changes (append-only, kept by kzgraph). A write's effect on them is undone.
PROTECTED = _DERIVED | {CHANGES_GRAPH}


@dataclass(frozen=True)
class Change:
    """What a committed write did."""

    iri: str
    who: str
    when: str
    operation: str
    added: int
    removed: int
    graphs: tuple[str, ...]

    def as_json(self) -> dict:
        return {"change": self.iri, "who": self.who, "when": self.when,
                "operation": self.operation, "added": self.added, "removed": self.removed,
                "graphs": list(self.graphs)}


class DatasetFile:
    """The persisted dataset: ``<data dir>/dataset.trig``, written atomically."""

    NAME = "dataset.trig"

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.NAME

    def exists(self) -> bool:
        return self.path.is_file()

    def remove_leftovers(self) -> list[Path]:
        """Delete temporary files a write killed half-way left behind (the committed file itself
        is never half-written: it is only ever replaced by a rename)."""
        leftovers = sorted(self.directory.glob(".dataset-*.tmp"))
        for path in leftovers:
            path.unlink(missing_ok=True)
        return leftovers

    def write(self, dataset: Dataset) -> None:
        self.write_bytes(canonical_trig(dataset).encode("utf-8"))

    def write_bytes(self, payload: bytes) -> None:
        """Replace the file with ``payload``: temp file, fsync, rename, fsync of the directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".dataset-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(self.directory)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX: the directory entry lives in the directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def canonical_trig(dataset: Dataset) -> str:
    """The data graphs as TriG: graphs sorted by name, one N-Triples statement per line, sorted,
    so that a diff of two versions shows exactly the triples that changed."""
    blocks = ["# kzgraph dataset, written by kzgraph on commit; one triple per line, sorted.\n"]
    for name in sorted(_persisted_graphs(dataset), key=str):
        graph = dataset.graph(name)
        lines = sorted(_nt_line(s, p, o) for s, p, o in graph)
        if not lines:
            continue
        opening = "{" if name == DATASET_DEFAULT_GRAPH_ID else f"<{name}> {{"
        blocks.append(opening + "\n" + "".join(f"    {line}\n" for line in lines) + "}\n")
    return "\n".join(blocks)


def _nt_line(s, p, o) -> str:
    return f"{s.n3()} {p.n3()} {o.n3()} ."


def _persisted_graphs(dataset: Dataset) -> list[URIRef]:
    return [g.identifier for g in dataset.graphs() if g.identifier not in _DERIVED]


class Curator:
    """Applies curators' writes to the current dataset; see the module's description."""

    def __init__(self, dataset: Dataset, store: DatasetFile, shapes: Graph,
                 named_graphs_only: bool = True, clock: Callable[[], datetime] | None = None) -> None:
        self.dataset = dataset
        self.store = store
        self.shapes = shapes
        self.named_graphs_only = named_graphs_only
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self.report: ValidationReport | None = None  # of the last commit

    def reset(self, dataset: Dataset) -> None:
        """Apply later writes to ``dataset`` (a new release of the data files)."""
        with self._lock:
            self.dataset = dataset

    # the writes

    def update(self, text: str, who: str, using: Sequence[str] = (),
               using_named: Sequence[str] = (), base: str | None = None) -> Change:
        """Run a SPARQL 1.1 Update request; ``using``/``using_named`` are the protocol's
        using-graph-uri / using-named-graph-uri parameters."""
        operations = _parse_update(text, base)
        if using or using_named:
            _apply_protocol_dataset(operations, using, using_named)
        return self._commit(lambda copy: _evaluate(copy, operations), who, "SPARQL Update")

    def replace_graph(self, name: URIRef | None, triples: Graph, who: str) -> Change:
        """Graph Store PUT: the graph (``None``: the default graph) becomes ``triples``."""
        def apply(copy: Dataset) -> None:
            target = copy.graph(name or DATASET_DEFAULT_GRAPH_ID)
            target.remove((None, None, None))
            for triple in triples:
                target.add(triple)
        return self._commit(apply, who, "Graph Store PUT")

    def add_to_graph(self, name: URIRef | None, triples: Graph, who: str) -> Change:
        """Graph Store POST: ``triples`` are merged into the graph."""
        def apply(copy: Dataset) -> None:
            target = copy.graph(name or DATASET_DEFAULT_GRAPH_ID)
            for triple in triples:
                target.add(triple)
        return self._commit(apply, who, "Graph Store POST")

    def delete_graph(self, name: URIRef | None, who: str) -> Change:
        """Graph Store DELETE: the graph (``None``: the default graph's triples) is removed."""
        def apply(copy: Dataset) -> None:
            if name is None:
                copy.graph(DATASET_DEFAULT_GRAPH_ID).remove((None, None, None))
            else:
                copy.remove_graph(copy.graph(name))
        return self._commit(apply, who, "Graph Store DELETE")

    def has_graph(self, name: URIRef | None) -> bool:
        """Whether the graph (None: the default graph) holds any triple."""
        quads = self.dataset.quads((None, None, None, name or DATASET_DEFAULT_GRAPH_ID))
        return next(iter(quads), None) is not None  # without creating the graph

    # the commit

    def _commit(self, apply: Callable[[Dataset], None], who: str, operation: str) -> Change:
        with self._lock:
            copy = _copy_data(self.dataset)
            try:
                apply(copy)
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                raise BadRequest(f"the update could not be applied: {error}") from None
            _restore(copy, self.dataset, PROTECTED - {INDEX_GRAPH})
            changed = _changed_graphs(self.dataset, copy)
            copy.remove_graph(copy.graph(INDEX_GRAPH))
            add_claim_index(copy)
            report = validate_dataset(copy, self.shapes, named_graphs_only=self.named_graphs_only)
            if not report.conforms:
                raise WriteRejected(report)
            change = self._record(copy, who, operation, changed)
            self.store.write(copy)
            self.dataset, self.report = copy, report
            return change

    def _record(self, copy: Dataset, who: str, operation: str,
                changed: dict[URIRef, tuple[int, int]]) -> Change:
        when = self._clock().isoformat(timespec="seconds")
        added = sum(a for a, _ in changed.values())
        removed = sum(r for _, r in changed.values())
        names = tuple(sorted(str(g) for g in changed))
        iri = URIRef(CHANGE + uuid.uuid4().hex)  # two like writes in one second are two changes
        log = copy.graph(CHANGES_GRAPH)
        log.add((iri, RDF.type, PROV.Activity))
        log.add((iri, RDF.type, KZO.Change))
        log.add((iri, PROV.wasAssociatedWith, Literal(who)))
        log.add((iri, PROV.endedAtTime, Literal(when, datatype=XSD.dateTime)))
        log.add((iri, DCTERMS.description, Literal(operation)))
        log.add((iri, KZO.triplesAdded, Literal(added)))
        log.add((iri, KZO.triplesRemoved, Literal(removed)))
        for name in changed:
            log.add((iri, KZO.changedGraph, URIRef(name)))
        return Change(str(iri), who, when, operation, added, removed, names)


def load_served(data_dir: Path | str | None, data: Sequence[Path | str] | None = None) -> Dataset:
    """The dataset to serve at start-up: the data directory's committed file if there is one,
    else ``data`` (the embedded files by default). Temporaries a killed commit left in the data
    directory are cleared first (only here: while serving, one may be a commit in progress)."""
    _clear_leftovers(data_dir)
    return load_dataset(served_files(data_dir, data))


def build_served(data_dir: Path | str | None, data: Sequence[Path | str] | None,
                 cache: StoreCache, starting: bool = False) -> BuiltStore:
    """:func:`load_served`'s files as an Oxigraph store, built or found in ``cache``. Only when
    ``starting`` are a killed commit's temporaries cleared: later, one may be a commit in
    progress."""
    if starting:
        _clear_leftovers(data_dir)
    return cache.get(served_files(data_dir, data))


def _clear_leftovers(data_dir: Path | str | None) -> None:
    if data_dir is not None and Path(data_dir).is_dir():
        DatasetFile(data_dir).remove_leftovers()


def served_files(data_dir: Path | str | None, data: Sequence[Path | str] | None = None) -> list[Path]:
    """The data files to serve: the data directory's committed file if there is one (curators'
    writes supersede the files they started from), else ``data``, else the embedded files."""
    if data_dir is not None:
        store = DatasetFile(data_dir)
        if store.exists():
            return [store.path]
    return [Path(p) for p in data] if data else paths.data_files()


def _parse_update(text: str, base: str | None):
    shape = inspect_query(text)
    if shape.services or shape.unchecked_service is not None:
        raise BadRequest("SERVICE is not allowed in updates: an update never calls out")
    try:
        operations = translateUpdate(parseUpdate(text), base=base)
    except Exception as error:  # pyparsing's ParseException and rdflib's own errors
        raise QuerySyntaxError(f"the update does not parse: {error}") from None
    for operation in operations.algebra:
        if operation.name == "Load":
            raise BadRequest("LOAD is not allowed: kzgraph never fetches a document because of "
                             "a request; send the triples with INSERT DATA or a Graph Store PUT/POST")
    return operations


_OPERATIONS = {
    "Clear": rdflib_update.evalClear, "Drop": rdflib_update.evalDrop,
    "Create": rdflib_update.evalCreate, "Add": rdflib_update.evalAdd,
    "Move": rdflib_update.evalMove, "Copy": rdflib_update.evalCopy,
    "InsertData": rdflib_update.evalInsertData, "DeleteData": rdflib_update.evalDeleteData,
    "DeleteWhere": rdflib_update.evalDeleteWhere,
}


def _evaluate(dataset: Dataset, update: Update) -> None:
    """rdflib's evalUpdate, except that the default graph is the store's own default graph (as
    SPARQL Update defines it) rather than the union rdflib would otherwise use, which it cannot
    write to. Operations run in order; a failure stops the request unless SILENT."""
    for operation in update.algebra:
        context = QueryContext(dataset, initBindings={})
        context.graph = dataset.graph(DATASET_DEFAULT_GRAPH_ID)
        context.prologue = operation.prologue
        try:
            if operation.name == "Modify":
                _modify(context, operation)
            else:
                _OPERATIONS[operation.name](context, operation)
        except Exception:
            if not operation.silent:
                raise


def _modify(context: QueryContext, operation: CompValue) -> None:
    """DELETE/INSERT … WHERE. rdflib's own evalModify lets ``GRAPH ?g`` range over every graph
    despite USING NAMED; here the WHERE clause sees exactly the dataset that USING / USING NAMED
    (or WITH, or else the store) describes, as SPARQL 1.1 Update section 3.1.3 says."""
    if not operation.using:
        rdflib_update.evalModify(context, operation)
        return
    dataset = context.dataset
    scope = Dataset()
    for clause in operation.using:
        if clause.default is not None:
            scope.default_graph += dataset.get_context(clause.default)
        else:
            scope.graph(clause.named).__iadd__(dataset.get_context(clause.named))
    where = QueryContext(scope, initBindings={})
    where.graph = scope.default_graph
    where.prologue = context.prologue
    solutions = list(evalPart(where, operation.where))
    target = dataset.get_context(operation.withClause) if operation.withClause else context.graph
    for solution in solutions:
        for template, apply in ((operation.delete, Graph.__isub__), (operation.insert, Graph.__iadd__)):
            if not template:
                continue
            apply(target, _fillTemplate(template.triples, solution))
            for name, quads in template.quads.items():
                apply(dataset.get_context(solution.get(name)), _fillTemplate(quads, solution))


def _apply_protocol_dataset(operations, using: Sequence[str], using_named: Sequence[str]) -> None:
    """The protocol's using-graph-uri / using-named-graph-uri act as USING / USING NAMED on every
    operation with a WHERE clause; combined with USING or WITH in the request they are an error."""
    clauses = ([CompValue("UsingClause", default=URIRef(iri)) for iri in using]
               + [CompValue("UsingClause", named=URIRef(iri)) for iri in using_named])
    for operation in operations.algebra:
        if operation.name != "Modify":
            continue
        if operation.using or operation.withClause:
            raise BadRequest("using-graph-uri / using-named-graph-uri cannot be combined with "
                             "USING or WITH in the update")
        operation["using"] = clauses


def _copy_data(dataset: Dataset) -> Dataset:
    copy = new_dataset()
    for prefix, namespace in dataset.namespaces():
        copy.bind(prefix, namespace, override=True, replace=True)
    for s, p, o, g in dataset.quads((None, None, None, None)):
        copy.graph(getattr(g, "identifier", g)).add((s, p, o))
    return copy


def _restore(copy: Dataset, original: Dataset, names: set[URIRef]) -> None:
    for name in names:
        target = copy.graph(name)
        target.remove((None, None, None))
        for triple in original.graph(name):
            target.add(triple)


def _changed_graphs(before: Dataset, after: Dataset) -> dict[URIRef, tuple[int, int]]:
    """Graph → (triples added, triples removed), for data graphs whose content changed."""
    names = (set(_persisted_graphs(before)) | set(_persisted_graphs(after))) - PROTECTED
    changed = {}
    for name in names:
        old, new = set(before.graph(name)), set(after.graph(name))
        if old != new:
            changed[name] = (len(new - old), len(old - new))
    return changed


def report_json(report: ValidationReport) -> dict:
    return {"conforms": report.conforms, "summary": report.summary(),
            "results": [{"focus": r.focus, "path": r.path, "value": r.value,
                         "message": r.message, "shape": r.shape, "severity": r.severity}
                        for r in report.results]}
