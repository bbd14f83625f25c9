"""Talking to Wikidata over HTTP: the Action API, Special:EntityData and the query service.

Every request names the project in its User-Agent (Wikimedia's User-Agent policy), has a timeout,
and is retried with exponential backoff on timeouts, connection errors and 5xx; a 429 or 503 with
``Retry-After`` waits as long as asked (up to ``max_retry_after``). Service URLs and limits come from
:class:`WikidataSettings` (defaults, then ``KZGRAPH_WIKIDATA_<FIELD>`` environment variables).
"""

from __future__ import annotations

import email.utils
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from importlib.metadata import version
from typing import Any, Protocol

import httpx

from kzgraph.config import WIKIDATA_QUERY_SERVICE, _convert
from kzgraph.errors import WikidataResponseError, WikidataUnavailable

__all__ = ["USER_AGENT", "EntitySource", "WikidataClient", "WikidataSettings"]

USER_AGENT = (f"kzgraph/{version('kzgraph')} (https://w3id.org/kzgraph; KazCosmos knowledge graph) "
              f"httpx/{httpx.__version__}")
_ENV_PREFIX = "KZGRAPH_WIKIDATA_"
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_BATCH = 50  # wbgetentities takes at most 50 ids per request


@dataclass(frozen=True)
class WikidataSettings:
    api_url: str = "https://www.wikidata.org/w/api.php"
    entity_data_url: str = "https://www.wikidata.org/wiki/Special:EntityData"
    sparql_url: str = WIKIDATA_QUERY_SERVICE
    language: str = "en"
    timeout: float = 10.0          # seconds per request
    retries: int = 3               # further attempts after the first
    backoff: float = 1.0           # first wait; doubles on each retry
    max_retry_after: float = 120.0  # longest Retry-After honoured; longer gives up at once
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "WikidataSettings":
        """Defaults, then KZGRAPH_WIKIDATA_<FIELD> variables, then explicit (non-None) overrides."""
        environ = dict(os.environ if environ is None else environ)
        values = {f.name: _convert(environ[_ENV_PREFIX + f.name.upper()], getattr(cls(), f.name))
                  for f in fields(cls) if _ENV_PREFIX + f.name.upper() in environ}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)


class LanguageSetting(Protocol):
    language: str


class EntitySource(Protocol):
    """What reconcile, verify, diff and QuickStatements need of Wikidata: the online client and a
    local snapshot (``kzgraph.wikidata.snapshot``) both offer it. ``get_entities`` leaves out an
    id the source cannot say anything about (a snapshot that does not hold it)."""

    @property
    def settings(self) -> LanguageSetting: ...

    @property
    def origin(self) -> str: ...

    def search(self, text: str, limit: int = 7) -> list[dict]: ...

    def get_entities(self, ids: Iterable[str]) -> dict[str, dict]: ...

    def __enter__(self) -> "EntitySource": ...

    def __exit__(self, *exc: object) -> None: ...


class WikidataClient:
    """A synchronous client; use as a context manager so its connections are closed."""

    def __init__(self, settings: WikidataSettings | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings or WikidataSettings()
        self._sleep = sleep
        self._http = httpx.Client(timeout=self.settings.timeout, follow_redirects=True,
                                  headers={"User-Agent": self.settings.user_agent})

    def __enter__(self) -> "WikidataClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    @property
    def origin(self) -> str:
        return f"wbgetentities at {self.settings.api_url}"

    def search(self, text: str, limit: int = 7) -> list[dict]:
        """``wbsearchentities``: items whose label or alias matches ``text``, best first."""
        params = {"action": "wbsearchentities", "search": text, "language": self.settings.language,
                  "uselang": self.settings.language, "type": "item", "limit": limit,
                  "format": "json"}
        return self._api(params).get("search", [])

    def get_entities(self, ids: Iterable[str]) -> dict[str, dict]:
        """``wbgetentities``: requested id → entity JSON (with ``missing`` or ``redirects``)."""
        ids = sorted(set(ids))
        result: dict[str, dict] = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            params = {"action": "wbgetentities", "ids": "|".join(batch), "redirects": "yes",
                      "props": "labels|descriptions|aliases|claims", "format": "json"}
            result.update(_by_requested_id(batch, self._api(params).get("entities", {})))
        return result

    def entity_data(self, qid: str) -> dict:
        """``Special:EntityData/Q….json`` (redirects followed: the answer is keyed by the target)."""
        return self._json(self._get(f"{self.settings.entity_data_url}/{qid}.json"))

    def sparql(self, query: str) -> dict:
        """A SELECT/ASK on the query service, as SPARQL JSON results."""
        headers = {"Accept": "application/sparql-results+json"}
        return self._json(self._get(self.settings.sparql_url, {"query": query}, headers))

    def _api(self, params: dict) -> dict:
        body = self._json(self._get(self.settings.api_url, params))
        error = body.get("error")
        if error is not None:
            detail = f"{error.get('code')}: {error.get('info')}" if isinstance(error, dict) else error
            raise WikidataResponseError(f"{self.settings.api_url}: API error {detail}")
        return body

    def _get(self, url: str, params: dict | None = None, headers: dict | None = None) -> httpx.Response:
        failure = ""
        for attempt in range(self.settings.retries + 1):
            try:
                response = self._http.get(url, params=params, headers=headers)
            except httpx.TransportError as error:
                failure, wait = f"{type(error).__name__}: {error}", self._backoff(attempt)
            else:
                if response.status_code not in _RETRY_STATUSES:
                    return _checked(url, response)
                failure, wait = f"HTTP {response.status_code}", self._wait_for(url, response, attempt)
            if attempt < self.settings.retries:
                self._sleep(wait)
        raise WikidataUnavailable(f"{url}: {failure} after {self.settings.retries + 1} attempts; "
                                  "try later or raise --retries / --timeout")

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff * 2 ** attempt

    def _wait_for(self, url: str, response: httpx.Response, attempt: int) -> float:
        asked = retry_after(response.headers.get("Retry-After"))
        if asked is None:
            return self._backoff(attempt)
        if asked > self.settings.max_retry_after:
            raise WikidataUnavailable(f"{url}: HTTP {response.status_code}, asked to retry after "
                                      f"{asked:.0f} s (more than {self.settings.max_retry_after:.0f} s)")
        return asked

    @staticmethod
    def _json(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise WikidataResponseError(f"{response.url}: answer is not a JSON object "
                                        f"({response.headers.get('content-type')})")
        return body


def _checked(url: str, response: httpx.Response) -> httpx.Response:
    if response.is_error:
        raise WikidataResponseError(f"{url}: HTTP {response.status_code}")
    return response


def _by_requested_id(requested: list[str], entities: dict[str, dict]) -> dict[str, dict]:
    """Key each answer by the id that was asked for, whether Wikidata keyed it by that id or by
    the target of its redirect (``"redirects": {"from": …, "to": …}``)."""
    result = {}
    for key, entity in entities.items():
        origin = entity.get("redirects", {}).get("from", key)
        result[origin if origin in requested else key] = entity
    return result


def retry_after(header: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
