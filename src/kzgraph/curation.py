"""Curator writes: SPARQL 1.1 Update and Graph Store writes, gated by SHACL, committed atomically.

Every write runs on Oxigraph, on a copy of the current data in an in-memory Oxigraph store
(pyoxigraph's own SPARQL Update, USING / USING NAMED included). What it changed (the quads added
and removed) is then applied to an rdflib copy of the dataset, which is validated against the
shapes (with the ontology), and only a conforming copy is committed: written to the data
directory as one deterministic, sorted TriG file (atomically, see :mod:`kzgraph.atomic`), then
made the current dataset. Writes are serialized by a lock; the current dataset object is only
ever replaced whole, so readers never see half a write. Each commit records who, when and what
in graph ``kzg:changes`` (PROV-O).

Nothing here fetches a URL or reads a file because of a request: Oxigraph would run LOAD and
SERVICE, so updates holding either are refused before they run; a graph named in USING is only
ever looked up in the store.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from kzgraph import paths
from kzgraph.atomic import write_atomically
from kzgraph.dataset import CHANGES_GRAPH, INDEX_GRAPH, load_dataset, new_dataset
from kzgraph.errors import BadRequest, KzgraphError, QuerySyntaxError, WriteRejected
from kzgraph.memory import collector_paused
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH
from kzgraph.query.inspect import inspect_query, load_offset, top_level_words
from kzgraph.store import BuiltStore, StoreCache
from kzgraph.store import add_claim_index as add_claim_index_ox
from kzgraph.terms import from_ox_quad, same_in_graph, to_ox_graph, to_ox_quads, to_ox_term
from kzgraph.validation import ValidationReport, validate_dataset

__all__ = ["CHANGES_GRAPH", "PROTECTED", "Change", "Curator", "DatasetFile", "canonical_trig",
           "build_served", "load_served", "report_json", "served_files", "with_protocol_dataset"]

CHANGE = "https://w3id.org/kzgraph/change/"
# Graphs recomputed or loaded apart from the data: never persisted, never counted as changes.
_DERIVED = {INDEX_GRAPH, ONTOLOGY_GRAPH}
# Graphs no write can change: the ontology (from ontology/), the claim index (computed) and the
# history of changes (append-only, kept by kzgraph). A write's effect on them is undone.
PROTECTED = _DERIVED | {CHANGES_GRAPH}
_PROTECTED_IRIS = {str(name) for name in PROTECTED}


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
        """Replace the file with ``payload`` atomically; the temporary is ``.dataset-….tmp``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, payload, prefix=".dataset-")


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
        self._oxigraph: ox.Store | None = None  # self.dataset in Oxigraph, made at the first write
        self.report: ValidationReport | None = None  # of the last commit

    def reset(self, dataset: Dataset) -> None:
        """Apply later writes to ``dataset`` (a new release of the data files)."""
        with self._lock:
            self.dataset, self._oxigraph = dataset, None

    # the writes

    def update(self, text: str, who: str, using: Sequence[str] = (),
               using_named: Sequence[str] = (), base: str | None = None) -> Change:
        """Run a SPARQL 1.1 Update request; ``using``/``using_named`` are the protocol's
        using-graph-uri / using-named-graph-uri parameters."""
        _refuse_fetching(text)
        text = with_protocol_dataset(text, using, using_named)
        return self._commit(lambda store: _run_update(store, text, base), who, "SPARQL Update")

    def replace_graph(self, name: URIRef | None, triples: Graph, who: str) -> Change:
        """Graph Store PUT: the graph (``None``: the default graph) becomes ``triples``."""
        def apply(store: ox.Store) -> None:
            _empty_graph(store, to_ox_graph(name))
            store.extend(to_ox_quads(triples, name))
        return self._commit(apply, who, "Graph Store PUT")

    def add_to_graph(self, name: URIRef | None, triples: Graph, who: str) -> Change:
        """Graph Store POST: ``triples`` are merged into the graph."""
        return self._commit(lambda store: store.extend(to_ox_quads(triples, name)), who,
                            "Graph Store POST")

    def delete_graph(self, name: URIRef | None, who: str) -> Change:
        """Graph Store DELETE: the graph (``None``: the default graph's triples) is removed."""
        def apply(store: ox.Store) -> None:
            if name is None:
                store.clear_graph(ox.DefaultGraph())
            else:
                store.remove_graph(to_ox_graph(name))
        return self._commit(apply, who, "Graph Store DELETE")

    def has_graph(self, name: URIRef | None) -> bool:
        """Whether the graph (None: the default graph) holds any triple."""
        quads = self.dataset.quads((None, None, None, name or DATASET_DEFAULT_GRAPH_ID))
        return next(iter(quads), None) is not None  # without creating the graph

    # the commit

    def _commit(self, apply: Callable[[ox.Store], None], who: str, operation: str) -> Change:
        with self._lock, collector_paused():
            current = self._current_oxigraph()
            work = _copy_store(current)
            _apply(apply, work)
            added, removed = _undo_protected(work, *_delta(current, work))
            index_added, index_removed = _recompute_claim_index(current, work) \
                if added or removed else ([], [])
            copy = _copy_data(self.dataset)
            _apply_delta(copy, added + index_added, removed + index_removed)
            report = validate_dataset(copy, self.shapes, named_graphs_only=self.named_graphs_only)
            if not report.conforms:
                raise WriteRejected(report)
            change, record = self._record(who, operation, _changed_graphs(added, removed))
            log = copy.graph(CHANGES_GRAPH)
            for triple in record:
                log.add(triple)
            work.extend(to_ox_quads(record, CHANGES_GRAPH))
            self.store.write(copy)
            self.dataset, self._oxigraph, self.report = copy, work, report
            return change

    def _current_oxigraph(self) -> ox.Store:
        if self._oxigraph is None:
            self._oxigraph = _oxigraph_copy(self.dataset)
        return self._oxigraph

    def _record(self, who: str, operation: str,
                changed: dict[URIRef, tuple[int, int]]) -> tuple[Change, Graph]:
        """The change, and its PROV record for graph kzg:changes."""
        when = self._clock().isoformat(timespec="seconds")
        added = sum(a for a, _ in changed.values())
        removed = sum(r for _, r in changed.values())
        names = tuple(sorted(str(g) for g in changed))
        iri = URIRef(CHANGE + uuid.uuid4().hex)  # two like writes in one second are two changes
        log = Graph()
        log.add((iri, RDF.type, PROV.Activity))
        log.add((iri, RDF.type, KZO.Change))
        log.add((iri, PROV.wasAssociatedWith, Literal(who)))
        log.add((iri, PROV.endedAtTime, Literal(when, datatype=XSD.dateTime)))
        log.add((iri, DCTERMS.description, Literal(operation)))
        log.add((iri, KZO.triplesAdded, Literal(added)))
        log.add((iri, KZO.triplesRemoved, Literal(removed)))
        for name in changed:
            log.add((iri, KZO.changedGraph, URIRef(name)))
        return Change(str(iri), who, when, operation, added, removed, names), log


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


