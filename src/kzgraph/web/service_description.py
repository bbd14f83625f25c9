"""The SPARQL 1.1 Service Description of the endpoint, computed from the served dataset.

Besides the W3C vocabulary it publishes the endpoint's predeclared prefixes as SHACL prefix
declarations (``sh:declare``), which is how RDF says "this prefix stands for this namespace",
and names the other endpoints of the site (``rdfs:seeAlso``: the Wikidata-vocabulary view).
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, XSD

from kzgraph.query.formats import GRAPH_FORMATS, RESULT_FORMATS
from kzgraph.search import KZF
from kzgraph.store import graph_sizes

__all__ = ["SD_FORMATS", "service_description"]

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
W3_FORMATS = Namespace("http://www.w3.org/ns/formats/")

# Media types the description itself is offered in → rdflib serializer.
SD_FORMATS = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/xml": "xml",
}

_FORMAT_IRIS = {
    "JSON": "SPARQL_Results_JSON", "XML": "SPARQL_Results_XML", "CSV": "SPARQL_Results_CSV",
    "TSV": "SPARQL_Results_TSV", "TURTLE": "Turtle", "N_TRIPLES": "N-Triples",
    "RDF_XML": "RDF_XML", "JSON_LD": "JSON-LD", "TRIG": "TriG", "N_QUADS": "N-Quads",
}


@lru_cache(maxsize=4)  # a few endpoints × the release in service; old releases drop out
def service_description(dataset: Dataset, endpoint: str, version: str | None = None,
                        updates: bool = False, functions: bool = True,
                        prefixes: tuple[tuple[str, str], ...] = (),
                        related: tuple[tuple[str, str, str], ...] = ()) -> Graph:
    """The description of the endpoint at ``endpoint`` (cached per release: a release is never
    changed in place). ``version``: the release's version; ``updates``: curators may write;
    ``functions``: kzgraph's own functions run there (not on a --backend's engine);
    ``prefixes``: (name, namespace) predeclared for every query; ``related``: (URL, title,
    description) of the site's other endpoints."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    graph.bind("formats", W3_FORMATS)
    service = URIRef(endpoint + "#service")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    if updates:  # for curators with a token only: the public is refused
        graph.add((service, SD.supportedLanguage, SD.SPARQL11Update))
    for feature in (SD.UnionDefaultGraph, SD.BasicFederatedQuery):
        graph.add((service, SD.feature, feature))
    graph.bind("kzf", KZF)
    for function in (KZF.match, KZF.score) if functions else ():  # label search (kzgraph.search)
        graph.add((service, SD.extensionFunction, function))
        graph.add((function, RDF.type, SD.Function))
    for name in sorted({_FORMAT_IRIS[f.engine_name] for f in RESULT_FORMATS + GRAPH_FORMATS}):
        graph.add((service, SD.resultFormat, W3_FORMATS[name]))
    _declare_prefixes(graph, service, prefixes)
    for url, title, description in related:
        graph.add((service, RDFS.seeAlso, URIRef(url)))
        graph.add((URIRef(url), DCTERMS.title, Literal(title, lang="en")))
        graph.add((URIRef(url), DCTERMS.description, Literal(description, lang="en")))
    described = _describe_dataset(graph, dataset)
    graph.add((service, SD.defaultDataset, described))
    if version is not None:
        graph.add((described, OWL.versionInfo, Literal(version)))
    return graph


def _declare_prefixes(graph: Graph, service: URIRef, prefixes: tuple[tuple[str, str], ...]) -> None:
    graph.bind("sh", SH)
    for name, namespace in prefixes:
        declaration = BNode()
        graph.add((service, SH.declare, declaration))
        graph.add((declaration, RDF.type, SH.PrefixDeclaration))
        graph.add((declaration, SH.prefix, Literal(name)))
        graph.add((declaration, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))


def _describe_dataset(graph: Graph, dataset: Dataset) -> BNode:
    described, default = BNode(), BNode()
    graph.add((described, RDF.type, SD.Dataset))
    graph.add((described, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(len(dataset), datatype=XSD.integer)))
    for name, size in sorted(graph_sizes(dataset).items()):
        if str(name).startswith("urn:x-rdflib"):
            continue
        entry, inner = BNode(), BNode()
        graph.add((described, SD.namedGraph, entry))
        graph.add((entry, RDF.type, SD.NamedGraph))
        graph.add((entry, SD.name, name))
        graph.add((entry, SD.graph, inner))
        graph.add((inner, RDF.type, SD.Graph))
        graph.add((inner, VOID.triples, Literal(size, datatype=XSD.integer)))
    return described
