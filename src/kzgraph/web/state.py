"""The dataset being served, and its Wikidata-vocabulary view, replaced whole on each commit.

Routes read ``served.dataset`` per request, so a committed write is seen by every later request
and never in part; ``version`` lets caches (downloads, page context) know when to rebuild.
"""

from __future__ import annotations

from rdflib import Dataset, Graph

from kzgraph.wikidata.view import build_view

__all__ = ["Served", "as_dataset"]


class Served:
    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.view = as_dataset(build_view(dataset))
        self.version = 0

    def replace(self, dataset: Dataset) -> None:
        view = as_dataset(build_view(dataset))
        self.dataset, self.view = dataset, view
        self.version += 1

    def nquads(self) -> dict[str, bytes]:
        """What the query workers load: each queryable dataset as N-Quads, by name."""
        return {"kzgraph": self.dataset.serialize(format="nquads", encoding="utf-8"),
                "wikidata": self.view.serialize(format="nquads", encoding="utf-8")}


def as_dataset(graph: Graph) -> Dataset:
    """A dataset whose default graph is ``graph`` (its service description and its N-Quads)."""
    result = Dataset()
    for prefix, namespace in graph.namespaces():
        result.bind(prefix, namespace)
    result.default_graph += graph
    return result
