"""Property-based fuzzing of kzgraph's HTTP API and query path (hypothesis), shared by the short
run in pytest and the long run of ``scripts/reliability/run.py``.

Requests are generated from the routes, parameters, headers and bodies the server knows, with
generated SPARQL (valid-looking queries built from grammar pieces, then often mutated), hostile
IRIs, odd encodings and random bytes. Every answer must keep the promises: no 5xx but the
designed ones (503 timeout/overloaded), never a traceback, an answer within the query timeout
plus a margin (else it counts as a hang), a JSON error body for every 4xx of the endpoint, and no
request to a listener whose URL is not on the SERVICE allowlist.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
from hypothesis import strategies as st

KZ = "https://w3id.org/kzgraph/resource/"
KZO = "https://w3id.org/kzgraph/ontology#"
DESIGNED_5XX = {(503, "timeout"), (503, "overloaded")}
HANG_MARGIN = 5.0  # seconds past the query timeout after which an answer counts as a hang


@dataclass
class Tally:
    """What a fuzz run saw."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)  # (status, JSON error code) of the errors
    failures: list[str] = field(default_factory=list)  # broken promises, described
    hangs: int = 0
    slowest: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def record(self, description: str, response: httpx.Response | None, seconds: float,
               timeout: float) -> None:
        self.requests += 1
        self.slowest = max(self.slowest, seconds)
        if response is None:
            self.statuses["no answer"] += 1
            self.failures.append(f"no answer: {description}")
            return
        self.statuses[response.status_code] += 1
        if response.status_code >= 400:
            self.codes[(response.status_code, _error_code(response))] += 1
        for broken in broken_promises(response, seconds, timeout):
            if broken == "hang":
                self.hangs += 1
            self.failures.append(f"{broken}: {description} -> {response.status_code} "
                                 f"{response.text[:200]!r}")


def broken_promises(response: httpx.Response, seconds: float, timeout: float) -> list[str]:
    broken = []
    status = response.status_code
    code = _error_code(response)
    if status >= 500 and (status, code) not in DESIGNED_5XX:
        broken.append(f"undesigned {status} {code}")
    if "Traceback" in response.text or 'File "' in response.text:
        broken.append("traceback in the answer")
    if seconds > timeout + HANG_MARGIN:
        broken.append("hang")
    endpoint = response.request.url.path.rstrip("/") in ("/sparql", "/wikidata/sparql")
    if endpoint and response.request.method != "HEAD" and 400 <= status < 600 and status not in (404, 405) and code is None:
        broken.append("error without a JSON error body")
    return broken


def _error_code(response: httpx.Response) -> str | None:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


# ---- generated SPARQL -------------------------------------------------------------------------

