"""SERVICE calls with their own time limit and response-size cap.

Oxigraph's engine makes SERVICE requests with its own HTTP client, which has no timeout or size
limit. So inside each worker process, a forwarder on loopback stands between the engine and the
remote endpoints: before a query runs, each SERVICE IRI (already checked against the allowlist)
is rewritten to the forwarder, which sends the request on to the real endpoint with a deadline
and a byte cap, never following redirects. A remote failure becomes an HTTP error the engine
reports (or ignores, for SERVICE SILENT), and the forwarder remembers it so the worker can tell
the client what went wrong.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version

from kzgraph.query.inspect import service_iri_spans

__all__ = ["ServiceFailure", "ServiceGuard"]

USER_AGENT = f"kzgraph/{version('kzgraph')} (SERVICE; https://w3id.org/kzgraph)"
_FORWARDED_HEADERS = ("Accept", "Content-Type")


@dataclass(frozen=True)
class ServiceFailure:
    kind: str  # "service_timeout" or "service_failed"
    message: str


class ServiceGuard:
    """The forwarder of one worker process; ``route`` prepares a query, ``failure`` reports."""

    def __init__(self) -> None:
        self._targets: dict[str, str] = {}
        self._timeout = 5.0
        self._max_bytes = 10_000_000
        self.failure: ServiceFailure | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True,
                         name="kzgraph-service-guard").start()

    def route(self, query: str, timeout: float, max_bytes: int) -> str:
        """``query`` with every SERVICE IRI pointing at the forwarder, set up for this job."""
        self._timeout, self._max_bytes, self.failure = timeout, max_bytes, None
        self._targets = {}
        pieces, end = [], len(query)
        for start, stop, iri in reversed(service_iri_spans(query)):
            key = str(len(self._targets))
            self._targets[key] = iri
            pieces.append(f"<{self._base}/{key}>" + query[stop:end])
            end = start
        return query[:end] + "".join(reversed(pieces))

    def forward(self, key: str, method: str, body: bytes, headers: dict[str, str],
                url_query: str = "") -> tuple[int, str, bytes]:
        """Send one engine request on to its endpoint: (status, content type, body)."""
        import httpx

        target = self._targets.get(key)
        if target is None:
            return 404, "text/plain", b"unknown SERVICE route"
        url = f"{target}{'&' if '?' in target else '?'}{url_query}" if url_query else target
        deadline = time.monotonic() + self._timeout
        try:
            with httpx.Client(timeout=self._timeout, follow_redirects=False) as client:
                with client.stream(method, url, content=body,
                                   headers={**headers, "User-Agent": USER_AGENT}) as response:
                    if response.is_redirect:
                        return self._fail("service_failed", f"SERVICE <{target}> redirected to "
                                          f"{response.headers.get('location')}; redirects are not followed")
                    payload = self._read(target, response, deadline)
                    if payload is None:
                        return self._failed_status()
                    return response.status_code, response.headers.get("content-type", ""), payload
        except httpx.TimeoutException:
            return self._fail("service_timeout", f"SERVICE <{target}> did not answer within "
                              f"{self._timeout:g} s")
        except httpx.HTTPError as error:
            return self._fail("service_failed", f"SERVICE <{target}> could not be reached: "
                              f"{type(error).__name__}: {error}")

    def _read(self, target: str, response, deadline: float) -> bytes | None:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                self._fail("service_failed", f"SERVICE <{target}> answered more than "
                           f"{self._max_bytes} bytes (the SERVICE response cap)")
                return None
            if time.monotonic() > deadline:
                self._fail("service_timeout", f"SERVICE <{target}> did not finish its answer "
                           f"within {self._timeout:g} s")
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _fail(self, kind: str, message: str) -> tuple[int, str, bytes]:
        self.failure = ServiceFailure(kind, message)
        return self._failed_status()

    def _failed_status(self) -> tuple[int, str, bytes]:
        status = 504 if self.failure.kind == "service_timeout" else 502
        return status, "text/plain; charset=utf-8", self.failure.message.encode("utf-8")


def _handler(guard: ServiceGuard) -> type[BaseHTTPRequestHandler]:
    class Forward(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._forward(b"")

        def do_POST(self) -> None:
            self._forward(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _forward(self, body: bytes) -> None:
            path, _, url_query = self.path.partition("?")
            headers = {name: self.headers[name] for name in _FORWARDED_HEADERS if name in self.headers}
            status, content_type, payload = guard.forward(path.strip("/"), self.command, body,
                                                          headers, url_query)
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    return Forward
