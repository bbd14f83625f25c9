"""Data exfiltration and SSRF: no IRI in a query or a request makes kzgraph read a file or send a
request, however it is written. Listeners started here count every request reaching them."""

from __future__ import annotations

import socket
import time
from http.server import ThreadingHTTPServer

import httpx
import pytest

from kzgraph.query.inspect import inspect_query

from ..conftest import LiveServer
from ..loopback import LoopbackServer, QuietHandler, send
from ..web.test_sparql_safety import Listener
from .conftest import answers_normally, public_app, query


class IPv6Listener(Listener):
    """The counting listener, on [::1]."""

    def __init__(self) -> None:
        super().__init__()
        handler = self.server.RequestHandlerClass
        self.server.server_close()

        class Server(ThreadingHTTPServer):
            address_family = socket.AF_INET6

        self.server = Server(("::1", 0), handler)
        self.url = f"http://[::1]:{self.server.server_address[1]}"


class Redirector(LoopbackServer):
    """A loopback server that answers every request with 302 to ``target`` (and counts them)."""

    def __init__(self, target: str) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                hits.append(self.path)
                send(self, 302, {"Location": target}, b"")

            do_POST = do_GET

        super().__init__(Handler)


# (query template, expected status); {u} is a URL on a listener.
READS = [
    ("SELECT * FROM <{u}/a.ttl> WHERE {{ ?s ?p ?o }}", 200),
    ("SELECT * FROM NAMED <{u}/b.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 200),
    ("SELECT * WHERE {{ GRAPH <{u}/c.ttl> {{ ?s ?p ?o }} }}", 200),
    ("DESCRIBE <{u}/d.ttl>", 200),
    ("CONSTRUCT {{ ?s ?p ?o }} FROM <{u}/e.ttl> WHERE {{ ?s ?p ?o }}", 200),
    ("ASK FROM <{u}/f.ttl> {{ ?s ?p ?o }}", 200),
]
SERVICES = [  # SERVICE written every way the engine reads it: each must be seen and refused
    "SELECT * WHERE {{ SERVICE <{u}/s1> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE<{u}/s2>{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT<{u}/s3> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ sErViCe\t#comment\n<{u}/s4> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o .SERVICE <{u}/s5> {{ ?a ?b ?c }} }}",
    "SELECT * WHERE {{ ?s ?p 1SERVICE <{u}/s6> {{ ?a ?b ?c }} }}",
    "SELECT * WHERE {{ ?s ?p trueSERVICE <{u}/s7> {{ ?a ?b ?c }} }}",
    "PREFIX : <{u}/s8> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
    "PREFIX ex: <{u}/> SELECT * WHERE {{ BIND(ex:a\\' AS ?z) SERVICE <{u}/s9> {{ ?s ?p ?o }} "
    "BIND(ex:b\\' AS ?w) }}",
    "PREFIX ex: <{u}/> SELECT * WHERE {{ BIND(ex:a\\# AS ?z) SERVICE <{u}/s10> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)SERVICE#>\n<{u}/s11> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(EXISTS {{ SERVICE<{u}/s12> {{ ?a ?b ?c }} }}) }}",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{u}/s13> {{ ?s ?p ?o }} }} }} }}",
    "ASK {{ SERVICE <{u}/s14> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{u}/s15> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{u}/s16> {{ ?s ?p ?o }} }}",
]
UPDATES = [
    "LOAD <{u}/u1.ttl>",
    "LOAD SILENT <{u}/u2.ttl> INTO GRAPH <urn:x>",
    "INSERT {{ ?s ?p ?o }} USING <{u}/u3.ttl> WHERE {{ ?s ?p ?o }}",
    "DELETE {{ ?s ?p ?o }} USING NAMED <{u}/u4.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{u}/u5> {{ ?s ?p ?o }} }}",
]


def probe_everything(client: httpx.Client, url: str) -> list[int]:
    """Every way of naming ``url``; the statuses in order."""
    statuses = [query(client, template.format(u=url)).status_code for template, _ in READS]
    statuses += [query(client, template.format(u=url)).status_code for template in SERVICES]
    statuses.append(query(client, "SELECT * WHERE { ?s ?p ?o } LIMIT 1",
                          **{"default-graph-uri": f"{url}/g1", "named-graph-uri": f"{url}/g2"}
                          ).status_code)
    for template in UPDATES:
        statuses.append(client.post("/sparql", data={"update": template.format(u=url)}).status_code)
        statuses.append(client.post("/sparql", content=template.format(u=url),
                                    headers={"Content-Type": "application/sparql-update"}).status_code)
    return statuses


EXPECTED = [s for _, s in READS] + [400] * len(SERVICES) + [200] + [403] * 2 * len(UPDATES)


@pytest.fixture(scope="module")
def proven_inert(public_server):
    """Every probe, sent to listeners on 127.0.0.1, [::1] and behind a redirect: none reached."""
    with Listener() as v4, IPv6Listener() as v6, Redirector(f"{v4.url}/redirected") as hop, \
            httpx.Client(base_url=public_server.url, timeout=30) as client:
        statuses = {url: probe_everything(client, url) for url in (v4.url, v6.url, hop.url)}
        time.sleep(0.3)  # anything in flight would have arrived
        return statuses, (v4.hits, v6.hits, hop.hits)