def sparql(listener_urls: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """Queries built from grammar pieces, then, half of the time, mutated."""
    return st.one_of(_query(listener_urls), _mutated(_query(listener_urls)))


def _query(urls: tuple[str, ...]) -> st.SearchStrategy[str]:
    iri = st.sampled_from([f"<{KZ}KazCosmos>", f"<{KZ}Talgat_Musabayev>", f"<{KZO}head>",
                           "<file:///etc/passwd>", "<http://10.0.0.1/x>", "<http://[::1]/>",
                           "<urn:x>", "rdfs:label", "kzo:head", "<>", "<#frag>",
                           *(f"<{u}/x>" for u in urls)])
    var = st.sampled_from(["?s", "?p", "?o", "?x", "?service", "$y"])
    literal = st.one_of(st.sampled_from(['"KazCosmos"', "'x'@en", '"1"^^xsd:integer', "42", "1.5e3",
                                         "true", '"\\u0000"', '"""multi\nline"""']),
                        st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "").replace(
                            '"', "").replace("\n", " ") + '"'))
    term = st.one_of(iri, var, literal)
    gap = st.sampled_from([" ", "  ", "\n", "\t", " # c\n", ""])
    triple = st.builds(lambda s, g, p, o: f"{s} {p}{g}{o} .", st.one_of(iri, var), gap,
                       st.one_of(iri, var, st.sampled_from(["a", "(<urn:x>|!<urn:x>)*",
                                                            "rdfs:label/^rdfs:label"])), term)
    expr = st.builds(lambda a, op, b: f"({a}{op}{b})", term,
                     st.sampled_from(["<", " < ", "=", "!=", "&&", " IN ", "+"]), term)
    call = st.builds(lambda f, a: f"{f}({a})", st.sampled_from(
        ["STR", "LANG", "REGEX(STR(?o), ", "CONTAINS(STR(?o), ", "BOUND", "ISIRI", "!"]), term
    ).map(lambda t: t + ")" if t.count("(") > t.count(")") else t)
    endpoint = st.sampled_from(["<https://query.wikidata.org/sparql>", "<http://127.0.0.1:1/x>",
                                "?x", ":x", *(f"<{u}/sparql>" for u in urls)])
    service = st.builds(lambda kw, g, silent, e, inner: f"{kw}{g}{silent}{e}{g}{{ {inner} }}",
                        st.sampled_from(["SERVICE", "service", "SeRvIcE"]), gap,
                        st.sampled_from(["", "SILENT ", "SILENT"]), endpoint, triple)

    def group(depth: int) -> st.SearchStrategy[str]:
        leaves = st.lists(st.one_of(triple, expr.map(lambda e: f"FILTER{e}"),
                                    call.map(lambda c: f"FILTER({c})"), service,
                                    st.builds(lambda v, t: f"BIND({t} AS {v})", var, term),
                                    st.builds(lambda v, ts: f"VALUES {v} {{ {' '.join(ts)} }}",
                                              var, st.lists(term, max_size=4))),
                          min_size=1, max_size=4).map(" ".join)
        if depth == 0:
            return leaves.map(lambda body: "{ " + body + " }")
        inner = group(depth - 1)
        return st.one_of(
            leaves.map(lambda body: "{ " + body + " }"),
            st.builds(lambda a, b, kw: f"{{ {a} {kw} {b} }}", inner, inner,
                      st.sampled_from(["UNION", "OPTIONAL", "MINUS", ".", ""])),
            st.builds(lambda g, a: f"{{ GRAPH {g} {a} }}", st.one_of(iri, var), inner),
            inner.map(lambda a: f"{{ SELECT * WHERE {a} LIMIT 5 }}"),
        )

    head = st.sampled_from(["SELECT *", "SELECT DISTINCT ?s", "SELECT (COUNT(*) AS ?n)", "ASK",
                            "CONSTRUCT { ?s ?p ?o }", "DESCRIBE ?s", "DESCRIBE <urn:x>",
                            "SELECT * FROM <file:///etc/hostname>", "INSERT DATA", "LOAD <urn:x>"])
    tail = st.sampled_from(["", " LIMIT 10", " ORDER BY ?s LIMIT 3", " OFFSET 2", " LIMIT -1",
                            " GROUP BY ?s"])
    prologue = st.sampled_from(["", "PREFIX kzo: <https://w3id.org/kzgraph/ontology#>\n",
                                "PREFIX : <http://127.0.0.1:1/>\n", "BASE <file:///etc/>\n"])
    return st.builds(lambda pro, h, g, t: f"{pro}{h} WHERE {g}{t}", prologue, head, group(2), tail)


