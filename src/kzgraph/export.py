"""Writing the dataset in RDF formats: merged (one graph) or with its named graphs."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset

from kzgraph.dataset import union_graph
from kzgraph.errors import UsageError

__all__ = ["FORMATS", "ExportFormat", "export"]


@dataclass(frozen=True)
class ExportFormat:
    rdflib_name: str
    media_type: str
    extension: str
    keeps_graphs: bool


FORMATS: dict[str, ExportFormat] = {
    "turtle": ExportFormat("turtle", "text/turtle", "ttl", keeps_graphs=False),
    "ntriples": ExportFormat("nt", "application/n-triples", "nt", keeps_graphs=False),
    "trig": ExportFormat("trig", "application/trig", "trig", keeps_graphs=True),
    "nquads": ExportFormat("nquads", "application/n-quads", "nq", keeps_graphs=True),
    "jsonld": ExportFormat("json-ld", "application/ld+json", "jsonld", keeps_graphs=True),
}


def export(dataset: Dataset, fmt: str = "turtle") -> bytes:
    """Serialize the dataset; merged formats hold every graph's triples in one graph."""
    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    source = dataset if spec.keeps_graphs else union_graph(dataset)
    return source.serialize(format=spec.rdflib_name, encoding="utf-8")
