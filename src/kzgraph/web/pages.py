"""Linked-data pages: dereferenceable IRIs, HTML entity pages, the home and ontology pages.

The canonical namespace ``https://w3id.org/kzgraph/`` maps onto this server's paths
(``/resource/X``, ``/graph/X``, ``/source/X``, ``/ontology``). A thing's IRI answers
``303 See Other`` to the document describing it, ``/doc/{kind}/{name}``, which negotiates HTML,
Turtle, N-Triples, RDF/XML, JSON-LD and TriG (``Vary: Accept``); ``/doc/{kind}/{name}.ttl`` etc.
name one representation directly. Unknown IRIs get 404 with a helpful page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kzgraph.dataset_markup import DownloadLink, dataset_markup, entity_markup, script_json
from kzgraph.errors import NotAcceptable, NotFound
from kzgraph.langtag import bcp47_case
from kzgraph.linkeddata import Description, describe, is_known
from kzgraph.namespaces import KZO, ONTOLOGY_GRAPH
from kzgraph.prefixes import KZGRAPH_PREFIXES, WDQS_PREFIXES
from kzgraph.void import download_catalogue, versioned_path
from kzgraph.web.conneg import negotiate
from kzgraph.web.errors import error_response
from kzgraph.web.timeline_chart import chart_of, timeline_of
from kzgraph.release import Release

__all__ = ["CANONICAL_BASE", "PageView", "linked_data_router", "template_environment"]

CANONICAL_BASE = "https://w3id.org/kzgraph/"
KINDS = ("resource", "graph", "source")
# media type -> (rdflib format, file extension); HTML first so browsers get pages.
RDF_FORMATS = {
    "text/turtle": ("turtle", "ttl"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("xml", "rdf"),
    "application/ld+json": ("json-ld", "jsonld"),
    "application/trig": ("trig", "trig"),
}
EXTENSIONS = {ext: media for media, (_, ext) in RDF_FORMATS.items()} | {"html": "text/html"}
OFFERED = ["text/html", *RDF_FORMATS]


@dataclass(frozen=True)
class TermView:
    text: str
    href: str | None = None
    external: bool = False
    note: str = ""


class PageView:
    """How terms look on pages: labels from the data, links to local paths or outside."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def title(self, iri: URIRef) -> str:
        for predicate in (SKOS.prefLabel, RDFS.label):
            labels = list(self.dataset.objects(iri, predicate))
            english = [label for label in labels if getattr(label, "language", None) in ("en", None)]
            if english or labels:
                return str((english or labels)[0])
        return _local_name(iri)

    def term(self, term: object) -> TermView:
        if isinstance(term, Literal):
            note = f"@{bcp47_case(term.language)}" if term.language else _local_name(term.datatype) if term.datatype else ""
            return TermView(str(term), note=note)
        iri = str(term)
        if iri.startswith(CANONICAL_BASE):
            return TermView(self.title(URIRef(iri)), href=local_path(iri))
        known = (term, None, None) in self.dataset
        text = self.title(URIRef(iri)) if known else self.dataset.namespace_manager.normalizeUri(iri)
        return TermView(text.strip("<>"), href=iri if iri.startswith(("http://", "https://")) else None,
                        external=True)


def local_path(iri: str) -> str:
    """The server path of a canonical IRI (ontology terms go to their anchor on /ontology)."""
    rest = iri[len(CANONICAL_BASE):]
    if rest.startswith("ontology#"):
        return "/ontology#" + rest.split("#", 1)[1]
    return "/" + rest


