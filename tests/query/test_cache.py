"""The cache of query answers: bounded in bytes, least recently used first out, keyed by release."""

import httpx

from kzgraph import Settings, create_app, load_dataset
from kzgraph.web.service import Service
from kzgraph.query.cache import ResultCache, etag_of

from ..conftest import LiveServer
from ..web.test_operations import metrics


def test_least_recently_used_answers_go_first_and_the_total_stays_bounded():
    cache = ResultCache(max_bytes=800)  # eight answers of 100 bytes
    for name in "abcdefgh":
        cache.put((name,), name.encode() * 100)
    cache.get(("a",))  # used: now the most recent
    cache.put(("i",), b"i" * 100)
    assert cache.get(("b",)) is None and cache.get(("a",)) is not None
    assert cache.size <= 800
    for i in range(50):
        cache.put((i,), b"x" * 100)
    assert cache.size <= 800 and len(cache._entries) == 8


def test_an_answer_too_big_for_the_cache_is_not_kept():
    cache = ResultCache(max_bytes=800)
    answer = cache.put(("big",), b"x" * 101)
    assert answer.etag == etag_of(b"x" * 101) and cache.get(("big",)) is None
    assert ResultCache(0).put(("a",), b"x").payload == b"x" and not ResultCache(0).enabled


def test_repeated_queries_come_from_the_cache_with_an_etag_and_304(dataset):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    settings = Settings(query_workers=1, rate_limit_requests=0, access_log="off")
    with LiveServer(create_app(Service.from_dataset(dataset, settings, examples=[]))) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        first = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        again = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert first.status_code == again.status_code == 200 and first.content == again.content
        etag = first.headers["etag"]
        assert etag == again.headers["etag"] == etag_of(first.content)
        other_format = client.get("/sparql", params={"query": query},
                                  headers={"Accept": "application/sparql-results+json"})
        assert other_format.headers["etag"] != etag  # the format is part of the key
        unchanged = client.get("/sparql", params={"query": query},
                               headers={"Accept": "text/csv", "If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
        stale = client.get("/sparql", params={"query": query},
                           headers={"Accept": "text/csv", "If-None-Match": '"other"'})
        assert stale.status_code == 200
        counted = metrics(client)
        assert counted[("kzgraph_query_cache_total", (("result", "miss"),))] == 2
        assert counted[("kzgraph_query_cache_total", (("result", "hit"),))] == 3


def test_a_new_release_is_a_new_key(tmp_path):
    token = "cache-test-token-0123456789"
    settings = Settings(query_workers=1, rate_limit_requests=0, access_log="off",
                        data_dir=str(tmp_path))
    app = create_app(Service.from_dataset(load_dataset(), settings, examples=[], curator_tokens={token: "alice"}))
    query = ("SELECT ?c WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
             "<http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
    csv = {"Accept": "text/csv"}
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        before = client.get("/sparql", params={"query": query}, headers=csv)
        assert before.text.split() == ["c"]
        write = client.post("/sparql", headers={"Authorization": f"Bearer {token}",
                                                "Content-Type": "application/sparql-update"},
                            content=b'INSERT DATA { GRAPH <https://w3id.org/kzgraph/graph/lead> { '
                                    b'<https://w3id.org/kzgraph/resource/KazCosmos> '
                                    b'<http://www.w3.org/2000/01/rdf-schema#comment> "new" } }')
        assert write.status_code == 200, write.text
        after = client.get("/sparql", params={"query": query},
                           headers={**csv, "If-None-Match": before.headers["etag"]})
        assert after.status_code == 200 and after.text.split() == ["c", "new"]
