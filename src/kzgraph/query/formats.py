"""Result media types per query form, and the engine format that writes each (one table)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BOOLEAN_FORMATS", "FORMAT_ALIASES", "GRAPH_FORMATS", "RESULT_FORMATS", "ResultFormat", "formats_for"]


@dataclass(frozen=True)
class ResultFormat:
    media_type: str
    engine_name: str  # attribute of pyoxigraph.QueryResultsFormat or pyoxigraph.RdfFormat
    charset: bool = True


# SELECT and ASK: SPARQL results. The first entry is the default.
RESULT_FORMATS = (
    ResultFormat("application/sparql-results+json", "JSON"),
    ResultFormat("application/sparql-results+xml", "XML"),
    ResultFormat("text/csv", "CSV"),
    ResultFormat("text/tab-separated-values", "TSV"),
    ResultFormat("application/json", "JSON"),
    ResultFormat("application/xml", "XML"),
)

# CONSTRUCT and DESCRIBE: RDF graphs. The first entry is the default.
GRAPH_FORMATS = (
    ResultFormat("text/turtle", "TURTLE"),
    ResultFormat("application/n-triples", "N_TRIPLES"),
    ResultFormat("application/rdf+xml", "RDF_XML"),
    ResultFormat("application/ld+json", "JSON_LD"),
    ResultFormat("application/trig", "TRIG"),
    ResultFormat("application/n-quads", "N_QUADS"),
    ResultFormat("text/plain", "N_TRIPLES"),
    ResultFormat("application/xml", "RDF_XML"),
    ResultFormat("application/json", "JSON_LD"),
)

# Short names for the `format=` request parameter (as WDQS and Virtuoso accept).
FORMAT_ALIASES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
    "turtle": ("text/turtle",),
    "ttl": ("text/turtle",),
    "ntriples": ("application/n-triples",),
    "nt": ("application/n-triples",),
    "rdfxml": ("application/rdf+xml",),
    "jsonld": ("application/ld+json",),
    "trig": ("application/trig",),
    "nquads": ("application/n-quads",),
}


# ASK has a boolean result: SPARQL results JSON and XML only (CSV/TSV define no boolean form).
BOOLEAN_FORMATS = tuple(f for f in RESULT_FORMATS if f.engine_name in ("JSON", "XML"))


def formats_for(form: str) -> tuple[ResultFormat, ...]:
    if form in ("CONSTRUCT", "DESCRIBE"):
        return GRAPH_FORMATS
    return BOOLEAN_FORMATS if form == "ASK" else RESULT_FORMATS
