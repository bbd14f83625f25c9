"""The served data in Oxigraph stores: parsed by Oxigraph, kept on disk, keyed by the files' hash.

Parsing a million quads with rdflib and keeping them in its memory store took over a minute and
gigabytes; Oxigraph parses them in seconds into a compact RocksDB store. :class:`StoreCache` keeps
one built store per version of the data files (the key is a hash of their bytes), so a restart on
unchanged files opens the store at once instead of parsing again. The server reads pages,
downloads and counts from it through rdflib's API (:class:`UnionStore`, an oxrdflib store) and the
query workers open the same store read-only, or load it into memory (faster joins, more RAM).

A cache entry ``<root>/<key>/`` holds ``store/`` (the RocksDB store; where some triple is in two
graphs, as when two passages state one fact, every triple is also copied once into its default
graph: the union with set semantics, which is what kzgraph's default graph means; else
Oxigraph's union option already gives each triple once, and no copy is made), ``data.nq`` (the
quads as parsed, before that copy: what SHACL checks and what memory-mode workers load),
``meta.json`` (the digest and the counts) and, once asked for, ``downloads/``. An entry is built
in a temporary directory and renamed into place, so a killed build leaves no entry.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph import paths
from kzgraph.dataset import INDEX_GRAPH, NOT_CLAIMS, parse_file
from kzgraph.errors import DataFileNotFound, DataSyntaxError, StoreCacheError
from kzgraph.memory import give_back_memory
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH, PREFIXES
from kzgraph.query.union import materialize_union
from kzgraph.terms import graph_named, oxigraph_pattern, oxigraph_term, rdflib_term

__all__ = ["BuiltStore", "StoreCache", "UnionStore", "default_cache_dir", "digest_of", "graph_sizes",
           "materialize_union", "open_dataset", "oxigraph_format", "parse_into", "source_key"]

FORMAT = "kzgraph-store-2"  # change when what an entry holds changes: old entries are then unused
_BLANK_LABEL = re.compile(rb"_:\S+")
_OX_FORMATS = {".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE,
               ".nt": ox.RdfFormat.N_TRIPLES, ".nq": ox.RdfFormat.N_QUADS}


def oxigraph_format(path: Path) -> ox.RdfFormat:
    """The format a data file is parsed in, by its extension (TriG, kzgraph's own, otherwise)."""
    return _OX_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TRIG)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kzgraph``, else ``~/.cache/kzgraph`` (the setting store_cache, or
    ``KZGRAPH_STORE_CACHE``, overrides it)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kzgraph"


@dataclass(frozen=True)
class BuiltStore:
    """A cache entry: see the module's description."""

    path: Path
    digest: str   # the dataset version (see digest_of)
    quads: int    # quads as parsed (ontology graph and claim index included)
    triples: int  # distinct triples: the size of the union default graph
    union_copied: bool = True  # the union is copied into the default graph (see UnionStore)

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    @property
    def nquads_path(self) -> Path:
        return self.path / "data.nq"

    def open(self) -> ox.Store:
        return ox.Store.read_only(str(self.store_path))


