"""Per-client rate limits, as the Wikidata Query Service sets them: requests per minute, and
seconds of query time per minute.

Each client has two token buckets. The request bucket holds ``requests`` tokens and refills at
``requests / 60`` per second; each request takes one. The query-time bucket holds
``query_seconds`` and refills at ``query_seconds / 60`` per second; each query is charged the
time it took, after it ran (its cost is only known then), so a client may run into debt and then
waits until the bucket is positive again. A refused request is told when to come back
(``Retry-After``). Buckets of clients that have been idle long enough to be full again are
dropped, so memory is bounded by the number of recently active clients.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Limited", "RateLimiter"]

_PRUNE_EVERY = 1024  # requests between sweeps of idle clients


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass(frozen=True)
class Limited:
    """A refusal: which limit, and in how many seconds the client may try again."""

    limit: str          # "requests" or "query_seconds"
    retry_after: int
    message: str


class _Buckets:
    def __init__(self, per_minute: float, clock: Callable[[], float]) -> None:
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: dict[str, _Bucket] = {}

    def level(self, client: str) -> float:
        """The client's tokens now, refilled for the time since last seen."""
        now = self.clock()
        bucket = self.buckets.get(client)
        if bucket is None:
            bucket = self.buckets[client] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        return bucket.tokens

    def take(self, client: str, amount: float) -> None:
        self.level(client)
        self.buckets[client].tokens -= amount

    def wait_for(self, client: str, needed: float) -> int:
        """Seconds until the client has ``needed`` tokens."""
        missing = needed - self.level(client)
        return max(1, math.ceil(missing / self.rate))

    def prune(self) -> None:
        now = self.clock()
        full = [c for c, b in self.buckets.items()
                if b.tokens + (now - b.stamp) * self.rate >= self.capacity]
        for client in full:
            del self.buckets[client]


class RateLimiter:
    """``requests`` per minute and ``query_seconds`` per minute per client; 0 turns a limit off."""

    def __init__(self, requests: float, query_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.requests = _Buckets(requests, clock) if requests > 0 else None
        self.query_time = _Buckets(query_seconds, clock) if query_seconds > 0 else None
        self._seen = 0

    @property
    def enabled(self) -> bool:
        return self.requests is not None or self.query_time is not None

    def admit(self, client: str, runs_query: bool) -> Limited | None:
        """Count a request; None if it may go ahead, else why not and when to retry."""
        self._sweep()
        if self.query_time is not None and runs_query and self.query_time.level(client) <= 0:
            wait = self.query_time.wait_for(client, 1e-9)
            return Limited("query_seconds", wait,
                           f"this client used its {self.query_time.capacity:g} seconds of query "
                           f"time per minute; try again in {wait} s")
        if self.requests is not None:
            if self.requests.level(client) < 1:
                wait = self.requests.wait_for(client, 1)
                return Limited("requests", wait,
                               f"this client sent more than {self.requests.capacity:g} requests "
                               f"per minute; try again in {wait} s")
            self.requests.take(client, 1)
        return None

    def charge(self, client: str, seconds: float) -> None:
        """Charge a client the time its query took."""
        if self.query_time is not None and seconds > 0:
            self.query_time.take(client, seconds)

    def _sweep(self) -> None:
        self._seen += 1
        if self._seen % _PRUNE_EVERY == 0:
            for buckets in (self.requests, self.query_time):
                if buckets is not None:
                    buckets.prune()
