"""The w3id.org rewrite rules (deploy/w3id/.htaccess), run by Debian's Apache in front of a real
``kzgraph serve``.

w3id.org is an Apache that reads one ``.htaccess`` per folder. The test serves the shipped file
as the folder ``kzgraph/`` of a document root of its own, on a free loopback port, with only its
one setting (the deployment host) pointed at a ``kzgraph serve`` on another port, and follows
the redirects from w3id-style paths for a browser, a Turtle client and a JSON-LD client.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef

from kzgraph import paths

from ..conftest import free_port
from .test_nginx import wait_ready

APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if os.access("/usr/sbin/apache2", os.X_OK) else None)
MODULES = Path("/usr/lib/apache2/modules")
pytestmark = pytest.mark.skipif(APACHE is None or not MODULES.is_dir(),
                                reason="Debian's apache2 is not installed (apt-get install apache2)")

SHIPPED = Path(__file__).resolve().parents[2] / "deploy" / "w3id" / ".htaccess"
SETTING = re.compile(r"(?m)^RewriteRule \^ - \[E=KZGRAPH_HOST:([^\]]+)\]$")
KAZCOSMOS = URIRef("https://w3id.org/kzgraph/resource/KazCosmos")
KZO = "https://w3id.org/kzgraph/ontology#"
# What w3id.org runs the rules with: mod_rewrite, and the modules its folders commonly use.
CONFIG = """ServerRoot "{root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{root}/httpd.pid"
DefaultRuntimeDir "{root}"
Mutex file:{root} default
ErrorLog "{root}/error.log"
LogLevel warn
{user}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule headers_module {modules}/mod_headers.so
LoadModule alias_module {modules}/mod_alias.so
DocumentRoot "{root}/htdocs"
<Directory "{root}/htdocs">
    AllowOverride All
    Require all granted
