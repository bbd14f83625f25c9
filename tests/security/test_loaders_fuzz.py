"""Mutated Turtle/TriG never gets a traceback: the loaders raise kzgraph's DataFileError (with the
file and, for syntax errors, the line), and ``kzgraph validate`` exits 0, 1 or 2 with a message,
no traceback (the last two tests are the regressions of what this fuzzing found)."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzgraph import paths
from kzgraph.cli import main
from kzgraph.dataset import load_dataset
from kzgraph.errors import DataFileError, DataSyntaxError

SOURCES = {p.name: p.read_bytes() for p in paths.data_files()}
SEEDS = {**SOURCES, "shapes.ttl": paths.shape_files()[0].read_bytes()}
PIECES = [b"{", b"}", b"<", b">", b"\"", b"'", b"\"\"\"", b".", b";", b",", b"@prefix", b"GRAPH",
          b"_:b", b"^^", b"@en", b"\\u00", b"\\", b"\x00", b"\xff\xfe", b"\xc3\x28", b"\n", b"#",
          b"<file:///etc/passwd>", b"[", b"]", b"(", b")", b"1e999999", b"\"x\"^^xsd:date"]


def mutate(data: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
    for kind, where, piece in edits:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + piece + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + 1 + len(piece) % 7:]
        elif kind == "truncate":
            data = data[:at]
        else:  # swap the two halves around the point
            data = data[at:] + data[:at]
    return data


mutations = st.builds(
    lambda name, edits: (name, mutate(SEEDS[name], edits)),
    st.sampled_from(sorted(SEEDS)),
    st.lists(st.tuples(st.sampled_from(["insert", "insert", "delete", "truncate", "swap"]),
                       st.floats(0, 1), st.sampled_from(PIECES)), min_size=1, max_size=4))
LOCATED = re.compile(r"\S+\.(trig|ttl):\d+")
FUZZ = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def written(tmp_path_factory, mutation) -> Path:
    name, data = mutation
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_bytes(data)
    return path


@settings(max_examples=150, **FUZZ)
@given(mutations)
def test_mutated_files_load_or_fail_with_a_located_error(tmp_path_factory, mutation):
    path = written(tmp_path_factory, mutation)
    try:
        load_dataset([path])
    except DataSyntaxError as error:
        assert error.path == path and "Traceback" not in str(error)
        assert error.line is not None, f"no line in: {error}"
    except DataFileError as error:
        assert error.path == path


@settings(max_examples=10, **FUZZ)
@given(mutations)
def test_validate_on_mutated_files_exits_0_1_or_2_without_a_traceback(tmp_path_factory, mutation):
    path = written(tmp_path_factory, mutation)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    text = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), text
    assert "Traceback" not in text
    if code == 2:
        assert LOCATED.search(err.getvalue()), err.getvalue()


def test_bytes_that_are_not_utf8_are_located_by_line(tmp_path):
    path = tmp_path / "bad.trig"
    path.write_bytes(SOURCES["sources.trig"] + b"\n<urn:a> <urn:b> '\xff' .\n")
    with pytest.raises(DataSyntaxError) as raised:
        load_dataset([path])
    assert raised.value.line == SOURCES["sources.trig"].count(b"\n") + 2


def test_an_ill_typed_date_gets_no_traceback_from_validate(tmp_path):
    path = tmp_path / "bad.trig"
    path.write_bytes(SOURCES["kazcosmos.trig"].replace(b'"2007-03-24"^^xsd:date',
                                                       b'"2007-0324"^^xsd:date', 1))
    done = subprocess.run([sys.executable, "-m", "kzgraph", "validate", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr[:500]
