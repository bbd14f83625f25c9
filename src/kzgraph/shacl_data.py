"""The graph SHACL validates, read with Oxigraph's parsers (rdflib's take ten times as long).

It is what ``kzgraph.validation`` validates: the union of every data graph (default graph
included), kzgraph's claim index (``?entity kzo:statedIn ?claim`` for every subject of every claim
graph, as ``kzgraph.dataset.add_claim_index`` computes it) and the ontology, as rdflib terms, with
the prefixes the files declare. A file Oxigraph cannot parse is read by ``kzgraph.dataset`` instead,
whose errors name the file and line the way every other command does.

Terms are made as rdflib's parsers make them, except that a literal written ``"x"^^xsd:string``
becomes the plain ``"x"`` (Oxigraph does not tell them apart; SHACL's sh:datatype xsd:string
accepts both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph import paths
from kzgraph.dataset import NOT_CLAIMS, new_dataset, parse_file
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH
from kzgraph.store import oxigraph_format
from kzgraph.terms import from_ox_term

__all__ = ["ShaclData", "from_dataset", "rdflib_term", "read_files"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass
class ShaclData:
    """Data triples (claim index included), ontology triples, prefixes, stray default triples."""

    data: set = field(default_factory=set)
    ontology: set = field(default_factory=set)
    names: Graph = field(default_factory=Graph)
    stray: Graph = field(default_factory=Graph)

    def triples(self) -> list:
        return list(self.data | self.ontology)


def from_dataset(dataset: Dataset) -> ShaclData:
    """The same from a loaded rdflib Dataset (its claim index already computed)."""
    found = ShaclData(names=_names(dataset.namespaces()))
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = g.identifier if isinstance(g, Graph) else g
        (found.ontology if name == ONTOLOGY_GRAPH else found.data).add((s, p, o))
        if name == DATASET_DEFAULT_GRAPH_ID or name is None:
            found.stray.add((s, p, o))
    return found


def read_files(data: Sequence[Path], ontology: Sequence[Path | str] | None = None) -> ShaclData:
    """Parse ontology and data files; raises DataSyntaxError / DataFileNotFound like load_dataset."""
    rdflib_names = new_dataset()  # kzgraph's prefixes, as load_dataset binds them
    found = ShaclData()
    terms = _Terms()
    claims: dict[Any, set] = {}
    sources = [(Path(p), True) for p in (ontology if ontology is not None else paths.ontology_files())]
    sources += [(Path(p), False) for p in data]
    for path, is_ontology in sources:
        quads, prefixes = _parse(path, is_ontology)
        for prefix, namespace in prefixes.items():
            rdflib_names.bind(prefix, namespace)
        for s, p, o, g in quads:
            triple = (terms(s), terms(p), terms(o))
            graph = ONTOLOGY_GRAPH if is_ontology else terms(g)
            if graph == ONTOLOGY_GRAPH:
                found.ontology.add(triple)
                continue
            found.data.add(triple)
            if graph is None:
                found.stray.add(triple)
            elif graph not in NOT_CLAIMS:
                claims.setdefault(graph, set()).add(triple[0])
    for graph, subjects in claims.items():
        found.data.update((s, KZO.statedIn, graph) for s in subjects)
    found.names = _names(rdflib_names.namespaces())
    return found


def _names(namespaces: Any) -> Graph:
    names = Graph()  # bound as kzgraph.dataset.union_graph binds the graph pySHACL is given
    for prefix, namespace in namespaces:
        names.bind(prefix, namespace)
    return names


def _parse(path: Path, is_ontology: bool) -> tuple[list, dict]:
    """The file's quads (graph None for the default graph) and its prefixes."""
    fmt = oxigraph_format(path)
    try:
        parser = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
        quads = [(q.subject, q.predicate, q.object,
                  None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name)
                 for q in parser]
        return quads, dict(parser.prefixes)
    except (OSError, SyntaxError, ValueError):
        # rdflib reads the file again: its error names file and line as every command does, and
        # a file it accepts (it is laxer) is validated as it reads it
        dataset = new_dataset()
        parse_file(path, dataset, graph=ONTOLOGY_GRAPH if is_ontology else None)
        quads = [(s, p, o, None if g.identifier == DATASET_DEFAULT_GRAPH_ID else g.identifier)
                 for s, p, o, g in dataset.quads((None, None, None, None))]
        return quads, dict(dataset.namespaces())


class _Terms:
    """Oxigraph terms as rdflib terms, each distinct term made once."""

    def __init__(self) -> None:
        self._made: dict[Any, Any] = {None: None}

    def __call__(self, term: Any) -> Any:
        made = self._made.get(term)
        if made is None and term is not None:
            made = self._made[term] = rdflib_term(term)
        return made


def rdflib_term(term: Any) -> Any:
    """An Oxigraph term as rdflib's (``xsd:string`` literals plain, as rdflib parses them); an
    rdflib term (a file rdflib read) as it is."""
    return from_ox_term(term) if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)) else term
