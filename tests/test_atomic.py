"""Atomic file replacement: temp beside the target, fsync, rename, fsync of the directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kzgraph.atomic import replacing, write_atomically


@pytest.fixture()
def target(tmp_path) -> Path:
    path = tmp_path / "data.trig"
    path.write_bytes(b"old")
    return path


@pytest.fixture()
def events(monkeypatch) -> list[tuple[str, str]]:
    """What fsync and rename were asked to do, in order (fsync'd descriptors named by /proc)."""
    seen: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        seen.append(("fsync", os.path.realpath(f"/proc/self/fd/{descriptor}")))
        fsync(descriptor)

    def recording_replace(source, destination) -> None:
        seen.append(("replace", f"{source} -> {destination}"))
        replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    return seen


def leftovers(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name != "data.trig"]


def test_the_file_is_replaced_and_nothing_else_is_left(target):
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert leftovers(target.parent) == []


def test_the_data_is_fsynced_before_the_rename_and_the_directory_after(target, events):
    write_atomically(target, b"new", prefix=".data-")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "replace", "fsync"]
    temporary = Path(events[0][1])
    assert temporary.parent == target.parent.resolve() and temporary.name.startswith(".data-")
    assert temporary.name.endswith(".tmp")
    assert events[1][1] == f"{temporary} -> {target}"
    assert events[2][1] == str(target.parent.resolve())


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(target):
    with pytest.raises(RuntimeError), replacing(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("the writer died")
    assert target.read_bytes() == b"old"
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_fsync_or_rename_leaves_the_old_file_and_no_temporary(target, monkeypatch, failing):
    def fail(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(OSError):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert leftovers(target.parent) == []


def test_a_directory_that_cannot_be_fsynced_does_not_undo_the_rename(target, monkeypatch):
    """Some file systems refuse to fsync a directory: the new file is in place all the same."""
    fsync = os.fsync

    def file_only(descriptor: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{descriptor}"):
            raise OSError(22, "Invalid argument")
        fsync(descriptor)
    monkeypatch.setattr(os, "fsync", file_only)
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new" and leftovers(target.parent) == []


def test_a_new_file_is_created(tmp_path):
    write_atomically(tmp_path / "fresh.json", b"{}")
    assert (tmp_path / "fresh.json").read_bytes() == b"{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.json"]
