"""Writing the dataset in RDF formats: merged (one graph) or with its named graphs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kzgraph.errors import UsageError

if TYPE_CHECKING:
    from rdflib import Dataset

__all__ = ["FORMATS", "ExportFormat", "export"]


@dataclass(frozen=True)
class ExportFormat:
    rdflib_name: str
    media_type: str
    extension: str
    keeps_graphs: bool
    oxigraph_name: str  # the same format's pyoxigraph.RdfFormat, for data in a built store


FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("turtle", "text/turtle", "ttl", False, "TURTLE"),
    "ntriples": ExportFormat("nt", "application/n-triples", "nt", False, "N_TRIPLES"),
    "trig": ExportFormat("trig", "application/trig", "trig", True, "TRIG"),
    "nquads": ExportFormat("nquads", "application/n-quads", "nq", True, "N_QUADS"),
    "jsonld": ExportFormat("json-ld", "application/ld+json", "jsonld", True, "JSON_LD"),
}


def export(dataset: Dataset, fmt: str = "turtle") -> bytes:
    """Serialize the dataset; merged formats hold every graph's triples in one graph."""
    # Imported here: the package exports this function, and a query worker importing the
    # package must not load rdflib.
    import pyoxigraph as ox

    from kzgraph.dataset import union_graph
    from kzgraph.store import UnionStore

    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    if isinstance(dataset.store, UnionStore):  # a built store: Oxigraph writes it, fast
        return dataset.store.serialize(getattr(ox.RdfFormat, spec.oxigraph_name), spec.keeps_graphs)
    source = dataset if spec.keeps_graphs else union_graph(dataset)
    return source.serialize(format=spec.rdflib_name, encoding="utf-8")
