"""Reading the W3C SPARQL 1.1 Graph Store HTTP Protocol manifest (``http-rdf-update``).

Its tests are written as HTTP exchanges in Markdown inside ``rdfs:comment``: a request (method,
path, headers, body) and the expected response (status, headers, body), with ``$GRAPHSTORE$``,
``$HOST$`` and ``$NEWPATH$`` to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDFS

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")


@dataclass
class Exchange:
    name: str
    title: str
    method: str
    target: str                      # path and query, with $…$ placeholders
    headers: dict[str, str]
    body: str
    status: int
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""


def read_manifest(path: Path) -> list[Exchange]:
    graph = Graph().parse(path, format="turtle", publicID=path.as_uri())
    manifest = next(graph.subjects(MF.entries, None))
    return [_exchange(graph, test) for test in Collection(graph, graph.value(manifest, MF.entries))]


def _exchange(graph: Graph, test) -> Exchange:
    text = next(str(c) for c in graph.objects(test, RDFS.comment) if "#### Request" in str(c))
    request, response = text.split("#### Response")
    method, target, headers, body = _message(request.split("#### Request")[1])
    status_line, _, response_headers, response_body = _message(response)
    return Exchange(str(test).rsplit("#", 1)[1], str(graph.value(test, MF.name)), method, target,
                    headers, body, int(status_line), response_headers, response_body)


def _message(block: str) -> tuple[str, str, dict[str, str], str]:
    """(first word, second word, headers, body) of one indented HTTP message."""
    lines = [line[4:] if line.startswith("    ") else line.strip() for line in block.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    first, *rest = lines
    words = first.split()
    headers, index = {}, 0
    while index < len(rest) and rest[index]:
        name, _, value = rest[index].partition(":")
        headers[name.strip()] = value.strip()
        index += 1
    body = "\n".join(rest[index:]).strip()
    return words[0], words[1] if len(words) > 1 else "", headers, body
