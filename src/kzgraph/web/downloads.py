"""Dataset downloads and the VoID/DCAT description, with validators and compression.

Each file is serialized once, on first use (and again after a commit replaced the dataset), kept
with its gzip form, a strong ETag per representation (SHA-256 of the bytes sent: the identity and
the gzip forms differ, as RFC 9110 §8.8.3 requires of strong validators) and a Last-Modified
derived from the data files; requests get 304 on a matching If-None-Match / If-Modified-Since,
gzip when they accept it, and HEAD answers the same headers without a body.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph import paths
from kzgraph.export import FORMATS, export
from kzgraph.namespaces import ONTOLOGY_GRAPH
from kzgraph.store import graph_sizes
from kzgraph.void import Distribution, void_description
from kzgraph.web.conneg import negotiate, parse_accept
from kzgraph.web.pages import template_environment
from kzgraph.web.state import Served

__all__ = ["DownloadFile", "downloads_router"]

VOID_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                "application/rdf+xml": "xml", "application/n-triples": "nt"}


@dataclass(frozen=True)
class DownloadFile:
    name: str
    media_type: str
    body: bytes
    gzipped: bytes
    triples: int
    description: str
    last_modified: float

    @property
    def etag(self) -> str:
        return _etag(self.body)

    @property
    def gzip_etag(self) -> str:
        return _etag(self.gzipped)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def build_files(dataset: Dataset) -> dict[str, DownloadFile]:
    modified = max((p.stat().st_mtime for p in paths.data_files() + paths.ontology_files()), default=0.0)
    files = {}
    for fmt, spec in FORMATS.items():
        body = export(dataset, fmt)
        what = "named graphs with provenance" if spec.keeps_graphs else "all graphs merged"
        files[f"kazcosmos.{spec.extension}"] = _file(f"kazcosmos.{spec.extension}", spec.media_type,
                                                      body, _count(dataset, spec.keeps_graphs), what, modified)
    ontology = dataset.graph(ONTOLOGY_GRAPH).serialize(format="turtle", encoding="utf-8")
    files["ontology.ttl"] = _file("ontology.ttl", "text/turtle", ontology,
                                  len(dataset.graph(ONTOLOGY_GRAPH)), "the ontology alone", modified)
    shapes = Graph()
    for path in paths.shape_files():
        shapes.parse(path)
    files["shapes.ttl"] = _file("shapes.ttl", "text/turtle", shapes.serialize(format="turtle", encoding="utf-8"),
                                len(shapes), "the SHACL shapes", modified)
    return files


def _count(dataset: Dataset, quads: bool) -> int:
    if quads:
        return sum(graph_sizes(dataset).values()) + len(dataset.graph(DATASET_DEFAULT_GRAPH_ID))
    return len(dataset)


def _file(name, media_type, body, triples, description, modified) -> DownloadFile:
    return DownloadFile(name, media_type, body, gzip.compress(body, mtime=0), triples, description, modified)


def downloads_router(served: Served, base_url: str | None = None) -> APIRouter:
    router = APIRouter(tags=["downloads"])

    @lru_cache(maxsize=1)
    def built_for(version: int) -> tuple[dict[str, DownloadFile], list[Distribution]]:
        # Serialized on first use, not at start-up: serving queries should not wait for dumps;
        # and again after a commit replaced the dataset.
        files = build_files(served.dataset)
        return files, [Distribution(f"/download/{f.name}", f.media_type, len(f.body), f.triples)
                       for f in files.values()]

    def built() -> tuple[dict[str, DownloadFile], list[Distribution]]:
        return built_for(served.version)

    @router.api_route("/download/", methods=["GET", "HEAD"], include_in_schema=False)
    async def listing() -> HTMLResponse:
        page = template_environment().get_template("downloads.html")
        return HTMLResponse(page.render(files=list(built()[0].values())))

    @router.api_route("/download/{name}", methods=["GET", "HEAD"], summary="Download the dataset")
    async def download(name: str, request: Request) -> Response:
        compressed = name.endswith(".gz")
        file = built()[0].get(name[:-3] if compressed else name)
        if file is None:
            return Response('{"error": "not_found", "message": "no such download; see /download/"}',
                            status_code=404, media_type="application/json")
        return _serve(file, request, force_gzip=compressed)

    @router.api_route("/.well-known/void", methods=["GET", "HEAD"], summary="VoID + DCAT description")
    async def void(request: Request) -> Response:
        media = negotiate(request.headers.get("accept"), list(VOID_FORMATS))
        base = base_url or str(request.base_url).rstrip("/")
        body = void_description(served.dataset, base, built()[1], served.release).serialize(format=VOID_FORMATS[media], encoding="utf-8")
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    return router


def _serve(file: DownloadFile, request: Request, force_gzip: bool) -> Response:
    headers = {"Last-Modified": formatdate(file.last_modified, usegmt=True),
               "Vary": "Accept-Encoding", "Cache-Control": "public, max-age=3600"}
    if force_gzip:
        body, media, etag = file.gzipped, "application/gzip", file.gzip_etag
        headers["Content-Disposition"] = f'attachment; filename="{file.name}.gz"'
    elif _accepts_gzip(request.headers.get("accept-encoding")):
        body, media, etag = file.gzipped, file.media_type, file.gzip_etag
        headers["Content-Encoding"] = "gzip"
    else:
        body, media, etag = file.body, file.media_type, file.etag
    headers["ETag"] = etag
    if _not_modified(request, etag, file.last_modified):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(body))
    return Response(b"" if request.method == "HEAD" else body, media_type=media, headers=headers)


def _accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip (``gzip;q=0`` refuses it)."""
    codings = parse_accept(header or "identity")  # same q-value syntax as Accept
    return any(coding in ("gzip", "x-gzip", "*") and quality > 0 for coding, quality in codings)


def _not_modified(request: Request, etag: str, last_modified: float) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        return etag in [t.strip() for t in tags.split(",")] or tags.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(last_modified) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False