class StoreCache:
    """Built stores by data hash; see the module's description.

    Several servers may share a cache directory: each holds a shared lock on the entries it
    serves (and an exclusive one on an entry it is building), and :meth:`prune` only removes
    entries nobody holds, so one server's start never deletes the store another one reads.
    """

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self._held: dict[Path, int] = {}  # entry → the descriptor holding its shared lock
        # A reload builds in one thread while the previous one's pruning may run in another.
        self._held_lock = threading.Lock()

    def get(self, data: Sequence[Path | str] | None = None,
            ontology: Sequence[Path | str] | None = None) -> BuiltStore:
        """The store of these files (the embedded ones by default): opened if it was built
        before, else built now; held until :meth:`release`. Raises DataFileNotFound /
        DataSyntaxError naming file and line, StoreCacheError if it cannot be written."""
        ontology = [Path(p) for p in (ontology if ontology is not None else paths.ontology_files())]
        data = [Path(p) for p in (data if data is not None else paths.data_files())]
        entry = self.root / source_key(data, ontology)
        try:
            if self._hold(entry):
                return _read_meta(entry)
            self._build(entry, data, ontology)
            if not self._hold(entry):
                raise OSError(f"the store built in {entry} was removed meanwhile")
            return _read_meta(entry)
        except OSError as error:
            raise StoreCacheError(
                f"cannot build the data's store under {self.root}: {error.strerror or error}; "
                "set --store-cache (KZGRAPH_STORE_CACHE) to a writable directory") from None

    def _hold(self, entry: Path) -> bool:
        """Take a shared lock on a complete entry; False if there is none."""
        with self._held_lock:
            return self._hold_unlocked(entry)

    def _hold_unlocked(self, entry: Path) -> bool:
        if entry in self._held:
            return True
        if not (entry / "meta.json").is_file():
            return False
        try:
            descriptor = _lock(entry, exclusive=False)
        except FileNotFoundError:  # pruned between the check and the lock
            return False
        if not (entry / "meta.json").is_file():
            os.close(descriptor)
            return False
        self._held[entry] = descriptor
        return True

    def release(self) -> None:
        """Let go of every entry held (a stopping server)."""
        with self._held_lock:
            for descriptor in self._held.values():
                os.close(descriptor)
            self._held.clear()

    def keep_only(self, entries: set[Path]) -> list[Path]:
        """Let go of the entries held but not in ``entries`` (releases no longer served), then
        prune: a server that reloads often would otherwise keep every version until its restart.
        The entries removed."""
        with self._held_lock:
            for entry in [e for e in self._held if e not in entries]:
                os.close(self._held.pop(entry))
        return self.prune(keep=entries)

    def _build(self, entry: Path, data: list[Path], ontology: list[Path]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        building = self.root / f".{entry.name}.{os.getpid()}.tmp"
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir()
        descriptor = _lock(building, exclusive=True)  # prune leaves a build in progress alone
        try:
            quads, triples, digest = _fill_entry(building, data, ontology)
            meta = {"format": FORMAT, "digest": digest, "quads": quads,
                    "triples": triples, "union_copied": triples < quads}
            (building / "meta.json").write_text(json.dumps(meta))
            try:
                building.rename(entry)
            except OSError:  # another process built the same entry meanwhile: use theirs
                shutil.rmtree(building, ignore_errors=True)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        finally:
            os.close(descriptor)
            give_back_memory()

    def prune(self, keep: set[Path]) -> list[Path]:
        """Remove the entries (and leftovers of killed builds) that are not in ``keep`` and that
        no process holds; the ones removed."""
        removed = []
        if not self.root.is_dir():
            return removed
        with self._held_lock:
            held = set(self._held)
        for child in self.root.iterdir():
            if not child.is_dir() or child in keep or child in held:
                continue
            try:
                descriptor = _lock(child, exclusive=True, wait=False)
            except OSError:
                continue
            if descriptor is None:
                continue  # another server serves it, or is building it
            try:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child)
            finally:
                os.close(descriptor)
        return removed


