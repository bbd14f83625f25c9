"""What crawlers read first: ``/robots.txt`` and ``/sitemap.xml``, answered directly.

The sitemap lists every HTML page of the graph (the home page, the ontology, the downloads, each
entity, claim graph and source) with ``lastmod`` from the release in service; past the
protocol's 50,000 URLs per file it becomes a sitemap index of ``/sitemap-N.xml`` files. robots.txt
lets crawlers read pages and keeps them off query answers, search answers, the Wikidata view's
endpoint, the dumps and the Graph Store (each answer there is computed, or heavy, and says
nothing a page does not).
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request, Response
from rdflib import Dataset

from kzgraph.errors import NotFound
from kzgraph.namespaces import KZO
from kzgraph.web.errors import error_response
from kzgraph.web.pages import CANONICAL_BASE
from kzgraph.release import Served
from kzgraph.web.service import public_base

__all__ = ["SITEMAP_LIMIT", "findability_router", "robots_txt", "sitemap_paths"]

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Paths crawlers are kept off, and why (robots.txt rules match by prefix).
DISALLOWED = (
    ("/sparql?", "query answers: computed per query, and the query UI at /sparql stays crawlable"),
    ("/wikidata/sparql", "the Wikidata view's endpoint: the same facts as the pages"),
    ("/search?", "search answers"),
    ("/download/", "the dumps (megabytes each); the list at /download/ stays crawlable"),
    ("/rdf-graphs", "the Graph Store: whole graphs, as the claim pages show them"),
    ("/metrics", "operations"),
)
ALLOWED = ("/download/$",)  # the downloads page itself (longest rule wins, $ ends the path)
# Static pages of the site that belong in the sitemap.
SITE_PAGES = ("/", "/ontology", "/download/")


def robots_txt(base_url: str) -> str:
    lines = ["# kzgraph: pages are for everyone; computed answers and dumps are not for crawling.",
             "User-agent: *"]
    for path, why in DISALLOWED:
        lines.append(f"Disallow: {path}  # {why}")
    lines += [f"Allow: {path}" for path in ALLOWED]
    lines.append(f"Sitemap: {base_url}/sitemap.xml")
    return "\n".join(lines) + "\n"


def sitemap_paths(dataset: Dataset) -> list[str]:
    """The server paths of every page: site pages, then entities, claim graphs and sources,
    each the HTML document of its IRI (``/doc/…``, which answers 200, not the IRI's 303)."""
    found = list(SITE_PAGES)
    for kind, where in (("resource", None), ("graph", f"?s a <{KZO.Claim}>"), ("source", None)):
        prefix = f"{CANONICAL_BASE}{kind}/"
        pattern = where or "?s ?p ?o"
        rows = dataset.query(f'SELECT DISTINCT ?s WHERE {{ {pattern} '
                             f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{prefix}")) }}')
        names = sorted(str(row[0])[len(prefix):] for row in rows)
        found += [f"/doc/{kind}/{name}" for name in names if name]
    return found


def _urlset(base_url: str, paths: list[str], lastmod: str) -> str:
    entries = "".join(f"<url><loc>{escape(base_url + path)}</loc><lastmod>{lastmod}</lastmod></url>\n"
                      for path in paths)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
            f"{entries}</urlset>\n")


def _index(base_url: str, parts: int, lastmod: str) -> str:
    entries = "".join(f"<sitemap><loc>{escape(base_url)}/sitemap-{n}.xml</loc>"
                      f"<lastmod>{lastmod}</lastmod></sitemap>\n" for n in range(1, parts + 1))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
            f"{entries}</sitemapindex>\n")


findability_router = APIRouter(tags=["findability"])


@lru_cache(maxsize=4)  # per served data and version (tests build many apps in one process)
def _pages_of(served: Served, version: int) -> tuple[list[str], str]:
    release = served.release
    return sitemap_paths(release.dataset), release.built.isoformat(timespec="seconds")


def _sitemap_pages(request: Request) -> tuple[list[str], str]:
    served = request.app.state.service.served
    return _pages_of(served, served.version)


@findability_router.api_route("/robots.txt", methods=["GET", "HEAD"], include_in_schema=False)
async def robots(request: Request) -> Response:
    return Response(robots_txt(public_base(request)), media_type="text/plain; charset=utf-8")


@findability_router.api_route("/sitemap.xml", methods=["GET", "HEAD"], include_in_schema=False)
async def sitemap(request: Request) -> Response:
    paths, lastmod = _sitemap_pages(request)
    if len(paths) <= SITEMAP_LIMIT:
        body = _urlset(public_base(request), paths, lastmod)
    else:
        body = _index(public_base(request), -(-len(paths) // SITEMAP_LIMIT), lastmod)
    return Response(body, media_type="application/xml")


@findability_router.api_route("/sitemap-{number}.xml", methods=["GET", "HEAD"],
                              include_in_schema=False)
async def sitemap_part(number: int, request: Request) -> Response:
    paths, lastmod = _sitemap_pages(request)
    part = paths[(number - 1) * SITEMAP_LIMIT:number * SITEMAP_LIMIT] if number >= 1 else []
    if len(paths) <= SITEMAP_LIMIT or not part:
        return error_response(NotFound(f"no sitemap part {number}; see /sitemap.xml"))
    return Response(_urlset(public_base(request), part, lastmod), media_type="application/xml")
