"""kzgraph publish: every graph into a real Oxigraph server on loopback (and a recording stand-in
for what Oxigraph cannot show: credentials, redirects, failures)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from copy import deepcopy

import pytest
from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph.dataset import union_graph
from kzgraph.errors import PublishMismatch, StoreError, UsageError
from kzgraph.external import auth_from_env
from kzgraph.publish import PublishOptions, publish, uploads
from tests.conftest import free_port
from tests.stores import OxigraphServer, StandInStore
from tests.terminal import stderr_on_a_terminal

KZG = "https://w3id.org/kzgraph/graph/"


@pytest.fixture()
def oxigraph():
    with OxigraphServer() as server:
        yield server


@pytest.fixture()
def stand_in():
    with StandInStore() as store:
        yield store


def named_graphs(dataset: Dataset) -> dict[str, int]:
    return {str(g.identifier): len(g) for g in dataset.graphs()
            if g.identifier != DATASET_DEFAULT_GRAPH_ID and len(g)}


def kzgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True,
                          timeout=180, env={**os.environ, **(env or {})})


def test_every_graph_is_in_the_store_with_its_triple_count(dataset, oxigraph):
    report = publish(dataset, PublishOptions(oxigraph.store_url, oxigraph.query_url))
    expected = named_graphs(dataset)
    assert len(expected) > 10
    assert oxigraph.graphs() == set(expected)
    for graph, triples in expected.items():
        assert oxigraph.count(graph) == triples, graph
    # The default graph is the union of all graphs, as kzgraph's endpoint queries it.
    assert oxigraph.count() == len(union_graph(dataset)) < sum(expected.values())
    assert {c.graph: (c.sent, c.stored) for c in report.counts} == {
        **{g: (n, n) for g, n in expected.items()}, None: (oxigraph.count(),) * 2}


def test_publishing_again_changes_nothing(dataset, oxigraph):
    options = PublishOptions(oxigraph.store_url, oxigraph.query_url)
    publish(dataset, options)
    before = {g: oxigraph.count(g) for g in oxigraph.graphs()}, oxigraph.count()
    again = publish(dataset, options)
    assert ({g: oxigraph.count(g) for g in oxigraph.graphs()}, oxigraph.count()) == before
    assert all(c.sent == c.stored for c in again.counts)


def test_a_changed_graph_is_replaced_and_a_removed_one_pruned(dataset, oxigraph):
    options = PublishOptions(oxigraph.store_url, oxigraph.query_url, prune=True)
    publish(dataset, options)
    outsider = "http://example.org/not-kzgraph"
    oxigraph_put(oxigraph, outsider, b"<http://example.org/s> <http://example.org/p> 1 .\n")
    changed = deepcopy(dataset)
    lead = changed.graph(URIRef(KZG + "lead"))
    dropped = next(iter(lead))
    lead.remove(dropped)
    changed.remove_graph(changed.graph(URIRef(KZG + "navbox")))
    report = publish(changed, options)
    assert report.pruned == [KZG + "navbox"]
    assert KZG + "navbox" not in oxigraph.graphs() and outsider in oxigraph.graphs()
    assert oxigraph.count(KZG + "lead") == len(dataset.graph(URIRef(KZG + "lead"))) - 1
    assert oxigraph.count() == len(union_graph(changed))


def test_without_prune_a_removed_graph_stays(dataset, oxigraph):
    publish(dataset, PublishOptions(oxigraph.store_url, oxigraph.query_url))
    changed = deepcopy(dataset)
    changed.remove_graph(changed.graph(URIRef(KZG + "navbox")))
    report = publish(changed, PublishOptions(oxigraph.store_url, oxigraph.query_url))
    assert report.pruned == [] and KZG + "navbox" in oxigraph.graphs()


def test_counts_by_graph_store_get_without_a_query_endpoint(dataset, oxigraph):
    report = publish(dataset, PublishOptions(oxigraph.store_url))
    assert [c.stored for c in report.counts] == [c.sent for c in report.counts]
    assert oxigraph.count() == len(union_graph(dataset))


def test_own_default_graph_sends_only_the_default_graphs_own_triples(dataset, oxigraph):
    assert [u.graph for u in uploads(dataset, "own")] == sorted(named_graphs(dataset))
    publish(dataset, PublishOptions(oxigraph.store_url, oxigraph.query_url, default_graph="own"))
    assert oxigraph.count() == 0  # kzgraph's data puts nothing in the default graph


def test_union_default_graph_store_gives_the_same_counts(dataset):
    with OxigraphServer("--union-default-graph") as server:
        report = publish(dataset, PublishOptions(server.store_url, server.query_url))
    assert all(c.sent == c.stored for c in report.counts)


def test_a_store_holding_less_than_sent_is_reported(dataset, stand_in):
    stand_in.drop_a_triple = True
    with pytest.raises(PublishMismatch) as caught:
        publish(dataset, PublishOptions(stand_in.store_url))
    assert len(caught.value.mismatches) == len(uploads(dataset))
    assert "<https://w3id.org/kzgraph/graph/lead>: sent" in str(caught.value)


def test_bearer_token_from_the_environment_is_sent(dataset, stand_in):
    auth = auth_from_env("KZGRAPH_PUBLISH_", {"KZGRAPH_PUBLISH_TOKEN": "s3cret-token"})
    publish(dataset, PublishOptions(stand_in.store_url), auth=auth)
    assert stand_in.requests
    assert {r.headers.get("authorization") for r in stand_in.requests} == {"Bearer s3cret-token"}


def test_basic_and_digest_credentials_from_the_environment(dataset, stand_in):
    env = {"KZGRAPH_PUBLISH_USER": "dba", "KZGRAPH_PUBLISH_PASSWORD": "pa ss"}
    publish(dataset, PublishOptions(stand_in.store_url), auth=auth_from_env("KZGRAPH_PUBLISH_", env))
    basic = "Basic " + base64.b64encode(b"dba:pa ss").decode()
    assert {r.headers.get("authorization") for r in stand_in.requests} == {basic}
    stand_in.requests.clear()
    stand_in.digest = True
    digest = auth_from_env("KZGRAPH_PUBLISH_", {**env, "KZGRAPH_PUBLISH_AUTH": "digest"})
    publish(dataset, PublishOptions(stand_in.store_url), auth=digest)
    answered = [r.headers.get("authorization", "") for r in stand_in.requests]
    assert any(a.startswith('Digest username="dba"') for a in answered)
    assert "pa ss" not in " ".join(answered)


def test_credentials_must_not_be_ambiguous_or_in_the_url():
    with pytest.raises(UsageError, match="not both"):
        auth_from_env("KZGRAPH_PUBLISH_", {"KZGRAPH_PUBLISH_TOKEN": "t", "KZGRAPH_PUBLISH_USER": "u"})
    with pytest.raises(UsageError, match="must not carry credentials"):
        PublishOptions("http://dba:secret@127.0.0.1:1/store")
    with pytest.raises(UsageError, match="--query-url"):
        PublishOptions("http://127.0.0.1:1/store", prune=True)


def test_cli_sends_environment_credentials_and_prints_no_secret(stand_in):
    result = kzgraph("publish", "--to", stand_in.store_url,
                     env={"KZGRAPH_PUBLISH_TOKEN": "cli-s3cret-token"})
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout and "cli-s3cret-token" not in result.stdout + result.stderr
    assert {r.headers.get("authorization") for r in stand_in.requests} == {"Bearer cli-s3cret-token"}


def test_cli_unreachable_store_is_a_clean_error_exit_3():
    closed = f"http://127.0.0.1:{free_port()}/store"
    started = time.monotonic()
    result = kzgraph("publish", "--to", closed, "--retries", "0", "--timeout", "2")
    assert result.returncode == 3
    assert result.stderr.startswith("kzgraph: error: PUT ") and "cannot connect" in result.stderr
    assert "Traceback" not in result.stderr and time.monotonic() - started < 60


def test_cli_mismatch_exits_1_naming_the_graphs(stand_in):
    stand_in.drop_a_triple = True
    result = kzgraph("publish", "--to", stand_in.store_url)
    assert result.returncode == 1 and "do not hold what was sent" in result.stderr
    assert "<https://w3id.org/kzgraph/graph/navbox>: sent" in result.stderr


def test_redirects_are_not_followed(dataset, stand_in):
    with StandInStore() as elsewhere:
        stand_in.script.append((307, {"Location": elsewhere.store_url}, b"", 0))
        with pytest.raises(StoreError, match="redirected to .* not followed"):
            publish(dataset, PublishOptions(stand_in.store_url),
                    auth=auth_from_env("KZGRAPH_PUBLISH_", {"KZGRAPH_PUBLISH_TOKEN": "tok"}))
        assert elsewhere.requests == []


def test_refused_credentials_say_which_variables_to_set(dataset, stand_in):
    stand_in.script.append((401, {}, b"authentication required", 0))
    with pytest.raises(StoreError, match="KZGRAPH_PUBLISH_USER"):
        publish(dataset, PublishOptions(stand_in.store_url))


def test_a_transient_503_is_retried(dataset, stand_in):
    stand_in.script.append((503, {}, b"busy", 0))
    publish(dataset, PublishOptions(stand_in.store_url, backoff=0.01))
    puts = [r for r in stand_in.requests if r.method == "PUT"]
    assert len(puts) == len(uploads(dataset)) + 1 and puts[0].params == puts[1].params


def test_a_store_that_does_not_answer_times_out(dataset, stand_in):
    stand_in.script.append((204, {}, b"", 3))
    started = time.monotonic()
    with pytest.raises(StoreError, match="no answer in time"):
        publish(dataset, PublishOptions(stand_in.store_url, timeout=0.5, retries=0))
    assert time.monotonic() - started < 2.5


def test_progress_is_shown_on_a_terminal_and_quiet_otherwise(oxigraph):
    command = [sys.executable, "-m", "kzgraph", "publish", "--to", oxigraph.store_url,
               "--query-url", oxigraph.query_url]
    status, shown = stderr_on_a_terminal(command)
    assert status == 0
    assert b"\r[1/" in shown and b"default graph" in shown
    on_pipe = subprocess.run(command, capture_output=True, timeout=180)
    assert on_pipe.returncode == 0 and b"[1/" not in on_pipe.stderr


def oxigraph_put(server: OxigraphServer, graph: str, turtle: bytes) -> None:
    import httpx

    response = httpx.put(server.store_url, params={"graph": graph}, content=turtle,
                         headers={"Content-Type": "text/turtle"})
    assert response.status_code in (200, 201, 204), response.text


def canonical(payload: bytes) -> list[str]:
    """N-Triples as a sorted list of lines, written by one Oxigraph store: rdflib and Oxigraph
    write some typed literals differently (``+00:00`` / ``Z``), equal as values."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(payload, format=ox.RdfFormat.N_TRIPLES)
    return sorted(store.dump(format=ox.RdfFormat.N_QUADS).decode().splitlines())