def _refuse_fetching(text: str) -> None:
    """Oxigraph would fetch a LOAD's document and call a SERVICE: neither may run."""
    shape = inspect_query(text)
    if shape.services or shape.unchecked_service is not None:
        raise BadRequest("SERVICE is not allowed in updates: an update never calls out")
    if load_offset(text) is not None:
        raise BadRequest("LOAD is not allowed: kzgraph never fetches a document because of "
                         "a request; send the triples with INSERT DATA or a Graph Store PUT/POST")


def with_protocol_dataset(text: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """The update with the protocol's using-graph-uri / using-named-graph-uri written in as
    USING / USING NAMED clauses before the WHERE of every operation that has one (pyoxigraph
    has no option for them); combined with USING or WITH in the request they are an error."""
    if not using and not using_named:
        return text
    clauses = " ".join([f"USING {_iri(iri)}" for iri in using]
                       + [f"USING NAMED {_iri(iri)}" for iri in using_named])
    wheres, previous = [], None
    for word, offset in top_level_words(text):
        if word in ("USING", "WITH"):
            raise BadRequest("using-graph-uri / using-named-graph-uri cannot be combined with "
                             "USING or WITH in the update")
        if word == "WHERE" and previous != "DELETE":  # DELETE WHERE {…} takes no USING
            wheres.append(offset)
        previous = word
    for offset in reversed(wheres):
        text = f"{text[:offset]}{clauses} {text[offset:]}"
    return text


def _iri(value: str) -> str:
    """``<value>``, for a value Oxigraph reads as one absolute IRI (so nothing else)."""
    try:
        return str(ox.NamedNode(value))
    except ValueError as error:
        raise BadRequest(f"using-graph-uri / using-named-graph-uri {value!r} is not an absolute "
                         f"IRI: {error}") from None


def _run_update(store: ox.Store, text: str, base: str | None) -> None:
    """The update's default graph is the store's own default graph, as SPARQL Update defines
    it (not the union the query endpoint serves)."""
    try:
        store.update(text, base_iri=base)
    except SyntaxError as error:
        raise QuerySyntaxError(f"the update does not parse: {error}") from None


def _apply(apply: Callable[[ox.Store], None], store: ox.Store) -> None:
    try:
        apply(store)
    except KzgraphError:
        raise
    except (ValueError, TypeError, RuntimeError, OSError) as error:
        # Oxigraph's evaluation errors (CREATE of a graph that exists, a term it cannot hold)
        raise BadRequest(f"the update could not be applied: {error}") from None


def _empty_graph(store: ox.Store, graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> None:
    if isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph):
        store.clear_graph(graph)


def _oxigraph_copy(dataset: Dataset) -> ox.Store:
    """The dataset's quads in an in-memory Oxigraph store (done once per release of the data)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_ox_term(s), to_ox_term(p), to_ox_term(o), to_ox_graph(g))
                      for s, p, o, g in dataset.quads((None, None, None, None)))
    return store


def _copy_store(store: ox.Store) -> ox.Store:
    """An in-memory copy, named graphs kept even when empty (CREATE GRAPH made them)."""
    copy = ox.Store()
    copy.bulk_extend(store)
    for graph in store.named_graphs():
        copy.add_graph(graph)
    return copy


def _is_protected(quad: ox.Quad) -> bool:
    graph = quad.graph_name
    return isinstance(graph, ox.NamedNode) and graph.value in _PROTECTED_IRIS


def _delta(before: ox.Store, after: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads ``after`` has and ``before`` has not, and the reverse. Compared as N-Quads
    lines: Oxigraph writes them fast and hashing bytes costs far less than hashing Quads."""
    old, new = _lines(before), _lines(after)
    return _parsed(new - old), _parsed(old - new)


def _lines(store: ox.Store) -> set[bytes]:
    return set(store.dump(format=ox.RdfFormat.N_QUADS).splitlines())


def _parsed(lines: set[bytes]) -> list[ox.Quad]:
    return list(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS)) if lines else []


