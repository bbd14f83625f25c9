"""The SPARQL 1.1 Protocol endpoint: request parsing, safety policy, negotiation, execution.

Built on rdflib-endpoint's ``SparqlRouter`` (its title, description, example queries and router
plumbing), with its query routes replaced: kzgraph's handlers read the protocol strictly (one
``query``, form or direct POST, UTF-8 only), refuse updates, check the query against the SERVICE
allowlist and the size caps, and run it on the query executor (kzgraph's worker processes or a
``--backend``; see ``kzgraph.query.executor``) with a timeout. FROM / FROM NAMED only select
graphs already in the dataset: the engine never loads a document named in a query.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from urllib.parse import parse_qsl

from fastapi import Request, Response
from rdflib import Dataset
from rdflib_endpoint import SparqlRouter

from kzgraph.config import Settings
from kzgraph.errors import (
    BadRequest,
    MethodNotAllowed,
    PayloadTooLarge,
    QueryTimeout,
    ServiceNotAllowed,
    UnsupportedMediaType,
    UpdateRefused,
)
from kzgraph.examples import Example
from kzgraph.matching import FUNCTIONS
from kzgraph.query.cache import Answer, ResultCache, etag_of
from kzgraph.query.diagnose import explained
from kzgraph.query.formats import FORMAT_ALIASES, ResultFormat, formats_for
from kzgraph.query.inspect import QueryShape, inspect_query
from kzgraph.query.executor import QueryExecutor
from kzgraph.query.worker import Job
from kzgraph.prefixes import prefix_lines, used_prefixes
from kzgraph.web.bodies import read_body
from kzgraph.web.conneg import negotiate
from kzgraph.web.service_description import SD_FORMATS, service_description
from kzgraph.web.writes import Writer, change_response
from kzgraph.wikidata.label_service import refuse_label_service, rewrite_label_service

__all__ = ["KzgraphSparqlRouter", "QueryRequest"]

FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class QueryRequest:
    """A protocol query operation: the query and the protocol dataset, if any."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None

    @property
    def has_protocol_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


