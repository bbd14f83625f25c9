"""Fixtures of the Wikidata tests: the stand-in server and a dataset linked to its test ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzgraph import load_dataset, paths
from tests.wikidata.standin import StandIn

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def data_files(links: str = "links.trig") -> list[Path]:
    """The embedded facts and sources with the test links file instead of the real one."""
    facts = [p for p in paths.data_files() if p.name != "wikidata-links.trig"]
    return facts + [HERE / "data" / links]


@pytest.fixture(scope="session")
def linked_dataset():
    return load_dataset(data_files())


@pytest.fixture()
def stand_in():
    with StandIn() as server:
        yield server