def _local_name(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


@lru_cache(maxsize=1)
def template_environment() -> Environment:
    """The Jinja2 templates of every HTML page, with autoescaping."""
    environment = Environment(loader=PackageLoader("kzgraph.web", "templates"),
                              autoescape=select_autoescape(["html"]))
    environment.filters["bcp47"] = bcp47_case
    return environment


linked_data_router = APIRouter(tags=["linked data"])
TEMPLATES = template_environment()


# Per release (never changed in place): the one in service; a replaced one is let go at once.
@lru_cache(maxsize=1)
def _pages_of(release: Release) -> tuple[Dataset, PageView, dict]:
    """A release's dataset with its page helpers and the home page's figures."""
    view = PageView(release.dataset)
    return release.dataset, view, _home_context(release.dataset, view)


def _current(request: Request) -> tuple[Dataset, PageView, dict]:
    return _pages_of(request.app.state.service.served.release)


def _render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(view=_current(request)[1], **context)
    return HTMLResponse(html, status_code=status, headers={"Vary": "Accept"})


def _not_found(request: Request, iri: str) -> Response:
    # Always 404, whatever the Accept: a client asking Turtle of an unknown IRI must learn
    # that the IRI is unknown, not that Turtle is unavailable (406).
    try:
        page = negotiate(request.headers.get("accept"), ["text/html", "application/json"])
    except NotAcceptable:
        page = "application/json"
    if page == "text/html":
        return _render(request, "not_found.html", status=NotFound.status, iri=iri)
    return error_response(NotFound(f"no description of {iri}", headers={"Vary": "Accept"}))


@lru_cache(maxsize=4)
def _home_markup(release: Release, base: str) -> str:
    """The home page's schema.org Dataset (per release and public URL: a few queries)."""
    links = [DownloadLink(base + versioned_path(release.version, name), media, name)
             for name, media, _ in download_catalogue()]
    return script_json(dataset_markup(release.dataset, base, release.version,
                                      release.built.isoformat(timespec="seconds"), links))


@linked_data_router.get("/", include_in_schema=False)
async def home(request: Request) -> HTMLResponse:
    markup = _home_markup(request.app.state.service.served.release,
                          str(request.base_url).rstrip("/"))
    events = timeline_of(request.app.state.service.served)
    shown = events.first(HOME_TIMELINE_LIMIT)
    return _render(request, "home.html", endpoints=ENDPOINT_PREFIXES, markup=markup,
                   timeline=shown, timeline_more=len(events.events) - len(shown.events),
                   timeline_chart=chart_of(shown, "compact"), **_current(request)[2])


@linked_data_router.get("/doc/{kind}/{name:path}", include_in_schema=False)
async def document(kind: str, name: str, request: Request) -> Response:
    stem, _, ext = name.rpartition(".")
    chosen_ext = ext if stem and ext in EXTENSIONS else None
    name = stem if chosen_ext else name
    iri = URIRef(f"{CANONICAL_BASE}{kind}/{name}")
    dataset = _current(request)[0]
    if kind not in KINDS or not is_known(dataset, iri):
        return _not_found(request, str(iri))
    media = EXTENSIONS[chosen_ext] if chosen_ext else negotiate(request.headers.get("accept"), OFFERED)
    description = describe(dataset, iri)
    if media == "text/html":
        references = _references(description)
        page = f"{str(request.base_url).rstrip('/')}/doc/{kind}/{name}"
        markup = entity_markup(description, dataset.graph(ONTOLOGY_GRAPH), _current(request)[1].title,
                               page, references)
        own = timeline_of(request.app.state.service.served).of_entity(str(iri))
        return _render(request, "entity.html", d=description, doc=f"/doc/{kind}/{name}",
                       references=references, markup=script_json(markup), timeline=own,
                       timeline_chart=chart_of(own, "compact"))
    return _rdf_response(description, dataset, media)


@linked_data_router.get("/ontology", include_in_schema=False)
@linked_data_router.get("/ontology.{ext}", include_in_schema=False)
async def ontology(request: Request, ext: str | None = None) -> Response:
    if ext is not None and ext not in EXTENSIONS:
        return _not_found(request, f"/ontology.{ext}")
    media = EXTENSIONS[ext] if ext else negotiate(request.headers.get("accept"), OFFERED)
    graph = _current(request)[0].graph(ONTOLOGY_GRAPH)
    if media == "text/html":
        return _render(request, "ontology.html", **_ontology_context(graph))
    fmt = RDF_FORMATS[media][0]
    return Response(_serialize(graph, fmt), media_type=media, headers={"Vary": "Accept"})


# Registered last: the catch-all for thing IRIs must not shadow /doc and /ontology.
@linked_data_router.get("/{kind}/{name:path}", include_in_schema=False)
async def thing(kind: str, name: str, request: Request) -> Response:
    if kind not in KINDS:
        return _not_found(request, f"/{kind}/{name}")
    iri = URIRef(f"{CANONICAL_BASE}{kind}/{name}")
    if not is_known(_current(request)[0], iri):
        return _not_found(request, str(iri))
    return RedirectResponse(f"/doc/{kind}/{name}", status_code=303)


def _rdf_response(description: Description, dataset: Dataset, media: str) -> Response:
    fmt = RDF_FORMATS[media][0]
    source = description.quads(dataset) if fmt == "trig" else description.graph()
    return Response(_serialize(source, fmt), media_type=media, headers={"Vary": "Accept"})


def _serialize(graph: Graph, fmt: str) -> bytes:
    from kzgraph.namespaces import PREFIXES

    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=False)
    return graph.serialize(format=fmt, encoding="utf-8")


