"""The ``kzgraph`` command: the only module that prints or exits.

Exit codes (each error class carries its own, ``kzgraph.errors``): 0 success / conforms, 1 data does not conform (or
Wikidata links drifted, or an id offered for acceptance was rejected, or a published store holds
other counts), 2 unusable input (syntax error, missing file, bad option), 3 a Wikidata service or
an external store failed (unreachable, rate-limited, refused, odd answer).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kzgraph.atomic import write_atomically
from kzgraph.config import Settings
from kzgraph.curation import build_served, load_served, served_files
from kzgraph.dataset import load_dataset
from kzgraph.errors import (
    KzgraphError,
    StoreCacheError,
    UsageError,
    ValidationFailed,
    WikidataDrift,
)
from kzgraph import paths, wikidata
from kzgraph.export import FORMATS, export
from kzgraph.external import auth_from_env
from kzgraph.publish import DEFAULT_GRAPH_MODES, ENV_PREFIX, KZGRAPH_NAMESPACE, PublishOptions, publish
from kzgraph.validation import validate
from kzgraph.wikidata.client import EntitySource, WikidataClient, WikidataSettings
from kzgraph.wikidata.diff import linked_statements, not_compared
from kzgraph.wikidata import register as id_register
from kzgraph.wikidata.reconcile import verify_register
from kzgraph.wikidata.snapshot import Snapshot, load_snapshot

__all__ = ["main"]

# What ArgumentParser.add_subparsers returns (its class is not public).
Subcommands = Any

def main(argv: Sequence[str] | None = None) -> int:
    # rdflib logs a warning with a traceback for each ill-typed literal ("2007-0324"^^xsd:date);
    # the shapes report such values with file and line, so the traceback only adds noise.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except KzgraphError as error:
        return report_error(error)
    except KeyboardInterrupt:
        return 130
    return 0


def report_error(error: KzgraphError) -> int:
    if isinstance(error, ValidationFailed):
        print("\n".join(error.report.lines()))
        print(error.report.summary())
    elif isinstance(error, WikidataDrift):
        print("\n".join(finding_lines(error.findings)))
        print(f"kzgraph: {error}", file=sys.stderr)
    else:
        print(f"kzgraph: error: {error}", file=sys.stderr)
    return error.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kzgraph",
        description="The KazCosmos knowledge graph: serve it over SPARQL, validate it, export it.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_validate(commands)
    _add_export(commands)
    _add_publish(commands)
    _add_wikidata(commands)
    return parser


def _add_serve(commands: Subcommands) -> None:
    serve = commands.add_parser(
        "serve", help="serve the graph: SPARQL endpoint and query UI at /sparql, pages at /",
        description="Serve the embedded graph (ontology + data, all named graphs) over HTTP. "
                    "Every option can also be set by an environment variable KZGRAPH_<OPTION> "
                    "(e.g. KZGRAPH_QUERY_TIMEOUT=5; lists comma-separated).",
    )
    serve.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                       help="TriG/Turtle data files to serve instead of the embedded data")
    defaults = Settings()
    for field in dataclasses.fields(Settings):
        default = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        help_text = f"{SETTING_HELP.get(field.name, field.name)} (default: {_show_default(default)})"
        if isinstance(default, tuple):
            serve.add_argument(flag, nargs="*", metavar="VALUE", help=help_text)
        else:
            serve.add_argument(flag, type=type(default), help=help_text)
    serve.set_defaults(run=run_serve)


SETTING_HELP = {
    "host": "interface to listen on",
    "port": "port to listen on",
    "public_url": "base URL clients use, e.g. behind a proxy",
    "query_timeout": "seconds a query may take, waiting included; then 503 and the work is stopped",
    "query_workers": "worker processes running queries in parallel",
    "backend": "SPARQL endpoint that runs /sparql's queries instead of the local workers "
               "(credentials: KZGRAPH_BACKEND_TOKEN or KZGRAPH_BACKEND_USER/PASSWORD)",
    "max_waiting": "queries that may wait for a worker; beyond that, 503 with Retry-After",
    "max_body_bytes": "largest request body accepted",
    "max_query_length": "longest query accepted, in characters",
    "max_query_depth": "deepest nesting of { } and ( ) accepted",
    "max_result_bytes": "largest response a query may produce",
    "service_allowlist": "SPARQL endpoints SERVICE may call, each written in full",
    "service_timeout": "seconds each SERVICE request may take; then 504",
    "service_max_bytes": "largest answer a SERVICE request may bring; beyond that 502",
    "cors_origins": "origins allowed by CORS (never with credentials)",
    "data_dir": "directory curators' writes are committed to, and served from once it holds data",
    "curator_tokens_file": "file of 'name token' lines enabling curators' writes "
                           "(or set KZGRAPH_CURATOR_TOKEN; never pass a token as an argument)",
    "reload_interval": "seconds between checks for changed data files, swapped in without a "
                       "restart; 0: never",
    "rate_limit_requests": "requests per client per minute; beyond that 429 with Retry-After; 0: off",
    "rate_limit_query_seconds": "seconds of query time per client per minute; beyond that 429; "
                                "0: off",
    "access_log": "json: one JSON line per request on stdout (with the query's hash and time); "
                  "text: uvicorn's lines; off",
    "forwarded_allow_ips": "proxies (comma-separated, or *) trusted to name the client in "
                           "X-Forwarded-For, for rate limits and logs",
    "readiness": "validate: /ready once the data conforms to the shapes (checked at start and "
                 "on each new release); loaded: once loaded (for graphs too big for SHACL)",
    "cache_bytes": "bytes of query answers kept for repeated queries (per release, with ETags); "
                   "0: off",
    "max_connections": "connections served at once; beyond that 503 at once (bounds what slow "
                       "or idle clients can hold)",
    "query_store": "auto: memory up to 250,000 quads, disk beyond; memory: each query worker "
                   "loads the data in memory (fastest joins); disk: workers read the shared "
                   "on-disk store (least memory, for big graphs)",
    "store_cache": "directory of the Oxigraph stores built from the data files, by their hash: "
                   "a restart on unchanged files opens the store instead of parsing "
                   "(default: $XDG_CACHE_HOME/kzgraph or ~/.cache/kzgraph)",
}


def _show_default(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value) or "none"


def _add_validate(commands: Subcommands) -> None:
    check = commands.add_parser(
        "validate", help="check data files against the SHACL shapes",
        description="Validate data files (default: the embedded data/*.trig) against shapes/ with "
                    "the ontology. Exit 0 if they conform, 1 with a report if not, 2 if a file "
                    "cannot be read or parsed.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="TriG/Turtle data files")
    check.add_argument("--shapes", nargs="+", type=Path, help="shapes files (default shapes/*.ttl)")
    check.set_defaults(run=run_validate)


def _add_export(commands: Subcommands) -> None:
    out = commands.add_parser(
        "export", help="write the dataset in an RDF format",
        description="Write the dataset. turtle and ntriples merge all graphs into one; "
                    "trig, nquads and jsonld keep the named graphs (provenance).",
    )
    out.add_argument("--format", "-f", choices=sorted(FORMATS), default="turtle")
    out.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    out.add_argument("--wikidata", action="store_true",
                     help="write the Wikidata-vocabulary view (wdt:, p:/ps:/pq:, references) "
                          "instead of the kzgraph graphs")
    out.set_defaults(run=run_export)


def _add_publish(commands: Subcommands) -> None:
    out = commands.add_parser(
        "publish", help="upload every graph into a triplestore (SPARQL Graph Store Protocol)",
        description="PUT every named graph and the default graph into the Graph Store at --to "
                    "(each PUT replaces its graph: publishing twice changes nothing), then count "
                    "every graph in the store. Credentials come only from the environment: "
                    f"{ENV_PREFIX}TOKEN (Bearer) or {ENV_PREFIX}USER and {ENV_PREFIX}PASSWORD "
                    f"(Basic; {ENV_PREFIX}AUTH=digest for Digest). Exit 0 published and verified, "
                    "1 the store's counts differ, 2 bad input, 3 the store failed.",
    )
    out.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                     help="TriG/Turtle data files to publish instead of the embedded data")
    out.add_argument("--to", required=True, metavar="URL",
                     help="the store's Graph Store endpoint, e.g. http://127.0.0.1:7878/store")
    out.add_argument("--query-url", metavar="URL", help="the store's SPARQL query endpoint: "
                     "counts the named graphs in one query (default: a GET per graph)")
    out.add_argument("--default-graph", choices=DEFAULT_GRAPH_MODES, default="union",
                     help="what the store's default graph receives: the union of all graphs, as "
                          "kzgraph's endpoint queries it, or only the dataset's own default graph "
                          "(default: union)")
    out.add_argument("--prune", action="store_true", help="also delete the store's graphs under "
                     "--prune-under that the data no longer has (needs --query-url)")
    out.add_argument("--prune-under", default=KZGRAPH_NAMESPACE, metavar="IRI",
                     help=f"IRI prefix of the graphs --prune may delete (default: {KZGRAPH_NAMESPACE})")
    out.add_argument("--timeout", type=float, default=60.0, help="seconds per request (default: 60)")
    out.add_argument("--retries", type=int, default=2,
                     help="further attempts after a connection error or 502/503/504 (default: 2)")
    out.add_argument("--data-dir", help="publish the curated data committed in this directory "
                                        "(default: KZGRAPH_DATA_DIR, else the embedded data)")
    out.set_defaults(run=run_publish)


def run_publish(args: argparse.Namespace) -> None:
    options = PublishOptions(args.to, args.query_url, args.default_graph, args.prune,
                             args.prune_under, args.timeout, args.retries)
    settings = Settings.from_env(data_dir=args.data_dir)
    report = publish(_publishable(settings, args.paths or None), options,
                     auth_from_env(ENV_PREFIX), _progress())
    for graph in report.pruned:
        print(f"kzgraph: deleted <{graph}>, which the data no longer has")
    print(f"kzgraph: published {len(report.counts)} graphs ({sum(c.sent for c in report.counts)} "
          f"triples) to {args.to}; the store holds every one in full")


def _publishable(settings: Settings, data: Sequence[str] | None):
    """The served files as the store `serve` builds (written by Oxigraph, seconds at a million
    quads), else, where the store cache cannot be written, loaded with rdflib."""
    from kzgraph.store import StoreCache

    try:
        return build_served(settings.data_directory, data, StoreCache(settings.store_cache or None))
    except StoreCacheError as error:
        print(f"kzgraph: {error}; loading the data with rdflib instead", file=sys.stderr)
        return load_served(settings.data_directory, data)


def run_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from kzgraph.web import create_app

    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    settings = Settings.from_env(**overrides)
    service = served_service(settings, args.paths or None)
    app = create_app(service)
    # What was loaded lives as long as the server: keep the collector from rescanning its
    # objects on every few requests (it cost ~10 ms per request at 100k quads in rdflib).
    gc.collect()
    gc.freeze()
    configure_access_log(settings.access_log)
    print(f"kzgraph: serving {settings.base_url}/ (SPARQL endpoint and query UI at "
          f"{settings.base_url}/sparql); {query_store_note(service.served.release)}")
    uvicorn.run(app, **server_options(settings))


def query_store_note(release) -> str:
    """Where the query workers read the data, and how to choose otherwise."""
    quads = f"{release.entry.quads:,} quads"
    if release.sources["kzgraph"].in_memory:
        return f"query workers hold the data in memory ({quads}; --query-store disk to share the disk store)"
    return f"query workers read the on-disk store ({quads}; --query-store memory for faster joins)"


def server_options(settings: Settings) -> dict:
    """uvicorn's public options for ``settings`` (docs/performance-http.md: which limit is
    enforced by the server and which by the proxy in front)."""
    return {"host": settings.host, "port": settings.port, "log_level": "info",
            "access_log": settings.access_log == "text",
            "forwarded_allow_ips": settings.forwarded_allow_ips,
            "limit_concurrency": settings.max_connections, **SERVER_HTTP}


# h11, the one uvicorn HTTP implementation with a public cap on request heads: a head still
# incomplete past 16 KiB is refused (400) and its connection closed, so a client cannot make the
# server buffer an endless head. httptools (faster, docs/performance-http.md) has no cap. Neither
# limits the time a head takes: the proxy in front (deploy/nginx/kzgraph.conf) does.
MAX_HEAD_BYTES = 16 * 1024
SERVER_HTTP = {"http": "h11", "h11_max_incomplete_event_size": MAX_HEAD_BYTES}


def served_service(settings: Settings, data: Sequence[Path] | None):
    """The service of the served files: their store (built by Oxigraph or found in the cache),
    watched for changes; the cache keeps only the entries in service."""
    from kzgraph.release import Release, loads_in_memory
    from kzgraph.store import StoreCache
    from kzgraph.web.service import Service

    cache = StoreCache(settings.store_cache or None)

    def sources() -> list[Path]:  # asked again on each check: a first commit changes them
        return [*served_files(settings.data_directory, data), *paths.ontology_files()]

    def rebuild(starting: bool = False) -> Release:
        built = build_served(settings.data_directory, data, cache, starting)
        return Release.of_store(built, loads_in_memory(settings.query_store, built.quads))

    release = rebuild(starting=True)
    cache.prune(keep={release.entry.path})
    service = Service.build(release, settings, sources=sources, rebuild=rebuild)
    in_service = [release.entry.path]  # the served release's entry, and the one it replaced

    def prune_replaced(source: str, new: Release | None) -> None:
        """After a swap, the older entries are let go and removed: the replaced release's is
        kept, since requests begun before the swap may still read it. Runs under the swap lock,
        so no reload is building meanwhile."""
        if new is not None:
            in_service[:] = [*in_service[-1:], *([new.entry.path] if new.entry else [])]
            cache.keep_only(set(in_service))

    service.releases.listeners.append(prune_replaced)
    return service


def configure_access_log(kind: str) -> None:
    """JSON access lines go to standard output, one per request, as they are written."""
    if kind != "json":
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("kzgraph.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False


def run_validate(args: argparse.Namespace) -> None:
    report = validate(args.paths or None, args.shapes)
    if not report.conforms:
        raise ValidationFailed(report)
    print(report.summary())


def run_export(args: argparse.Namespace) -> None:
    dataset = load_dataset()
    if args.wikidata:
        dataset = wikidata.view_dataset(dataset)
    payload = export(dataset, args.format)
    if args.output is None:
        sys.stdout.buffer.write(payload)
        return
    write_output(args.output, payload)
    print(f"kzgraph: wrote {args.output} ({len(payload)} bytes, {args.format})", file=sys.stderr)


def write_output(path: Path, payload: bytes) -> None:
    """Write an output file atomically (kzgraph.atomic), naming a missing directory clearly."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"cannot write {path}: no such directory {directory}")
    write_atomically(path, payload)


