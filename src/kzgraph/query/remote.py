"""Running kzgraph's queries on an external SPARQL endpoint instead of the local worker processes.

``kzgraph serve --backend URL``: everything in front of execution stays kzgraph's — protocol
parsing, the safety checks (updates refused, SERVICE allowlist, length and depth caps, FROM and
the protocol dataset only selecting graphs), content negotiation — and :class:`RemoteExecutor`
takes the :class:`~kzgraph.query.pool.WorkerPool`'s place with the same interface
(:class:`~kzgraph.query.executor.QueryExecutor`): ``run(job, timeout)`` returns the serialized
answer or raises the same typed errors.

Forwarding is bounded like local execution: at most ``concurrency`` queries in flight and
``max_waiting`` waiting (then 503 Overloaded); one deadline for waiting and answering
(QueryTimeout; the connection is closed, so a backend that notices stops — give the backend its
own timeout too); the answer is read in chunks up to the response cap (ResultTooLarge). Redirects
are never followed. The backend's 400 becomes 400 with its message; unreachable or overloaded
503 (BackendUnavailable); any other failure 502 (BackendFailed). Messages to clients never name
the backend's URL (it is internal); the log does. Two Virtuoso 7.2 quirks are handled here: it
answers ASK as a SELECT of one variable, ``__ASK_RETVAL`` (mended: :func:`standard_ask_answer`),
and it cuts answers at its ``ResultSetMaxRows`` with HTTP 200, saying so only in an
``X-SPARQL-MaxRows`` header (refused as ResultTooLarge: a cut answer would be passed on as whole).

Only kzgraph's own dataset is remote (``kzgraph publish`` puts it in the store). Other datasets
the endpoints name — the Wikidata-vocabulary view of ``/wikidata/sparql`` — stay in a local
WorkerPool that holds only them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import urlencode

import httpx

from kzgraph.config import Settings
from kzgraph.errors import (
    BackendFailed,
    BackendUnavailable,
    BadRequest,
    NotAcceptable,
    Overloaded,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
)
from kzgraph.external import USER_AGENT, auth_from_env, checked_url
from kzgraph.query.formats import GRAPH_FORMATS, RESULT_FORMATS
from kzgraph.query.inspect import inspect_query
from kzgraph.query.pool import WorkerPool
from kzgraph.query.worker import Job, StoreFiles
from kzgraph.search import KZF

__all__ = ["ENV_PREFIX", "REMOTE_DATASET", "RemoteExecutor", "standard_ask_answer"]

log = logging.getLogger("kzgraph.backend")

ENV_PREFIX = "KZGRAPH_BACKEND_"
REMOTE_DATASET = "kzgraph"
# The media type asked of the backend for each engine format: the first one the table lists.
MEDIA_TYPES = {f.engine_name: f.media_type for f in reversed(RESULT_FORMATS + GRAPH_FORMATS)}
# Answers labelled with an older or generic name of the type asked for are the same bytes.
_SAME_TYPE = {"application/n-triples": {"text/plain"},
              "application/sparql-results+json": {"application/json"},
              "application/sparql-results+xml": {"application/xml"},
              "application/rdf+xml": {"application/xml"}}
_CONNECT_TIMEOUT = 5.0  # seconds; a backend that does not accept a connection by then is down
_MESSAGE_BYTES = 4000   # how much of a refusal's body is read for its message
_RETRY_AFTER = 2
_FORM = "application/x-www-form-urlencoded"
# kzf:match / kzf:score are evaluated by kzgraph's own workers (kzgraph.search); no store has them.
_LOCAL_FUNCTIONS = str(KZF)
# Virtuoso 7.2 answers ASK, in SPARQL JSON and XML results alike, as a SELECT of this one
# variable: a row holding 1 when the answer is true, no row when it is false.
_ASK_AS_SELECT = "__ASK_RETVAL"
# Virtuoso sends this header (its row cap) when an answer reached the cap and may have been cut.
_ROW_CAP_HEADER = "x-sparql-maxrows"
_RESULTS_XML = "{http://www.w3.org/2005/sparql-results#}"
_BOOLEAN_ANSWERS = {
    "JSON": lambda value: json.dumps({"head": {}, "boolean": value}).encode(),
    "XML": lambda value: ('<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                          f"<head/><boolean>{str(value).lower()}</boolean></sparql>").encode(),
}


class RemoteExecutor:
    """Runs jobs of ``REMOTE_DATASET`` on the backend, and every other job on ``local``."""

    def __init__(self, endpoint: str, local: WorkerPool | None = None, concurrency: int = 2,
                 max_waiting: int = 256, auth: httpx.Auth | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.endpoint = checked_url(endpoint, "--backend", ENV_PREFIX)
        self._local = local
        self._concurrency = concurrency
        self._max_waiting = max_waiting
        self._auth = auth
        self._transport = transport
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0
        self._in_flight = 0
        self._http: httpx.AsyncClient | None = None
        self.started = False

    @classmethod
    def from_settings(cls, settings: Settings, datasets: Mapping[str, "bytes | StoreFiles"],
                      environ: Mapping[str, str] | None = None) -> "RemoteExecutor":
        """The executor ``settings.backend`` asks for; ``datasets`` are the served N-Quads by
        name, of which all but kzgraph's own are kept in local workers (at most two)."""
        local = {name: data for name, data in datasets.items() if name != REMOTE_DATASET}
        pool = WorkerPool(local, workers=min(settings.query_workers, 2),
                          max_waiting=settings.max_waiting) if local else None
        return cls(settings.backend, pool, settings.query_workers, settings.max_waiting,
                   auth_from_env(ENV_PREFIX, environ))

    async def start(self) -> None:
        self._http = httpx.AsyncClient(
            auth=self._auth, follow_redirects=False, transport=self._transport,
            headers={"User-Agent": USER_AGENT},
            limits=httpx.Limits(max_connections=self._concurrency,
                                max_keepalive_connections=self._concurrency))
        if self._local is not None:
            await self._local.start()
        self.started = True

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._local is not None:
            await self._local.close()

    def runs_kzgraph_functions(self, dataset: str) -> bool:
        return dataset != REMOTE_DATASET  # the others run in kzgraph's own workers

    @property
    def busy(self) -> int:
        return self._in_flight + (self._local.busy if self._local is not None else 0)

    @property
    def waiting(self) -> int:
        return self._waiting + (self._local.waiting if self._local is not None else 0)

    async def reload(self, datasets: Mapping[str, "bytes | StoreFiles"]) -> None:
        """Reload the local datasets; the backend's data is replaced with ``kzgraph publish``."""
        if self._local is not None:
            await self._local.reload({k: v for k, v in datasets.items() if k != REMOTE_DATASET})

    async def run(self, job: Job, timeout: float, timing: dict | None = None) -> bytes:
        """Run ``job``; raise QueryTimeout after ``timeout`` seconds (waiting included);
        ``timing["started"]``: when a connection took it (see ``WorkerPool.run``)."""
        if job.dataset != REMOTE_DATASET:
            if self._local is None:
                raise BackendFailed(f"no dataset named {job.dataset!r} is served")
            return await self._local.run(job, timeout, timing)
        if _LOCAL_FUNCTIONS in job.query:
            raise BadRequest("kzf:match and kzf:score run only in kzgraph's own query engine, and "
                             "this server forwards queries to a SPARQL backend that lacks them; "
                             "use /search for label search")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._acquire(timeout)
        if timing is not None:
            timing["started"] = loop.time()
        self._in_flight += 1
        try:
            remaining = max(deadline - loop.time(), 0.001)
            return await asyncio.wait_for(self._ask(job, remaining), remaining)
        except asyncio.TimeoutError:
            raise _timeout(timeout, "waiting for the SPARQL backend") from None
        finally:
            self._in_flight -= 1
            self._slots.release()

    async def _acquire(self, timeout: float) -> None:
        if self._slots.locked() and self._waiting >= self._max_waiting:
            raise Overloaded("every connection to the SPARQL backend is busy; try again shortly",
                             headers={"Retry-After": str(_RETRY_AFTER)})
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except asyncio.TimeoutError:
            raise _timeout(timeout, "waiting for a connection to the SPARQL backend") from None
        finally:
            self._waiting -= 1

    async def _ask(self, job: Job, timeout: float) -> bytes:
        media = MEDIA_TYPES[job.engine_format]
        limits = httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT))
        try:
            async with self._http.stream("POST", self.endpoint, content=_form(job), timeout=limits,
                                         headers={"Accept": media, "Content-Type": _FORM}) as response:
                if response.status_code != 200:
                    raise await self._refusal(response)
                if _ROW_CAP_HEADER in response.headers:
                    raise _cut_at_row_cap(response.headers[_ROW_CAP_HEADER])
                return standard_ask_answer(job, await _payload(response, media, job.max_bytes))
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            log.warning("SPARQL backend %s unreachable: %s", self.endpoint, error)
            raise BackendUnavailable("the SPARQL backend cannot be reached; try again shortly",
                                     headers={"Retry-After": str(_RETRY_AFTER)}) from None
        except httpx.TimeoutException:
            raise _timeout(timeout, "waiting for the SPARQL backend") from None
        except httpx.TransportError as error:
            log.warning("SPARQL backend %s failed: %r", self.endpoint, error)
            raise BackendFailed(f"the SPARQL backend broke off its answer "
                                f"({type(error).__name__})") from None

    async def _refusal(self, response: httpx.Response) -> Exception:
        """The typed error for a non-200 answer of the backend (one table of statuses)."""
        status, message = response.status_code, await _message(response)
        log.warning("SPARQL backend %s answered HTTP %s: %s", self.endpoint, status,
                    response.headers.get("location") or message)
        if response.is_redirect:
            return BackendFailed(f"the SPARQL backend answered with a redirect (HTTP {status}), "
                                 "which is never followed; set --backend to the final URL")
        if status == 400:
            return QuerySyntaxError(f"the query was refused: {message}")
        if status == 406:
            return NotAcceptable(f"the SPARQL backend cannot write "
                                 f"{response.request.headers['accept']}; ask for another format")
        if status in (429, 503):
            return BackendUnavailable(f"the SPARQL backend is overloaded (HTTP {status}); try again "
                                      "shortly", headers={"Retry-After": str(_RETRY_AFTER)})
        if status in (401, 403):
            return BackendFailed(f"the SPARQL backend refused kzgraph's credentials (HTTP {status})")
        return BackendFailed(f"the SPARQL backend failed (HTTP {status}): {message}")