def _lock(directory: Path, exclusive: bool, wait: bool = True) -> int | None:
    """A lock on ``directory`` (its ``.lock`` file); None if ``wait`` is False and it is taken."""
    descriptor = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
                    | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def source_key(data: Sequence[Path], ontology: Sequence[Path]) -> str:
    """What the store depends on: the bytes of each file, the role it was read in and where it
    lies (relative IRIs resolve against it), the parser's version and the entry format."""
    digest = hashlib.sha256(f"{FORMAT}\0{ox.__version__}".encode())
    for role, files in (("ontology", ontology), ("data", data)):
        for path in files:
            digest.update(f"\0{role}\0{path.resolve().as_uri()}\0".encode())
            try:
                with path.open("rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
            except OSError as error:
                raise DataFileNotFound(path, error.strerror or "cannot read the file") from None
    return digest.hexdigest()[:32]


def _fill_entry(building: Path, data: list[Path], ontology: list[Path]) -> tuple[int, int, str]:
    """Write an entry's store and N-Quads file; its quads, distinct triples and digest.

    The files are parsed twice at once: into the disk store, in a thread (Oxigraph releases the
    interpreter lock), and into memory, where the claim index, the counts, the N-Quads file and
    the digest are made; then the index (and the union's copy, if needed) go to the disk store.
    A third faster than writing the disk store after the rest. The stores are closed before this
    returns or raises: RocksDB writes into its directory as it closes.
    """
    memory = disk = writing = None
    try:
        with ThreadPoolExecutor(1) as background:
            writing = background.submit(_parsed_on_disk, building / "store", data, ontology)
            memory = ox.Store()
            parse_into(memory, data, ontology)
            add_claim_index(memory)
            nquads = memory.dump(format=ox.RdfFormat.N_QUADS)
            (building / "data.nq").write_bytes(nquads)
            quads, triples = len(memory), _count_union(memory)
            digest = digest_of(nquads)
            del nquads
            disk = writing.result()
        _copy_graph(memory, disk, ox.NamedNode(str(INDEX_GRAPH)))
        if triples < quads:  # some triple is in two graphs: the union needs its own copy
            materialize_union(memory)
            _copy_graph(memory, disk, ox.DefaultGraph())
        disk.flush()
        return quads, triples, digest
    finally:
        memory = disk = writing = None  # noqa: F841 - the stores close here, not with the traceback


def _parsed_on_disk(path: Path, data: list[Path], ontology: list[Path]) -> ox.Store:
    disk = ox.Store(str(path))
    parse_into(disk, data, ontology)
    return disk


def _copy_graph(source: ox.Store, target: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> None:
    """One graph of ``source`` into ``target``, through N-Triples (all in Rust)."""
    triples = source.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)
    target.bulk_load(triples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


def _read_meta(entry: Path) -> BuiltStore:
    meta = json.loads((entry / "meta.json").read_text())
    return BuiltStore(entry, meta["digest"], meta["quads"], meta["triples"], meta["union_copied"])


def parse_into(store: ox.Store, data: Sequence[Path], ontology: Sequence[Path]) -> None:
    """Parse the ontology files into the ontology graph and the data files as they are."""
    for path in ontology:
        _parse_file(store, path, ox.NamedNode(str(ONTOLOGY_GRAPH)))
    for path in data:
        _parse_file(store, path, None)


def _parse_file(store: ox.Store, path: Path, graph: ox.NamedNode | None) -> None:
    if not path.is_file():
        raise DataFileNotFound(path, "no such file")
    fmt = oxigraph_format(path)
    options = {"to_graph": graph} if graph is not None else {}
    try:
        store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), **options)
    except SyntaxError as error:
        # rdflib's parser names the same errors the way `kzgraph validate` reports them
        parse_file(path, Dataset())
        raise DataSyntaxError(path, f"syntax error: {error.msg}", line=error.lineno) from None
    except (ValueError, OSError) as error:
        raise DataSyntaxError(path, f"cannot parse: {error}") from None


def add_claim_index(store: ox.Store) -> None:
    """Graph kzg:index, as :func:`kzgraph.dataset.add_claim_index` computes it."""
    excluded = ", ".join(f"<{g}>" for g in NOT_CLAIMS if g != DATASET_DEFAULT_GRAPH_ID)
    store.update(f"INSERT {{ GRAPH <{INDEX_GRAPH}> {{ ?s <{KZO.statedIn}> ?g }} }} "
                 f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({excluded})) }}")


def _count_union(store: ox.Store) -> int:
    """Distinct triples in all graphs together."""
    return int(next(iter(store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }",
        use_default_graph_as_union=True)))[0].value)


def digest_of(nquads: bytes) -> str:
    """A digest of the quads that does not depend on their order or on blank node labels, which
    differ each time the same file is parsed; the same data always gives the same digest."""
    lines = sorted(_BLANK_LABEL.sub(b"_:", line) if b"_:" in line else line
                   for line in nquads.splitlines() if line.strip())
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


