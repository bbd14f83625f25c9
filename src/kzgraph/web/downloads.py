"""Dataset downloads and the VoID/DCAT description, with validators and compression.

Each release's files are at ``/download/<version>/<name>`` (the version of
``kzgraph.release.Release``), the URLs VoID/DCAT lists, so that a citation names exactly the
data it used; ``/download/<name>`` is always the release in service. Only the release in service
is kept: another version answers 404 naming the version served.

Each file is serialized once, on first use (and again after a commit replaced the dataset), kept
with its gzip form (in memory; for a built store, as files in its cache entry, reused after a
restart, since at a million quads they weigh hundreds of MB), a strong ETag per representation
(SHA-256 of the bytes sent: the identity and the gzip forms differ, as RFC 9110 §8.8.3 requires of
strong validators) and a Last-Modified derived from the data files; requests get 304 on a matching
If-None-Match / If-Modified-Since, gzip when they accept it, and HEAD answers the same headers
without a body.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph import paths
from kzgraph.atomic import write_atomically
from kzgraph.errors import NotFound, VersionNotServed
from kzgraph.export import FORMATS, export
from kzgraph.namespaces import ONTOLOGY_GRAPH
from kzgraph.store import graph_sizes
from kzgraph.void import Distribution, download_catalogue, versioned_path, void_description
from kzgraph.web.conneg import negotiate, parse_accept
from kzgraph.web.errors import error_response
from kzgraph.web.pages import template_environment
from kzgraph.web.service import public_base
from kzgraph.release import Release

__all__ = ["DownloadFile", "Representation", "build_files", "downloads_router"]

VOID_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                "application/rdf+xml": "xml", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Representation:
    """The bytes sent for one form of a file (as is, or gzipped), or the file holding them."""

    content: bytes | Path
    etag: str
    size: int

    @classmethod
    def of(cls, body: bytes) -> "Representation":
        return cls(body, _etag(body), len(body))


@dataclass(frozen=True)
class DownloadFile:
    name: str
    media_type: str
    plain: Representation
    gzipped: Representation
    triples: int
    description: str
    last_modified: float

    @property
    def size(self) -> int:
        return self.plain.size


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def build_files(dataset: Dataset, directory: Path | None = None) -> dict[str, DownloadFile]:
    """Every download of ``dataset``: in memory, or (``directory``) as files there, written once
    and found again by later calls (their sizes and ETags in ``index.json``)."""
    modified = max((p.stat().st_mtime for p in paths.data_files() + paths.ontology_files()), default=0.0)
    known = _read_index(directory)
    files = {}
    described = {name: what for name, _, what in download_catalogue()}
    for fmt, spec in FORMATS.items():
        name = f"kazcosmos.{spec.extension}"
        what = described[name]
        triples = _count(dataset, spec.keeps_graphs)
        if directory is None:
            plain, packed = _in_memory(export(dataset, fmt))
        else:
            plain, packed = known.get(name) or _on_disk(directory, name, lambda f=fmt: export(dataset, f))
        files[name] = DownloadFile(name, spec.media_type, plain, packed, triples, what, modified)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    files["ontology.ttl"] = DownloadFile(
        "ontology.ttl", "text/turtle", *_in_memory(ontology.serialize(format="turtle", encoding="utf-8")),
        len(ontology), described["ontology.ttl"], modified)
    shapes = Graph()
    for path in paths.shape_files():
        shapes.parse(path)
    files["shapes.ttl"] = DownloadFile(
        "shapes.ttl", "text/turtle", *_in_memory(shapes.serialize(format="turtle", encoding="utf-8")),
        len(shapes), described["shapes.ttl"], modified)
    if directory is not None:
        _write_index(directory, files)
    return files


def _in_memory(body: bytes) -> tuple[Representation, Representation]:
    return Representation.of(body), Representation.of(gzip.compress(body, mtime=0))


def _on_disk(directory: Path, name: str, body: Callable[[], bytes]) -> tuple[Representation, Representation]:
    """Write the file and its gzip form (fast compression: these are the big ones) atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    content = body()
    compressed = gzip.compress(content, compresslevel=1, mtime=0)
    plain, packed = directory / name, directory / f"{name}.gz"
    for target, data in ((plain, content), (packed, compressed)):
        write_atomically(target, data)
    return (Representation(plain, _etag(content), len(content)),
            Representation(packed, _etag(compressed), len(compressed)))


def _read_index(directory: Path | None) -> dict[str, tuple[Representation, Representation]]:
    try:
        entries = json.loads((directory / "index.json").read_text()) if directory else {}
    except (OSError, ValueError):
        return {}
    found = {}
    for name, (etag, size, gzip_etag, gzip_size) in entries.items():
        plain, packed = directory / name, directory / f"{name}.gz"
        if plain.is_file() and packed.is_file():
            found[name] = (Representation(plain, etag, size), Representation(packed, gzip_etag, gzip_size))
    return found