def disguised_services(urls: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Valid queries calling SERVICE on ``urls``, written in the many ways the engine reads it."""
    before = st.sampled_from(["", "?s ?p ?o .", "?s ?p 1", "?s ?p true", "BIND(1 AS ?a)",
                              "BIND(ex:a\\' AS ?q)", "BIND(ex:a\\# AS ?q)\n",
                              "BIND(1 AS ?a) FILTER(?a<?b)"])
    keyword = st.sampled_from(["SERVICE", "service", "SeRvIcE"])
    gap = st.sampled_from([" ", "", "\t", " #>\n", "#\n", "\n"])
    silent = st.sampled_from(["", "SILENT ", "SILENT"])
    after = st.sampled_from(["", "BIND(ex:b\\' AS ?w)", "?x ?y ?z ."])
    wrap = st.sampled_from(["{}", "{{ SELECT * WHERE {} }}", "{{ OPTIONAL {} }}",
                            "{{ ?s ?p ?o FILTER(EXISTS {}) }}"])

    def build(url, b, k, g1, si, g2, a, w, colon):
        target = ":x" if colon else f"<{url}/sparql>"
        inner = f"{{ {b}{k}{g1}{si}{target}{g2}{{ ?x ?y ?z }} {a} }}"
        prefix = f"PREFIX : <{url}/sparql#> PREFIX ex: <{url}/> "
        return f"{prefix}SELECT * WHERE {w.format(inner)}"

    return st.builds(build, st.sampled_from(urls), before, keyword, gap, silent, gap, after, wrap,
                     st.booleans())


def _mutated(queries: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    edit = st.tuples(st.sampled_from(["insert", "delete", "duplicate"]), st.floats(0, 1),
                     st.sampled_from(["{", "}", "(", ")", "<", ">", "'", '"', "#", "\\", "\x00",
                                      "\ufffd", "é", "\n", "SERVICE", "?", ":", ".", "!", "["]))

    def apply(text: str, edits: list) -> str:
        for kind, where, piece in edits:
            at = int(where * len(text))
            if kind == "insert":
                text = text[:at] + piece + text[at:]
            elif kind == "delete":
                text = text[:at] + text[at + 1:]
            else:
                text = text[:at] + text[at:at + 8] * 2 + text[at + 8:]
        return text

    return st.builds(apply, queries, st.lists(edit, min_size=1, max_size=5))


# ---- generated HTTP requests ------------------------------------------------------------------

PATHS = ["/sparql", "/sparql/", "/wikidata/sparql", "/rdf-graphs", "/rdf-graphs/x", "/download/",
         "/download/kazcosmos.nq", "/download/kazcosmos.ttl.gz", "/download/nothing",
         "/resource/KazCosmos", "/doc/resource/KazCosmos", "/doc/resource/KazCosmos.ttl",
         "/ontology", "/.well-known/void", "/health", "/", "/static/../../etc/passwd",
         "/resource/%2e%2e/%2e%2e/etc/passwd", "/graph/provenance", "/source/ref-1"]
PARAMS = ["query", "update", "format", "default-graph-uri", "named-graph-uri", "graph", "default",
          "using-graph-uri", "x"]
MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
         "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-quads",
         "text/html", "*/*", "image/png", "application/json;q=0", "text/*;q=0.5, */*;q=0.1",
         "", "garbage/;;;", "application/sparql-query", "application/x-www-form-urlencoded",
         "application/sparql-update", "application/sparql-query; charset=utf-16",
         "application/x-www-form-urlencoded; charset=latin1", "multipart/form-data"]


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def describe(self) -> str:
        return (f"{self.method} {self.path} params={self.params!r:.300} headers={self.headers!r} "
                f"body={self.body[:200]!r}")

    def send(self, client: httpx.Client) -> httpx.Response:
        url = self.path + ("?" + "&".join(f"{quote(k, safe='')}={v}" for k, v in self.params)
                           if self.params else "")
        return client.request(self.method, url, headers=dict(self.headers), content=self.body)


def requests(listener_urls: tuple[str, ...] = ()) -> st.SearchStrategy[FuzzRequest]:
    text = st.one_of(sparql(listener_urls), st.text(max_size=40))
    value = st.one_of(
        text.map(lambda t: quote(t, safe="")),  # well encoded
        st.sampled_from(["%C0%AF", "%ff%fe", "%00", "%E0%80%AF", "%ED%A0%80", "%", "%ZZ", "+",
                         "ASK%20%7B%7D", "file%3A%2F%2F%2Fetc%2Fpasswd"]),  # ill encoded
    )
    params = st.lists(st.tuples(st.sampled_from(PARAMS), value), max_size=4).map(tuple)
    form = st.lists(st.tuples(st.sampled_from(PARAMS), text), max_size=3).map(
        lambda pairs: "&".join(f"{k}={quote(v, safe='')}" for k, v in pairs).encode())
    body = st.one_of(st.just(b""), text.map(lambda t: t.encode("utf-8", "surrogatepass")), form,
                     st.binary(max_size=64), text.map(lambda t: t.encode("utf-16")))
    headers = st.fixed_dictionaries({}, optional={
        "Accept": st.sampled_from(MEDIA), "Content-Type": st.sampled_from(MEDIA),
        "Accept-Encoding": st.sampled_from(["gzip", "br", "identity;q=0", "*"]),
        "If-None-Match": st.sampled_from(['"x"', "*", 'W/"y"']),
        "Origin": st.sampled_from(["https://example.org", "null"]),
        "Authorization": st.sampled_from(["Bearer x", "Basic Zm9vOmJhcg==", ""]),
    }).map(lambda h: tuple(sorted(h.items())))
    return st.builds(FuzzRequest, st.sampled_from(["GET", "POST", "POST", "POST", "HEAD", "PUT",
                                                   "DELETE", "OPTIONS", "PATCH"]),
                     st.sampled_from(PATHS), params, headers, body)


def send_and_record(client: httpx.Client, request: FuzzRequest, tally: Tally,
                    timeout: float) -> None:
    started = time.monotonic()
    try:
        response = request.send(client)
    except httpx.HTTPError:
        response = None
    tally.record(request.describe(), response, time.monotonic() - started, timeout)