# kzgraph wikidata …: argument declarations, then one short function per command.

WIKIDATA_SETTING_HELP = {
    "api_url": "Wikidata Action API (wbsearchentities, wbgetentities)",
    "entity_data_url": "Special:EntityData base URL",
    "sparql_url": "Wikidata query service",
    "language": "language of labels searched and compared",
    "timeout": "seconds per HTTP request",
    "retries": "further attempts after a timeout, 5xx or 429",
    "backoff": "first wait between attempts, doubled each time (seconds)",
    "max_retry_after": "longest Retry-After honoured (seconds); longer gives up",
    "user_agent": "User-Agent sent with every request",
}


def _add_wikidata(commands: Subcommands) -> None:
    group = commands.add_parser(
        "wikidata", help="reconcile, verify, diff with Wikidata; QuickStatements",
        description="Work with Wikidata. Service options can also be set by environment "
                    "variables KZGRAPH_WIKIDATA_<OPTION> (e.g. KZGRAPH_WIKIDATA_API_URL).",
    )
    sub = group.add_subparsers(required=True, metavar="ACTION")
    proposals = paths.home() / "proposals"
    reconcile = _wikidata_parser(sub, "reconcile", "propose Wikidata ids for unlinked entities")
    reconcile.add_argument("--entity", nargs="+", metavar="ENTITY", help="only these (kz:Name)")
    reconcile.add_argument("-o", "--output", type=Path, default=proposals / "wikidata-reconcile.json")
    reconcile.add_argument("--accept", nargs=2, metavar=("ENTITY", "QID"),
                           help="record a chosen id with its evidence for the curators' review")
    reconcile.add_argument("--accepted-file", type=Path,
                           default=proposals / "wikidata-accepted.json")
    _add_snapshot_option(reconcile)
    reconcile.set_defaults(run=run_reconcile)
    verify = _wikidata_parser(sub, "verify", "re-check every linked id (with --snapshot also every "
                                             "registered id the snapshot holds); exit 1 on drift")
    verify.add_argument("--register", type=Path, metavar="FILE",
                        help="register of checked ids to check (default with --snapshot: "
                             "data/wikidata-ids.tsv)")
    _add_snapshot_option(verify)
    verify.set_defaults(run=run_verify)
    for name, run, text in (("diff", run_diff, "compare linked entities with Wikidata"),
                            ("quickstatements", run_quickstatements,
                             "QuickStatements v1 for facts missing on Wikidata")):
        action = _wikidata_parser(sub, name, text)
        source = action.add_mutually_exclusive_group()
        source.add_argument("--entity-data", nargs="+", type=Path, metavar="FILE_OR_DIR",
                            help="saved Special:EntityData JSON (default: fetch live)")
        _add_snapshot_option(source)
        action.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        action.set_defaults(run=run)
        if name == "diff":
            action.add_argument("--json", action="store_true", help="JSON instead of a table")


