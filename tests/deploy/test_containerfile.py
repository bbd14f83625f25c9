"""The shipped Containerfile. No container engine runs here, so it is not built: these tests hold
what can be checked without one (what it copies exists, what it sets is read by kzgraph)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from kzgraph import paths

from .settings import settings_of, unknown

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"


def instructions(name: str) -> list[str]:
    """The arguments of each ``name`` instruction, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", CONTAINERFILE.read_text(encoding="utf-8"))
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(name + " ")]


def test_it_starts_from_python_311_slim_and_runs_as_a_user_of_its_own():
    assert instructions("FROM") == ["python:3.11-slim"]
    assert instructions("USER") == ["kzgraph"]
    assert "useradd --system" in " ".join(instructions("RUN"))


def test_it_serves_on_every_interface_of_the_container():
    assert json.loads(instructions("CMD")[0]) == ["kzgraph", "serve", "--host", "0.0.0.0"]
    assert instructions("EXPOSE") == [str(settings_of("").port)]


def test_what_it_copies_is_in_the_repository():
    for copied in instructions("COPY"):
        *sources, _ = copied.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"


def test_kzgraph_finds_the_graph_it_copies(monkeypatch):
    env = " ".join(instructions("ENV"))
    settings = settings_of(env)
    home = re.search(r"KZGRAPH_HOME=(\S+)", env).group(1)
    assert home == instructions("WORKDIR")[0]
    # what paths.home() reads there is what the image holds: ontology/, data/, shapes/
    copied = {c.split()[-1].strip("./") for c in instructions("COPY")}
    assert {"ontology", "data", "shapes"} <= copied
    monkeypatch.setenv("KZGRAPH_HOME", str(ROOT))
    assert paths.data_files() and paths.ontology_files() and paths.shape_files()
    assert settings.data_dir in instructions("VOLUME")[0] and settings.store_cache in instructions("VOLUME")[0]


def test_it_sets_only_variables_kzgraph_reads():
    assert unknown(" ".join(instructions("ENV"))) == set()
