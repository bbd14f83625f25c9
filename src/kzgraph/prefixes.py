"""The prefixes each SPARQL endpoint predeclares, so that queries may use them without PREFIX lines.

``/wikidata/sparql`` predeclares what the Wikidata Query Service predeclares: the Wikibase RDF
prefixes (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format#Full_list_of_prefixes)
and the Blazegraph ones WDQS adds (``bd:``, ``hint:``, ``bds:``, ``gas:``) and ``mwapi:``. WDQS
writes schema.org with ``http:``. ``/sparql`` predeclares kzgraph's own prefixes and the common
vocabularies its data uses (schema.org with ``https:``, as kzgraph's data writes it).

A query's own PREFIX always wins over a predeclared one. The tables are published on the home
page, in the query UI and in each endpoint's service description (``sh:declare``).
"""

from __future__ import annotations

from kzgraph.matching import KZF_NAMESPACE
from kzgraph.namespaces import PREFIXES
from kzgraph.query.inspect import query_tokens

__all__ = ["KZGRAPH_PREFIXES", "WDQS_PREFIXES", "prefix_lines", "used_prefixes"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

WDQS_PREFIXES: dict[str, str] = {
    # Wikibase's RDF model
    "wikibase": "http://wikiba.se/ontology#",
    "wd": "http://www.wikidata.org/entity/",
    "wdt": "http://www.wikidata.org/prop/direct/",
    "wdtn": "http://www.wikidata.org/prop/direct-normalized/",
    "wds": "http://www.wikidata.org/entity/statement/",
    "wdref": "http://www.wikidata.org/reference/",
    "wdv": "http://www.wikidata.org/value/",
    "wdata": "http://www.wikidata.org/wiki/Special:EntityData/",
    "wdno": "http://www.wikidata.org/prop/novalue/",
    "p": "http://www.wikidata.org/prop/",
    "ps": "http://www.wikidata.org/prop/statement/",
    "psv": "http://www.wikidata.org/prop/statement/value/",
    "psn": "http://www.wikidata.org/prop/statement/value-normalized/",
    "pq": "http://www.wikidata.org/prop/qualifier/",
    "pqv": "http://www.wikidata.org/prop/qualifier/value/",
    "pqn": "http://www.wikidata.org/prop/qualifier/value-normalized/",
    "pr": "http://www.wikidata.org/prop/reference/",
    "prv": "http://www.wikidata.org/prop/reference/value/",
    "prn": "http://www.wikidata.org/prop/reference/value-normalized/",
    # common vocabularies, as WDQS declares them
    "rdf": _RDF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "cc": "http://creativecommons.org/ns#",
    "ontolex": "http://www.w3.org/ns/lemon/ontolex#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    # the query service's own (Blazegraph's and the MediaWiki API service's)
    "bd": "http://www.bigdata.com/rdf#",
    "hint": "http://www.bigdata.com/queryHints#",
    "bds": "http://www.bigdata.com/rdf/search#",
    "gas": "http://www.bigdata.com/rdf/gas#",
    "mwapi": "https://www.mediawiki.org/ontology#API/",
}

KZGRAPH_PREFIXES: dict[str, str] = {**PREFIXES, "kzf": KZF_NAMESPACE, "rdf": _RDF}


def prefix_lines(prefixes: dict[str, str] | tuple[tuple[str, str], ...]) -> str:
    """The prefixes as SPARQL ``PREFIX`` lines, sorted by name."""
    pairs = prefixes.items() if isinstance(prefixes, dict) else prefixes
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in sorted(pairs))


def used_prefixes(query: str, prefixes: dict[str, str] | tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The predeclared prefixes ``query`` uses and does not declare itself."""
    table = dict(prefixes)
    code = [t for t in query_tokens(query) if t.kind != "comment"]
    declared = {code[i + 1].text[:-1] for i, t in enumerate(code[:-1])
                if t.is_word("PREFIX") and code[i + 1].kind == "pname"}
    used = {t.text.partition(":")[0] for t in code if t.kind == "pname"}
    return {name: table[name] for name in sorted(used - declared) if name in table}
