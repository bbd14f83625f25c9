"""A real Virtuoso Open Source on 127.0.0.1 for the publish and backend tests.

:class:`VirtuosoServer` runs Debian's ``virtuoso-t`` (package ``virtuoso-opensource``) in the
foreground on a database directory of its own, with its own free loopback ports (``ServerPort``
for isql, ``[HTTPServer] ServerPort`` for HTTP), then, over isql on that fresh database (whose
DBA password is the well-known ``dba``), sets a generated DBA password and creates a user with
the ``SPARQL_UPDATE`` role for the Digest-authenticated Graph Store ``/sparql-graph-crud-auth``.
Stopped and its directory removed on exit. :func:`virtuoso_missing` says why tests must skip.
The benchmark (bench/run.py) uses :meth:`VirtuosoServer.start` / :meth:`~VirtuosoServer.stop`
on a directory it keeps, to restart on what a first start built, and :meth:`~VirtuosoServer.load`,
Virtuoso's bulk loader.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

# Debian's names for the server and its isql (dpkg -L virtuoso-opensource-7-bin).
SERVER = "virtuoso-t"
ISQL = "isql-vt"
INSTALL = "apt-get install virtuoso-opensource (Debian's Virtuoso Open Source 7.2)"
PUBLISHER = "kzpublish"  # the user kzgraph publishes as

# Small buffers by default: the test graphs are tiny and the machine is shared. ResultSetMaxRows and the
# other [SPARQL] limits keep Virtuoso's defaults, so the tests see what a default install does.
_INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage        = TempDatabase
[TempDatabase]
DatabaseFile       = {dir}/virtuoso-temp.db
TransactionFile    = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
DirsAllowed        = {dirs_allowed}
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty_buffers}
ThreadsPerQuery    = 2
{parameters}
[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {dir}
ServerThreads      = 4
[SPARQL]
{sparql}
"""


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here, or None."""
    missing = [name for name in (SERVER, ISQL) if shutil.which(name) is None]
    return f"{' and '.join(missing)} not found: {INSTALL}" if missing else None


class VirtuosoServer:
    """``sparql``: keyword lines for the ini's [SPARQL] section (e.g. ResultSetMaxRows = 50);
    ``directory``: the database directory, kept after stopping (else a temporary one);
    ``readable``: directories the bulk loader may read (Virtuoso's DirsAllowed); ``buffers``:
    its page cache, in 8 kB pages."""

    def __init__(self, sparql: str = "", parameters: str = "", directory: Path | None = None,
                 readable: tuple[Path, ...] = (), buffers: int = 5000) -> None:
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.query_url = f"{self.url}/sparql"
        self.store_url = f"{self.url}/sparql-graph-crud-auth"
        self.dba_password = secrets.token_urlsafe(12)
        self.user, self.password = PUBLISHER, secrets.token_urlsafe(12)
        self._sparql, self._parameters = sparql, parameters
        self._given, self._readable, self._buffers = directory, readable, buffers
        self._dir: tempfile.TemporaryDirectory | None = None
        self.process: subprocess.Popen | None = None

    @property
    def publish_env(self) -> dict[str, str]:
        """The environment ``kzgraph publish`` needs to write into this server."""
        return {"KZGRAPH_PUBLISH_USER": self.user, "KZGRAPH_PUBLISH_PASSWORD": self.password,
                "KZGRAPH_PUBLISH_AUTH": "digest"}

    @property
    def auth(self) -> httpx.DigestAuth:
        return httpx.DigestAuth(self.user, self.password)

    def __enter__(self) -> "VirtuosoServer":
        if self._given is None:
            self._dir = tempfile.TemporaryDirectory(prefix="kzgraph-virtuoso-")
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._dir is not None:
            self._dir.cleanup()

    @property
    def directory(self) -> Path:
        return self._given if self._given is not None else Path(self._dir.name)

    def start(self) -> None:
        """Start on the directory: a new database gets its accounts, an existing one is reopened."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fresh = not (self.directory / "virtuoso.db").exists()
        ini = self.directory / "virtuoso.ini"
        allowed = ", ".join([".", *(str(p) for p in self._readable)])
        ini.write_text(_INI.format(dir=self.directory, sql_port=self.sql_port,
                                   http_port=self.http_port, sparql=self._sparql,
                                   parameters=self._parameters, dirs_allowed=allowed,
                                   buffers=self._buffers, dirty_buffers=self._buffers * 3 // 4),
                       encoding="utf-8")
        self.process = subprocess.Popen([SERVER, "+foreground", "+configfile", str(ini)],
                                        cwd=self.directory, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self._wait_until_online()
        if fresh:
            self._set_up_accounts()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # Virtuoso checkpoints and stops on SIGTERM
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def load(self, nquads: Path, graph: str = "urn:kzgraph:no-graph") -> None:
        """Bulk-load an N-Quads file (its directory must be ``readable``); quads without a graph
        go to ``graph``. Checkpointed, so a restart finds the data."""
        self.isql(f"ld_dir('{nquads.parent}', '{nquads.name}', '{graph}');\n"
                  "rdf_loader_run();\ncheckpoint;\n")
        # The loader records a file it could not read in its list instead of failing.
        failed = self.isql("SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;\n")
        if re.search(r"\b0\b", failed) is None:
            raise RuntimeError(f"Virtuoso's bulk loader failed on {nquads}: see "
                               f"{self.directory / 'virtuoso.log'}")

    def _wait_until_online(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        log = self.directory / "virtuoso.log"
        tail = log.read_text(errors="replace")[-800:] if log.exists() else "(no log)"
        raise RuntimeError(f"Virtuoso did not start on port {self.http_port}: {tail}")

    def _set_up_accounts(self) -> None:
        """On the new database's well-known ``dba``/``dba`` login (isql; the statements go on
        standard input, so the new passwords are not in this call's arguments; later isql calls,
        such as :meth:`load`, log in with the generated DBA password as an argument)."""
        self.isql(f"USER_SET_PASSWORD('dba', '{self.dba_password}');\n"
                  f"DB.DBA.USER_CREATE('{self.user}', '{self.password}');\n"
                  f'GRANT SPARQL_UPDATE TO "{self.user}";\n', password="dba")

    def isql(self, statements: str, password: str | None = None) -> str:
        """Run SQL statements as dba; raises on any error isql reports."""
        run = subprocess.run([ISQL, f"127.0.0.1:{self.sql_port}", "dba",
                              password or self.dba_password, "VERBOSE=OFF", "BANNER=OFF"],
                             input=statements, capture_output=True, text=True, timeout=60)
        if run.returncode != 0 or "*** Error" in run.stdout + run.stderr:
            raise RuntimeError(f"isql failed: {(run.stdout + run.stderr).strip()[-600:]}")
        return run.stdout

    # Reading the store directly (not through kzgraph), to check what publish left there.

    def select(self, query: str) -> list[dict[str, str]]:
        response = httpx.post(self.query_url, data={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert response.status_code == 200, response.text
        return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]

    def count(self, graph: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        return int(self.select(query)[0]["n"])

    def graphs(self, under: str = "https://w3id.org/kzgraph/") -> set[str]:
        """The named graphs under ``under``: Virtuoso also holds graphs of its own (virtrdf#…)."""
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                           f'FILTER(STRSTARTS(STR(?g), "{under}")) }}')
        return {r["g"] for r in rows}
