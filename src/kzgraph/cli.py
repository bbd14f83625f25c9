"""The ``kzgraph`` command: the only module that prints or exits.

Exit codes (one table, ``EXIT_CODES``): 0 success / conforms, 1 data does not conform,
2 unusable input (syntax error, missing file, bad option).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kzgraph.config import Settings
from kzgraph.dataset import load_dataset
from kzgraph.errors import DataFileError, KzgraphError, UsageError, ValidationFailed
from kzgraph.export import FORMATS, export
from kzgraph.validation import validate

__all__ = ["main"]

EXIT_CODES: dict[type[KzgraphError], int] = {
    ValidationFailed: 1,
    DataFileError: 2,
    UsageError: 2,
    KzgraphError: 2,
}


def main(argv: Sequence[str] | None = None) -> int:
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
    else:
        print(f"kzgraph: error: {error}", file=sys.stderr)
    return next(code for kind, code in EXIT_CODES.items() if isinstance(error, kind))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kzgraph",
        description="The KazCosmos knowledge graph: serve it over SPARQL, validate it, export it.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _add_serve(commands)
    _add_validate(commands)
    _add_export(commands)
    return parser


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="serve the graph: SPARQL endpoint at /sparql, query UI at /",
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
    "max_waiting": "queries that may wait for a worker; beyond that, 503 with Retry-After",
    "max_body_bytes": "largest request body accepted",
    "max_query_length": "longest query accepted, in characters",
    "max_query_depth": "deepest nesting of { } and ( ) accepted",
    "max_result_bytes": "largest response a query may produce",
    "service_allowlist": "SPARQL endpoints SERVICE may call, each written in full",
    "cors_origins": "origins allowed by CORS (never with credentials)",
}


def _show_default(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(value) or "none"
    return str(value) or "none"


def _add_validate(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "validate", help="check data files against the SHACL shapes",
        description="Validate data files (default: the embedded data/*.trig) against shapes/ with "
                    "the ontology. Exit 0 if they conform, 1 with a report if not, 2 if a file "
                    "cannot be read or parsed.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="TriG/Turtle data files")
    check.add_argument("--shapes", nargs="+", type=Path, help="shapes files (default shapes/*.ttl)")
    check.set_defaults(run=run_validate)


def _add_export(commands: argparse._SubParsersAction) -> None:
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


def run_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from kzgraph.web import create_app

    overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    settings = Settings.from_env(**overrides)
    app = create_app(load_dataset(args.paths or None), settings)
    # The loaded graph lives as long as the server: keep the collector from rescanning its
    # millions of objects on every few requests (it cost ~10 ms per request at 100k quads).
    gc.collect()
    gc.freeze()
    print(f"kzgraph: serving {settings.base_url}/sparql (query UI at {settings.base_url}/)")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")


def run_validate(args: argparse.Namespace) -> None:
    report = validate(args.paths or None, args.shapes)
    if not report.conforms:
        raise ValidationFailed(report)
    print(report.summary())


def run_export(args: argparse.Namespace) -> None:
    dataset = load_dataset()
    if args.wikidata:
        from kzgraph.wikidata.view import view_dataset

        dataset = view_dataset(dataset)
    payload = export(dataset, args.format)
    if args.output is None:
        sys.stdout.buffer.write(payload)
        return
    write_atomically(args.output, payload)
    print(f"kzgraph: wrote {args.output} ({len(payload)} bytes, {args.format})", file=sys.stderr)


def write_atomically(path: Path, payload: bytes) -> None:
    """Write via a temporary file and rename, so a failure never leaves a half-written file."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"cannot write {path}: no such directory {directory}")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
