"""Running the shipped nginx configuration on loopback, unprivileged, in a folder of its own.

The tests and the benchmark put a real nginx in front of a real ``kzgraph serve`` with the file
operators install (``deploy/nginx/kzgraph.conf``): only its settings are rewritten (upstream,
listen address, cache folder, and any directive a test wants shorter), inside a main
configuration that sets at http level what Debian's /etc/nginx/nginx.conf sets there.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["SHIPPED", "LocalNginx", "NginxFailed", "find_nginx", "render"]

SHIPPED = Path(__file__).resolve().parent / "nginx" / "kzgraph.conf"
SHIPPED_CACHE = "/var/cache/nginx/kzgraph"

# What Debian's nginx.conf sets in http { }: the site file must not repeat it (nginx refuses a
# duplicate directive), so the local run sets it too.
DEBIAN_HTTP = """
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {mime}
    default_type application/octet-stream;
    gzip on;
"""

# worker_processes as Debian's nginx.conf sets it: one per core.
MAIN = """{user}
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
{debian}
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {site};
}}
"""


class NginxFailed(RuntimeError):
    """nginx refused the configuration or did not start; the message holds what it said."""


def find_nginx() -> str | None:
    """The nginx binary on PATH, else Debian's /usr/sbin/nginx (not on a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render(upstream: str, listen: str, cache_dir: Path, shipped: str | None = None,
           **directives: str) -> str:
    """The shipped site file with its settings replaced: ``upstream`` (host:port of kzgraph),
    ``listen`` (host:port), the cache folder, and ``directives`` (name -> new value, every
    occurrence, e.g. ``client_header_timeout="1s"``)."""
    text = SHIPPED.read_text(encoding="utf-8") if shipped is None else shipped
    text = _replace_once(text, r"server 127\.0\.0\.1:8000;", f"server {upstream};")
    text = _replace_once(text, r"listen 80;", f"listen {listen};")
    text = _replace_once(text, r"\n\s*listen \[::\]:80;", "")
    text = _replace_once(text, re.escape(SHIPPED_CACHE), str(cache_dir))
    for name, value in directives.items():
        text, count = re.subn(rf"(?m)^(\s*{re.escape(name)})\s+[^;]*;", rf"\g<1> {value};", text)
        if not count:
            raise ValueError(f"the shipped configuration has no {name} directive")
    return text


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    replaced, count = re.subn(pattern, replacement.replace("\\", "\\\\"), text, count=1)
    if not count:
        raise ValueError(f"the shipped configuration no longer has {pattern!r}")
    return replaced


class LocalNginx:
    """nginx with ``site`` (a rendered site file) in ``prefix``, from ``with`` until its end."""

    def __init__(self, site: str, prefix: Path, port: int, binary: str | None = None) -> None:
        self.binary = binary or find_nginx()
        if self.binary is None:
            raise NginxFailed("nginx is not installed (apt-get install nginx)")
        self.prefix, self.port = prefix, port
        self.url = f"http://127.0.0.1:{port}"
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "kzgraph.conf").write_text(site, encoding="utf-8")
        self.config = prefix / "nginx.conf"
        self.config.write_text(self._main(), encoding="utf-8")
        self.process: subprocess.Popen | None = None

    def _main(self) -> str:
        mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
        # As root, workers would run as nobody and could not use the private temporary folder.
        user = "user root;" if os.geteuid() == 0 else ""
        return MAIN.format(user=user, prefix=self.prefix, site=self.prefix / "kzgraph.conf",
                           debian=DEBIAN_HTTP.format(mime=mime))

    def command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
                "-c", str(self.config), *extra]

    def check(self) -> str:
        """``nginx -t`` on the configuration: what it said; NginxFailed if it refused it."""
        run = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        if run.returncode != 0:
            raise NginxFailed(run.stderr.strip())
        return run.stderr

    def __enter__(self) -> "LocalNginx":
        self.check()
        self.process = subprocess.Popen(self.command("-g", "daemon off;"),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise NginxFailed(f"nginx exited: {self.process.stderr.read().decode()[-500:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.__exit__()
        raise NginxFailed("nginx did not listen within 15 s")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
