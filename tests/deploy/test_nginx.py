"""The shipped nginx configuration, run by a real nginx in front of a real ``kzgraph serve``.

Both run on loopback ports of their own; nginx gets a folder of its own (pid, logs, cache) and
the shipped site file with only its settings rewritten: the upstream, the listen address, a
1 s head timeout (so the slow client test is quick) and 3 s of freshness for cached answers
(so that a HIT is certain on a busy machine; the shipped value is 1 s). What nginx sends
upstream, and when, is read from a recording stand-in in front of which the site file runs as
shipped.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from deploy.local_nginx import LocalNginx, find_nginx, render
from kzgraph import paths

from ..conftest import free_port
from ..loopback import LoopbackServer, QuietHandler, send

pytestmark = pytest.mark.skipif(find_nginx() is None,
                                reason="nginx is not installed (apt-get install nginx)")

FRESH_SECONDS = 3
JSON = "application/sparql-results+json"
KAZCOSMOS = "https://w3id.org/kzgraph/resource/KazCosmos"
# A property of the test's own, so that no fact the shipped data gains changes the test.
NOTE = "urn:kzgraph:deploy-test#note"
NOTES = f"SELECT ?c WHERE {{ <{KAZCOSMOS}> <{NOTE}> ?c }}"
FOUNDED = f"SELECT ?d WHERE {{ <{KAZCOSMOS}> <https://w3id.org/kzgraph/ontology#formationDate> ?d }}"
EVERYTHING = "SELECT * WHERE { ?s ?p ?o }"
NEW_RELEASE = f'\n<urn:kzgraph:deploy-test> {{ <{KAZCOSMOS}> <{NOTE}> "a second release" . }}\n'


DEBIAN_CONF = Path("/etc/nginx/nginx.conf")


@pytest.mark.skipif(not DEBIAN_CONF.exists(), reason="no /etc/nginx/nginx.conf (Debian's nginx package)")
def test_the_site_file_fits_into_debians_own_nginx_conf(tmp_path):
    """The site file goes into Debian's http { } block: nginx -t on Debian's nginx.conf with only
    its files moved into a temporary folder (pid, logs, the sites included) accepts it."""
    site = render("127.0.0.1:8000", f"127.0.0.1:{free_port()}", tmp_path / "cache")
    (tmp_path / "kzgraph.conf").write_text(site, encoding="utf-8")
    conf = DEBIAN_CONF.read_text(encoding="utf-8")
    conf = re.sub(r"(?m)^\s*user\s[^;]*;", "user root;" if os.geteuid() == 0 else "", conf)
    conf = re.sub(r"(?m)^(\s*pid)\s[^;]*;", rf"\1 {tmp_path}/nginx.pid;", conf)
    conf = re.sub(r"(?m)^(\s*(?:error|access)_log)\s[^;]*;", rf"\1 {tmp_path}/log;", conf)
    conf = re.sub(r"include /etc/nginx/(conf\.d|sites-enabled)/\*[^;]*;", "", conf)
    assert "include /etc/nginx/mime.types;" in conf and "gzip on;" in conf  # Debian's http block
    conf = conf.replace("http {", f"http {{\n\tinclude {tmp_path}/kzgraph.conf;", 1)
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    run = subprocess.run([find_nginx(), "-t", "-p", str(tmp_path), "-e", str(tmp_path / "log"),
                          "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True,
                         timeout=30)
    assert run.returncode == 0, run.stderr
    assert "[warn]" not in run.stderr and "[emerg]" not in run.stderr, run.stderr


def wait_ready(url: str, process: subprocess.Popen, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("kzgraph serve exited while starting")
        try:
            response = httpx.get(f"{url}/ready", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("kzgraph serve did not become ready")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """kzgraph serving a copy of the data files (checked for changes every 0.3 s), nginx in front."""
    root = tmp_path_factory.mktemp("deploy")
    data = root / "data"
    data.mkdir()
    for file in paths.data_files():
        shutil.copy(file, data / file.name)
    port, proxy_port = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KZGRAPH_")}
    kzgraph = subprocess.Popen(
        [sys.executable, "-m", "kzgraph", "serve", *sorted(map(str, data.glob("*.trig"))),
         "--port", str(port), "--query-workers", "1", "--access-log", "off",
         "--readiness", "loaded", "--reload-interval", "0.3", "--store-cache", str(root / "stores")],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        upstream = f"http://127.0.0.1:{port}"
        wait_ready(upstream, kzgraph)
        site = render(f"127.0.0.1:{port}", f"127.0.0.1:{proxy_port}", root / "cache",
                      client_header_timeout="1s", proxy_cache_valid=f"200 {FRESH_SECONDS}s")
        with LocalNginx(site, root / "nginx", proxy_port) as nginx:
            with httpx.Client(base_url=nginx.url, timeout=30) as client:
                yield client, upstream, data
    finally:
        kzgraph.terminate()
        kzgraph.wait(timeout=30)


def query(client: httpx.Client, text: str, accept: str = JSON, **headers: str) -> httpx.Response:
    return client.get("/sparql", params={"query": text}, headers={"Accept": accept, **headers})


def values(response: httpx.Response) -> set[str]:
    return {b[name]["value"] for b in response.json()["results"]["bindings"] for name in b}


# ---- the protocol, through nginx ------------------------------------------------------------

def test_a_get_query_is_answered_through_nginx(stack):
    client, upstream, _ = stack
    response = query(client, FOUNDED)
    assert response.status_code == 200 and response.headers["server"].startswith("nginx")
    assert response.headers["content-type"].startswith(JSON) and len(values(response)) == 1
    direct = httpx.get(f"{upstream}/sparql", params={"query": FOUNDED}, headers={"Accept": JSON})
    assert response.content == direct.content


def test_a_post_query_is_answered_and_never_cached(stack):
    client, *_ = stack
    for _ in range(2):
        response = client.post("/sparql", data={"query": FOUNDED}, headers={"Accept": JSON})
        assert response.status_code == 200 and len(values(response)) == 1
        assert "x-cache-status" not in response.headers  # not even looked up


def test_content_negotiation_passes_through_and_each_format_is_its_own_entry(stack):
    client, *_ = stack
    csv = query(client, FOUNDED + " # csv", accept="text/csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("d\r\n")
    xml = query(client, FOUNDED + " # csv", accept="application/sparql-results+xml")
    assert xml.headers["content-type"].startswith("application/sparql-results+xml")
    assert xml.headers["x-cache-status"] == "MISS"  # not the CSV entry
    turtle = query(client, f"CONSTRUCT {{ <{KAZCOSMOS}> ?p ?o }} WHERE {{ <{KAZCOSMOS}> ?p ?o }}",
                   accept="text/turtle")
    assert turtle.headers["content-type"].startswith("text/turtle") and KAZCOSMOS in turtle.text


def test_a_bad_query_is_kzgraphs_400(stack):
    client, *_ = stack
    response = query(client, "SELECT * WHERE { ?s ?p ")
    assert response.status_code == 400
    assert response.json()["error"] and "x-cache-status" in response.headers


def test_an_update_is_refused(stack):
    client, *_ = stack
    response = client.post("/sparql", data={"update": f'INSERT DATA {{ <{KAZCOSMOS}> <urn:p> "x" }}'})
    assert response.status_code == 403
    assert "read-only" in response.json()["message"]


def test_a_download_is_served_and_cached(stack):
    client, *_ = stack
    first = client.get("/download/kazcosmos.nq")
    assert first.status_code == 200 and first.headers["content-type"] == "application/n-quads"
    assert f"<{KAZCOSMOS}>" in first.text
    again = client.get("/download/kazcosmos.nq")
    assert again.headers["x-cache-status"] == "HIT" and again.content == first.content
    assert again.headers["cache-control"] == "public, max-age=3600"  # kzgraph's, for browsers


def test_kzgraph_sees_the_host_the_client_asked_for(stack):
    client, *_ = stack
    described = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "kzgraph.example.org"})
    assert described.status_code == 200
    assert "<http://kzgraph.example.org/sparql>" in described.text  # the service's endpoint


class Recorder(QuietHandler):
    """A stand-in kzgraph that answers every request with an ETag and keeps the heads it got."""

    seen: list[tuple[str, str, dict[str, str]]] = []

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        send(self, 200, {"Content-Type": "application/sparql-results+json", "ETag": '"same"'},
             b'{"head": {}, "boolean": true}')

    do_GET = do_POST = do_PUT = do_DELETE = answer


@pytest.fixture()
def recorded(tmp_path):
    """The shipped configuration in front of the recording stand-in."""
    Recorder.seen = []
    with LoopbackServer(Recorder) as upstream:
        port = free_port()
        site = render(upstream.url.removeprefix("http://"), f"127.0.0.1:{port}", tmp_path / "cache")
        with LocalNginx(site, tmp_path / "nginx", port) as nginx:
            with httpx.Client(base_url=nginx.url, timeout=30) as client:
                yield client, Recorder.seen


def test_kzgraph_is_told_the_client_the_scheme_and_the_host(recorded):
    client, seen = recorded
    client.get("/sparql?query=ASK{}", headers={"Host": "kzgraph.example.org",
                                               "X-Forwarded-For": "203.0.113.9"})
    _, _, head = seen[-1]
    assert head["host"] == "kzgraph.example.org" and head["x-forwarded-proto"] == "http"
    assert head["x-forwarded-for"] == "127.0.0.1"  # set by nginx: a client cannot name another
    assert "connection" not in head or head["connection"].lower() != "close"  # kept alive


def test_kzgraph_is_asked_for_gzip_only_where_the_client_takes_it(recorded):
    client, seen = recorded
    for accepted, asked in (("gzip, deflate", "gzip"), ("gzip;q=0, br", ""), ("identity", "")):
        client.get(f"/download/kazcosmos.nq?{len(seen)}", headers={"Accept-Encoding": accepted})
        assert seen[-1][2].get("accept-encoding", "") == asked


def test_posts_and_curators_writes_always_reach_kzgraph(recorded):
    client, seen = recorded
    token = {"Authorization": "Bearer a-curators-token"}
    for _ in range(2):
        client.post("/sparql", data={"query": "ASK {}"})
        client.put("/store?graph=urn:g", content=b"", headers=token)
        client.delete("/store?graph=urn:g", headers=token)
        client.get("/store?graph=urn:g", headers=token)
    assert [(method, path.split("?")[0]) for method, path, _ in seen] == 2 * [
        ("POST", "/sparql"), ("PUT", "/store"), ("DELETE", "/store"), ("GET", "/store")]


def test_a_get_answer_is_revalidated_with_its_etag_once_its_freshness_is_over(recorded):
    client, seen = recorded
    statuses = [client.get("/sparql?query=ASK{}").headers["x-cache-status"]]
    statuses.append(client.get("/sparql?query=ASK{}").headers["x-cache-status"])
    time.sleep(2.2)  # the shipped freshness, 1 s, counted in whole seconds: over within 2 s
    statuses.append(client.get("/sparql?query=ASK{}").headers["x-cache-status"])
    assert statuses[0] == "MISS" and statuses[-1] in ("REVALIDATED", "EXPIRED")
    assert seen[-1][2]["if-none-match"] == '"same"'  # nginx asked: is it still this answer?
    assert len(seen) == 2  # the HIT in between never reached kzgraph
    assert statuses[1] == "HIT"


# ---- limits -----------------------------------------------------------------------------------

def test_a_client_that_sends_half_a_head_is_closed_after_the_head_timeout(stack):
    client, *_ = stack
    with socket.create_connection(("127.0.0.1", client.base_url.port), timeout=10) as slow:
        slow.sendall(b"GET /sparql HTTP/1.1\r\nHost: kzgraph.example.org\r\n")
        started = time.monotonic()
        received = slow.recv(4096)  # blocks until nginx answers or closes
        waited = time.monotonic() - started
    assert received == b"" or received.startswith(b"HTTP/1.1 408")
    assert 0.8 <= waited < 5, f"closed after {waited:.1f} s; client_header_timeout is 1 s"


def test_an_oversized_head_is_refused_by_nginx_as_kzgraph_would(stack):
    client, *_ = stack
    big_header = client.get("/sparql", headers={"X-Padding": "x" * 20_000})
    assert big_header.status_code == 431  # kzgraph's status for it, not nginx's 400
    assert big_header.json()["error"] == "header_too_large"
    long_line = client.get("/sparql", params={"query": "#" + "x" * 20_000 + "\nASK {}"})
    assert long_line.status_code == 414 and "POST" in long_line.json()["message"]


def test_a_body_over_the_limit_is_refused_before_kzgraph(stack):
    client, *_ = stack
    response = client.post("/sparql", content=b"#" * 2_000_000,
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413 and "1 MiB" in response.json()["message"]
    # just over kzgraph's own limit (1,000,000) and under nginx's: kzgraph's 413 says its limit
    response = client.post("/sparql", content=b"#" * 1_020_000,
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413 and "1000000" in response.json()["message"]


def test_a_kzgraph_that_does_not_answer_is_a_503_to_retry(tmp_path):
    port = free_port()
    site = render(f"127.0.0.1:{free_port()}", f"127.0.0.1:{port}", tmp_path / "cache")
    with LocalNginx(site, tmp_path / "nginx", port) as nginx:
        response = httpx.get(f"{nginx.url}/sparql", params={"query": "ASK {}"}, timeout=30)
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["error"] == "unavailable"


def test_a_large_answer_is_gzipped(stack):
    client, *_ = stack
    with client.stream("GET", "/sparql", params={"query": EVERYTHING},
                       headers={"Accept": JSON, "Accept-Encoding": "gzip"}) as response:
        compressed = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    plain = query(client, EVERYTHING, **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(compressed) == plain.content and len(compressed) < len(plain.content) / 3


# ---- the cache --------------------------------------------------------------------------------

def test_the_same_get_query_is_a_miss_then_a_hit(stack):
    client, *_ = stack
    text = FOUNDED + " # miss then hit"
    first, second = query(client, text), query(client, text)
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT" and second.content == first.content


def test_a_browsers_cors_answer_is_never_one_cached_for_a_script(stack):
    client, *_ = stack
    text = FOUNDED + " # cors"
    assert "access-control-allow-origin" not in query(client, text).headers  # a script's
    from_a_page = query(client, text, Origin="https://app.example.org")
    assert from_a_page.headers["access-control-allow-origin"] == "*"
    assert from_a_page.headers["x-cache-status"] == "MISS"
    again = query(client, text, Origin="https://app.example.org")
    assert again.headers["x-cache-status"] == "HIT"
    assert again.headers["access-control-allow-origin"] == "*"


def test_a_request_with_credentials_bypasses_the_cache(stack):
    client, *_ = stack
    text = FOUNDED + " # with a token"
    query(client, text)
    response = query(client, text, Authorization="Bearer not-a-curator")
    assert response.headers["x-cache-status"] == "BYPASS"


def test_a_new_release_is_never_answered_from_the_old_entries(stack):
    client, upstream, data = stack
    before_release = httpx.get(f"{upstream}/ready", timeout=5).json()["version"]
    assert values(query(client, NOTES)) == set()
    query(client, FOUNDED + " # kept")
    assert query(client, NOTES).headers["x-cache-status"] == "HIT"

    with (data / "kazcosmos.trig").open("a", encoding="utf-8") as lead:
        lead.write(NEW_RELEASE)
    deadline = time.monotonic() + 60
    while httpx.get(f"{upstream}/ready", timeout=5).json()["version"] == before_release:
        assert time.monotonic() < deadline, "kzgraph did not release the changed data"
        time.sleep(0.2)
    # Once the old entry's freshness is over, nginx asks kzgraph again and gets the new answer.
    time.sleep(FRESH_SECONDS + 1.2)  # nginx counts freshness in whole seconds: one more at most
    after = query(client, NOTES)
    assert values(after) == {"a second release"}, "the old release's answer was served"
    assert after.headers["x-cache-status"] == "EXPIRED"
    # An answer the new release did not change is revalidated (304 from kzgraph), not resent.
    assert query(client, FOUNDED + " # kept").headers["x-cache-status"] == "REVALIDATED"