</Directory>
"""


def render(target: str, shipped: str | None = None) -> str:
    """The shipped rules with the deployment host set to ``target``; ValueError if the file no
    longer has exactly one such setting."""
    text = SHIPPED.read_text(encoding="utf-8") if shipped is None else shipped
    rendered, count = SETTING.subn(f"RewriteRule ^ - [E=KZGRAPH_HOST:{target}]", text)
    if count != 1:
        raise ValueError(f"the rules must set the deployment host once, found {count}")
    return rendered


def test_the_deployment_host_is_one_setting():
    text = SHIPPED.read_text(encoding="utf-8")
    [host] = SETTING.findall(text)
    assert host.startswith("https://") and not host.endswith("/")
    assert text.count(host) == 1  # every rule reads it from the setting
    assert "http://127.0.0.1:1" in render("http://127.0.0.1:1")
    with pytest.raises(ValueError):
        render("x", shipped=text.replace("[E=KZGRAPH_HOST:", "[E=OTHER:"))


class LocalApache:
    """Apache (single process, foreground) serving ``htaccess`` as /kzgraph/.htaccess."""

    def __init__(self, htaccess: str, port: int) -> None:
        # Not under pytest's 0700 folders: as root, Apache serves as www-data, which must read it.
        self.root = Path(tempfile.mkdtemp(prefix="kzgraph-w3id-"))
        self.root.chmod(0o755)
        folder = self.root / "htdocs" / "kzgraph"
        folder.mkdir(parents=True)
        (folder / ".htaccess").write_text(htaccess, encoding="utf-8")
        for directory in (self.root / "htdocs", folder):
            directory.chmod(0o755)
        user = ""
        if os.geteuid() == 0:  # Apache refuses to serve as root
            user = "User www-data\nGroup www-data" if _has_user("www-data") else "User nobody\nGroup nogroup"
        self.config = self.root / "httpd.conf"
        self.config.write_text(CONFIG.format(root=self.root, port=port, user=user, modules=MODULES),
                               encoding="utf-8")
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "LocalApache":
        check = subprocess.run([APACHE, "-t", "-f", str(self.config)], capture_output=True,
                               text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen([APACHE, "-X", "-f", str(self.config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"apache2 exited: {self.process.stderr.read().decode()[-500:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("apache2 did not listen within 15 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        shutil.rmtree(self.root, ignore_errors=True)

    def error_log(self) -> str:
        log = self.root / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def w3id(tmp_path_factory):
    """A real kzgraph serve, and Apache with the shipped rules pointing at it."""
    root = tmp_path_factory.mktemp("w3id")
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KZGRAPH_")}
    kzgraph = subprocess.Popen(
        [sys.executable, "-m", "kzgraph", "serve", *map(str, paths.data_files()),
         "--port", str(port), "--query-workers", "1", "--access-log", "off",
         "--readiness", "loaded", "--store-cache", str(root / "stores")],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        upstream = f"http://127.0.0.1:{port}"
        wait_ready(upstream, kzgraph)
        with LocalApache(render(upstream), free_port()) as apache:
            with httpx.Client(base_url=apache.url, timeout=30, follow_redirects=True) as client:
                yield client, upstream, apache
    finally:
        kzgraph.terminate()
        kzgraph.wait(timeout=30)


def hops(response: httpx.Response) -> list[tuple[int, str]]:
    return [(r.status_code, r.headers.get("location", "")) for r in response.history]


@pytest.mark.parametrize("path", ["resource/KazCosmos", "graph/lead", "source/ref-1"])
def test_a_browser_ends_at_the_html_page(w3id, path):
    client, upstream, apache = w3id
    response = client.get(f"/kzgraph/{path}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert hops(response) == [(302, f"{upstream}/{path}"), (303, f"/doc/{path}")], apache.error_log()
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert str(response.url) == f"{upstream}/doc/{path}"
    assert f"https://w3id.org/kzgraph/{path}" in response.text  # the page of that IRI


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
@pytest.mark.parametrize("path", ["resource/KazCosmos", "graph/lead", "source/ref-1"])
def test_an_rdf_client_ends_at_the_format_it_asked_for(w3id, path, accept, fmt):
    client, upstream, _ = w3id
    response = client.get(f"/kzgraph/{path}", headers={"Accept": accept})
    assert [status for status, _ in hops(response)] == [302, 303]
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    graph = Graph().parse(data=response.content, format=fmt)
    iri = URIRef(f"https://w3id.org/kzgraph/{path}")
    assert (iri, None, None) in graph or (None, None, iri) in graph
    if path == "resource/KazCosmos":
        assert (KAZCOSMOS, URIRef(KZO + "head"),
                URIRef("https://w3id.org/kzgraph/resource/Talgat_Musabayev")) in graph


@pytest.mark.parametrize("accept,fmt", [("text/html", None), ("text/turtle", "turtle"),
                                        ("application/ld+json", "json-ld")])
def test_the_ontology_negotiates_through_the_redirect(w3id, accept, fmt):
    client, upstream, _ = w3id
    response = client.get("/kzgraph/ontology", headers={"Accept": accept})
    assert hops(response) == [(302, f"{upstream}/ontology")]
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    if fmt is None:
        assert "SpaceAgency" in response.text
    else:
        graph = Graph().parse(data=response.content, format=fmt)
        assert (URIRef(KZO + "SpaceAgency"), None, None) in graph


def test_a_named_ontology_file_and_the_namespace_root(w3id):
    client, upstream, _ = w3id
    turtle = client.get("/kzgraph/ontology.ttl")
    assert hops(turtle) == [(302, f"{upstream}/ontology.ttl")]
    assert turtle.headers["content-type"].startswith("text/turtle")
    home = client.get("/kzgraph/", headers={"Accept": "text/html"})
    assert hops(home) == [(302, f"{upstream}/")] and 'application/ld+json' in home.text


def test_the_shapes_and_functions_namespaces_resolve(w3id):
    client, upstream, _ = w3id
    shapes = client.get("/kzgraph/shapes")
    assert hops(shapes) == [(302, f"{upstream}/download/shapes.ttl")]
    assert shapes.status_code == 200 and "sh:NodeShape" in shapes.text
    functions = client.get("/kzgraph/function", headers={"Accept": "text/turtle"})
    assert hops(functions) == [(302, f"{upstream}/sparql")]
    described = Graph().parse(data=functions.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "extensionFunction"),
            URIRef("https://w3id.org/kzgraph/function#match")) in described


def test_an_unknown_iri_is_kzgraphs_404_and_other_paths_are_not_redirected(w3id):
    client, upstream, _ = w3id
    unknown = client.get("/kzgraph/resource/No_such_thing", headers={"Accept": "text/turtle"})
    assert hops(unknown) == [(302, f"{upstream}/resource/No_such_thing")]
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    other = client.get("/kzgraph/admin", follow_redirects=False)
    assert other.status_code == 404 and other.headers.get("server", "").startswith("Apache")
