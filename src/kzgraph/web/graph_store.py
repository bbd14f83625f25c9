"""SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs``.

Graphs are named indirectly (``?default``, ``?graph=IRI``) or directly (``/rdf-graphs/x``: the
graph whose IRI is that URL). GET and HEAD are public; the default graph is the union of all
graphs, as on the query endpoint. PUT, POST and DELETE are curators' writes (bearer token,
SHACL-gated, see ``kzgraph.web.writes``); without curator tokens configured they get 405.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from rdflib import URIRef

from kzgraph.dataset import union_graph
from kzgraph.errors import BadRequest, MethodNotAllowed, NotFound
from kzgraph.store import graph_sizes
from kzgraph.web.conneg import negotiate
from kzgraph.web.errors import error_response
from kzgraph.web.pages import RDF_FORMATS
from kzgraph.web.writes import Writer, change_response, read_rdf

__all__ = ["graph_store_router"]

GRAPH_FORMATS = {media: fmt for media, (fmt, _) in RDF_FORMATS.items() if fmt != "trig"}
PREFIX = "/rdf-graphs"
DEFAULT = None  # the graph name of the default graph in this module


graph_store_router = APIRouter(tags=["graph store"])


async def _read(request: Request, name: URIRef | None) -> Response:
    dataset = request.app.state.service.served.dataset
    if name is DEFAULT:
        graph = union_graph(dataset)
    elif name in graph_sizes(dataset):
        graph = union_graph(dataset, [name])
    else:
        return _not_found()
    media = negotiate(request.headers.get("accept"), list(GRAPH_FORMATS))
    body = graph.serialize(format=GRAPH_FORMATS[media], encoding="utf-8")
    headers = {"Vary": "Accept", "Content-Length": str(len(body))}
    return Response(b"" if request.method == "HEAD" else body, media_type=media, headers=headers)


def _writer(request: Request) -> Writer:
    writer = request.app.state.service.writer
    if writer is None:
        raise MethodNotAllowed("the graph store is read-only: only GET and HEAD are allowed",
                               headers={"Allow": "GET, HEAD"})
    writer.curator_name(request)  # refuse a bad token before reading the body
    return writer


async def _write(request: Request, name: URIRef | None, creating: bool = False) -> Response:
    writer = _writer(request)
    curator = writer.curator
    if request.method == "DELETE":
        if not curator.has_graph(name):
            return _not_found()
        return change_response(await writer.write(request, lambda who: curator.delete_graph(name, who)))
    triples = await read_rdf(request, str(name) if name is not DEFAULT else str(request.url),
                             writer.max_body_bytes, writer.body_seconds)
    existed = curator.has_graph(name)
    if request.method == "PUT":
        change = await writer.write(request, lambda who: curator.replace_graph(name, triples, who))
    else:
        change = await writer.write(request, lambda who: curator.add_to_graph(name, triples, who))
    if creating:
        return change_response(change, 201, {"Location": str(name)})
    return change_response(change, 200 if existed else 201)


@graph_store_router.api_route(PREFIX, methods=["GET", "HEAD"], summary="Get a graph (Graph Store Protocol)")
async def get_indirect(request: Request) -> Response:
    return await _read(request, _indirect_name(request))


@graph_store_router.api_route(PREFIX + "/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def get_direct(request: Request, path: str) -> Response:
    return await _read(request, _direct_name(request))


@graph_store_router.api_route(PREFIX, methods=["PUT", "POST", "DELETE", "PATCH"], include_in_schema=False)
async def write_indirect(request: Request) -> Response:
    params = request.query_params
    if request.method == "POST" and "default" not in params and "graph" not in params:
        # POST to the store itself: a new graph, named by the server
        new = URIRef(f"{str(request.base_url).rstrip('/')}{PREFIX}/{uuid.uuid4().hex}")
        return await _write(request, new, creating=True)
    _refuse_patch(request)
    return await _write(request, _indirect_name(request))


@graph_store_router.api_route(PREFIX + "/{path:path}", methods=["PUT", "POST", "DELETE", "PATCH"],
                              include_in_schema=False)
async def write_direct(request: Request, path: str) -> Response:
    _refuse_patch(request)
    return await _write(request, _direct_name(request))


def _refuse_patch(request: Request) -> None:
    if request.method == "PATCH":
        raise MethodNotAllowed("PATCH is not part of the Graph Store Protocol; use SPARQL Update",
                               headers={"Allow": "GET, HEAD, PUT, POST, DELETE"})


def _indirect_name(request: Request) -> URIRef | None:
    params = request.query_params
    if ("default" in params) == ("graph" in params):
        raise BadRequest("name exactly one graph: ?default or ?graph=IRI")
    return DEFAULT if "default" in params else URIRef(params["graph"])


def _direct_name(request: Request) -> URIRef:
    return URIRef(str(request.url).split("?", 1)[0])


def _not_found() -> Response:
    return error_response(NotFound("no such graph in the dataset"))