def _references(description: Description) -> list:
    seen = {ref.iri: ref for fact in description.facts + description.inbound for ref in fact.sources}
    return sorted(seen.values(), key=lambda r: (r.number is None, r.number or 0, r.title))


# The endpoints the home page lists with the prefixes each predeclares (kzgraph.prefixes).
ENDPOINT_PREFIXES = (("/sparql", sorted(KZGRAPH_PREFIXES.items())),
                     ("/wikidata/sparql", sorted(WDQS_PREFIXES.items())))
HOME_LIST_LIMIT = 100  # entries per home page section; a big graph's thousands are queried
HOME_TIMELINE_LIMIT = 60  # events in the home page's timeline; /timeline has them all


def _home_context(dataset: Dataset, view: PageView) -> dict:
    def instances(cls: URIRef) -> tuple[list[URIRef], int]:
        """The first entries (all, sorted by title, if few; else the first by IRI) and how
        many more there are."""
        found = {s for s in dataset.subjects(RDF.type, cls) if str(s).startswith(CANONICAL_BASE)}
        shown = found if len(found) <= HOME_LIST_LIMIT else sorted(found)[:HOME_LIST_LIMIT]
        return sorted(shown, key=view.title), len(found) - len(shown)

    def sources() -> tuple[list[URIRef], int]:
        found = set(dataset.subjects(RDF.type, KZO.Reference)) | set(dataset.subjects(RDF.type, KZO.Article))
        return sorted(found, key=_source_order(dataset))[:HOME_LIST_LIMIT], max(0, len(found) - HOME_LIST_LIMIT)

    def of(*classes: URIRef) -> str:  # the "query them all" link's query
        return f"SELECT ?item WHERE {{ VALUES ?class {{ {' '.join(f'<{c}>' for c in classes)} }} ?item a ?class }}"

    sections = [("The agency", *instances(KZO.SpaceAgency), of(KZO.SpaceAgency)),
                ("Cosmonauts", *instances(KZO.Cosmonaut), of(KZO.Cosmonaut)),
                ("Cosmonaut candidates", *instances(KZO.CosmonautCandidate),
                 of(KZO.CosmonautCandidate)),
                ("Spaceflights", *instances(KZO.CrewedSpaceflight), of(KZO.CrewedSpaceflight)),
                ("Satellites", *instances(KZO.CommunicationsSatellite), of(KZO.CommunicationsSatellite)),
                ("Sources", *sources(), of(KZO.Reference, KZO.Article))]
    counts = {
        "quads": len(dataset),
        "entities": len(set(dataset.subjects(KZO.wikidataStatus, None))),
        "claims": len(set(dataset.subjects(RDF.type, KZO.Claim))),
        "references": len(set(dataset.subjects(RDF.type, KZO.Reference))),
        "links": len(set(dataset.subject_objects(OWL.sameAs))),
    }
    return {"sections": sections, "counts": counts}


def _source_order(dataset: Dataset):
    """Sort key of sources: the article first, then references by number (10 after 9, not 1)."""
    def key(source: URIRef) -> tuple[int, str]:
        number = dataset.value(source, KZO.referenceNumber)
        return (int(number) if number is not None else 0, str(source))
    return key


def _ontology_context(graph: Graph) -> dict:
    from rdflib.namespace import DCTERMS

    ontology = URIRef("https://w3id.org/kzgraph/ontology")
    groups = [(heading, [_term_entry(graph, t) for t in sorted(graph.subjects(RDF.type, kind), key=str)
                         if str(t).startswith(str(KZO._NS))])
              for heading, kind in (("Classes", OWL.Class), ("Object properties", OWL.ObjectProperty),
                                    ("Datatype properties", OWL.DatatypeProperty))]
    return {"title": str(graph.value(ontology, DCTERMS.title) or "kzgraph ontology"),
            "description": str(graph.value(ontology, DCTERMS.description) or ""), "groups": groups}


def _term_entry(graph: Graph, term: URIRef) -> dict:
    values = lambda p: sorted(graph.objects(term, p), key=str)  # noqa: E731 - local shorthand
    return {
        "name": _local_name(term), "label": str(graph.value(term, RDFS.label) or _local_name(term)),
        "comment": str(graph.value(term, RDFS.comment) or ""),
        "note": str(graph.value(term, KZO.modellingNote) or ""),
        "rows": [("subclass of", values(RDFS.subClassOf)), ("subproperty of", values(RDFS.subPropertyOf)),
                 ("domain", values(RDFS.domain)), ("range", values(RDFS.range)),
                 ("Wikidata / exact match", values(SKOS.exactMatch)), ("close match", values(SKOS.closeMatch))],
    }