def test_no_iri_reaches_a_listener_on_ipv4_ipv6_or_behind_a_redirect(proven_inert, http):
    statuses, hits = proven_inert
    assert all(seen == EXPECTED for seen in statuses.values()), statuses
    assert hits == ([], [], [])
    assert answers_normally(http)


# Addresses no test may send to: the probes go there only once the loopback listeners proved
# them inert; each is then refused, or answered from the dataset, without a request.
PRIVATE = ["http://10.0.0.1", "http://172.16.0.1", "http://192.168.1.1", "http://169.254.169.254",
           "http://[fe80::1]", "http://[fd00::1]", "http://0.0.0.0:80", "http://localhost:8000",
           "http://[::ffff:127.0.0.1]", "http://2130706433", "http://0x7f.1"]


@pytest.mark.parametrize("address", PRIVATE)
def test_private_and_link_local_addresses_get_the_same_answers(proven_inert, http, address):
    statuses, hits = proven_inert
    if hits != ([], [], []) or any(seen != EXPECTED for seen in statuses.values()):
        pytest.fail("the loopback probes were not inert; nothing is sent to other addresses")
    assert probe_everything(http, address) == EXPECTED


def test_allowlist_matches_the_iri_exactly(dataset, listener):
    """A look-alike of an allowlisted endpoint is refused; the exact IRI passes (the control)."""
    exact = f"{listener.url}/sparql"
    port = int(listener.url.rsplit(":", 1)[1])
    lookalikes = [f"http://127.0.0.1:{port + 1}/sparql", f"http://user@127.0.0.1:{port}/sparql",
                  f"http://user:pw@127.0.0.1:{port}/sparql", f"HTTP://127.0.0.1:{port}/sparql",
                  f"http://127.0.0.1:{port}/SPARQL", f"http://127.0.0.1.:{port}/sparql",
                  f"http://localhost:{port}/sparql", f"http://127.1:{port}/sparql",
                  f"http://[::ffff:127.0.0.1]:{port}/sparql", f"{exact}/", f"{exact}?x=1",
                  f"{exact}#f", f"http://127.0.0.1:{port}/%73parql", f"{exact[:-1]}\\u006C",
                  f"https://127.0.0.1:{port}/sparql", f"http://127.0.0.1:0{port}/sparql"]
    with LiveServer(public_app(dataset, service_allowlist=(exact,))) as running, \
            httpx.Client(base_url=running.url, timeout=30) as client:
        for iri in lookalikes:
            response = query(client, f"SELECT * WHERE {{ SERVICE <{iri}> {{ ?x ?p ?o }} }}")
            assert response.status_code == 400, iri
            assert response.json()["error"] == "service_not_allowed" and exact in response.text
        time.sleep(0.2)
        assert listener.hits == []
        control = query(client, f"SELECT ?x WHERE {{ SERVICE <{exact}> {{ ?x ?p ?o }} }}")
        assert control.status_code == 200 and "from the stand-in" in control.text
        assert len(listener.hits) == 1


@pytest.fixture()
def secret_file(tmp_path):
    """A readable Turtle file with a marker no response may ever contain."""
    marker = f"kz-secret-{time.monotonic_ns()}"
    path = tmp_path / "secret.ttl"
    path.write_text(f'<urn:s> <urn:p> "{marker}" .\n', encoding="utf-8")
    return path, marker


def test_no_local_file_content_in_any_response(http, secret_file):
    path, marker = secret_file
    iris = [path.as_uri(), f"file://localhost{path}", f"file:{path}"]
    responses = []
    for iri in iris:
        responses += [query(http, template.format(u=iri).replace(f"{iri}/", f"{iri}#"))
                      for template, _ in READS]
        responses.append(query(http, "SELECT * WHERE { ?s ?p ?o }", **{"default-graph-uri": iri}))
        responses.append(query(http, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
                               **{"named-graph-uri": iri}))
        responses.append(query(http, f"BASE <{path.parent.as_uri()}/> SELECT * FROM <secret.ttl> "
                                     "WHERE { ?s ?p ?o }"))
        responses.append(http.post("/sparql", data={"update": f"LOAD <{iri}>"}))
        responses.append(http.get("/rdf-graphs", params={"graph": iri}))
        responses.append(http.get(f"/rdf-graphs/{path}"))
    assert all(marker not in r.text for r in responses)
    assert all(r.status_code < 500 for r in responses)
    statuses = {r.status_code for r in responses}
    assert statuses <= {200, 403, 404}, statuses


@pytest.mark.parametrize("text,unchecked", [
    ("SELECT ?service WHERE { ?service a <http://x/Service> } # ask the query service", False),
    ("SELECT * WHERE { ?s <http://www.w3.org/ns/sparql-service-description#endpoint> ?o }", False),
    ('SELECT * WHERE { ?s ?p "customer service" ; <http://x/service/1> ?o }', False),
    ("PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:service ?o }", False),
    ("PREFIX service: <http://x/> SELECT * WHERE { ?s service:p ?o }", True),
    ("SELECT * WHERE { ?s ?p trueSERVICE <http://x/> {} }", True),
    ("SELECT * WHERE { VALUES (?a ?b) { (<x:a> <x:b>) } ?s ?p 'service' }", True),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o < <x:b>) } # service", False),
])
def test_the_check_refuses_only_what_it_cannot_read(text, unchecked):
    """Names, strings, comments and IRIs may say "service"; a token the engine could split into
    the keyword, or any "service" after a '<' that may be less-than, is refused."""
    assert (inspect_query(text).unchecked_service is not None) is unchecked
