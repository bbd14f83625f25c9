"""kzgraph's exceptions, one tree; the CLI and the web layer each map it to statuses in one place.

    KzgraphError                 anything kzgraph reports to a user
    ├── DataFileError            a data, ontology or shapes file cannot be used
    │   ├── DataFileNotFound     the file does not exist or cannot be read
    │   └── DataSyntaxError      Turtle/TriG syntax error (file, line)
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
        │   ├── QuerySyntaxError     the query does not parse (400, parser message)
        │   ├── ServiceNotAllowed    SERVICE to an IRI outside the allowlist (400)
        │   └── LabelServiceError    a label-service block that cannot be answered (400)
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
    """Base of every error kzgraph reports to a user."""


class DataFileError(KzgraphError):
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


class ValidationFailed(KzgraphError):
    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        super().__init__(f"data does not conform: {len(report.results)} violation(s)")


class StoreCacheError(KzgraphError):
    """The store built from the data files cannot be written (e.g. the cache directory is
    read-only or the disk is full); nothing half-built is left behind."""


class UsageError(KzgraphError):
    """A request kzgraph cannot honour, such as an unknown export format."""


class RequestError(KzgraphError):
    """An HTTP request the endpoint refuses; ``web.errors`` maps each kind to its status."""

    def __init__(self, message: str, headers: dict[str, str] | None = None) -> None:
        self.message = message
        self.headers = headers or {}
        super().__init__(message)


class BadRequest(RequestError):
    """A malformed protocol request or query."""


class QuerySyntaxError(BadRequest):
    """The query does not parse; the message is the parser's."""


class ServiceNotAllowed(BadRequest):
    """SERVICE to an endpoint that is not on the allowlist."""


class LabelServiceError(BadRequest):
    """``SERVICE wikibase:label`` written so that it cannot be answered (no languages, a
    statement it cannot read), or sent to an endpoint that does not offer it."""


class UpdateRefused(RequestError):
    """SPARQL Update sent to the public, read-only endpoint."""


class MethodNotAllowed(RequestError):
    """The HTTP method is not allowed for this request."""


class NotAcceptable(RequestError):
    """None of the media types the endpoint offers is acceptable to the client."""


class PayloadTooLarge(RequestError):
    """The request body, query length or query nesting is over its cap."""


class UnsupportedMediaType(RequestError):
    """The request body has a media type the protocol does not allow."""


class ResultTooLarge(RequestError):
    """The serialized result would exceed the response size cap."""


class Overloaded(RequestError):
    """Every worker is busy and the wait queue is full: retry later."""


class QueryTimeout(RequestError):
    """The query ran past its time limit; its worker was stopped."""


class WorkerLost(RequestError):
    """The worker process running the query died (killed, out of memory); it is replaced."""


class RequestTimeout(RequestError):
    """The request body did not arrive within the time allowed (a slow or stalled client)."""


class RateLimited(RequestError):
    """A client used up its requests or query time per minute (429, Retry-After)."""


class Unauthorized(RequestError):
    """A write without a curator token (401)."""


class Forbidden(RequestError):
    """A write with a token that is not a curator's (403)."""


class WriteRejected(RequestError):
    """A curator's write would make the data not conform to the shapes; nothing was stored."""

    def __init__(self, report: "ValidationReport") -> None:
        self.report = report
        super().__init__(f"the write was not stored: {report.summary()}")


class ServiceFailed(RequestError):
    """A SERVICE endpoint failed, redirected, or answered more than the SERVICE response cap."""


class ServiceTimeout(ServiceFailed):
    """A SERVICE endpoint did not answer within the SERVICE time limit."""


class BackendFailed(RequestError):
    """The external SPARQL endpoint queries run on (``serve --backend``) failed, refused
    kzgraph's credentials, answered something else than asked, or redirected."""


class BackendUnavailable(BackendFailed):
    """The external SPARQL backend cannot be reached, or says it is overloaded."""


class StoreError(KzgraphError):
    """An external triplestore could not be used by ``kzgraph publish``; the message names the
    URL and what to do."""


class PublishMismatch(StoreError):
    """After publishing, the store holds other triple counts than the data; carries the counts."""

    def __init__(self, mismatches: list) -> None:
        self.mismatches = mismatches
        lines = "".join(f"\n  {mismatch}" for mismatch in mismatches)
        super().__init__(f"{len(mismatches)} graph(s) in the store do not hold what was sent:{lines}")


class WikidataError(KzgraphError):
    """A Wikidata service could not be used; the message names the URL and what to do."""


class WikidataUnavailable(WikidataError):
    """No usable answer after the configured retries (timeout, connection error, 5xx, 429)."""


class WikidataResponseError(WikidataError):
    """An answer with an unexpected status (e.g. 404) or body (not JSON, API error, wrong shape)."""


class WikidataDrift(WikidataError):
    """``kzgraph wikidata verify`` found linked ids that no longer match; carries the findings."""

    def __init__(self, findings: list) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} Wikidata link(s) drifted")


class LinkRejected(WikidataError):
    """An id offered for acceptance does not exist or redirects to another id."""