def _write_index(directory: Path, files: dict[str, DownloadFile]) -> None:
    entries = {f.name: (f.plain.etag, f.plain.size, f.gzipped.etag, f.gzipped.size)
               for f in files.values() if isinstance(f.plain.content, Path)}
    write_atomically(directory / "index.json", json.dumps(entries).encode("utf-8"))


def _count(dataset: Dataset, quads: bool) -> int:
    if quads:
        return sum(graph_sizes(dataset).values()) + len(dataset.graph(DATASET_DEFAULT_GRAPH_ID))
    return len(dataset)


downloads_router = APIRouter(tags=["downloads"])
_building = threading.Lock()  # writing a big graph's files once at a time


@dataclass(frozen=True)
class Built:
    """The downloads of one release: its version, its files and their DCAT distributions."""

    version: str
    files: dict[str, DownloadFile]
    distributions: list[Distribution]


# Serialized on first use, not at start-up (serving queries should not wait for dumps), and
# again for a new release; the one in service is kept (a release never changes in place).
@lru_cache(maxsize=1)
def _built_for(release: Release) -> Built:
    entry = release.entry
    files = build_files(release.dataset, entry.path / "downloads" if entry is not None else None)
    return Built(release.version, files,
                 [Distribution(versioned_path(release.version, f.name), f.media_type, f.size,
                               f.triples) for f in files.values()])


async def _built(request: Request) -> Built:
    """The served release's files, built off the event loop: a big graph's take seconds."""
    release = request.app.state.service.served.release

    def build() -> Built:
        with _building:
            return _built_for(release)
    return await asyncio.to_thread(build)


@downloads_router.api_route("/download/", methods=["GET", "HEAD"], include_in_schema=False)
async def listing(request: Request) -> HTMLResponse:
    page = template_environment().get_template("downloads.html")
    current = await _built(request)
    return HTMLResponse(page.render(files=list(current.files.values()), version=current.version))


@downloads_router.api_route("/download/{version}/", methods=["GET", "HEAD"], include_in_schema=False)
async def versioned_listing(version: str, request: Request) -> Response:
    current = await _built(request)
    if version != current.version:
        return error_response(VersionNotServed(version, current.version))
    return await listing(request)


@downloads_router.api_route("/download/{name}", methods=["GET", "HEAD"], summary="Download the dataset")
async def download(name: str, request: Request) -> Response:
    return _serve_named((await _built(request)).files, name, request)


@downloads_router.api_route("/download/{version}/{name}", methods=["GET", "HEAD"],
                            summary="Download one release of the dataset")
async def versioned(version: str, name: str, request: Request) -> Response:
    current = await _built(request)
    if version != current.version:
        return error_response(VersionNotServed(version, current.version))
    return _serve_named(current.files, name, request)


@downloads_router.api_route("/.well-known/void", methods=["GET", "HEAD"],
                            summary="VoID + DCAT description")
async def void(request: Request) -> Response:
    service = request.app.state.service
    media = negotiate(request.headers.get("accept"), list(VOID_FORMATS))
    base = public_base(request)
    release = service.served.release
    distributions = (await _built(request)).distributions
    described = await asyncio.to_thread(void_description, release.dataset, base, distributions,
                                        release)
    body = described.serialize(format=VOID_FORMATS[media], encoding="utf-8")
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _serve_named(files: dict[str, DownloadFile], name: str, request: Request) -> Response:
    """``name`` or ``name.gz``: the file, else 404."""
    compressed = name.endswith(".gz")
    file = files.get(name[:-3] if compressed else name)
    if file is None:
        return error_response(NotFound("no such download; see /download/"))
    return _serve(file, request, force_gzip=compressed)


def _serve(file: DownloadFile, request: Request, force_gzip: bool) -> Response:
    headers = {"Last-Modified": formatdate(file.last_modified, usegmt=True),
               "Vary": "Accept-Encoding", "Cache-Control": "public, max-age=3600"}
    if force_gzip:
        sent, media = file.gzipped, "application/gzip"
        headers["Content-Disposition"] = f'attachment; filename="{file.name}.gz"'
    elif _accepts_gzip(request.headers.get("accept-encoding")):
        sent, media = file.gzipped, file.media_type
        headers["Content-Encoding"] = "gzip"
    else:
        sent, media = file.plain, file.media_type
    headers["ETag"] = sent.etag
    if _not_modified(request, sent.etag, file.last_modified):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(sent.size)
    if request.method == "HEAD":
        return Response(b"", media_type=media, headers=headers)
    if isinstance(sent.content, Path):
        return FileResponse(sent.content, media_type=media, headers=headers)
    return Response(sent.content, media_type=media, headers=headers)


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
