"""schema.org JSON-LD for harvesters: the ``Dataset`` on the home page, each entity on its page.

Google Dataset Search (and other harvesters of schema.org) read a ``Dataset`` from JSON-LD in the
HTML. Every field is computed from the served release, the data and the ontology: the sources
(the article and its references) it is based on, the countries of the agencies it describes
(spatial coverage), the span of the dates its passages state (temporal coverage), the release
version and when it was built, and each download as a ``DataDownload``. An entity's markup uses
the schema.org classes and properties the ontology aligns its terms to (``rdfs:subClassOf`` /
``rdfs:subPropertyOf`` schema:…); a term with no such alignment is left out, not guessed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, RDF, RDFS, XSD

from kzgraph.linkeddata import Description, SourceRef
from kzgraph.namespaces import KZO

__all__ = ["DownloadLink", "aligned_properties", "dataset_markup", "entity_markup", "schema_types",
           "script_json", "spatial_coverage", "temporal_coverage"]

SCHEMA = "https://schema.org/"
LICENSE = "https://creativecommons.org/licenses/by-sa/4.0/"
NAME = "kzgraph — the KazCosmos knowledge graph"
DESCRIPTION = (
    "Sourced facts about KazCosmos, the National Space Agency of the Republic of Kazakhstan: its "
    "names, heads, cosmonauts and cosmonaut selections, crewed spaceflights and communications "
    "satellites. Every fact comes from a cited passage of the English Wikipedia article "
    "\u201cKazCosmos\u201d and is kept in a named graph with its quote and references; entities "
    "with a checked Wikidata id link to it. RDF, with an ontology, SHACL shapes and a SPARQL "
    "endpoint.")
KEYWORDS = ["KazCosmos", "Kazakhstan", "space agency", "cosmonauts", "spaceflight",
            "communications satellites", "knowledge graph", "linked data", "RDF", "SPARQL",
            "Wikidata"]
# The datatypes a temporal coverage is read from: dates as precise as the source gave them.
DATE_TYPES = (XSD.date, XSD.gYearMonth, XSD.gYear)


@dataclass(frozen=True)
class DownloadLink:
    """One file of a release: its absolute URL and media type."""

    url: str
    media_type: str
    name: str


def script_json(markup: dict) -> str:
    """The markup as the text of a ``<script type="application/ld+json">``: ``<``, ``>`` and
    ``&`` escaped (JSON allows it), so no value can end the script element."""
    text = json.dumps(markup, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def dataset_markup(dataset: Dataset, base_url: str, version: str, modified: str,
                   downloads: Iterable[DownloadLink]) -> dict:
    """The schema.org ``Dataset`` of the served release; ``base_url`` without a final slash,
    ``modified`` an ISO 8601 date-time (when the release was built)."""
    markup = {
        "@context": SCHEMA, "@type": "Dataset", "@id": f"{base_url}/#dataset",
        "name": NAME, "description": DESCRIPTION, "url": f"{base_url}/",
        "identifier": f"{base_url}/.well-known/void#kzgraph",
        "license": LICENSE, "isAccessibleForFree": True, "inLanguage": "en",
        "keywords": KEYWORDS, "version": version, "dateModified": modified,
        "creator": _project(base_url), "publisher": _project(base_url),
        "isBasedOn": _sources(dataset),
        "distribution": [_download(link) for link in downloads] + [_endpoint(base_url)],
        "potentialAction": _search_action(base_url),
    }
    coverage = temporal_coverage(dataset)
    if coverage:
        markup["temporalCoverage"] = coverage
    places = spatial_coverage(dataset)
    if places:
        markup["spatialCoverage"] = places
    return markup


def _project(base_url: str) -> dict:
    return {"@type": "Organization", "name": "The kzgraph project", "url": f"{base_url}/"}


def _download(link: DownloadLink) -> dict:
    return {"@type": "DataDownload", "name": link.name, "contentUrl": link.url,
            "encodingFormat": link.media_type, "license": LICENSE}


def _endpoint(base_url: str) -> dict:
    """The SPARQL endpoint as a distribution: Google's guidelines name no API type, and a
    ``DataDownload`` whose encoding is the SPARQL results format is what harvesters accept."""
    return {"@type": "DataDownload", "name": "SPARQL 1.1 endpoint",
            "contentUrl": f"{base_url}/sparql", "encodingFormat": "application/sparql-results+json",
            "description": "SPARQL 1.1 Protocol endpoint over every graph (GET or POST ?query=…)."}


def _search_action(base_url: str) -> dict:
    return {"@type": "SearchAction", "target": f"{base_url}/search?q={{query}}",
            "query-input": "required name=query"}


def _sources(dataset: Dataset) -> list[dict]:
    """The article and each reference, as the data describes them (title, publisher, date)."""
    found = set(dataset.subjects(RDF.type, KZO.Article)) | set(dataset.subjects(RDF.type, KZO.Reference))
    def order(source: URIRef) -> tuple[int, str]:
        number = dataset.value(source, KZO.referenceNumber)
        return (int(number) if number is not None else 0, str(source))
    return [_source(dataset, source) for source in sorted(found, key=order)]


def _source(dataset: Dataset, source: URIRef) -> dict:
    work = {"@type": "Article" if (source, RDF.type, KZO.Article) in dataset else "CreativeWork",
            "@id": str(source)}
    for key, predicate in (("name", DCTERMS.title), ("url", URIRef(SCHEMA + "url")),
                           ("datePublished", DCTERMS.date), ("dateModified", DCTERMS.modified)):
        value = dataset.value(source, predicate)
        if value is not None:
            work[key] = str(value)
    publisher = dataset.value(source, DC.publisher)
    if publisher is not None:
        work["publisher"] = {"@type": "Organization", "name": str(publisher)}
    author = dataset.value(source, DC.creator)
    if author is not None:
        work["author"] = {"@type": "Thing", "name": str(author)}  # a person or a press service
    return work


def temporal_coverage(dataset: Dataset) -> str:
    """The first and the last date the passages (claim graphs) state, as an ISO 8601 interval
    (``1991/2015``, at each end the precision the source gave); empty if they state no date.
    The sources' own dates (publication, archive, access) are not what the data covers."""
    types = ", ".join(f"<{t}>" for t in DATE_TYPES)
    rows = dataset.query(
        f"SELECT DISTINCT ?date WHERE {{ ?g a <{KZO.Claim}> . GRAPH ?g {{ ?s ?p ?date }} "
        f"FILTER(DATATYPE(?date) IN ({types})) }}")
    dates = sorted(str(row[0]) for row in rows)  # ISO lexical forms sort in time order
    if not dates:
        return ""
    return dates[0] if dates[0] == dates[-1] else f"{dates[0]}/{dates[-1]}"


