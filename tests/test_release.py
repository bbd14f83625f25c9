"""Releases: where the query workers read the data, chosen by its size (--query-store auto)."""

from __future__ import annotations

import pytest

from kzgraph import cli, release
from kzgraph.config import Settings
from kzgraph.errors import UsageError
from kzgraph.release import MEMORY_STORE_MAX_QUADS, loads_in_memory


@pytest.mark.parametrize(("setting", "quads", "in_memory"), [
    ("auto", 1_000, True),
    ("auto", MEMORY_STORE_MAX_QUADS, True),
    ("auto", MEMORY_STORE_MAX_QUADS + 1, False),
    ("auto", 1_000_000, False),
    ("memory", 1_000_000, True),
    ("disk", 1_000, False),
])
def test_the_query_store_follows_the_setting_and_the_size(setting, quads, in_memory):
    assert loads_in_memory(setting, quads) is in_memory


def test_auto_is_the_default_and_other_values_are_refused():
    assert Settings().query_store == "auto"
    with pytest.raises(UsageError, match="query_store must be one of auto, memory, disk"):
        Settings(query_store="ram")


def served_kind(tmp_path, **settings) -> tuple[bool, str]:
    service = cli.served_service(Settings(store_cache=str(tmp_path / "stores"), reload_interval=0,
                                          **settings), None)
    served = service.served.release
    return served.sources["kzgraph"].in_memory, cli.query_store_note(served)


def test_the_shipped_graph_is_held_in_memory_by_default(tmp_path):
    in_memory, note = served_kind(tmp_path)
    assert in_memory
    assert note.startswith("query workers hold the data in memory (")
    assert "quads; --query-store disk" in note


def test_a_graph_past_the_threshold_is_read_from_disk_by_default(tmp_path, monkeypatch):
    monkeypatch.setattr(release, "MEMORY_STORE_MAX_QUADS", 100)  # the shipped graph is bigger
    in_memory, note = served_kind(tmp_path)
    assert not in_memory
    assert note.startswith("query workers read the on-disk store (")
    assert served_kind(tmp_path, query_store="memory")[0]  # unless asked
