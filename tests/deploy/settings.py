"""What the deployment files may set: kzgraph's settings as environment variables."""

from __future__ import annotations

import dataclasses
import re

from kzgraph.config import Settings

# Read outside Settings: where the graph's files are (paths.home) and the curators' token.
OTHER_VARIABLES = {"KZGRAPH_HOME", "KZGRAPH_CURATOR_TOKEN"}
KNOWN = {f"KZGRAPH_{f.name.upper()}" for f in dataclasses.fields(Settings)} | OTHER_VARIABLES


def variables_set(text: str) -> dict[str, str]:
    """Every KZGRAPH_* variable a unit file or Containerfile sets, with its value."""
    return dict(re.findall(r"(KZGRAPH_[A-Z_]+)=(\S+)", text))


def unknown(text: str) -> set[str]:
    return set(variables_set(text)) - KNOWN


def settings_of(text: str) -> Settings:
    """The settings kzgraph would run with: a bad value is a UsageError, as at start."""
    found = {k: v for k, v in variables_set(text).items() if k not in OTHER_VARIABLES}
    return Settings.from_env(found)