def _wikidata_parser(sub: Subcommands, name: str, text: str) -> argparse.ArgumentParser:
    action = sub.add_parser(name, help=text, description=text)
    action.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="TriG/Turtle data files instead of the embedded data")
    defaults = WikidataSettings()
    for field in dataclasses.fields(WikidataSettings):
        default = getattr(defaults, field.name)
        action.add_argument("--" + field.name.replace("_", "-"), type=type(default),
                            help=f"{WIKIDATA_SETTING_HELP[field.name]} (default: {default})")
    return action


def _add_snapshot_option(parser) -> None:
    parser.add_argument("--snapshot", type=Path, metavar="FILE",
                        help="a local Wikidata RDF export (.nt, .ttl, .nq) instead of the live service")


# Settings that only the live service uses: meaningless with --snapshot.
ONLINE_ONLY = tuple(f.name for f in dataclasses.fields(WikidataSettings) if f.name != "language")


def _client(args: argparse.Namespace) -> EntitySource:
    """The live client, or the snapshot named by --snapshot (the same interface)."""
    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(WikidataSettings)}
    if getattr(args, "snapshot", None) is None:
        return WikidataClient(WikidataSettings.from_env(**overrides))
    given = ["--" + name.replace("_", "-") for name in ONLINE_ONLY if overrides[name] is not None]
    if given:
        raise UsageError(f"--snapshot reads a local file; {' '.join(given)} only apply to the "
                         "live service: drop one or the other")
    return load_snapshot(args.snapshot, WikidataSettings.from_env(**overrides).language)


