"""kzgraph's exceptions, one tree; each class carries its HTTP status, error code and exit code.

    KzgraphError                 anything kzgraph reports to a user
    ├── DataFileError            a data, ontology or shapes file cannot be used
    │   ├── DataFileNotFound     the file does not exist or cannot be read
    │   ├── DataSyntaxError      Turtle/TriG syntax error (file, line)
    │   └── UnregisteredId       a Wikidata id asked of the register that is not in it
    ├── ValidationFailed         the data does not conform to the shapes (carries the report)
    ├── UsageError               a request kzgraph cannot honour (unknown format, bad option)
    ├── WikidataError            a Wikidata service (API, Special:EntityData, query service) failed
    │   ├── WikidataUnavailable  no answer after the retries: timeout, 5xx, 429 (Retry-After)
    │   ├── WikidataResponseError    an answer of an unexpected status or shape
    │   ├── WikidataDrift        ``verify``: linked ids missing, redirected or no longer matching
    │   └── LinkRejected         ``reconcile --accept`` of an id that is missing or a redirect
    ├── StoreError               an external triplestore (``kzgraph publish``) failed or refused
    │   └── PublishMismatch      after an upload, the store's triple counts differ from the data
    └── RequestError             an HTTP request the endpoint refuses or cannot answer
        ├── BadRequest           malformed protocol request or query (400)
        │   ├── QuerySyntaxError     the query does not parse (400, what and where)
        │   ├── ServiceNotAllowed    SERVICE to an IRI outside the allowlist (400)
        │   └── LabelServiceError    a label-service block that cannot be answered (400)
        ├── NotFound             no such resource, download or graph (404)
        ├── UpdateRefused        SPARQL Update on the read-only endpoint (403)
        ├── MethodNotAllowed     wrong HTTP method (405)
        ├── NotAcceptable        no offered media type is acceptable (406)
        ├── PayloadTooLarge      request body or query over its cap (413)
        ├── UnsupportedMediaType request body of a type the protocol does not allow (415)
        ├── ResultTooLarge       the response would exceed its size cap (413)
        ├── Overloaded           every query worker busy and the queue full (503, Retry-After)
        ├── RateLimited          a client over its requests or query seconds per minute (429)
        ├── Unauthorized         a write without a curator token (401)
        ├── Forbidden            a write with a token that is not a curator's (403)
        ├── WriteRejected        a curator's write would not conform to the shapes (422)
        ├── QueryTimeout         the query ran past its time limit and was stopped (503)
        ├── WorkerLost           the worker running the query died; it is replaced (503)
        ├── RequestTimeout       the request body did not arrive in time (408)
        ├── BackendFailed        the external SPARQL backend failed, refused or redirected (502)
        │   └── BackendUnavailable   the backend cannot be reached or is overloaded (503)
        └── ServiceFailed        a SERVICE endpoint failed, redirected or answered too much (502)
            └── ServiceTimeout   a SERVICE endpoint did not answer in time (504)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kzgraph.validation import ValidationReport

__all__ = [
    "BackendFailed",
    "BackendUnavailable",
    "BadRequest",
    "DataFileError",
    "DataFileNotFound",
    "DataSyntaxError",
    "KzgraphError",
    "LabelServiceError",
    "LinkRejected",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "Overloaded",
    "PayloadTooLarge",
    "PublishMismatch",
    "QuerySyntaxError",
    "QueryTimeout",
    "RequestError",
    "RequestTimeout",
    "ResultTooLarge",
    "RateLimited",
    "ServiceFailed",
    "ServiceNotAllowed",
    "ServiceTimeout",
    "StoreCacheError",
    "StoreError",
    "Forbidden",
    "Unauthorized",
    "UnregisteredId",
    "UnsupportedMediaType",
    "WriteRejected",
    "UpdateRefused",
    "UsageError",
    "ValidationFailed",
    "WikidataDrift",
    "WikidataError",
    "WikidataResponseError",
    "WikidataUnavailable",
    "WorkerLost",
]


class KzgraphError(Exception):
    """Base of every error kzgraph reports to a user.

    How it is reported is part of its class: ``status`` and ``code`` for the web layer (the HTTP
    status and the ``error`` field of the JSON body), ``exit_code`` for the CLI. A subclass inherits
    them unless it names its own, so the mapping follows the class tree and a new error is one
    class; ``details`` holds any further fields of the error body.
    """

    status = 500
    code = "internal_error"
    exit_code = 2

    @property
    def details(self) -> dict[str, object]:
        return {}


class DataFileError(KzgraphError):
    status = 500
    code = "data_file"
    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


class DataFileNotFound(DataFileError):
    """A file named as data, ontology or shapes does not exist or cannot be read."""


class DataSyntaxError(DataFileError):
    """A Turtle or TriG file does not parse; ``line`` is where the parser stopped."""


class UnregisteredId(DataFileError):
    """A Wikidata id looked up in the register (``data/wikidata-ids.tsv``) that has no row there."""

    def __init__(self, path: Path | str, wikidata_id: str) -> None:
        self.wikidata_id = wikidata_id
        super().__init__(path, f"{wikidata_id} is not in the register of checked Wikidata ids")


class ValidationFailed(KzgraphError):
    status = 422
    code = "shacl_violation"
    exit_code = 1
    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        super().__init__(f"data does not conform: {len(report.results)} violation(s)")


class StoreCacheError(KzgraphError):
    """The store built from the data files cannot be written (e.g. the cache directory is
    read-only or the disk is full); nothing half-built is left behind."""

    status = 500
    code = "store_cache"


class UsageError(KzgraphError):
    """A request kzgraph cannot honour, such as an unknown export format."""

    status = 400
    code = "bad_request"


class RequestError(KzgraphError):
    """An HTTP request the endpoint refuses; ``web.errors`` maps each kind to its status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


