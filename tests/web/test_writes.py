"""Curators' writes over HTTP: bearer tokens, the SHACL gate (422 + report), atomic commits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from rdflib import Graph, Namespace

from kzgraph import Settings, create_app, load_dataset
from kzgraph.web.service import Service
from kzgraph.errors import UsageError
from kzgraph.web.writes import curator_tokens

from ..conftest import LiveServer

TOKEN = "curator-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = """PREFIX kz: <https://w3id.org/kzgraph/resource/>
PREFIX kzg: <https://w3id.org/kzgraph/graph/>
PREFIX kzo: <https://w3id.org/kzgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
ADD_COMMENT = PREFIXES + 'INSERT DATA { GRAPH kzg:lead { kz:KazCosmos rdfs:comment "%s"@en } }'
BAD_DATE = PREFIXES + 'INSERT DATA { GRAPH kzg:lead { kz:KazCosmos kzo:formationDate "soon" } }'
COMMENTS = PREFIXES + "SELECT ?c WHERE { kz:KazCosmos rdfs:comment ?c } ORDER BY ?c"


@pytest.fixture()
def curated(tmp_path):
    settings = Settings(data_dir=str(tmp_path), query_workers=1, rate_limit_requests=0,
                        access_log="off")
    app = create_app(Service.from_dataset(load_dataset(), settings, curator_tokens={TOKEN: "alice"}))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        yield client, tmp_path