def _form(job: Job) -> bytes:
    """The protocol request: the query (with the endpoint's BASE and predefined prefixes
    declared first, on its first line so that the backend's line numbers stay right) and the
    protocol dataset."""
    prologue = [f"BASE <{job.base_iri}>"] if job.base_iri else []
    prologue += [f"PREFIX {name}: <{iri}>" for name, iri in job.prefixes]
    form = [("query", " ".join(prologue) + (" " if prologue else "") + job.query)]
    if job.default_graphs is not None or job.named_graphs is not None:
        form += [("default-graph-uri", g) for g in job.default_graphs or ()]
        form += [("named-graph-uri", g) for g in job.named_graphs or ()]
    return urlencode(form).encode("ascii")


async def _payload(response: httpx.Response, media: str, cap: int) -> bytes:
    answered = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if answered != media and answered not in _SAME_TYPE.get(media, ()):
        raise BackendFailed(f"the SPARQL backend answered {answered or 'no media type'} when "
                            f"asked for {media}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)


def standard_ask_answer(job: Job, payload: bytes) -> bytes:
    """``payload``, or the standard boolean answer where an ASK came back as a SELECT of
    ``__ASK_RETVAL`` (Virtuoso 7.2)."""
    if (job.engine_format not in _BOOLEAN_ANSWERS or _ASK_AS_SELECT.encode() not in payload[:1000]
            or inspect_query(job.query).form != "ASK"):
        return payload
    values = _ask_values(job.engine_format, payload)
    if values is None:
        return payload
    return _BOOLEAN_ANSWERS[job.engine_format](any(v not in ("0", "false") for v in values))


def _ask_values(engine_format: str, payload: bytes) -> list[str] | None:
    """The values of ``__ASK_RETVAL`` in a SELECT-shaped answer; None if it has another shape."""
    try:
        if engine_format == "JSON":
            body = json.loads(payload)
            if body["head"]["vars"] != [_ASK_AS_SELECT]:
                return None
            return [row[_ASK_AS_SELECT]["value"] for row in body["results"]["bindings"]]
        root = ET.fromstring(payload)
        names = [v.get("name") for v in root.iter(f"{_RESULTS_XML}variable")]
        if names != [_ASK_AS_SELECT]:
            return None
        return [(b.findtext(f"{_RESULTS_XML}literal") or "").strip()
                for b in root.iter(f"{_RESULTS_XML}binding")]
    except (ValueError, KeyError, TypeError, ET.ParseError):
        return None


async def _message(response: httpx.Response) -> str:
    """The start of a refusal's body, as one line of text."""
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= _MESSAGE_BYTES:
            break
    text = " ".join(body[:_MESSAGE_BYTES].decode("utf-8", "replace").split())
    return text[:500] or "(no message)"


def _cut_at_row_cap(rows: str) -> ResultTooLarge:
    return ResultTooLarge(f"the SPARQL backend stops answers at {rows} rows and this one reached "
                          "that cap, so rows may be missing: add a LIMIT below it (or raise the "
                          "backend's cap, e.g. Virtuoso's ResultSetMaxRows)")


def _too_large(cap: int) -> ResultTooLarge:
    return ResultTooLarge(f"the result is larger than the {cap}-byte cap")


def _timeout(seconds: float, doing: str) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {seconds:g} s ({doing}); it was cancelled. "
                        "Add a LIMIT or narrow the patterns.")