def _undo_protected(store: ox.Store, added: list[ox.Quad],
                    removed: list[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Undo in ``store`` what a write did to the protected graphs; the rest of its delta."""
    for quad in added:
        if _is_protected(quad):
            store.remove(quad)
    for quad in removed:
        if _is_protected(quad):
            store.add(quad)
    return ([q for q in added if not _is_protected(q)],
            [q for q in removed if not _is_protected(q)])


def _apply_delta(copy: Dataset, added: list[ox.Quad], removed: list[ox.Quad]) -> None:
    """Make the rdflib copy what Oxigraph computed. A removed literal is looked up as written
    first, then as Oxigraph holds it (a file may write "01"^^xsd:integer, Oxigraph says "1")."""
    for quad in removed:
        (s, p, o), name = from_ox_quad(quad)
        graph = copy.graph(name)
        if (s, p, o) in graph:
            graph.remove((s, p, o))
            continue
        for written in same_in_graph(graph, s, p, quad.object):
            graph.remove((s, p, written))
    for quad in added:
        triple, name = from_ox_quad(quad)
        copy.graph(name).add(triple)


def _recompute_claim_index(before: ox.Store, after: ox.Store) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Recompute the claim index in ``after`` (kzgraph.store's definition); what changed in it."""
    index = ox.NamedNode(str(INDEX_GRAPH))
    if after.contains_named_graph(index):
        after.clear_graph(index)
    add_claim_index_ox(after)
    old = set(before.quads_for_pattern(None, None, None, index))
    new = set(after.quads_for_pattern(None, None, None, index))
    return list(new - old), list(old - new)


def _copy_data(dataset: Dataset) -> Dataset:
    """An rdflib copy of the dataset's quads, written straight to its store (rdflib's Dataset
    would make a Graph object for every quad)."""
    copy = new_dataset()
    for prefix, namespace in dataset.namespaces():
        copy.bind(prefix, namespace, override=True, replace=True)
    graphs: dict = {}

    def graph_of(context) -> Graph:  # one Graph per graph name, not per quad
        name = getattr(context, "identifier", context)
        if name not in graphs:
            graphs[name] = copy.graph(name)
        return graphs[name]

    copy.store.addN((s, p, o, graph_of(g)) for s, p, o, g in dataset.quads((None, None, None, None)))
    return copy


def _changed_graphs(added: list[ox.Quad], removed: list[ox.Quad]) -> dict[URIRef, tuple[int, int]]:
    """Graph → (triples added, triples removed), for the data graphs a write changed."""
    changed: dict[URIRef, list[int]] = {}
    for quad in added:
        changed.setdefault(from_ox_quad(quad)[1], [0, 0])[0] += 1
    for quad in removed:
        changed.setdefault(from_ox_quad(quad)[1], [0, 0])[1] += 1
    return {name: (plus, minus) for name, (plus, minus) in changed.items()}


def report_json(report: ValidationReport) -> dict:
    return {"conforms": report.conforms, "summary": report.summary(),
            "results": [{"focus": r.focus, "path": r.path, "value": r.value,
                         "message": r.message, "shape": r.shape, "severity": r.severity}
                        for r in report.results]}