class BadRequest(RequestError):
    """A malformed protocol request or query."""


class QuerySyntaxError(BadRequest):
    """The query does not parse: what is wrong (``kzgraph.query.diagnose``), and where — 1-based
    ``line`` and ``column``, and ``excerpt``, the query text there with a caret under the spot."""

    code = "query_syntax"

    def __init__(self, message: str, headers: dict[str, str] | None = None, *,
                 line: int | None = None, column: int | None = None, excerpt: str = "") -> None:
        super().__init__(message, headers)
        self.line, self.column, self.excerpt = line, column, excerpt

    @property
    def details(self) -> dict[str, object]:
        """The place of the error, for the JSON error body (empty where it is not known)."""
        place = {"line": self.line, "column": self.column, "excerpt": self.excerpt}
        return {key: value for key, value in place.items() if value}


class ServiceNotAllowed(BadRequest):
    """SERVICE to an endpoint that is not on the allowlist."""

    code = "service_not_allowed"


class NotFound(RequestError):
    """No such resource: an IRI the graph does not describe, a download or a graph it lacks."""

    status = 404
    code = "not_found"


class VersionNotServed(NotFound):
    """A download of a release that is not in service: only the current release is kept, so
    the answer names the version that is (``versions``), where its files are."""

    code = "version_not_served"

    def __init__(self, asked: str, served: str) -> None:
        super().__init__(f"version {asked} of the dataset is not served here: this server keeps "
                         f"only the release in service, version {served} (its files are under "
                         f"/download/{served}/; the list is at /download/)")
        self.served = served

    @property
    def details(self) -> dict[str, object]:
        return {"versions": [self.served]}


class LabelServiceError(BadRequest):
    """``SERVICE wikibase:label`` written so that it cannot be answered (no languages, a
    statement it cannot read), or sent to an endpoint that does not offer it."""


class UpdateRefused(RequestError):
    """SPARQL Update sent to the public, read-only endpoint."""

    status = 403
    code = "update_refused"


