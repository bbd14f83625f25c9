"""Loading the ontology and the data (with their named graphs) into one rdflib Dataset.

Every data triple sits in a named claim graph (see ``data/kazcosmos.trig``); the dataset's default
graph is the union of all graphs, so plain SPARQL sees every fact. After loading, kzgraph computes
graph ``kzg:index``: ``?entity kzo:statedIn ?claim`` for every subject of every claim graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from kzgraph import paths
from kzgraph.errors import DataFileNotFound, DataSyntaxError
from kzgraph.namespaces import KZG, KZO, ONTOLOGY_GRAPH, PREFIXES

__all__ = [
    "CHANGES_GRAPH",
    "INDEX_GRAPH",
    "NOT_CLAIMS",
    "PROVENANCE_GRAPH",
    "default_graph_triples",
    "load_dataset",
    "parse_file",
    "syntax_reason",
    "union_graph",
]

INDEX_GRAPH = KZG["index"]
PROVENANCE_GRAPH = KZG["provenance"]
CHANGES_GRAPH = KZG["changes"]  # curators' committed writes (kzgraph.curation)
# Graphs that describe the data rather than state facts: the claim index skips them.
NOT_CLAIMS = {INDEX_GRAPH, PROVENANCE_GRAPH, CHANGES_GRAPH, ONTOLOGY_GRAPH, DATASET_DEFAULT_GRAPH_ID}
_FORMATS = {".trig": "trig", ".ttl": "turtle", ".nt": "nt", ".nq": "nquads"}


def load_dataset(
    data: Sequence[Path | str] | None = None,
    ontology: Sequence[Path | str] | None = None,
) -> Dataset:
    """Load ontology and data files (the embedded ones by default) into a union-default Dataset."""
    dataset = new_dataset()
    for path in ontology if ontology is not None else paths.ontology_files():
        parse_file(path, dataset, graph=ONTOLOGY_GRAPH)
    for path in data if data is not None else paths.data_files():
        parse_file(path, dataset)
    add_claim_index(dataset)
    return dataset


def new_dataset() -> Dataset:
    dataset = Dataset(default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    return dataset


def syntax_reason(error: BadSyntax) -> str:
    """What rdflib's Turtle/TriG parser found wrong, without the quoted input it adds around it:
    the last of the exception's arguments (uri, lines, input, position, reason)."""
    reason = error.args[-1] if error.args else None
    return reason if isinstance(reason, str) and reason else str(error)


def parse_file(path: Path | str, dataset: Dataset, graph: URIRef | None = None) -> None:
    """Parse one Turtle/TriG/N-Triples/N-Quads file into ``dataset`` (into ``graph`` if given).

    Raises DataFileNotFound or DataSyntaxError naming the file and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFound(path, "no such file")
    fmt = _FORMATS.get(path.suffix.lower(), "trig")
    target = dataset.graph(graph) if graph is not None else dataset
    try:
        target.parse(path, format=fmt)
    except BadSyntax as error:
        raise DataSyntaxError(path, f"syntax error: {syntax_reason(error)}",
                              line=error.lines + 1) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[:error.start].count(b"\n") + 1
        raise DataSyntaxError(path, f"not UTF-8: {error.reason} at byte {error.start}",
                              line=line) from None
    except Exception as error:  # noqa: BLE001 - rdflib's parsers also fail with IndexError,
        # AssertionError, ValueError… on malformed input: each is the file's fault, not a crash
        raise DataSyntaxError(path, f"cannot parse as {fmt}: {type(error).__name__}: {error}",
                              line=_parser_line(error)) from None


def _parser_line(error: Exception) -> int | None:
    """The line the notation3/TriG parser had reached when it failed: its innermost frame that
    holds the text (``argstr``) and the position in it (``i``)."""
    line, trace = None, error.__traceback__
    while trace is not None:
        local = trace.tb_frame.f_locals
        if isinstance(local.get("argstr"), str) and isinstance(local.get("i"), int):
            line = local["argstr"].count("\n", 0, local["i"]) + 1
        trace = trace.tb_next
    return line


def add_claim_index(dataset: Dataset) -> None:
    """Compute graph kzg:index: each subject of a claim graph ``kzo:statedIn`` that graph."""
    index = dataset.graph(INDEX_GRAPH)
    for graph in list(dataset.graphs()):
        if graph.identifier in NOT_CLAIMS:
            continue
        for subject in set(graph.subjects()):
            index.add((subject, KZO.statedIn, graph.identifier))


def union_graph(dataset: Dataset, graphs: Iterable[URIRef] | None = None) -> Graph:
    """All triples of the dataset (or of the given graphs) merged into one plain Graph."""
    merged = Graph()
    for prefix, namespace in dataset.namespaces():
        merged.bind(prefix, namespace)
    sources = [dataset.graph(g) for g in graphs] if graphs is not None else [dataset]
    for source in sources:
        for triple in source.triples((None, None, None)):
            merged.add(triple)
    return merged


def default_graph_triples(dataset: Dataset) -> Graph:
    """Triples a data file put in the default graph (allowed nowhere in kzgraph data)."""
    return dataset.graph(DATASET_DEFAULT_GRAPH_ID)
