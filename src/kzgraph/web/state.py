"""The release of the data being served: built whole off to the side, then swapped in at once.

A :class:`Release` is an immutable snapshot: the dataset, its Wikidata-vocabulary view, their
N-Quads (what the query workers load) and a content digest (the dataset version shown in the
service description, VoID and ``/metrics``). Routes read ``served.dataset`` per request, so a
new release (a curator's commit, or changed data files) is seen by every later request and never
in part; ``version`` counts releases so that caches (downloads, page context, search) know when
to rebuild.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rdflib import Dataset, Graph

from kzgraph.wikidata.view import build_view

__all__ = ["Release", "Served", "as_dataset", "digest_of"]

_BLANK_LABEL = re.compile(rb"_:\S+")


@dataclass(frozen=True, eq=False)
class Release:
    dataset: Dataset
    view: Dataset
    nquads: dict[str, bytes]  # what the query workers load: each queryable dataset, by name
    digest: str               # sha256 of the dataset's quads, in order (see digest_of)
    built: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def build(cls, dataset: Dataset) -> "Release":
        """Everything a release needs, computed before it is served (slow for big data: call
        it off the event loop)."""
        view = as_dataset(build_view(dataset))
        quads = dataset.serialize(format="nquads", encoding="utf-8")
        nquads = {"kzgraph": quads, "wikidata": view.serialize(format="nquads", encoding="utf-8")}
        return cls(dataset, view, nquads, digest_of(quads))

    @property
    def version(self) -> str:
        """The dataset version people see: the first 12 hex digits of the digest."""
        return self.digest[:12]


def digest_of(nquads: bytes) -> str:
    """A digest of the quads that does not depend on their order or on blank node labels, which
    differ each time the same file is parsed; the same data always gives the same digest."""
    lines = sorted(_BLANK_LABEL.sub(b"_:", line) for line in nquads.splitlines() if line.strip())
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


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