def comments(client: httpx.Client) -> list[str]:
    response = client.get("/sparql", params={"query": COMMENTS}, headers={"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    return response.text.splitlines()[1:]


def update(client: httpx.Client, text: str, headers=AUTH, **kwargs) -> httpx.Response:
    return client.post("/sparql", content=text.encode(), headers={
        "Content-Type": "application/sparql-update", **(headers or {})}, **kwargs)


def test_without_a_token_nothing_changes(curated):
    client, data_dir = curated
    missing = update(client, ADD_COMMENT % "x", headers=None)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    wrong = update(client, ADD_COMMENT % "x", headers={"Authorization": "Bearer not-a-curator"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "forbidden"
    basic = update(client, ADD_COMMENT % "x", headers={"Authorization": "Basic YWxpY2U6eA=="})
    assert basic.status_code == 401
    gsp = client.put("/rdf-graphs", params={"graph": "https://w3id.org/kzgraph/graph/lead"},
                     content=b"", headers={"Content-Type": "text/turtle"})
    assert gsp.status_code == 401
    assert comments(client) == [] and not (data_dir / "dataset.trig").exists()


def test_a_curator_update_is_committed_and_read_back_at_once(curated):
    client, data_dir = curated
    response = update(client, ADD_COMMENT % "curated")
    assert response.status_code == 200, response.text
    change = response.json()
    assert change["who"] == "alice" and change["added"] == 1
    assert change["graphs"] == ["https://w3id.org/kzgraph/graph/lead"]
    assert comments(client) == ["curated"]  # the curator reads their own write
    assert "curated" in (data_dir / "dataset.trig").read_text(encoding="utf-8")
    page = client.get("/doc/resource/KazCosmos", headers={"Accept": "text/turtle"})
    assert "curated" in page.text
    history = client.get("/sparql", headers={"Accept": "text/csv"}, params={"query": """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?who WHERE { GRAPH <https://w3id.org/kzgraph/graph/changes> {
            ?change a prov:Activity ; prov:wasAssociatedWith ?who } }"""})
    assert history.text.splitlines()[1:] == ["alice"]


def test_a_non_conforming_write_gets_422_with_the_report_and_changes_nothing(curated):
    client, data_dir = curated
    assert update(client, ADD_COMMENT % "kept").status_code == 200
    stored = (data_dir / "dataset.trig").read_bytes()
    refused = update(client, BAD_DATE)
    assert refused.status_code == 422
    body = refused.json()
    assert body["error"] == "shacl_violation" and not body["report"]["conforms"]
    assert {(r["focus"], r["path"]) for r in body["report"]["results"]} == {
        ("kz:KazCosmos", "kzo:formationDate")}
    as_turtle = update(client, BAD_DATE, headers={**AUTH, "Accept": "text/turtle"})
    assert as_turtle.status_code == 422 and as_turtle.headers["content-type"].startswith("text/turtle")
    report = Graph().parse(data=as_turtle.text, format="turtle")
    assert (None, SH.conforms, None) in report and len(list(report.subjects(SH.resultPath, None))) == 2
    assert (data_dir / "dataset.trig").read_bytes() == stored
    assert comments(client) == ["kept"]


def test_graph_store_writes_with_a_token(curated):
    client, _ = curated
    lead = {"graph": "https://w3id.org/kzgraph/graph/lead"}
    before = client.get("/rdf-graphs", params=lead, headers={"Accept": "text/turtle"}).text
    added = client.post("/rdf-graphs", params=lead, headers={**AUTH, "Content-Type": "text/turtle"},
                        content='<https://w3id.org/kzgraph/resource/KazCosmos> '
                                '<http://www.w3.org/2000/01/rdf-schema#comment> "posted"@en .')
    assert added.status_code == 200 and added.json()["added"] == 1
    assert comments(client) == ["posted"]
    restored = client.put("/rdf-graphs", params=lead, content=before.encode(),
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert restored.status_code == 200 and restored.json()["removed"] == 1
    assert comments(client) == []
    unsourced = client.put("/rdf-graphs", params={"graph": "https://w3id.org/kzgraph/graph/new"},
                           headers={**AUTH, "Content-Type": "text/turtle"},
                           content=b'<https://w3id.org/kzgraph/resource/KazCosmos> '
                                   b'<http://www.w3.org/2000/01/rdf-schema#comment> "x" .')
    assert unsourced.status_code == 422
    bad_body = client.post("/rdf-graphs", params=lead, content=b"<a> <b",
                           headers={**AUTH, "Content-Type": "text/turtle"})
    assert bad_body.status_code == 400 and "does not parse" in bad_body.json()["message"]
    wrong_type = client.post("/rdf-graphs", params=lead, content=b"{}",
                             headers={**AUTH, "Content-Type": "application/json"})
    assert wrong_type.status_code == 415
    patch = client.patch("/rdf-graphs", params=lead, content=b"", headers=AUTH)
    assert patch.status_code == 405


def test_concurrent_writes_are_all_kept(curated):
    client, data_dir = curated
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(lambda i: update(client, ADD_COMMENT % f"c{i}").status_code,
                                 range(5)))
    assert statuses == [200] * 5
    assert comments(client) == [f"c{i}" for i in range(5)]
    assert all(f'"c{i}"@en' in (data_dir / "dataset.trig").read_text() for i in range(5))


def test_readers_never_see_half_a_write(curated):
    """One update adds two triples; readers polling meanwhile see none or both, never one."""
    client, _ = curated
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=60) as reader:
            while not done.is_set():
                seen.add(len(comments(reader)))

    threading_reader = threading.Thread(target=read)
    threading_reader.start()
    try:
        both = PREFIXES + ('INSERT DATA { GRAPH kzg:lead { kz:KazCosmos rdfs:comment "a"@en , '
                           '"b"@en } }')
        assert update(client, both).status_code == 200
        assert update(client, PREFIXES + "DELETE DATA { GRAPH kzg:lead { kz:KazCosmos "
                                         'rdfs:comment "a"@en , "b"@en } }').status_code == 200
    finally:
        done.set()
        threading_reader.join()
    assert seen <= {0, 2} and 0 in seen


def test_without_tokens_the_endpoint_stays_read_only(client):
    response = update(client, ADD_COMMENT % "x", headers=AUTH)
    assert response.status_code == 403 and response.json()["error"] == "update_refused"


def test_tokens_come_from_the_environment_or_a_file(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# curators\nalice  alice-token-0123456789\nbob bob-token-0123456789abc\n")
    found = curator_tokens(Settings(curator_tokens_file=str(tokens)),
                           {"KZGRAPH_CURATOR_TOKEN": "env-token-0123456789"})
    assert found == {"alice-token-0123456789": "alice", "bob-token-0123456789abc": "bob",
                     "env-token-0123456789": "curator"}
    with pytest.raises(UsageError, match="16 characters"):
        curator_tokens(Settings(), {"KZGRAPH_CURATOR_TOKEN": "short"})
    tokens.write_text("alice\n")
    with pytest.raises(UsageError, match=":1:"):
        curator_tokens(Settings(curator_tokens_file=str(tokens)), {})


def test_tokens_without_a_data_directory_are_refused():
    with pytest.raises(UsageError, match="data-dir"):
        create_app(Service.from_dataset(load_dataset(), Settings(), curator_tokens={TOKEN: "alice"}))