def _progress():
    """A one-line progress display on a terminal; nothing when stderr is not one (CI, pipes)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, label: str) -> None:
        end = "\n" if done == total else ""
        print(f"\r[{done}/{total}] {label[:60]:<60}", end=end, file=sys.stderr, flush=True)
    return show


def run_reconcile(args: argparse.Namespace) -> None:
    dataset = load_dataset(args.paths or None)
    with _client(args) as client:
        if args.accept:
            entity = wikidata.resolve_entity(dataset, args.accept[0])
            record = wikidata.accept(dataset, client, entity, args.accept[1])
            _write(args.accepted_file, wikidata.add_accepted(args.accepted_file, record))
            print(f"kzgraph: {record['qid']} ({record['label']}) recorded for {entity}, "
                  f"score {record['score']}, for review in {args.accepted_file}")
            return
        entities = [wikidata.resolve_entity(dataset, e) for e in args.entity or []]
        proposals = wikidata.reconcile(dataset, client, entities or None, _progress())
    _write(args.output, wikidata.proposals_json(proposals))
    for proposal in proposals:
        best = proposal.candidates[0] if proposal.candidates else None
        print(f"{proposal.status:<14} {proposal.entity}"
              + (f"  {best.qid} {best.label!r} score {best.score}" if best else ""))


def run_verify(args: argparse.Namespace) -> None:
    register = args.register or (_register_path() if args.snapshot else None)
    with _client(args) as client:
        findings = wikidata.verify(load_dataset(args.paths or None), client, _progress())
        registered = (verify_register(id_register.load(register), client, _uses(client), register.name)
                      if register else [])
    drifted = [f for f in findings + registered if f.status not in ("ok", "unchecked")]
    if drifted:
        raise WikidataDrift(drifted)
    print(verified_summary(findings, registered, client.origin))


def verified_summary(findings: list, registered: list, origin: str) -> str:
    unchecked = [f.qid for f in findings if f.status == "unchecked"]
    if not unchecked:
        text = f"kzgraph: all {len(findings)} Wikidata links verified"
    else:
        text = (f"kzgraph: {len(findings) - len(unchecked)} Wikidata links verified; "
                f"{len(unchecked)} not in {origin}, unchecked: {' '.join(unchecked)}")
    if registered:
        text += f"\nkzgraph: {len(registered)} registered ids held by {origin} verified"
    return text


def _register_path() -> Path:
    return id_register.register_path()


def _uses(client: EntitySource) -> dict | None:
    """How a snapshot's statements use each id (item or class); the live service has no such view."""
    return client.uses() if isinstance(client, Snapshot) else None


