"""Per-client rate limits (token buckets), on a clock the test moves."""

from kzgraph.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_requests_per_minute_then_a_retry_after_that_is_true():
    clock = Clock()
    limiter = RateLimiter(requests=3, query_seconds=0, clock=clock)
    assert [limiter.admit("a", False) for _ in range(3)] == [None, None, None]
    refused = limiter.admit("a", False)
    assert refused.limit == "requests" and refused.retry_after == 20  # 3 a minute: one per 20 s
    clock.now += 19
    assert limiter.admit("a", False) is not None
    clock.now += 1
    assert limiter.admit("a", False) is None


def test_clients_have_their_own_buckets():
    limiter = RateLimiter(requests=1, query_seconds=0, clock=Clock())
    assert limiter.admit("a", False) is None and limiter.admit("b", False) is None
    assert limiter.admit("a", False) is not None and limiter.admit("b", False) is not None


def test_query_time_is_charged_after_the_query_and_only_blocks_queries():
    clock = Clock()
    limiter = RateLimiter(requests=0, query_seconds=6, clock=clock)
    assert limiter.admit("a", True) is None
    limiter.charge("a", 7.0)  # one second of debt; refills at 0.1 s per second
    refused = limiter.admit("a", True)
    assert refused.limit == "query_seconds" and refused.retry_after == 11
    assert "6 seconds of query time" in refused.message
    assert limiter.admit("a", False) is None  # a page or a download is not a query
    clock.now += 11
    assert limiter.admit("a", True) is None


def test_zero_turns_a_limit_off():
    limiter = RateLimiter(requests=0, query_seconds=0, clock=Clock())
    assert not limiter.enabled
    limiter.charge("a", 1e6)
    assert all(limiter.admit("a", True) is None for _ in range(10_000))


def test_idle_clients_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(requests=60, query_seconds=0, clock=clock)
    for i in range(1024):
        limiter.admit(f"client-{i}", False)
    clock.now += 2  # each bucket lost one token and got two back: full again
    for _ in range(1024):
        limiter.admit("busy", False)
    assert set(limiter.requests.buckets) == {"busy"}
