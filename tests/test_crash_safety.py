"""A commit killed at any point leaves the old or the new data, never a broken file.

Two levels: a process that commits two versions of a dataset over and over is killed (SIGKILL)
at random moments, and the file must then be exactly one of the two; and a real server killed
while it applies a curator's update must restart on the old or the new state.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Literal, URIRef

from kzgraph.curation import DatasetFile, canonical_trig, load_served
from kzgraph.dataset import load_dataset
from kzgraph.namespaces import KZG

from .conftest import free_port

# Serialization happens once, up front, so that the loop's time goes to the atomic write itself
# (temporary file, fsync, rename) and random kills land inside it.
COMMIT_LOOP = """
import sys
from pathlib import Path
from kzgraph.curation import DatasetFile
store = DatasetFile(sys.argv[1])
versions = [Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()]
print("ready", flush=True)
while True:
    for version in versions:
        store.write_bytes(version)
"""


@pytest.fixture(scope="module")
def two_versions(tmp_path_factory):
    """Two big, different versions of the data as committed files (big, so writes take time)."""
    folder = tmp_path_factory.mktemp("versions")
    files = []
    for name, size in (("a", 40_000), ("b", 41_000)):
        dataset = load_dataset()
        bulk = dataset.graph(KZG[f"bulk-{name}"])
        for i in range(size):
            bulk.add((URIRef(f"urn:s:{i}"), URIRef("urn:p"), Literal(f"{name} value {i}")))
        path = folder / f"{name}.trig"
        path.write_text(canonical_trig(dataset), encoding="utf-8")
        files.append(path)
    return files


def test_a_commit_killed_at_random_moments_leaves_old_or_new(tmp_path, two_versions):
    a, b = two_versions
    allowed = {a.read_bytes(), b.read_bytes()}
    store = tmp_path / "store"
    store.mkdir()
    (store / DatasetFile.NAME).write_bytes(a.read_bytes())
    chance = random.Random(20261125)
    interrupted = 0
    for _ in range(10):
        child = subprocess.Popen([sys.executable, "-c", COMMIT_LOOP, str(store), str(a), str(b)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(chance.uniform(0.05, 0.5))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert (store / DatasetFile.NAME).read_bytes() in allowed
        leftovers = list(store.glob(".dataset-*.tmp"))
        interrupted += bool(leftovers)
        for path in leftovers:
            path.unlink()
    assert interrupted > 0, "no kill landed inside a write: the test proved nothing"
    (store / ".dataset-killed.tmp").write_bytes(b"half")
    load_served(store)  # what a restarting server does first: clear half-written temporaries
    assert not list(store.glob(".dataset-*.tmp"))


TOKEN = "crash-test-token-0123456789"
COMMENT = ('INSERT DATA { GRAPH <https://w3id.org/kzgraph/graph/lead> { '
           '<https://w3id.org/kzgraph/resource/KazCosmos> '
           '<http://www.w3.org/2000/01/rdf-schema#comment> "round %d"@en } }')


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    environ = {**os.environ, "KZGRAPH_CURATOR_TOKEN": TOKEN}
    server = subprocess.Popen(
        [sys.executable, "-m", "kzgraph", "serve", "--port", str(port), "--data-dir", str(data_dir),
         "--query-workers", "1", "--access-log", "off", "--readiness", "loaded"],
        env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError("kzgraph serve did not become ready")


def comments(port: int) -> set[str]:
    query = ("SELECT ?c WHERE { <https://w3id.org/kzgraph/resource/KazCosmos> "
             "<http://www.w3.org/2000/01/rdf-schema#comment> ?c }")
    response = httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": query},
                         headers={"Accept": "text/csv"}, timeout=30)
    return set(response.text.splitlines()[1:])


def test_a_server_killed_during_a_write_restarts_on_old_or_new_state(tmp_path):
    chance = random.Random(7)
    port = free_port()
    acknowledged: set[str] = set()
    for round_ in range(3):
        server = start_server(tmp_path, port)
        try:
            assert comments(port) in (acknowledged, acknowledged | {f"round {round_ - 1}"})
            acknowledged = comments(port)
            headers = {"Content-Type": "application/sparql-update",
                       "Authorization": f"Bearer {TOKEN}"}
            url = f"http://127.0.0.1:{port}/sparql"
            if round_ == 0:  # wait for the commit to be acknowledged, then kill
                response = httpx.post(url, content=(COMMENT % round_).encode(), headers=headers,
                                      timeout=60)
                assert response.status_code == 200, response.text
                acknowledged.add("round 0")
            else:  # kill while the write is being applied
                try:
                    httpx.post(url, content=(COMMENT % round_).encode(), headers=headers,
                               timeout=httpx.Timeout(5, read=chance.uniform(0.05, 0.6)))
                except httpx.ReadTimeout:
                    pass
        finally:
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)
        committed = load_dataset([tmp_path / DatasetFile.NAME])  # parses: never half-written
        assert len(committed) > 0
    final = start_server(tmp_path, port)
    try:
        assert {"round 0"} <= comments(port) <= {"round 0", "round 1", "round 2"}
    finally:
        final.send_signal(signal.SIGKILL)
        final.wait(timeout=30)