def finding_lines(findings: list) -> list[str]:
    return [f"{f.status:<10} {f.qid:<12} {f.entity}  {f.detail}" for f in findings]


def _differences(args: argparse.Namespace) -> list:
    dataset = load_dataset(args.paths or None)
    properties = None
    if args.entity_data:
        entities = wikidata.load_entity_files(args.entity_data)
    else:
        qids = {s.item for s in linked_statements(dataset)}
        with _client(args) as client:
            entities = client.get_entities(qids)
            if isinstance(client, Snapshot):  # it carries only some properties
                properties = client.properties
    skipped = not_compared(dataset, entities)
    if skipped:
        print(f"kzgraph: no entity data for {len(skipped)} linked item(s), not compared: "
              f"{' '.join(skipped)}", file=sys.stderr)
    return wikidata.diff(dataset, entities, properties)


def run_diff(args: argparse.Namespace) -> None:
    differences = _differences(args)
    labels = {row.id: row.label for row in id_register.load()}
    text = (wikidata.diff_json(differences) if args.json
            else "\n".join(wikidata.diff_table(differences, labels)) + "\n")
    _emit(args.output, text)


def run_quickstatements(args: argparse.Namespace) -> None:
    _emit(args.output, wikidata.quickstatements(_differences(args)))


def _emit(path: Path | None, text: str) -> None:
    if path is None:
        sys.stdout.write(text)
    else:
        _write(path, text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_output(path, text.encode("utf-8"))
    print(f"kzgraph: wrote {path}", file=sys.stderr)
