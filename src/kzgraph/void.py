"""The dataset's VoID + DCAT description, computed from the data (no hand-typed numbers).

It also names the Wikidata-vocabulary view (``kzgraph.wikidata.view``) as a dataset of its own,
derived from this one, with its SPARQL endpoint ``/wikidata/sparql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, XSD

from kzgraph.namespaces import KZO, SRC

if TYPE_CHECKING:
    from kzgraph.release import Release

__all__ = ["Distribution", "download_catalogue", "versioned_path", "void_description"]

VOID = Namespace("http://rdfs.org/ns/void#")
CC_BY_SA = URIRef("https://creativecommons.org/licenses/by-sa/4.0/")
WIKIDATA = URIRef("http://www.wikidata.org/entity/")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3; rdflib's DCAT is DCAT 2
VIEW_ENDPOINT = "/wikidata/sparql"
VIEW_TITLE = "kzgraph in Wikidata's vocabulary"
VIEW_DESCRIPTION = ("The same facts in Wikidata's RDF model (wdt:, p:/ps:/pq:, references), "
                    "queried at /wikidata/sparql as on the Wikidata Query Service: its prefixes "
                    "predeclared and its label service answered locally.")


@dataclass(frozen=True)
class Distribution:
    path: str          # server path, e.g. /download/1a2b3c4d5e6f/kazcosmos.ttl
    media_type: str
    size: int
    triples: int


def download_catalogue() -> list[tuple[str, str, str]]:
    """The files ``/download/`` serves of each release: name, media type and what it holds."""
    from kzgraph.export import FORMATS

    files = [(f"kazcosmos.{spec.extension}", spec.media_type,
              "named graphs with provenance" if spec.keeps_graphs else "all graphs merged")
             for spec in FORMATS.values()]
    return files + [("ontology.ttl", "text/turtle", "the ontology alone"),
                    ("shapes.ttl", "text/turtle", "the SHACL shapes")]


def versioned_path(version: str, name: str) -> str:
    """Where a release's file stays while that release is served: the version is in the path,
    so a citation names exactly the data it used."""
    return f"/download/{version}/{name}"


def void_description(dataset: Dataset, base_url: str, distributions: list[Distribution],
                     release: Release | None = None) -> Graph:
    """``release``: the version in service (``owl:versionInfo``) and when it was built."""
    graph = Graph()
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("owl", OWL)):
        graph.bind(prefix, namespace)
    node = URIRef(f"{base_url}/.well-known/void#kzgraph")
    _describe_dataset(graph, node, dataset, base_url)
    if release is not None:
        graph.add((node, OWL.versionInfo, Literal(release.version)))
        graph.add((node, DCAT_VERSION, Literal(release.version)))
        graph.add((node, DCTERMS.modified, Literal(release.built.isoformat(timespec="seconds"),
                                                   datatype=XSD.dateTime)))
    _partitions(graph, node, dataset)
    _linkset(graph, node, dataset)
    _wikidata_view(graph, node, base_url)
    for distribution in distributions:
        _distribution(graph, node, distribution, base_url)
    return graph


def _count(dataset: Dataset, count: str, where: str) -> int:
    """``SELECT (count AS ?n) WHERE { where }`` over the union: the engine counts (Oxigraph's for
    a built store), not Python over every triple (minutes at a million)."""
    rows = list(dataset.query(f"SELECT ({count} AS ?n) WHERE {{ {where} }}"))
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _describe_dataset(graph: Graph, node: URIRef, dataset: Dataset, base_url: str) -> None:
    article = dataset.value(SRC.article, URIRef("https://schema.org/url"))
    for p, o in [
        (RDF.type, VOID.Dataset), (RDF.type, DCAT.Dataset),
        (DCTERMS.title, Literal("kzgraph — the KazCosmos knowledge graph", lang="en")),
        (DCTERMS.description, Literal("Sourced facts about KazCosmos, Kazakhstan's national space "
                                      "agency, from the Wikipedia article and its references.", lang="en")),
        (DCTERMS.license, CC_BY_SA), (VOID.sparqlEndpoint, URIRef(f"{base_url}/sparql")),
        (VOID.uriSpace, Literal("https://w3id.org/kzgraph/")),
        (VOID.triples, Literal(len(dataset), datatype=XSD.integer)),
        (VOID.entities, Literal(_count(dataset, "COUNT(DISTINCT ?s)", f"?s <{KZO.wikidataStatus}> ?o"),
                                datatype=XSD.integer)),
        (VOID.distinctSubjects, Literal(_count(dataset, "COUNT(DISTINCT ?s)", "?s ?p ?o"), datatype=XSD.integer)),
        (VOID.properties, Literal(_count(dataset, "COUNT(DISTINCT ?p)", "?s ?p ?o"), datatype=XSD.integer)),
        (VOID.classes, Literal(_count(dataset, "COUNT(DISTINCT ?o)", f"?s <{RDF.type}> ?o"), datatype=XSD.integer)),
    ]:
        graph.add((node, p, o))
    if article is not None:
        graph.add((node, DCTERMS.source, URIRef(str(article))))


def _partitions(graph: Graph, node: URIRef, dataset: Dataset) -> None:
    by_class = {row[0]: int(row[1]) for row in dataset.query(
        f"SELECT ?c (COUNT(?s) AS ?n) WHERE {{ ?s <{RDF.type}> ?c }} GROUP BY ?c")}
    by_property = {row[0]: int(row[1]) for row in dataset.query(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
    for cls, count in sorted(by_class.items(), key=str):
        part = BNode()
        graph.add((node, VOID.classPartition, part))
        graph.add((part, VOID["class"], cls))
        graph.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in sorted(by_property.items(), key=str):
        part = BNode()
        graph.add((node, VOID.propertyPartition, part))
        graph.add((part, VOID.property, prop))
        graph.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))


def _linkset(graph: Graph, node: URIRef, dataset: Dataset) -> None:
    links = _count(dataset, "COUNT(*)", f"SELECT DISTINCT ?s ?o WHERE {{ ?s <{OWL.sameAs}> ?o "
                                        f"FILTER(STRSTARTS(STR(?o), \"{WIKIDATA}\")) }}")
    linkset = URIRef(str(node).replace("#kzgraph", "#wikidata-links"))
    for p, o in [(RDF.type, VOID.Linkset), (VOID.subjectsTarget, node), (VOID.linkPredicate, OWL.sameAs),
                 (VOID.objectsTarget, URIRef("http://www.wikidata.org/")),
                 (VOID.triples, Literal(links, datatype=XSD.integer))]:
        graph.add((linkset, p, o))
    graph.add((node, VOID.subset, linkset))


def _wikidata_view(graph: Graph, node: URIRef, base_url: str) -> None:
    view = URIRef(str(node).replace("#kzgraph", "#wikidata-view"))
    graph.bind("prov", PROV)
    for p, o in [(RDF.type, VOID.Dataset), (DCTERMS.title, Literal(VIEW_TITLE, lang="en")),
                 (DCTERMS.description, Literal(VIEW_DESCRIPTION, lang="en")),
                 (VOID.sparqlEndpoint, URIRef(base_url + VIEW_ENDPOINT)),
                 (PROV.wasDerivedFrom, node), (DCTERMS.license, CC_BY_SA)]:
        graph.add((view, p, o))
    graph.add((node, RDFS.seeAlso, view))


def _distribution(graph: Graph, node: URIRef, distribution: Distribution, base_url: str) -> None:
    url = URIRef(base_url + distribution.path)
    item = URIRef(f"{url}#distribution")
    graph.add((node, VOID.dataDump, url))
    graph.add((node, DCAT.distribution, item))
    for p, o in [(RDF.type, DCAT.Distribution), (DCAT.downloadURL, url),
                 (DCAT.accessURL, URIRef(f"{base_url}/download/")),
                 (DCTERMS.title, Literal(distribution.path.rsplit("/", 1)[-1])),
                 (DCAT.mediaType, Literal(distribution.media_type)),
                 (DCAT.byteSize, Literal(distribution.size, datatype=XSD.integer)),
                 (DCTERMS.license, CC_BY_SA)]:
        graph.add((item, p, o))
