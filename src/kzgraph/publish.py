"""Publishing the dataset into an external triplestore with the SPARQL 1.1 Graph Store HTTP Protocol.

https://www.w3.org/TR/sparql11-http-rdf-update/ — every graph is sent with ``PUT``, which replaces
that graph in the store, so publishing twice leaves the store as publishing once. Afterwards each
graph sent is counted in the store — named graphs with one SPARQL ``COUNT`` query when a query
endpoint is given, otherwise (and always for the default graph, which union-default stores would
count as the union) with a Graph Store ``GET`` — and compared with the data.

What the default graph receives: kzgraph's endpoint answers over a default graph that is the set
union of all graphs, so by default (``union``) that union is sent as the store's default graph and
the store answers plain queries as kzgraph does, whatever its own default-graph setting. ``own``
sends only triples that sit in the dataset's default graph (kzgraph's data has none), for stores
set up to make their default graph the union themselves.

Redirects are never followed (credentials must not travel to another host); requests time out;
a transport error or a 502/503/504 is retried (PUT and GET are idempotent); every other failure
is a :class:`~kzgraph.errors.StoreError` naming the URL and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pyoxigraph as ox
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph.dataset import union_graph
from kzgraph.errors import PublishMismatch, StoreError, UsageError
from kzgraph.external import USER_AGENT, checked_url
from kzgraph.store import BuiltStore

__all__ = ["DEFAULT_GRAPH_MODES", "ENV_PREFIX", "KZGRAPH_NAMESPACE", "GraphCount", "GraphStore",
           "PublishOptions", "PublishReport", "Upload", "publish", "uploads"]

ENV_PREFIX = "KZGRAPH_PUBLISH_"
DEFAULT_GRAPH_MODES = ("union", "own")
KZGRAPH_NAMESPACE = "https://w3id.org/kzgraph/"
# N-Triples is a subset of Turtle: sent as Turtle, every Graph Store accepts it, and rdflib writes
# N-Triples much faster than pretty Turtle.
_PUT_TYPE = "text/turtle"
_LINE_FORMATS = ("application/n-triples", "text/plain")  # one triple per line
_PARSE_FORMATS = {"text/turtle": "turtle", "application/rdf+xml": "xml",
                  "application/ld+json": "json-ld", "application/n-quads": "nquads"}
_RETRY_STATUSES = {502, 503, 504}
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class PublishOptions:
    store_url: str                      # the Graph Store endpoint (…?graph=IRI, …?default)
    query_url: str | None = None        # a SPARQL query endpoint, to count and list graphs
    default_graph: str = "union"        # what the default graph receives: union or own
    prune: bool = False                 # delete the store's graphs under prune_under not sent
    prune_under: str = KZGRAPH_NAMESPACE
    timeout: float = 60.0               # seconds per HTTP request
    retries: int = 2                    # further attempts after a transport error or 502/503/504
    backoff: float = 0.5                # first wait between attempts, doubled each time

    def __post_init__(self) -> None:
        checked_url(self.store_url, "--to", ENV_PREFIX)
        if self.query_url:
            checked_url(self.query_url, "--query-url", ENV_PREFIX)
        if self.default_graph not in DEFAULT_GRAPH_MODES:
            raise UsageError(f"--default-graph must be one of {', '.join(DEFAULT_GRAPH_MODES)}")
        if self.prune and not self.query_url:
            raise UsageError("--prune needs --query-url: the store's graphs are listed with SPARQL")
        if self.timeout <= 0 or self.retries < 0:
            raise UsageError("--timeout must be positive and --retries not negative")


@dataclass(frozen=True)
class Upload:
    graph: str | None  # the graph's IRI; None for the default graph
    payload: bytes     # N-Triples
    triples: int

    @property
    def label(self) -> str:
        return graph_label(self.graph)


@dataclass(frozen=True)
class GraphCount:
    graph: str | None
    sent: int
    stored: int

    def __str__(self) -> str:
        return f"{graph_label(self.graph)}: sent {self.sent} triples, the store holds {self.stored}"


@dataclass(frozen=True)
class PublishReport:
    counts: list[GraphCount]
    pruned: list[str]


def graph_label(graph: str | None) -> str:
    return f"<{graph}>" if graph else "default graph"


def uploads(source: Dataset | BuiltStore, default_graph: str = "union") -> list[Upload]:
    """What to send: every non-empty named graph (sorted by IRI), then the default graph."""
    if isinstance(source, BuiltStore):
        return store_uploads(source, default_graph)
    dataset = source
    named = sorted((g for g in dataset.graphs() if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)),
                   key=lambda g: str(g.identifier))
    result = [_upload(str(g.identifier), g) for g in named]
    default = (union_graph(dataset) if default_graph == "union"
               else dataset.graph(DATASET_DEFAULT_GRAPH_ID))
    if len(default):
        result.append(_upload(None, default))
    return result


def _upload(graph: str | None, content: Graph) -> Upload:
    return Upload(graph, content.serialize(format="nt", encoding="utf-8"), len(content))


def store_uploads(built: BuiltStore, default_graph: str = "union") -> list[Upload]:
    """:func:`uploads` of a built store, written by Oxigraph: a million quads take seconds,
    where loading them into rdflib took over a minute and gigabytes."""
    store = built.open()
    named = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    result = [u for u in (_store_upload(store, g, ox.NamedNode(g)) for g in named) if u.triples]
    if default_graph == "own":
        default = _own_default_graph(built)
    elif built.union_copied:  # the store's default graph holds the union, each triple once
        default = _store_upload(store, None, ox.DefaultGraph())
    else:  # no triple is in two graphs: the union is every graph's triples, the default one's too
        parts = [_store_upload(store, None, ox.DefaultGraph()), *result]
        default = Upload(None, b"".join(u.payload for u in parts), sum(u.triples for u in parts))
    if default.triples:
        result.append(default)
    return result


def _store_upload(store: ox.Store, graph: str | None, name: ox.NamedNode | ox.DefaultGraph) -> Upload:
    payload = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name) or b""
    return Upload(graph, payload, payload.count(b"\n"))  # Oxigraph writes a triple per line


def _own_default_graph(built: BuiltStore) -> Upload:
    """The triples written outside any graph: the quads file, read before the union was copied."""
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(path=str(built.nquads_path), format=ox.RdfFormat.N_QUADS)
               if isinstance(q.graph_name, ox.DefaultGraph)]
    payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return Upload(None, payload, payload.count(b"\n"))


def publish(dataset: Dataset | BuiltStore, options: PublishOptions, auth: httpx.Auth | None = None,
            progress: Progress | None = None,
            transport: httpx.BaseTransport | None = None) -> PublishReport:
    """PUT every graph of ``dataset`` (an rdflib dataset, or the store ``kzgraph serve`` builds)
    into the store, prune if asked, then verify the counts.

    Raises StoreError when the store fails or refuses, PublishMismatch when it holds other counts.
    """
    plan = uploads(dataset, options.default_graph)
    with GraphStore(options, auth, transport) as store:
        for done, upload in enumerate(plan, 1):
            store.put(upload.graph, upload.payload)
            if progress is not None:
                progress(done, len(plan), f"{upload.label} ({upload.triples} triples)")
        sent = {u.graph for u in plan}
        pruned = store.prune(sent, options.prune_under) if options.prune else []
        counts = [GraphCount(u.graph, u.triples, stored) for u, stored in zip(plan, store.count(plan))]
    mismatches = [c for c in counts if c.sent != c.stored]
    if mismatches:
        raise PublishMismatch(mismatches)
    return PublishReport(counts, pruned)


class GraphStore:
    """A Graph Store Protocol client (with an optional SPARQL query endpoint beside it)."""

    def __init__(self, options: PublishOptions, auth: httpx.Auth | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.options = options
        self._http = httpx.Client(timeout=options.timeout, follow_redirects=False, auth=auth,
                                  headers={"User-Agent": USER_AGENT}, transport=transport)

    def __enter__(self) -> "GraphStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def graph_url(self, graph: str | None) -> str:
        """The indirect identification of a graph: ``?graph=<encoded IRI>`` or ``?default``."""
        url = self.options.store_url
        query = "default" if graph is None else "graph=" + quote(graph, safe="")
        return f"{url}{'&' if '?' in url else '?'}{query}"

    def put(self, graph: str | None, payload: bytes) -> None:
        try:
            self._send("PUT", self.graph_url(graph), content=payload,
                       headers={"Content-Type": f"{_PUT_TYPE}; charset=utf-8"})
        except StoreError as error:
            if graph is not None:
                raise
            # Virtuoso's Graph Store has no default graph: it answers ?default with HTTP 500.
            raise StoreError(f"{error}. If this store takes no default graph (Virtuoso's "
                             "Graph Store refuses ?default), publish with --default-graph own") from None

    def delete(self, graph: str) -> None:
        self._send("DELETE", self.graph_url(graph), missing_ok=True)

    def count(self, plan: Iterable[Upload]) -> list[int]:
        """The number of triples the store holds in each graph of ``plan``, in order."""
        plan = list(plan)
        named = [u.graph for u in plan if u.graph is not None]
        counted = self._count_named(named) if self.options.query_url and named else {}
        return [counted[u.graph] if u.graph in counted else self.count_by_get(u.graph) for u in plan]

    def count_by_get(self, graph: str | None) -> int:
        headers = {"Accept": "application/n-triples, text/turtle;q=0.5"}
        with self._http.stream("GET", self.graph_url(graph), headers=headers) as response:
            if response.status_code == 404:
                return 0  # the store has no such graph
            _check(response, self.graph_url(graph))
            return _count_triples(response)

    def prune(self, keep: set[str | None], under: str) -> list[str]:
        """Delete the store's named graphs whose IRI starts with ``under`` and that ``keep`` lacks."""
        query = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                 f"FILTER(STRSTARTS(STR(?g), {_string_literal(under)})) }}")
        stale = sorted(row["g"] for row in self._select(query) if row["g"] not in keep)
        for graph in stale:
            self.delete(graph)
        return stale

    def _count_named(self, graphs: list[str]) -> dict[str, int]:
        values = " ".join(f"<{g}>" for g in graphs)
        query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { VALUES ?g { " + values + " } "
                 "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        counts = {g: 0 for g in graphs}  # a graph the store lacks has no row
        for row in self._select(query):
            counts[row["g"]] = int(row["n"])
        return counts

    def _select(self, query: str) -> list[dict[str, str]]:
        url = self.options.query_url
        response = self._send("POST", url, data={"query": query},
                              headers={"Accept": "application/sparql-results+json"})
        try:
            bindings = response.json()["results"]["bindings"]
            return [{k: v["value"] for k, v in b.items()} for b in bindings]
        except (ValueError, KeyError, TypeError):
            raise StoreError(f"{url}: the answer to a SELECT is not SPARQL JSON results "
                             f"({response.headers.get('content-type')}); is --query-url a SPARQL "
                             "query endpoint?") from None

    def _send(self, method: str, url: str, missing_ok: bool = False, **kwargs) -> httpx.Response:
        failure = ""
        for attempt in range(self.options.retries + 1):
            if attempt:
                time.sleep(self.options.backoff * 2 ** (attempt - 1))
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as error:
                failure = _transport_failure(error)
                continue
            if response.status_code not in _RETRY_STATUSES:
                if not (missing_ok and response.status_code == 404):
                    _check(response, url)
                return response
            failure = f"HTTP {response.status_code} {_snippet(response)}"
        raise StoreError(f"{method} {url}: {failure} (after {self.options.retries + 1} attempts); "
                         "is the store running and the URL right? Try later or raise --timeout")


def _transport_failure(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect ({error})"
    if isinstance(error, httpx.TimeoutException):
        return f"no answer in time ({type(error).__name__})"
    return f"{type(error).__name__}: {error}"


_ADVICE = {
    401: "the store wants credentials: set KZGRAPH_PUBLISH_USER and KZGRAPH_PUBLISH_PASSWORD "
         "(KZGRAPH_PUBLISH_AUTH=digest for Virtuoso) or KZGRAPH_PUBLISH_TOKEN",
    403: "the store refused these credentials for writing",
    404: "no Graph Store here: check the URL (README, section Scale-out, lists them)",
    405: "this URL does not take Graph Store writes: check the URL, and that the store is "
         "started read-write (README, section Scale-out)",
    413: "the store refused a graph this large: raise its upload limit",
}


def _check(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if response.is_redirect:
        raise StoreError(f"{url}: HTTP {status}, redirected to {response.headers.get('location')}; "
                         "redirects are not followed (credentials stay with the host named): "
                         "use the final URL")
    if status >= 400:
        if not response.is_closed:
            response.read()
        advice = _ADVICE.get(status, "see the store's log")
        raise StoreError(f"{response.request.method} {url}: HTTP {status} {_snippet(response)}— {advice}")


def _snippet(response: httpx.Response) -> str:
    try:
        text = " ".join(response.text.split())[:300]
    except httpx.ResponseNotRead:
        return ""
    return f"({text}) " if text else ""


def _count_triples(response: httpx.Response) -> int:
    """Triples in a Graph Store GET answer: counted line by line for N-Triples, else parsed."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _LINE_FORMATS:
        count, tail = 0, b""
        for chunk in response.iter_bytes():
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            count += sum(1 for line in lines if _is_triple_line(line))
        return count + _is_triple_line(tail)
    if media not in _PARSE_FORMATS:
        raise StoreError(f"{response.url}: a Graph Store GET answered {media or 'no media type'}; "
                         "expected N-Triples or Turtle")
    graph = Graph()
    try:
        graph.parse(data=response.read(), format=_PARSE_FORMATS[media])
    except Exception as error:  # rdflib's parsers raise many kinds
        raise StoreError(f"{response.url}: the Graph Store GET answer does not parse as {media}: "
                         f"{error}") from None
    return len(graph)


def _is_triple_line(line: bytes) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith(b"#")


def _string_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