class KzgraphSparqlRouter(SparqlRouter):
    """rdflib-endpoint's router with kzgraph's safe, bounded query handlers at ``path``."""

    def __init__(self, dataset: Callable[[], Dataset], pool: QueryExecutor, settings: Settings,
                 examples: list[Example], *, writer: Writer | None = None,
                 release_version: Callable[[], str] | None = None,
                 cache: ResultCache | None = None,
                 dataset_name: str = "kzgraph",
                 prefixes: dict[str, str] | None = None,
                 dataset_note: str = "the default graph is the union of all graphs",
                 label_service: bool = False,
                 related: Sequence[tuple[str, str, str]] = (), **kwargs) -> None:
        """``dataset`` gives the dataset served now (a commit replaces it), ``release_version``
        its version (part of the key of ``cache``, the answers kept); ``writer`` takes curators' updates (None: read-only); ``dataset_name`` names the pool's dataset the
        queries run on; ``prefixes`` are predefined for every query (as the Wikidata Query
        Service predefines wd:, wdt:, …); ``dataset_note`` tells the query UI's readers what they
        query; ``label_service``: answer WDQS's ``SERVICE wikibase:label`` (by rewriting the
        query, see ``kzgraph.wikidata.label_service``), else refuse it with a pointer;
        ``related``: (path, title, description) of the site's other endpoints, named in the
        service description."""
        # rdflib-endpoint's own service description (replaced by kzgraph's, see service()) would
        # count every named graph with rdflib at start-up: minutes and ~130 MB at 1M quads.
        super().__init__(graph=Dataset(default_union=True), enable_update=False, example_queries={
            e.title: {"query": e.display_query} for e in examples}, **kwargs)
        self.routes.clear()  # replaced by the handlers below
        self.pool = pool
        self.settings = settings
        self.examples = examples
        self._dataset = dataset
        self.writer = writer
        self.release_version = release_version  # for the service description and the cache
        self.cache = cache
        self.dataset_name = dataset_name
        # kzf: functions are kzgraph's engine's own: a --backend's engine does not have them
        self.kzgraph_functions = pool.runs_kzgraph_functions(dataset_name)
        self.prefixes = tuple(sorted((prefixes or {}).items()))
        self.dataset_note = dataset_note
        self.label_service = label_service
        self.related = tuple(related)
        for path in (self.path, self.path + "/"):
            self.add_api_route(path, self.get, methods=["GET"], include_in_schema=path == self.path,
                               summary="SPARQL query (GET), query UI or service description")
            self.add_api_route(path, self.post, methods=["POST"], include_in_schema=path == self.path,
                               summary="SPARQL query (URL-encoded or direct POST)")

    async def get(self, request: Request) -> Response:
        params = _url_params(request)
        if _values(params, "update"):
            raise MethodNotAllowed("SPARQL Update is not available (and never via GET); "
                                   "this endpoint is read-only", headers={"Allow": "GET, POST"})
        if not _values(params, "query"):
            return self.describe_service(request)
        return await self.answer(request, _query_request(params), request.headers.get("accept"))

    @property
    def dataset(self) -> Dataset:
        return self._dataset()

    async def post(self, request: Request) -> Response:
        media_type, charset = _content_type(request.headers.get("content-type"))
        body = await read_body(request, self.settings.max_body_bytes, self.settings.query_timeout)
        url_params = _url_params(request)
        if media_type == DIRECT_UPDATE:
            return await self.update(request, [("update", _decode(body, charset)), *url_params])
        if media_type == FORM:
            params = [*_form_params(_decode(body, charset)), *url_params]
            if _values(params, "update"):
                return await self.update(request, params)
            return await self.answer(request, _query_request(params), request.headers.get("accept"))
        if media_type == DIRECT_QUERY:
            params = list(url_params)
            if _values(params, "query"):
                raise BadRequest("a direct POST carries the query in its body, not in ?query=")
            params.append(("query", _decode(body, charset)))
            return await self.answer(request, _query_request(params), request.headers.get("accept"))
        raise UnsupportedMediaType(
            f"POST a query as {FORM} (query=...) or as {DIRECT_QUERY}; got {media_type or 'no Content-Type'}")

    async def answer(self, request: Request, operation: QueryRequest, accept: str | None) -> Response:
        query = self.prepared(operation.query)
        shape = self.check(query)
        chosen = _choose_format(shape, operation.format, accept)
        job = Job(
            query=query, engine_format=chosen.engine_name,
            default_graphs=operation.default_graphs if operation.has_protocol_dataset else None,
            named_graphs=operation.named_graphs if operation.has_protocol_dataset else None,
            max_bytes=self.settings.max_result_bytes, base_iri=self.endpoint_url(request),
            dataset=self.dataset_name, prefixes=self.prefixes,
            service_timeout=self.settings.service_timeout,
            service_max_bytes=self.settings.service_max_bytes,
        )
        try:
            answer = await self.cached(request, job, cacheable=not shape.services)
        except BadRequest as error:
            raise explained(error, operation.query, [name for name, _ in self.prefixes],
                            FUNCTIONS if self.kzgraph_functions else ()) from None
        headers = {"Vary": "Accept", "ETag": answer.etag}
        if _matches(request.headers.get("if-none-match"), answer.etag):
            return Response(status_code=304, headers=headers)
        return Response(answer.payload, media_type=_with_charset(chosen), headers=headers)

    async def cached(self, request: Request, job: Job, cacheable: bool) -> Answer:
        """The answer from the cache, else from the engine (and then kept). SERVICE answers come
        from elsewhere and may change without a new release: they are never kept."""
        request.state.query_hash = hashlib.sha256(job.query.encode("utf-8")).hexdigest()[:16]
        key = (self.release_version() if self.release_version else None, job)
        if cacheable and self.cache is not None and self.cache.enabled:
            hit = self.cache.get(key)
            request.state.cache = "hit" if hit is not None else "miss"
            if hit is not None:
                return hit
            return self.cache.put(key, await self.run(request, job))
        return Answer(payload := await self.run(request, job), etag_of(payload))

    async def run(self, request: Request, job: Job) -> bytes:
        """Run the job in the pool, telling the operations layer (metrics, access log, query-time
        limits) what ran, for how long and how it ended."""
        state = request.state
        loop = asyncio.get_running_loop()
        timing = {"asked": loop.time()}
        state.query_outcome = "error"
        try:
            payload = await self.pool.run(job, self.settings.query_timeout, timing)
            state.query_outcome = "ok"
            return payload
        except QueryTimeout:
            state.query_outcome = "timeout"
            raise
        finally:
            now = loop.time()
            state.query_seconds = round(now - timing["asked"], 6)  # what the client waited
            # what the engine spent: charged to the client's query time (0 if it never ran)
            state.query_cost = round(now - timing.get("started", now), 6)

    async def update(self, request: Request, params: Sequence[tuple[str, str]]) -> Response:
        """A protocol update operation: refused (403) unless a curator sends it."""
        if self.writer is None:
            raise UpdateRefused("SPARQL Update is refused: this public endpoint is read-only")
        updates = _values(params, "update")
        if len(updates) != 1 or _values(params, "query"):
            raise BadRequest(f"exactly one 'update' parameter (and no 'query') is required; "
                             f"got {len(updates)}")
        self.check_size(updates[0])
        using, using_named = _values(params, "using-graph-uri"), _values(params, "using-named-graph-uri")
        change = await self.writer.write(request, lambda who: self.writer.curator.update(
            updates[0], who, using, using_named, base=self.endpoint_url(request)))
        return change_response(change)

    def check_size(self, text: str) -> QueryShape:
        limits = self.settings
        if len(text) > limits.max_query_length:
            raise PayloadTooLarge(f"the request is {len(text)} characters long; "
                                  f"the limit is {limits.max_query_length}")
        shape = inspect_query(text)
        if shape.depth > limits.max_query_depth:
            raise PayloadTooLarge(f"the request nests {shape.depth} levels deep; "
                                  f"the limit is {limits.max_query_depth}")
        return shape

    def prepared(self, query: str) -> str:
        """The query as it will run: the label service answered by ordinary patterns where it
        is offered, refused where it is not. Done before the checks and before the query goes
        to a worker or a --backend, so both see plain SPARQL."""
        if "label" not in query.lower():  # no label service can be named: skip the lexing
            return query
        self.check_size(query)
        if self.label_service:
            return rewrite_label_service(query, dict(self.prefixes))
        refuse_label_service(query, dict(self.prefixes), self.path)
        return query

    def check(self, query: str) -> QueryShape:
        """Refuse what must never run: oversized, too deep, updates, SERVICE off the allowlist."""
        limits = self.settings
        shape = self.check_size(query)
        if shape.is_update:
            raise UpdateRefused("SPARQL Update is refused: this public endpoint is read-only")
        if shape.unchecked_service is not None:
            raise ServiceNotAllowed(
                f"the word SERVICE at character {shape.unchecked_service} cannot be checked "
                "against the SERVICE allowlist: write SERVICE as a keyword on its own, and put "
                "spaces around '<' when it means less-than")
        for service in shape.services:
            if service not in limits.service_allowlist:
                raise ServiceNotAllowed(
                    f"SERVICE <{service}> is not allowed; SERVICE must name one of these endpoints "
                    f"in full: {', '.join(limits.service_allowlist) or '(none configured)'}")
        return shape

    def describe_service(self, request: Request) -> Response:
        offered = ["text/html", *SD_FORMATS]
        chosen = negotiate(request.headers.get("accept"), offered)
        if chosen == "text/html":
            return self.query_ui()
        endpoint = self.endpoint_url(request)
        site = endpoint.removesuffix(self.path)
        graph = service_description(self.dataset, endpoint,
                                    self.release_version() if self.release_version else None,
                                    self.writer is not None, functions=self.kzgraph_functions,
                                    prefixes=self.prefixes, related=tuple(
                                        (site + path, title, text) for path, title, text in self.related))
        body = graph.serialize(format=SD_FORMATS[chosen], encoding="utf-8")
        return Response(body, media_type=chosen, headers={"Vary": "Accept"})

    def endpoint_url(self, request: Request) -> str:
        """The endpoint's URL: the configured public URL, else the one the client used."""
        if self.settings.public_url:
            return f"{self.settings.public_url.rstrip('/')}{self.path}"
        return str(request.base_url).rstrip("/") + self.path

    def query_ui(self) -> Response:
        page = resources.files("kzgraph.web").joinpath("static/query-ui.html").read_text("utf-8")
        # The editor checks syntax itself and knows nothing of predefined prefixes: each example
        # shows the ones it uses; the page lists them all.
        examples = [{"title": e.title, "query": _after_comments(
            e.display_query, prefix_lines(used_prefixes(e.display_query, self.prefixes)))}
            for e in self.examples]
        # "</" inside the embedded JSON must not close the <script> element.
        data = json.dumps(examples, ensure_ascii=False).replace("</", "<\\/")
        page = (page.replace("__TITLE__", _html_escape(self.title))
                .replace("__DATASET_NOTE__", _html_escape(self.dataset_note))
                .replace("__PREFIXES__", _html_escape(prefix_lines(self.prefixes)))
                .replace("__PREFIX_COUNT__", str(len(self.prefixes)))
                .replace("__EXAMPLES__", data))
        return Response(page, media_type="text/html; charset=utf-8")


