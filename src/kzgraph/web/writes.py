"""Curators' writes over HTTP: bearer-token checks, then the curation library, then a reload.

Writes are off unless curator tokens are configured (``KZGRAPH_CURATOR_TOKEN`` or a tokens file
named by ``--curator-tokens-file``: never a command-line argument, which ``ps`` would show) and a
data directory to commit to. A write is serialized with every other write: validated and
committed by :class:`kzgraph.curation.Curator` in a thread, then the query workers are reloaded
with the new data before the client gets its answer, so it reads its own write.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Callable
from pathlib import Path

from fastapi import Request, Response
from starlette.exceptions import HTTPException
from fastapi.responses import JSONResponse
from rdflib import Graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from kzgraph.config import Settings
from kzgraph.curation import Change, Curator, DatasetFile, report_json
from kzgraph.dataset import syntax_reason
from kzgraph.errors import (
    BadRequest,
    Forbidden,
    NotAcceptable,
    RequestTimeout,
    Unauthorized,
    UnsupportedMediaType,
    UsageError,
    WriteRejected,
)
from kzgraph.validation import load_shapes
from kzgraph.web.bodies import check_declared_length, read_body
from kzgraph.web.conneg import negotiate
from kzgraph.web.errors import error_body
from kzgraph.web.releases import Releases
from kzgraph.release import Release

__all__ = ["Writer", "change_response", "curator_tokens", "rdf_body", "read_rdf",
           "rejection_response"]

TOKEN_ENV = "KZGRAPH_CURATOR_TOKEN"
# Media types a Graph Store write may carry → rdflib parser.
BODY_FORMATS = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "nt",
    "text/plain": "nt", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
}
REPORT_FORMATS = ("application/json", "text/turtle")


def curator_tokens(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """token → curator name, from ``KZGRAPH_CURATOR_TOKEN`` ("curator") and the tokens file
    (lines ``name token``; ``#`` comments)."""
    environ = os.environ if environ is None else environ
    tokens = {}
    if environ.get(TOKEN_ENV):
        tokens[environ[TOKEN_ENV].strip()] = "curator"
    if settings.curator_tokens_file:
        path = Path(settings.curator_tokens_file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise UsageError(f"cannot read the curator tokens file {path}: {error.strerror}") from None
        for number, line in enumerate(lines, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 2:
                raise UsageError(f"{path}:{number}: write one 'name token' pair per line")
            tokens[words[1]] = words[0]
    if any(len(token) < 16 for token in tokens):
        raise UsageError("a curator token must be at least 16 characters long")
    return tokens


class Writer:
    def __init__(self, curator: Curator, tokens: dict[str, str], releases: Releases,
                 max_body_bytes: int = 1_000_000, body_seconds: float = 10.0) -> None:
        self.curator = curator
        self.tokens = tokens
        self.releases = releases
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds  # for the body to arrive (slow loris)
        releases.listeners.append(self._follow_files)

    @classmethod
    def from_settings(cls, settings: Settings, releases: Releases,
                      curator: Curator | None = None,
                      tokens: dict[str, str] | None = None) -> "Writer | None":
        """The writer a deployment configured, or None when writes are off."""
        tokens = curator_tokens(settings) if tokens is None else tokens
        if not tokens:
            return None
        if curator is None:
            if not settings.data_dir:
                raise UsageError("curator tokens are configured but no --data-dir to commit "
                                 "writes to; set one (or remove the tokens)")
            curator = Curator(releases.served.dataset, DatasetFile(settings.data_dir), load_shapes())
        return cls(curator, tokens, releases, settings.max_body_bytes, settings.query_timeout)

    def curator_name(self, request: Request) -> str:
        """The name of the curator whose bearer token the request carries."""
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("writes need a curator token: Authorization: Bearer <token>",
                               headers={"WWW-Authenticate": 'Bearer realm="kzgraph"'})
        for known, name in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.strip().encode()):
                return name
        raise Forbidden("this token is not a curator's; nothing was changed",
                        headers={"WWW-Authenticate": 'Bearer realm="kzgraph", error="invalid_token"'})

    async def write(self, request: Request, apply: Callable[[str], Change]) -> Change:
        """Authenticate, then commit ``apply(curator name)`` and put the result in service before
        answering (so the curator reads their own write), one write at a time."""
        who = self.curator_name(request)
        request.state.curator = who
        async with self.releases.lock:
            change = await asyncio.to_thread(apply, who)
            release = await asyncio.to_thread(Release.build, self.curator.dataset)
            await self.releases.publish(release, "commit")
            if self.curator.report is not None:
                self.releases.mark_valid(release, self.curator.report)
            return change

    def _follow_files(self, source: str, release: Release | None) -> None:
        """Changed data files were published: later writes apply to them."""
        if source == "files" and release is not None:
            self.curator.reset(release.dataset)


async def read_rdf(request: Request, base: str, limit: int, seconds: float) -> Graph:
    """The RDF a Graph Store write carries: one body in an RDF media type, or the parts of a
    multipart/form-data body, each in its own RDF media type (merged)."""
    content_type = request.headers.get("content-type")
    if (content_type or "").split(";")[0].strip().lower() != "multipart/form-data":
        return rdf_body(await read_body(request, limit, seconds), content_type, base)
    check_declared_length(request, limit)
    graph = Graph()
    try:
        async with asyncio.timeout(seconds), \
                request.form(max_files=100, max_fields=100, max_part_size=limit) as form:
            for _, part in form.multi_items():
                if isinstance(part, str):
                    raise BadRequest("each part of a multipart write must be a file with an RDF "
                                     "Content-Type")
                graph += rdf_body(await part.read(), part.content_type, base)
    except HTTPException as error:  # Starlette's answer to a malformed multipart body
        raise BadRequest(f"the multipart/form-data body does not parse: {error.detail}") from None
    except TimeoutError:
        raise RequestTimeout(f"the request body did not arrive within {seconds:g} s") from None
    return graph


def rdf_body(body: bytes, content_type: str | None, base: str) -> Graph:
    """Parse a Graph Store request body by its media type."""
    media = (content_type or "").split(";")[0].strip().lower()
    fmt = BODY_FORMATS.get(media)
    if fmt is None:
        raise UnsupportedMediaType(f"send RDF as one of {', '.join(BODY_FORMATS)}; got "
                                   f"{media or 'no Content-Type'}")
    graph = Graph()
    try:
        _parse_lenient(graph, body, fmt, base)
    except BadSyntax as error:
        raise BadRequest(f"the {media} body does not parse: {syntax_reason(error)} (line {error.lines + 1})") from None
    except Exception as error:  # rdflib's parsers raise many kinds
        raise BadRequest(f"the {media} body does not parse: {error}") from None
    return graph


def _parse_lenient(graph: Graph, body: bytes, fmt: str, base: str) -> None:
    """Parse; a Turtle body whose last statement lacks its final "." (as the W3C Graph Store
    Protocol tests send) is read as if it had it."""
    try:
        graph.parse(data=body, format=fmt, publicID=base)
    except Exception:
        if fmt != "turtle" or body.rstrip().endswith(b"."):
            raise
        graph.remove((None, None, None))
        graph.parse(data=body.rstrip() + b" .", format=fmt, publicID=base)


def rejection_response(error: WriteRejected, accept: str | None) -> Response:
    """422 with the SHACL report, as JSON or Turtle by Accept."""
    try:
        media = negotiate(accept, list(REPORT_FORMATS))
    except NotAcceptable:
        media = "application/json"  # the report matters more than the client's preference
    if media == "text/turtle":
        lines = [f"# {error.report.summary()}"] + [f"# {line}" for line in error.report.lines()]
        graph = error.report.graph if error.report.graph is not None else Graph()
        return Response("\n".join(lines) + "\n" + graph.serialize(format="turtle"),
                        status_code=error.status, media_type="text/turtle; charset=utf-8")
    body = {**error_body(error), "report": report_json(error.report)}
    return JSONResponse(body, status_code=error.status)


def change_response(change: Change, status: int = 200, headers: dict | None = None) -> Response:
    return JSONResponse(change.as_json(), status_code=status, headers=headers)