def spatial_coverage(dataset: Dataset) -> list[dict]:
    """The countries of the space agencies the graph describes, with their Wikidata links."""
    countries = {country for agency in dataset.subjects(RDF.type, KZO.SpaceAgency)
                 for country in dataset.objects(agency, KZO.country)}
    places = []
    for country in sorted(countries):
        place = {"@type": "Country", "@id": str(country), "name": _label(dataset, country)}
        same = sorted(str(o) for o in dataset.objects(country, OWL.sameAs))
        if same:
            place["sameAs"] = same
        places.append(place)
    return places


def _label(dataset: Dataset, iri: URIRef) -> str:
    labels = [label for label in dataset.objects(iri, RDFS.label)
              if getattr(label, "language", None) in ("en", None)]
    return str(labels[0]) if labels else str(iri).rsplit("/", 1)[-1]


def entity_markup(description: Description, ontology: Graph, title: Callable[[URIRef], str],
                  page_url: str, references: Iterable[SourceRef]) -> dict:
    """An entity's schema.org markup: its aligned types (``Thing`` if none), name, other names,
    Wikidata links, the values of its aligned properties and the sources its facts cite."""
    markup: dict = {"@context": SCHEMA, "@id": str(description.iri),
                    "@type": schema_types(ontology, description.types) or ["Thing"],
                    "name": title(description.iri), "mainEntityOfPage": page_url}
    names = sorted({name for names in description.labels.values() for name in names} - {markup["name"]})
    if names:
        markup["alternateName"] = names
    if description.wikidata:
        markup["sameAs"] = [str(w) for w in description.wikidata]
    values: dict[str, list] = {}
    for fact in description.facts:
        if _relative_address(fact.value):
            continue  # schema.org reads web addresses as IRIs: it would resolve it against the page
        for field in aligned_properties(ontology, fact.predicate):
            value = _value(fact.value, title)
            if value not in values.setdefault(field, []):
                values[field].append(value)
    # The fields set above (its name, page, links) are kzgraph's; the data's values fill the rest.
    markup.update({field: found for field, found in values.items() if field not in markup})
    cited = [{"@type": "CreativeWork", "@id": str(ref.iri), "name": ref.title} for ref in references]
    if cited:
        markup["citation"] = cited
    return markup


def _relative_address(value: object) -> bool:
    """A web address as the source wrote it, without a scheme (the infobox's website): kept so
    in the data, but left out of the markup rather than given a scheme the source does not."""
    return (isinstance(value, Literal) and value.datatype == XSD.anyURI
            and "://" not in str(value) and not str(value).startswith(("mailto:", "urn:")))


def _value(value: object, title: Callable[[URIRef], str]) -> object:
    if isinstance(value, Literal):
        return str(value)
    return {"@id": str(value), "name": title(value)} if isinstance(value, URIRef) else str(value)


def schema_types(ontology: Graph, classes: Iterable[URIRef]) -> list[str]:
    """The nearest schema.org superclasses of each class (``SpaceAgency`` →
    ``GovernmentOrganization``, not also ``Organization`` above it), as schema.org names."""
    found: list[str] = []
    for cls in classes:
        for name in _nearest(ontology, cls, RDFS.subClassOf):
            if name not in found:
                found.append(name)
    return found


def aligned_properties(ontology: Graph, prop: URIRef) -> list[str]:
    """The schema.org properties ``prop`` is a sub-property of, nearest first level only."""
    return _nearest(ontology, prop, RDFS.subPropertyOf)


def _nearest(ontology: Graph, term: URIRef, relation: URIRef) -> list[str]:
    """Breadth first up ``relation`` from ``term``: the schema.org terms at the first level
    that has any (the term itself counts when it is schema.org's)."""
    level, seen = [term], {term}
    while level:
        names = [str(t)[len(SCHEMA):] for t in level if str(t).startswith(SCHEMA)]
        if names:
            return sorted(names)
        level = [up for t in level for up in ontology.objects(t, relation) if up not in seen]
        seen.update(level)
    return []
