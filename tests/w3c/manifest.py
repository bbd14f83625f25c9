"""Reading the W3C SPARQL 1.1 Protocol test manifest into plain request/expectation records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]            # allowed status classes: 2, 3, 4, 5
    expected_format: str | None   # "boolean", "tabular", "RDF"
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    graphs: dict[str, Path] = field(default_factory=dict)  # graph IRI -> data file
    requests: list[ProtocolRequest] = field(default_factory=list)

    @property
    def is_update(self) -> bool:
        return self.name.split("_")[0] == "update" or self.name.startswith("bad_update")


def read_manifest(path: Path) -> list[ProtocolTest]:
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(MF.entries, None))
    entries = Collection(graph, graph.value(manifest, MF.entries))
    return [_read_test(graph, entry, path.parent) for entry in entries]


def _read_test(graph: Graph, test: URIRef, folder: Path) -> ProtocolTest:
    record = ProtocolTest(name=str(test).rsplit("#", 1)[1], title=str(graph.value(test, MF.name)))
    for data in graph.objects(test, UT.graphData):
        file = folder / str(graph.value(data, UT.graph)).rsplit("/", 1)[1]
        record.graphs[str(graph.value(data, RDFS.label))] = file
    action = graph.value(test, MF.action)
    for request in Collection(graph, graph.value(action, HT.requests)):
        record.requests.append(_read_request(graph, request))
    return record


def _read_request(graph: Graph, request: URIRef) -> ProtocolRequest:
    headers = {}
    listed = graph.value(request, HT.headers)
    for header in Collection(graph, listed) if listed is not None else []:
        headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
    response = graph.value(request, HT.resp)
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return ProtocolRequest(
        method=str(graph.value(request, HT.methodName)),
        path=str(graph.value(request, HT.absolutePath)),
        headers=headers, body=_body(graph, graph.value(request, HT.body)),
        statuses={int(str(s)[-3]) for s in graph.objects(response, MF.expectedStatus)},
        expected_format=str(fmt) if fmt is not None else None,
        expected_boolean=boolean.toPython() if boolean is not None else None,
    )


def _body(graph: Graph, body) -> bytes | None:
    if body is None:
        return None
    encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
    return str(graph.value(body, CNT.chars)).encode(encoding.lower().replace("utf-16", "utf-16"))
