"""SPARQL 1.1 Graph Store HTTP Protocol, read side: GET/HEAD ``/rdf-graphs?default|graph=IRI``.

The default graph is the union of all graphs (as on the query endpoint). Write methods are
refused with 405: the public service is read-only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from rdflib import Dataset, URIRef

from kzgraph.dataset import union_graph
from kzgraph.errors import BadRequest, MethodNotAllowed
from kzgraph.web.conneg import negotiate
from kzgraph.web.pages import RDF_FORMATS

__all__ = ["graph_store_router"]

GRAPH_FORMATS = {media: fmt for media, (fmt, _) in RDF_FORMATS.items() if fmt != "trig"}


def graph_store_router(dataset: Dataset) -> APIRouter:
    router = APIRouter(tags=["graph store"])
    names = {g.identifier for g in dataset.graphs() if len(g)}

    @router.api_route("/rdf-graphs", methods=["GET", "HEAD"], summary="Get a graph (Graph Store Protocol)")
    async def get_graph(request: Request) -> Response:
        graph = _selected_graph(request, dataset, names)
        if graph is None:
            return Response('{"error": "not_found", "message": "no such graph in the dataset"}',
                            status_code=404, media_type="application/json")
        media = negotiate(request.headers.get("accept"), list(GRAPH_FORMATS))
        body = graph.serialize(format=GRAPH_FORMATS[media], encoding="utf-8")
        headers = {"Vary": "Accept", "Content-Length": str(len(body))}
        return Response(b"" if request.method == "HEAD" else body, media_type=media, headers=headers)

    @router.api_route("/rdf-graphs", methods=["PUT", "POST", "DELETE", "PATCH"], include_in_schema=False)
    async def refuse_write() -> Response:
        raise MethodNotAllowed("the graph store is read-only: only GET and HEAD are allowed",
                               headers={"Allow": "GET, HEAD"})

    return router


def _selected_graph(request: Request, dataset: Dataset, names: set):
    params = request.query_params
    if ("default" in params) == ("graph" in params):
        raise BadRequest("name exactly one graph: ?default or ?graph=IRI")
    if "default" in params:
        return union_graph(dataset)
    iri = URIRef(params["graph"])
    return union_graph(dataset, [iri]) if iri in names else None
