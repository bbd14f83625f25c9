"""Settings of the kzgraph server: defaults in one place, overridden by env vars and CLI flags.

Every field can be set by an environment variable ``KZGRAPH_<FIELD>`` (upper case), e.g.
``KZGRAPH_QUERY_TIMEOUT=5``; tuples are comma-separated. CLI flags override both.
"""

from __future__ import annotations

import os
from pathlib import Path
from dataclasses import dataclass, fields, replace
from typing import Any

from kzgraph.errors import UsageError

__all__ = ["Settings", "WIKIDATA_QUERY_SERVICE"]

_ENV_PREFIX = "KZGRAPH_"
_ZERO_MEANS_OFF = {"reload_interval", "rate_limit_requests", "rate_limit_query_seconds",
                   "cache_bytes"}
ACCESS_LOGS = ("json", "text", "off")
READINESS = ("validate", "loaded")
QUERY_STORES = ("auto", "memory", "disk")
WIKIDATA_QUERY_SERVICE = "https://query.wikidata.org/sparql"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # the URL clients use, when served behind a proxy; default http://host:port
    query_timeout: float = 10.0        # seconds, waiting for a worker included
    query_workers: int = 2             # worker processes running queries in parallel
    backend: str = ""                  # a SPARQL endpoint to run queries on instead of the workers
    max_waiting: int = 256             # queued queries beyond which new ones get 503
    max_body_bytes: int = 1_000_000    # request body cap
    max_query_length: int = 100_000    # characters
    max_query_depth: int = 64          # nesting of { } and ( )
    max_result_bytes: int = 50_000_000  # response cap
    service_allowlist: tuple[str, ...] = (WIKIDATA_QUERY_SERVICE,)
    service_timeout: float = 5.0       # seconds for each SERVICE request
    service_max_bytes: int = 10_000_000  # cap on each SERVICE response
    cors_origins: tuple[str, ...] = ("*",)
    data_dir: str = ""                 # where curators' writes are committed (and served from)
    curator_tokens_file: str = ""      # "name token" lines; or set KZGRAPH_CURATOR_TOKEN
    reload_interval: float = 5.0       # seconds between checks for changed data files; 0: off
    rate_limit_requests: int = 1200    # per client per minute; 0: off
    rate_limit_query_seconds: float = 60.0  # seconds of query time per client per minute; 0: off
    access_log: str = "json"           # json (one JSON line per request), text (uvicorn's), off
    forwarded_allow_ips: str = "127.0.0.1"  # proxies whose X-Forwarded-For names the client
    readiness: str = "validate"        # /ready once the data conforms (validate) or is loaded
    cache_bytes: int = 64_000_000      # query answers kept per release; 0: off
    max_connections: int = 1000        # open connections at once; beyond that 503 (uvicorn)
    query_store: str = "auto"          # workers load the data in memory, or read the disk store
    store_cache: str = ""              # built stores, by data hash; default ~/.cache/kzgraph

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or f.name == "port":
                continue
            if value < 0 or (value == 0 and f.name not in _ZERO_MEANS_OFF):
                allowed = "0 (off) or more" if f.name in _ZERO_MEANS_OFF else "positive"
                raise UsageError(f"setting {f.name} must be {allowed}; got {value}")
        if self.readiness not in READINESS:
            raise UsageError(f"setting readiness must be one of {', '.join(READINESS)}; "
                             f"got {self.readiness!r}")
        if self.query_store not in QUERY_STORES:
            raise UsageError(f"setting query_store must be one of {', '.join(QUERY_STORES)}; "
                             f"got {self.query_store!r}")
        if self.access_log not in ACCESS_LOGS:
            raise UsageError(f"setting access_log must be one of {', '.join(ACCESS_LOGS)}; "
                             f"got {self.access_log!r}")
        if not 0 <= self.port < 65536:
            raise UsageError(f"setting port must be 0–65535; got {self.port}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> "Settings":
        """Defaults, then KZGRAPH_<FIELD> environment variables, then explicit overrides."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(_ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(raw, getattr(cls(), f.name))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    @property
    def data_directory(self) -> Path | None:
        return Path(self.data_dir) if self.data_dir else None

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"


def _convert(raw: str, default: Any) -> Any:
    if isinstance(default, tuple):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    try:
        return type(default)(raw)
    except ValueError:
        raise UsageError(f"{raw!r} is not a valid {type(default).__name__} setting") from None