@pytest.mark.parametrize("mode", ["union", "own"])
def test_the_built_store_sends_what_the_rdflib_dataset_sends(dataset, tmp_path, mode):
    from kzgraph.store import StoreCache

    built = StoreCache(tmp_path / "cache").get()
    from_rdflib, from_store = uploads(dataset, mode), uploads(built, mode)
    assert [(u.graph, u.triples) for u in from_store] == [(u.graph, u.triples) for u in from_rdflib]
    for mine, theirs in zip(from_store, from_rdflib):
        assert canonical(mine.payload) == canonical(theirs.payload), mine.label


def test_the_built_store_of_graphs_without_shared_triples_sends_their_union(tmp_path):
    """No triple in two graphs: the store has no union copy, and the default graph sent is every
    graph's triples, the default graph's own too."""
    from kzgraph.store import StoreCache

    data = tmp_path / "distinct.trig"
    data.write_text("<http://e/s> <http://e/p> 0 .\n"
                    "<http://e/g1> { <http://e/s> <http://e/p> 1 . <http://e/s> <http://e/p> 2 . }\n"
                    "<http://e/g2> { <http://e/s> <http://e/p> 3 . }\n", encoding="utf-8")
    built = StoreCache(tmp_path / "cache").get([data], ontology=[])
    assert not built.union_copied
    plan = uploads(built)
    named = [(u.graph, u.triples) for u in plan[:-1]]
    assert named[:2] == [("http://e/g1", 2), ("http://e/g2", 1)]
    assert [g for g, _ in named[2:]] == [KZG + "index"]  # the claim index kzgraph adds
    assert (plan[-1].graph, plan[-1].triples) == (None, 1 + sum(n for _, n in named))
    own = b'<http://e/s> <http://e/p> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    assert canonical(plan[-1].payload) == canonical(own + b"".join(u.payload for u in plan[:-1]))
    assert [(u.graph, u.triples) for u in uploads(built, "own")][-1] == (None, 1)