class UnionStore(OxigraphStore):
    """rdflib's view of a built store, read-only, with rdflib's default-union semantics.

    rdflib's union reads (``context=None``) give each triple once, with the named graphs holding
    it: from the default graph where the union is copied there (see the module's description),
    else straight from the quads, as then no triple is in two graphs. ``len`` of the union is
    the entry's count, not a query each time.
    """

    def __init__(self, store: ox.Store, triples: int, union_copied: bool, nquads: Path) -> None:
        """``nquads``: the file of the store's quads as parsed (faster to read whole)."""
        super().__init__(store=store)
        self.oxigraph = store  # read directly where rdflib's Store API has no call for it
        self._triples = triples
        self._union_copied = union_copied
        self._nquads = nquads
        for prefix, namespace in PREFIXES.items():
            self.bind(prefix, URIRef(namespace))

    def triples(self, triple_pattern, context=None) -> Iterator:
        if isinstance(triple_pattern[0], Literal):
            return iter(())  # no subject is a literal (rdflib's own stores answer so; Oxigraph raises)
        if context is not None and context.identifier == DATASET_DEFAULT_GRAPH_ID \
                and self._union_copied:
            return iter(())  # the default graph holds only the union's copy
        if context is not None or not self._union_copied:
            return super().triples(triple_pattern, context)
        s, p, o, _ = oxigraph_pattern(triple_pattern, None)
        return (((rdflib_term(q.subject), rdflib_term(q.predicate), rdflib_term(q.object)), self._graphs_of(q))
                for q in self.oxigraph.quads_for_pattern(s, p, o, ox.DefaultGraph()))

    def _graphs_of(self, quad: ox.Quad) -> Iterator[Graph]:
        for holder in self.oxigraph.quads_for_pattern(quad.subject, quad.predicate, quad.object):
            if not isinstance(holder.graph_name, ox.DefaultGraph):
                yield graph_named(holder.graph_name, self)

    def __len__(self, context=None) -> int:
        if context is None:
            return self._triples
        if context.identifier == DATASET_DEFAULT_GRAPH_ID and self._union_copied:
            return 0
        return int(next(iter(self.oxigraph.query(
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            default_graph=oxigraph_term(context.identifier))))[0].value)

    def contexts(self, triple=None) -> Iterator[Graph]:
        if triple is None:
            return (graph_named(g, self) for g in self.oxigraph.named_graphs())
        return (graph_named(q.graph_name, self)
                for q in self.oxigraph.quads_for_pattern(*oxigraph_pattern(triple))
                if not isinstance(q.graph_name, ox.DefaultGraph))

    def add(self, triple, context, quoted=False) -> None:
        raise PermissionError("the served store is read-only: writes go through the curator")

    def addN(self, quads) -> None:  # noqa: N802 - rdflib's name
        raise PermissionError("the served store is read-only: writes go through the curator")

    def remove(self, triple, context=None) -> None:
        raise PermissionError("the served store is read-only: writes go through the curator")

    def add_graph(self, graph) -> None:
        pass  # rdflib asks this of every dataset.graph(name): a view, not a write

    def remove_graph(self, graph) -> None:
        raise PermissionError("the served store is read-only: writes go through the curator")

    def union_triples(self) -> Iterator[ox.Triple]:
        """Each triple of the union once."""
        if self._union_copied:
            return (q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return (q.triple for q in self.data_quads())

    def data_quads(self) -> Iterator[ox.Quad]:
        """The quads as parsed (the union's copy left out), from the N-Quads file: Oxigraph
        parses text five times faster than it reads its RocksDB store back."""
        return ox.parse(path=str(self._nquads), format=ox.RdfFormat.N_QUADS)

    def serialize(self, fmt: ox.RdfFormat, keeps_graphs: bool) -> bytes:
        """The data in ``fmt`` written by Oxigraph (rdflib's serializers over this store would
        take minutes at a million quads): the quads, or the union's triples."""
        prefixes = {prefix: str(namespace) for prefix, namespace in self.namespaces()}
        source = self.data_quads() if keeps_graphs else self.union_triples()
        options = {"prefixes": prefixes} if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
        return ox.serialize(source, format=fmt, **options)

    def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: N803
        if queryGraph == "__UNION__" and self._union_copied:
            queryGraph = DATASET_DEFAULT_GRAPH_ID  # noqa: N806 - Oxigraph's option would repeat answers
        return super().query(query, initNs, initBindings, queryGraph, **kwargs)


@lru_cache(maxsize=4)  # per release (never changed in place); old releases drop out
def graph_sizes(dataset: Dataset) -> dict[URIRef, int]:
    """Triples in each non-empty named graph of a served dataset: with one query where a built
    store holds it (a count per graph is a query each, and big data has ~10^5 graphs)."""
    store = dataset.store
    if isinstance(store, UnionStore):
        rows = store.oxigraph.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {rdflib_term(row[0]): int(row[1].value) for row in rows if isinstance(row[0], ox.NamedNode)}
    sizes = {g.identifier: len(g) for g in dataset.graphs() if isinstance(g.identifier, URIRef)
             and g.identifier != DATASET_DEFAULT_GRAPH_ID}
    return {name: size for name, size in sizes.items() if size}


def open_dataset(built: BuiltStore) -> Dataset:
    """An rdflib Dataset (default graph: the union) reading the built store."""
    dataset = Dataset(store=UnionStore(built.open(), built.triples, built.union_copied,
                                       built.nquads_path), default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset
