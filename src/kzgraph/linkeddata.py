"""Entity descriptions for linked data: every triple about an IRI, inbound links, and the
provenance (claim graph → references) of each fact. Library only: no HTTP here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kzgraph.dataset import INDEX_GRAPH, PROVENANCE_GRAPH
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH

__all__ = ["Description", "Fact", "SourceRef", "describe", "graph_size", "is_known"]

LABELS = (RDFS.label, SKOS.prefLabel, KZO.nativeName, KZO.romanizedName, KZO.shortName,
          SKOS.altLabel, DCTERMS.title)
_DERIVED_GRAPHS = {INDEX_GRAPH}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")


@dataclass(frozen=True)
class SourceRef:
    iri: URIRef
    number: int | None
    title: str
    publisher: str
    date: str

    @property
    def short(self) -> str:
        """How a citation looks inline: [N] for a numbered reference, else a short name."""
        if self.number is not None:
            return f"[{self.number}]"
        return "article" if str(self.iri).endswith("/article") else self.title


@dataclass(frozen=True)
class Fact:
    subject: URIRef
    predicate: URIRef
    value: object
    graphs: tuple[URIRef, ...]
    sources: tuple[SourceRef, ...]


@dataclass
class Description:
    iri: URIRef
    labels: dict[str, list[str]] = field(default_factory=dict)   # language -> labels
    types: list[URIRef] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)               # outbound
    inbound: list[Fact] = field(default_factory=list)
    wikidata: list[URIRef] = field(default_factory=list)
    wikidata_status: URIRef | None = None
    wikidata_check: str = ""  # how and when the link was checked, from its links graph
    graph_triples: int | None = None  # when the IRI names a graph of the dataset: its size

    def graph(self) -> Graph:
        """The description as RDF: outbound and inbound triples; for a named graph of the
        dataset also its size, computed (so that the provenance and index graphs, which no
        triple describes, still dereference to something)."""
        out = Graph()
        for fact in self.facts + self.inbound:
            out.add((fact.subject, fact.predicate, fact.value))
        if self.graph_triples is not None:
            out.add((self.iri, RDF.type, SD.NamedGraph))
            out.add((self.iri, VOID.triples, Literal(self.graph_triples, datatype=XSD.integer)))
        return out

    def quads(self, dataset: Dataset) -> Dataset:
        """The description with its named graphs, plus each graph's provenance."""
        out = Dataset()
        for fact in self.facts + self.inbound:
            for graph in fact.graphs:
                out.graph(graph).add((fact.subject, fact.predicate, fact.value))
                for triple in dataset.graph(PROVENANCE_GRAPH).triples((graph, None, None)):
                    out.graph(PROVENANCE_GRAPH).add(triple)
        return out


def is_known(dataset: Dataset, iri: URIRef) -> bool:
    """Whether the dataset says anything about ``iri`` or has a named graph of that name (the
    provenance and index graphs are named in queries but described by no triple)."""
    return ((iri, None, None) in dataset or (None, None, iri) in dataset
            or graph_size(dataset, iri) is not None)


def graph_size(dataset: Dataset, iri: URIRef) -> int | None:
    """The number of triples in the named graph ``iri``; None if the dataset has no such graph."""
    # Looked up among the existing graphs: dataset.graph(iri) would create an empty one.
    return next((len(g) for g in dataset.graphs() if g.identifier == iri), None)


def describe(dataset: Dataset, iri: URIRef) -> Description:
    description = Description(iri)
    outbound, inbound = _quads_by_triple(dataset, (iri, None, None)), _quads_by_triple(dataset, (None, None, iri))
    description.facts = [_fact(dataset, t, g) for t, g in sorted(outbound.items(), key=_order)]
    description.inbound = [_fact(dataset, t, g) for t, g in sorted(inbound.items(), key=_order)
                           if t[1] != KZO.statedIn]
    for fact in description.facts:
        if fact.predicate in LABELS and isinstance(fact.value, Literal):
            description.labels.setdefault(fact.value.language or "", []).append(str(fact.value))
    description.types = [f.value for f in description.facts if f.predicate == RDF.type]
    description.wikidata = [f.value for f in description.facts if f.predicate == OWL.sameAs]
    status = [f.value for f in description.facts if f.predicate == KZO.wikidataStatus]
    description.wikidata_status = status[0] if status else None
    description.wikidata_check = _link_check(dataset, description)
    description.graph_triples = graph_size(dataset, iri)
    return description


def _link_check(dataset: Dataset, description: Description) -> str:
    """'<method>, <date>' recorded on the claim graph that states the entity's Wikidata link."""
    for fact in description.facts:
        if fact.predicate != OWL.sameAs:
            continue
        for graph in fact.graphs:
            how = dataset.value(graph, KZO.verificationMethod)
            when = dataset.value(graph, DCTERMS.date)
            if how is not None:
                return f"{how}, {when}" if when is not None else str(how)
    return ""


def _quads_by_triple(dataset: Dataset, pattern) -> dict[tuple, list[URIRef]]:
    found: dict[tuple, list[URIRef]] = defaultdict(list)
    for s, p, o, g in dataset.quads(pattern):
        name = getattr(g, "identifier", g)
        if name not in _DERIVED_GRAPHS:
            found[(s, p, o)].append(name)
    return found


def _order(item) -> tuple:
    (s, p, o), _ = item
    return (p != RDF.type, str(p), str(s), str(o))


def _fact(dataset: Dataset, triple: tuple, graphs: list[URIRef]) -> Fact:
    sources = {ref for graph in graphs for ref in _sources(dataset, graph)}
    return Fact(*triple, graphs=tuple(sorted(set(graphs))),
                sources=tuple(sorted(sources, key=lambda r: (r.number or 0, r.title))))


def _sources(dataset: Dataset, graph: URIRef) -> list[SourceRef]:
    if graph == ONTOLOGY_GRAPH:
        return []
    return [_source_ref(dataset, ref) for ref in dataset.objects(graph, PROV.wasDerivedFrom)]


def _source_ref(dataset: Dataset, ref: URIRef) -> SourceRef:
    number = dataset.value(ref, KZO.referenceNumber)
    return SourceRef(
        iri=ref, number=int(number) if number is not None else None,
        title=str(dataset.value(ref, DCTERMS.title) or dataset.value(ref, RDFS.label) or ref),
        publisher=str(dataset.value(ref, DC.publisher) or ""),
        date=str(dataset.value(ref, DCTERMS.date) or ""),
    )
