"""Built stores: parsed by Oxigraph, cached by the files' hash, read through rdflib and by the
query workers (in memory or on disk) with the union default graph's set semantics."""

from __future__ import annotations

import asyncio
import os
import shutil

import pyoxigraph as ox
import pytest
from rdflib import RDFS, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kzgraph import paths
from kzgraph import store as store_module
from kzgraph.dataset import INDEX_GRAPH, load_dataset
from kzgraph.errors import DataFileNotFound, DataSyntaxError, StoreCacheError
from kzgraph.namespaces import KZ, KZG, KZO, ONTOLOGY_GRAPH
from kzgraph.query.pool import WorkerPool
from kzgraph.query.worker import Job, StoreFiles
from kzgraph.export import FORMATS, export
from kzgraph.store import StoreCache, digest_of, open_dataset
from kzgraph.release import Release

KAZCOSMOS = KZ["KazCosmos"]


@pytest.fixture()
def data_copy(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for file in paths.data_files():
        shutil.copy(file, folder / file.name)
    return sorted(folder.glob("*.trig"))


@pytest.fixture()
def cache(tmp_path) -> StoreCache:
    return StoreCache(tmp_path / "cache")


def entries(cache: StoreCache) -> list[str]:
    return sorted(p.name for p in cache.root.iterdir())


def test_the_same_files_open_the_store_built_before(cache, data_copy, monkeypatch):
    first = cache.get(data_copy)
    monkeypatch.setattr(StoreCache, "_build", lambda *a: pytest.fail("built a second time"))
    again = cache.get(data_copy)
    assert again == first and entries(cache) == [first.path.name]


def test_a_changed_file_gets_a_store_of_its_own(cache, data_copy):
    before = cache.get(data_copy)
    lead = next(p for p in data_copy if p.name == "kazcosmos.trig")
    lead.write_text(lead.read_text(encoding="utf-8") + '\nkzg:extra { kz:KazCosmos kzo:note "x" . }\n',
                    encoding="utf-8")
    after = cache.get(data_copy)
    assert after.path != before.path and after.digest != before.digest
    assert after.quads == before.quads + 2  # the triple, and its subject in the claim index


def test_the_store_holds_what_rdflib_loads(cache, dataset):
    built = cache.get()
    served = open_dataset(built)
    assert len(served) == len(dataset) == built.triples
    assert built.quads == sum(len(g) for g in dataset.graphs())
    assert {g.identifier for g in served.graphs()} == {g.identifier for g in dataset.graphs()}
    for name in (ONTOLOGY_GRAPH, INDEX_GRAPH, KZG["lead"]):
        assert len(served.graph(name)) == len(dataset.graph(name))
    # the same facts about an entity (Oxigraph keeps lexical forms rdflib would normalize)
    about = lambda ds: {(p, o.lower() if isinstance(o, Literal) else o)  # noqa: E731
                        for p, o in ds.predicate_objects(KAZCOSMOS) if not isinstance(o, Literal)
                        or o.datatype is None}
    assert about(served) == about(dataset) and len(about(served)) > 10


def test_union_reads_give_each_triple_once_with_every_graph_stating_it(cache, dataset):
    served = open_dataset(cache.get())
    label = (KAZCOSMOS, KZO.formationDate, None)
    assert len(list(served.triples(label))) == len(list(dataset.triples(label))) == 1
    graphs = lambda ds: sorted(g for *_, g in ds.quads(label))  # noqa: E731
    assert graphs(served) == graphs(dataset) and len(graphs(served)) >= 1
    assert list(served.graph(DATASET_DEFAULT_GRAPH_ID).triples((None, None, None))) == []


def test_a_literal_subject_matches_nothing_as_in_rdflib(cache, dataset):
    served = open_dataset(cache.get())
    pattern = (Literal("KazCosmos"), None, None)
    assert list(served.triples(pattern)) == list(dataset.triples(pattern)) == []
    assert (Literal("x"), KZO.formationDate, None) not in served
    assert list(served.graph(KZG["lead"]).triples(pattern)) == []


def test_the_served_store_refuses_writes(cache):
    served = open_dataset(cache.get())
    with pytest.raises(PermissionError):
        served.add((KAZCOSMOS, RDFS.comment, Literal("x"), served.graph(KZG["lead"])))
    with pytest.raises(PermissionError):
        served.remove((KAZCOSMOS, None, None))


def test_a_syntax_error_names_the_file_and_line(cache, tmp_path):
    bad = tmp_path / "bad.trig"
    bad.write_text("@prefix kz: <https://w3id.org/kzgraph/resource/> .\n\nkz:g {\n  kz:a kz:b \n}\n")
    with pytest.raises(DataSyntaxError) as caught:
        cache.get([bad])
    with pytest.raises(DataSyntaxError) as by_rdflib:
        load_dataset([bad])
    assert caught.value.path == bad and caught.value.line is not None
    assert str(caught.value) == str(by_rdflib.value)  # as `kzgraph validate` reports it
    assert not cache.root.exists() or entries(cache) == []


def test_a_missing_file_is_named(cache, tmp_path):
    with pytest.raises(DataFileNotFound) as caught:
        cache.get([tmp_path / "nowhere.trig"])
    assert caught.value.path == tmp_path / "nowhere.trig"


def test_a_failed_build_leaves_no_entry(cache, data_copy, monkeypatch):
    def fail(store):
        raise MemoryError("killed mid-build")

    monkeypatch.setattr(store_module, "materialize_union", fail)
    with pytest.raises(MemoryError):
        cache.get(data_copy)
    assert entries(cache) == []
    monkeypatch.undo()
    assert cache.get(data_copy).triples > 0


def test_prune_removes_what_no_server_holds(cache, data_copy):
    old = cache.get(data_copy)
    cache.release()  # the server that used it stopped
    data_copy[0].write_text(data_copy[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    restarted = StoreCache(cache.root)
    current = restarted.get(data_copy)
    (cache.root / ".deadbeef.123.tmp").mkdir()  # a build that was killed
    assert sorted(restarted.prune(keep={current.path})) == sorted([old.path, cache.root / ".deadbeef.123.tmp"])
    assert entries(cache) == [current.path.name]


def test_a_reloading_server_lets_go_of_replaced_releases_and_prunes_them(cache, data_copy):
    """Each reload builds an entry; keep_only keeps the ones named (the served release and the
    one it replaced) and removes the rest, though this server had held them."""
    versions = []
    for edit in range(3):
        data_copy[0].write_text(data_copy[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
        versions.append(cache.get(data_copy).path)
    assert cache.prune(keep={versions[-1]}) == []  # all three are held by this server
    assert cache.keep_only({versions[1], versions[2]}) == [versions[0]]
    assert entries(cache) == sorted(v.name for v in versions[1:])
    assert cache.get(data_copy).path == versions[2]  # still held: opened again, not rebuilt


def test_prune_leaves_what_another_server_serves_or_builds(cache, data_copy):
    """Two servers on one cache directory: one's start must not delete the other's store."""
    theirs = cache.get(data_copy)
    building = cache.root / ".cafe.99.tmp"
    building.mkdir()
    build_lock = store_module._lock(building, exclusive=True)
    data_copy[0].write_text(data_copy[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    mine = StoreCache(cache.root)
    current = mine.get(data_copy)
    assert mine.prune(keep={current.path}) == []
    assert theirs.path.is_dir() and building.is_dir()
    assert open_dataset(theirs).__len__() == theirs.triples
    os.close(build_lock)
    cache.release()
    assert sorted(mine.prune(keep={current.path})) == sorted([theirs.path, building])


def test_a_commit_and_the_file_it_wrote_have_one_digest(cache, tmp_path):
    """A curator's commit is served from an rdflib copy; the reload watcher then sees the file it
    wrote and builds its store: the same data must not count as a new release."""
    from kzgraph.curation import canonical_trig

    dataset = load_dataset()
    committed = tmp_path / "dataset.trig"
    committed.write_text(canonical_trig(dataset), encoding="utf-8")
    assert cache.get([committed]).digest == Release.build(load_dataset([committed])).digest
    assert cache.get().digest == Release.build(dataset).digest  # the embedded files, both ways


@pytest.mark.parametrize("in_memory", [True, False], ids=["memory", "disk"])
def test_workers_answer_from_the_built_store_with_set_semantics(cache, dataset, in_memory):
    built = cache.get()
    files = StoreFiles(str(built.store_path), str(built.nquads_path), in_memory)
    count = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", engine_format="CSV")
    graphs = Job(query="SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                 engine_format="CSV")

    async def ask() -> list[bytes]:
        pool = WorkerPool({"kzgraph": files}, workers=1)
        await pool.start()
        try:
            return [await pool.run(job, 30) for job in (count, graphs)]
        finally:
            await pool.close()

    union, named = asyncio.run(ask())
    assert union.split()[1] == str(len(dataset)).encode()
    assert named.split()[1] == str(len(list(ox.Store.read_only(str(built.store_path)).named_graphs()))).encode()


DISTINCT_TRIPLES = """@prefix ex: <http://example.org/> .
ex:g1 { ex:a ex:p ex:b . ex:a ex:q "one" . }
ex:g2 { ex:c ex:p ex:d . }
"""


@pytest.mark.parametrize("in_memory", [True, False], ids=["memory", "disk"])
def test_without_repeated_triples_the_union_is_not_copied(cache, tmp_path, in_memory):
    """No triple in two graphs: the store keeps one copy, and queries still see the union once,
    while FROM and GRAPH keep their meaning."""
    data = tmp_path / "distinct.trig"
    data.write_text(DISTINCT_TRIPLES, encoding="utf-8")
    built = cache.get([data], ontology=[])
    assert not built.union_copied and built.triples == built.quads == 3 + 2  # + claim index
    served = open_dataset(built)
    assert len(served) == 5 and len(list(served.triples((None, None, None)))) == 5
    assert sorted(str(g) for *_, g in served.quads((None, URIRef("http://example.org/p"), None))) \
        == ["http://example.org/g1", "http://example.org/g2"]
    files = StoreFiles(str(built.store_path), str(built.nquads_path), in_memory, False)
    queries = ["SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
               "SELECT (COUNT(*) AS ?n) FROM <http://example.org/g2> WHERE { ?s ?p ?o }",
               "SELECT (COUNT(*) AS ?n) FROM NAMED <http://example.org/g1> WHERE { GRAPH ?g { ?s ?p ?o } }",
               "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"]

    async def ask() -> list[bytes]:
        pool = WorkerPool({"kzgraph": files}, workers=1)
        await pool.start()
        try:
            return [await pool.run(Job(query=q, engine_format="CSV"), 30) for q in queries]
        finally:
            await pool.close()

    assert [answer.split()[1] for answer in asyncio.run(ask())] == [b"5", b"1", b"2", b"3"]


def test_repeated_triples_get_the_union_copied(cache):
    built = cache.get()  # the embedded data states some facts in more than one passage
    assert built.union_copied and built.triples < built.quads


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_exports_of_a_built_store_hold_what_rdflib_exports(cache, dataset, fmt):
    """Downloads of a built store are written by Oxigraph: the same quads (or merged triples)
    as rdflib writes for the same data."""
    def canonical(body: bytes) -> str:
        parsed = ox.Store()
        parsed.load(body, format=getattr(ox.RdfFormat, FORMATS[fmt].oxigraph_name),
                    base_iri="http://example.org/")
        return digest_of(parsed.dump(format=ox.RdfFormat.N_QUADS))

    served = export(open_dataset(cache.get()), fmt)
    assert canonical(served) == canonical(export(dataset, fmt))
    assert len(served) > 10_000


def test_an_unwritable_cache_is_a_clear_error_and_leaves_nothing(tmp_path, data_copy):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache should be")
    with pytest.raises(StoreCacheError, match="writable directory"):
        StoreCache(blocked / "cache").get(data_copy)
    assert blocked.read_text() == "a file where the cache should be"


def test_serve_names_an_unwritable_cache_and_exits_2(tmp_path, capsys):
    from kzgraph.cli import main

    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["serve", "--store-cache", str(blocked / "cache"), "--port", "0"]) == 2
    assert "set --store-cache" in capsys.readouterr().err


def test_the_same_bytes_elsewhere_get_their_own_store(cache, tmp_path):
    """Relative IRIs resolve against the file's place: equal bytes are not equal data."""
    stores = []
    for place in ("a", "b"):
        (tmp_path / place).mkdir()
        data = tmp_path / place / "relative.trig"
        data.write_text("<g> { <thing> <p> <o> . }\n", encoding="utf-8")
        stores.append(cache.get([data], ontology=[]))
    assert stores[0].path != stores[1].path and stores[0].digest != stores[1].digest


def test_the_disk_store_holds_every_quad_parsed_and_the_union_copy(cache, tmp_path):
    """The disk store is parsed in parallel with the in-memory pass; the claim index and the
    union's copy are added after: nothing may be missing or doubled."""
    embedded = cache.get()
    assert len(embedded.open()) == embedded.quads + embedded.triples  # the union copied
    data = tmp_path / "distinct.trig"
    data.write_text(DISTINCT_TRIPLES, encoding="utf-8")
    distinct = cache.get([data], ontology=[])
    assert len(distinct.open()) == distinct.quads == 5


def test_a_serving_process_that_reloads_keeps_two_entries_in_its_cache(tmp_path, data_copy):
    """`kzgraph serve` with changing files: each release's entry is built, and the ones older
    than the release it replaced are removed while it runs, not only at its next start."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = tmp_path / "served-cache"
    server = subprocess.Popen(
        [sys.executable, "-m", "kzgraph", "serve", *map(str, data_copy), "--port", str(port),
         "--store-cache", str(root), "--reload-interval", "0.2", "--readiness", "loaded",
         "--query-workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def version(deadline: float, other_than: str | None = None) -> str:
        while time.monotonic() < deadline:
            assert server.poll() is None, "the server stopped"
            try:
                found = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()["version"]
                if found != other_than:
                    return found
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("no new release in time")

    try:
        served = [version(time.monotonic() + 60)]
        for edit in range(3):
            data_copy[0].write_text(data_copy[0].read_text(encoding="utf-8")
                                    + f'\n<urn:x:edit> <urn:x:n> "{edit}" .\n', encoding="utf-8")
            served.append(version(time.monotonic() + 60, other_than=served[-1]))
        assert len(set(served)) == 4
        built = [p for p in root.iterdir() if not p.name.startswith(".")]
        assert len(built) == 2  # the release in service and the one it replaced
    finally:
        server.terminate()
        server.wait(timeout=20)
