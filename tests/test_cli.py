"""The kzgraph command, run as a user runs it: exit codes, messages, files written."""

from __future__ import annotations

import subprocess
import sys
import time

from rdflib import Dataset

from kzgraph import Settings, paths


def kzgraph(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd)


def test_help_lists_the_commands():
    result = kzgraph("--help")
    assert result.returncode == 0
    for command in ("serve", "validate", "export"):
        assert command in result.stdout
    for command in ("serve", "validate", "export"):
        assert kzgraph(command, "--help").returncode == 0


def test_validate_conforming_data_exits_0_with_one_line():
    result = kzgraph("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().startswith("Conforms:")
    assert len(result.stdout.strip().splitlines()) == 1


def test_validate_nonconforming_data_exits_1_with_report(tmp_path):
    facts = paths.home() / "data" / "kazcosmos.trig"
    bad = tmp_path / "kazcosmos.trig"
    bad.write_text(facts.read_text(encoding="utf-8").replace("kzo:selectedCount 2 ;", "kzo:selectedCount 5 ;"))
    others = [str(p) for p in paths.data_files() if p.name != facts.name]
    result = kzgraph("validate", str(bad), *others)
    assert result.returncode == 1
    assert f"{bad}:" in result.stdout
    assert "kz:Cosmonaut_selection_2002" in result.stdout
    assert "kzsh:CosmonautSelectionShape" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_validate_syntax_error_exits_2_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\n\nex:a ex:b "open string .\n')
    result = kzgraph("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}:3: syntax error" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_missing_file_exits_2(tmp_path):
    result = kzgraph("validate", str(tmp_path / "nope.trig"))
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_export_writes_a_file_that_reparses(tmp_path):
    target = tmp_path / "graph.nq"
    result = kzgraph("export", "--format", "nquads", "-o", str(target))
    assert result.returncode == 0, result.stderr
    quads = Dataset()
    quads.parse(target, format="nquads")
    assert sum(len(g) for g in quads.graphs()) > 1000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_export_to_missing_directory_exits_2_and_writes_nothing(tmp_path):
    result = kzgraph("export", "-o", str(tmp_path / "missing" / "graph.ttl"))
    assert result.returncode == 2
    assert "no such directory" in result.stderr


def test_export_unknown_format_is_refused():
    result = kzgraph("export", "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_serve_starts_on_the_embedded_data_and_answers(tmp_path):
    import socket
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "kzgraph", "serve", "--port", str(port),
                               "--query-timeout", "5"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/sparql", params={
                    "query": "ASK { <https://w3id.org/kzgraph/resource/KazCosmos> ?p ?o }"},
                    headers={"Accept": "application/sparql-results+json"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["boolean"] is True
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_with_a_bad_setting_exits_2_without_traceback():
    result = kzgraph("serve", "--query-timeout", "0")
    assert result.returncode == 2
    assert "query_timeout must be positive" in result.stderr and "Traceback" not in result.stderr


def test_every_serve_setting_is_explained_in_its_help():
    from dataclasses import fields

    from kzgraph.cli import SETTING_HELP

    assert {f.name for f in fields(Settings)} <= SETTING_HELP.keys()


def test_serve_gives_uvicorn_its_public_options_from_the_settings():
    import uvicorn

    from kzgraph.cli import server_options

    options = server_options(Settings(port=8123, max_connections=7, forwarded_allow_ips="10.0.0.1",
                                      access_log="text"))
    assert options == {"host": "127.0.0.1", "port": 8123, "log_level": "info", "access_log": True,
                       "forwarded_allow_ips": "10.0.0.1", "limit_concurrency": 7,
                       "http": "h11", "h11_max_incomplete_event_size": 16 * 1024}
    config = uvicorn.Config(lambda scope, receive, send: None, **options)
    assert config.limit_concurrency == 7 and config.h11_max_incomplete_event_size == 16384


def test_serve_has_no_header_timeout_flag_the_proxy_times_heads():
    result = kzgraph("serve", "--header-timeout", "3")
    assert result.returncode == 2 and "unrecognized arguments: --header-timeout" in result.stderr


def test_connections_beyond_max_connections_get_503_at_once():
    """uvicorn's limit_concurrency, as `kzgraph serve` sets it from --max-connections."""
    import socket

    from kzgraph.cli import server_options
    from tests.conftest import LiveServer

    async def app(scope, receive, send) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    options = {k: v for k, v in server_options(Settings(max_connections=2)).items()
               if k in ("limit_concurrency", "http", "h11_max_incomplete_event_size")}
    with LiveServer(app, **options) as server:
        def status() -> int:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return int(sock.recv(100).split(b" ", 2)[1])
        assert status() == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10):  # held open, idle
            time.sleep(0.2)
            assert status() == 503
        time.sleep(0.2)
        assert status() == 200


def test_a_head_that_grows_past_16_kib_is_refused_by_the_server_itself():
    """h11's cap, as `kzgraph serve` configures it: an endless head is not buffered."""
    import socket

    from tests.conftest import LiveServer

    async def app(scope, receive, send) -> None:
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    with LiveServer(app) as server, socket.create_connection(("127.0.0.1", server.port),
                                                             timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX: ")
        try:
            for _ in range(64):  # 1 MiB of one header line, in pieces, never ended
                sock.sendall(b"y" * 16384)
                time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the client finished
        assert sock.recv(100).startswith(b"HTTP/1.1 400")