def _after_comments(query: str, text: str) -> str:
    """``query`` with ``text`` inserted after its leading comment lines."""
    lines = query.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    return "".join(lines[:head]) + text + "".join(lines[head:])


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Whether a conditional request already holds this answer (RFC 9110, 13.1.2)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _url_params(request: Request) -> tuple[tuple[str, str], ...]:
    """The parameters in the request's URL, strictly UTF-8 (Starlette's ``query_params`` would
    read other bytes as Latin-1 and run a different query). As in a URL, ``#`` ends them."""
    raw = request.scope.get("query_string", b"")
    if not raw:
        return ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the URL's query string is not valid UTF-8 (byte {error.start})") from None
    return _form_params(text.partition("#")[0])


def _form_params(text: str) -> tuple[tuple[str, str], ...]:
    """``text`` (URL-encoded form data or a URL's query string) as (name, value) pairs."""
    return tuple(parse_qsl(text, keep_blank_values=True))


def _values(params: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _query_request(params: Sequence[tuple[str, str]]) -> QueryRequest:
    queries = _values(params, "query")
    if len(queries) != 1:
        raise BadRequest(f"exactly one 'query' parameter is required; got {len(queries)}")
    if not queries[0].strip():
        raise BadRequest("the 'query' parameter is empty")
    formats = _values(params, "format")
    return QueryRequest(
        query=queries[0],
        default_graphs=tuple(_values(params, "default-graph-uri")),
        named_graphs=tuple(_values(params, "named-graph-uri")),
        format=formats[-1] if formats else None,
    )


def _content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media, *params = [part.strip() for part in header.split(";")]
    charset = next((p.partition("=")[2].strip('"').lower() for p in params
                    if p.lower().startswith("charset=")), None)
    return media.lower(), charset


def _decode(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"the request body must be UTF-8 (charset={charset} given)")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the request body is not valid UTF-8: {error.reason} at byte {error.start}") from None


def _choose_format(shape: QueryShape, format_param: str | None, accept: str | None) -> ResultFormat:
    if format_param:
        wanted = FORMAT_ALIASES.get(format_param.lower(), (format_param.lower(),))
        accept = ", ".join(wanted)
    return _negotiated(shape.form or "SELECT", accept)


def _negotiated(form: str, accept: str | None) -> ResultFormat:
    by_type: dict[str, ResultFormat] = {}
    for candidate in formats_for(form):
        by_type.setdefault(candidate.media_type, candidate)  # the first listed engine format wins
    return by_type[negotiate(accept, list(by_type))]


def _with_charset(chosen: ResultFormat) -> str:
    binary_safe = chosen.media_type.endswith(("json", "xml")) or chosen.media_type.startswith("text/")
    return f"{chosen.media_type}; charset=utf-8" if binary_safe else chosen.media_type


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