class MethodNotAllowed(RequestError):
    """The HTTP method is not allowed for this request."""

    status = 405
    code = "method_not_allowed"


class NotAcceptable(RequestError):
    """None of the media types the endpoint offers is acceptable to the client."""

    status = 406
    code = "not_acceptable"


class PayloadTooLarge(RequestError):
    """The request body, query length or query nesting is over its cap."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(RequestError):
    """The request body has a media type the protocol does not allow."""

    status = 415
    code = "unsupported_media_type"


class ResultTooLarge(RequestError):
    """The serialized result would exceed the response size cap."""

    status = 413
    code = "result_too_large"


class Overloaded(RequestError):
    """Every worker is busy and the wait queue is full: retry later."""

    status = 503
    code = "overloaded"


class QueryTimeout(RequestError):
    """The query ran past its time limit; its worker was stopped."""

    status = 503
    code = "timeout"


class WorkerLost(RequestError):
    """The worker process running the query died (killed, out of memory); it is replaced."""

    status = 503
    code = "worker_lost"


class RequestTimeout(RequestError):
    """The request body did not arrive within the time allowed (a slow or stalled client)."""

    status = 408
    code = "request_timeout"


class RateLimited(RequestError):
    """A client used up its requests or query time per minute (429, Retry-After)."""

    status = 429
    code = "rate_limited"


class Unauthorized(RequestError):
    """A write without a curator token (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(RequestError):
    """A write with a token that is not a curator's (403)."""

    status = 403
    code = "forbidden"


class WriteRejected(RequestError):
    """A curator's write would make the data not conform to the shapes; nothing was stored."""

    status = 422
    code = "shacl_violation"

    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        super().__init__(f"the write was not stored: {report.summary()}")


class ServiceFailed(RequestError):
    """A SERVICE endpoint failed, redirected, or answered more than the SERVICE response cap."""

    status = 502
    code = "service_failed"


class ServiceTimeout(ServiceFailed):
    """A SERVICE endpoint did not answer within the SERVICE time limit."""

    status = 504
    code = "service_timeout"


class BackendFailed(RequestError):
    """The external SPARQL endpoint queries run on (``serve --backend``) failed, refused
    kzgraph's credentials, answered something else than asked, or redirected."""

    status = 502
    code = "backend_failed"


class BackendUnavailable(BackendFailed):
    """The external SPARQL backend cannot be reached, or says it is overloaded."""

    status = 503
    code = "backend_unavailable"


class StoreError(KzgraphError):
    """An external triplestore could not be used by ``kzgraph publish``; the message names the
    URL and what to do."""

    status = 502
    code = "store_failed"
    exit_code = 3


class PublishMismatch(StoreError):
    """After publishing, the store holds other triple counts than the data; carries the counts."""

    exit_code = 1

    def __init__(self, mismatches: list) -> None:
        self.mismatches = mismatches
        lines = "".join(f"\n  {mismatch}" for mismatch in mismatches)
        super().__init__(f"{len(mismatches)} graph(s) in the store do not hold what was sent:{lines}")


class WikidataError(KzgraphError):
    """A Wikidata service could not be used; the message names the URL and what to do."""

    status = 502
    code = "wikidata_failed"
    exit_code = 3


class WikidataUnavailable(WikidataError):
    """No usable answer after the configured retries (timeout, connection error, 5xx, 429)."""


class WikidataResponseError(WikidataError):
    """An answer with an unexpected status (e.g. 404) or body (not JSON, API error, wrong shape)."""


class WikidataDrift(WikidataError):
    """``kzgraph wikidata verify`` found linked ids that no longer match; carries the findings."""

    exit_code = 1

    def __init__(self, findings: list) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} Wikidata link(s) drifted")


class LinkRejected(WikidataError):
    """An id offered for acceptance does not exist or redirects to another id."""

    exit_code = 1
