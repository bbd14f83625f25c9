"""The release of the data being served: built whole off to the side, then swapped in at once.

A :class:`Release` is an immutable snapshot: the dataset, its Wikidata-vocabulary view, what the
query workers load (N-Quads, or a store built by :mod:`kzgraph.store`) and a content digest (the
dataset version shown in the service description, VoID and ``/metrics``). Routes read
``served.dataset`` per request, so a new release (a curator's commit, or changed data files) is
seen by every later request and never in part; ``version`` counts releases so that caches
(downloads, page context, search) know when to rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph.query.worker import StoreFiles
from kzgraph.store import BuiltStore, digest_of, open_dataset
from kzgraph.wikidata.view import build_view

__all__ = ["MEMORY_STORE_MAX_QUADS", "Release", "Served", "as_dataset", "loads_in_memory", "oxigraph_nquads"]


@dataclass(frozen=True, eq=False)
class Release:
    dataset: Dataset
    view: Dataset
    sources: dict[str, bytes | StoreFiles]  # what the query workers load, by dataset name
    digest: str              # of the dataset's quads (see kzgraph.store.digest_of)
    checked: bytes | Path    # the N-Quads the shapes check (ontology graph included)
    triples: int             # distinct triples: the size of the default graph (the union)
    entry: BuiltStore | None = None  # the built store it reads, if any
    built: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def build(cls, dataset: Dataset) -> "Release":
        """A release of an rdflib dataset (a curator's commit, a test's data): everything it
        needs, computed before it is served (slow for big data: call it off the event loop)."""
        view = as_dataset(build_view(dataset))
        quads = oxigraph_nquads(dataset)
        sources = {"kzgraph": quads, "wikidata": oxigraph_nquads(view)}
        return cls(dataset, view, sources, digest_of(quads), quads, len(dataset))

    @classmethod
    def of_store(cls, built: BuiltStore, in_memory: bool = True) -> "Release":
        """A release of a built store (see kzgraph.store): the server reads it through rdflib,
        the workers open it (``in_memory`` False) or load its quads."""
        dataset = open_dataset(built)
        view = as_dataset(build_view(dataset))
        sources = {"kzgraph": StoreFiles(str(built.store_path), str(built.nquads_path), in_memory,
                                           built.union_copied),
                   "wikidata": oxigraph_nquads(view)}
        return cls(dataset, view, sources, built.digest, built.nquads_path, built.triples, built)

    @property
    def version(self) -> str:
        """The dataset version people see: the first 12 hex digits of the digest."""
        return self.digest[:12]


# Up to this many quads, `--query-store auto` has each worker load the data in memory: joins
# as fast as pyoxigraph in process, for about 550 bytes a quad in every worker. Beyond it the
# workers share the on-disk store, as the Oxigraph server does: joins and scans about 1.5× slower,
# a fraction of the memory (docs/performance.md has both measured at 100k and 1M quads).
MEMORY_STORE_MAX_QUADS = 250_000


def loads_in_memory(query_store: str, quads: int) -> bool:
    """Whether the query workers load the data in memory, for the ``query_store`` setting."""
    if query_store == "auto":
        return quads <= MEMORY_STORE_MAX_QUADS
    return query_store == "memory"


def oxigraph_nquads(dataset: Dataset) -> bytes:
    """The dataset's quads as an Oxigraph store holds them (it keeps typed literals by value and
    writes them back canonical, e.g. a dateTime's +00:00 as Z, and lowercases language tags).
    So the same data is served alike, with one digest, whether Oxigraph parsed the files
    (kzgraph.store) or rdflib did (a commit, a test's data)."""
    statements = []
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        graph = "" if name is None or name == DATASET_DEFAULT_GRAPH_ID else name.n3()
        statements.append(f"{graph} {{ {s.n3()} {p.n3()} {o.n3()} . }}\n")
    store = ox.Store()
    store.load("".join(statements), format=ox.RdfFormat.TRIG)
    return store.dump(format=ox.RdfFormat.N_QUADS)


class Served:
    """The current release; replaced whole, never changed in place."""

    def __init__(self, dataset: Dataset | Release) -> None:
        self.release = dataset if isinstance(dataset, Release) else Release.build(dataset)
        self.version = 0

    @property
    def dataset(self) -> Dataset:
        return self.release.dataset

    @property
    def view(self) -> Dataset:
        return self.release.view

    def install(self, release: Release) -> None:
        self.release = release
        self.version += 1

    def replace(self, dataset: Dataset) -> None:
        self.install(Release.build(dataset))


def as_dataset(graph: Graph) -> Dataset:
    """A dataset whose default graph is ``graph`` (its service description and its N-Quads)."""
    result = Dataset()
    for prefix, namespace in graph.namespaces():
        result.bind(prefix, namespace)
    result.default_graph += graph
    return result
