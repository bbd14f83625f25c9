"""The served dataset is immutable at run time in the public configuration (no curator token):
every update form and every Graph Store write is refused, and the checksums of what the query
workers serve and of the N-Quads download are the same after the attempts as before."""

from __future__ import annotations

import pytest

from .conftest import quads_checksum, served_checksum

KZ = "https://w3id.org/kzgraph/resource/"
LEAD = "https://w3id.org/kzgraph/graph/lead"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
UPDATES = [
    f"INSERT DATA {{ <{KZ}KazCosmos> {LABEL} 'x' }}",
    f"INSERT DATA {{ GRAPH <{LEAD}> {{ <{KZ}KazCosmos> {LABEL} 'x' }} }}",
    f"DELETE DATA {{ GRAPH <{LEAD}> {{ <{KZ}KazCosmos> <https://w3id.org/kzgraph/ontology#head> "
    f"<{KZ}Talgat_Musabayev> }} }}",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    f"WITH <{LEAD}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "LOAD <file:///etc/passwd>", f"LOAD <file:///etc/passwd> INTO GRAPH <{LEAD}>",
    "CLEAR ALL", "CLEAR DEFAULT", "CLEAR NAMED", f"CLEAR GRAPH <{LEAD}>", "CLEAR SILENT ALL",
    "DROP ALL", f"DROP GRAPH <{LEAD}>", "DROP SILENT NAMED",
    "CREATE GRAPH <urn:new>", f"CREATE SILENT GRAPH <{LEAD}>",
    f"ADD <{LEAD}> TO DEFAULT", f"MOVE <{LEAD}> TO <urn:x>", f"COPY DEFAULT TO <{LEAD}>",
    f"ADD SILENT <{LEAD}> TO <urn:y> ; CLEAR ALL",
    f"insert data {{ <{KZ}KazCosmos> {LABEL} 'lower case' }}",
]


def update_attempts(client, text: str, path: str = "/sparql") -> list[int]:
    return [
        client.post(path, data={"update": text}).status_code,
        client.post(path, content=text, headers={"Content-Type": "application/sparql-update"}
                    ).status_code,
        client.post(path, content=text, headers={"Content-Type": "application/sparql-update",
                                                  "Authorization": "Bearer guessed"}).status_code,
        client.get(path, params={"update": text}).status_code,
        client.post(path, data={"query": text}).status_code,
        client.post(path, content=text, headers={"Content-Type": "application/sparql-query"}
                    ).status_code,
    ]


def download_checksum(client) -> str:
    response = client.get("/download/kazcosmos.nq")
    assert response.status_code == 200
    return quads_checksum(response.text.splitlines())


@pytest.fixture(scope="module")
def before(public_server):
    import httpx

    with httpx.Client(base_url=public_server.url, timeout=60) as client:
        return served_checksum(client), served_checksum(client, "/wikidata/sparql"), \
            download_checksum(client)


@pytest.mark.parametrize("text", UPDATES)
def test_every_update_form_is_refused(http, before, text):
    for path in ("/sparql", "/wikidata/sparql"):
        statuses = update_attempts(http, text, path)
        assert statuses[:3] == [403, 403, 403] and statuses[3] == 405, (path, statuses)
        assert set(statuses[4:]) <= {400, 403}, (path, statuses)  # as a query: refused, never run


TURTLE = f"<{KZ}KazCosmos> {LABEL} 'written' .".encode()


@pytest.mark.parametrize("method,target", [
    (m, t) for m in ("PUT", "POST", "DELETE", "PATCH")
    for t in ("/rdf-graphs?default", f"/rdf-graphs?graph={LEAD}", "/rdf-graphs?graph=urn:new",
              "/rdf-graphs/new", "/rdf-graphs")
])
def test_every_graph_store_write_is_refused(http, before, method, target):
    for auth in ({}, {"Authorization": "Bearer guessed"}):
        response = http.request(method, target, content=TURTLE,
                                headers={"Content-Type": "text/turtle", **auth})
        assert response.status_code in (400, 405), (method, target, response.text)


def test_the_dataset_checksum_is_unchanged(http, before):
    after = (served_checksum(http), served_checksum(http, "/wikidata/sparql"), download_checksum(http))
    assert after == before
    assert int(before[0].split(":")[0]) > 1000  # the checksum covers the real data