def test_a_built_store_is_published_and_verified(tmp_path, oxigraph, dataset):
    from kzgraph.store import StoreCache

    built = StoreCache(tmp_path / "cache").get()
    report = publish(built, PublishOptions(oxigraph.store_url, oxigraph.query_url))
    assert all(c.sent == c.stored for c in report.counts)
    assert oxigraph.graphs() == set(named_graphs(dataset))
    assert oxigraph.count() == len(union_graph(dataset))


def test_cli_publishes_from_the_store_cache_and_without_one(oxigraph, tmp_path, dataset):
    """`publish` writes the graphs from the store `serve` builds; a cache it cannot write only
    costs it loading the data with rdflib, which sends the same."""
    cache = tmp_path / "cache"
    result = kzgraph("publish", "--to", oxigraph.store_url, "--query-url", oxigraph.query_url,
                     env={"KZGRAPH_STORE_CACHE": str(cache)})
    assert result.returncode == 0, result.stderr
    assert [p for p in cache.iterdir() if not p.name.startswith(".")]  # the built store
    assert oxigraph.graphs() == set(named_graphs(dataset))
    blocked = tmp_path / "file"
    blocked.write_text("")
    result = kzgraph("publish", "--to", oxigraph.store_url, "--query-url", oxigraph.query_url,
                     env={"KZGRAPH_STORE_CACHE": str(blocked / "cache")})
    assert result.returncode == 0, result.stderr
    assert "loading the data with rdflib instead" in result.stderr and "Traceback" not in result.stderr
    assert oxigraph.count() == len(union_graph(dataset))
