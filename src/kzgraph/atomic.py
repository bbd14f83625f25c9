"""Atomic file replacement: a file is either its old content or its new one, even after a crash.

The new content goes to a temporary file in the same directory (a rename is atomic only within
one file system), which is flushed and fsynced, then renamed over the file; then the directory is
fsynced, because on POSIX the rename is a change to the directory and is not durable until the
directory is. If anything fails before the rename, the temporary file is removed and the old file
is untouched. A process killed half-way can leave only a temporary file behind, never a broken
target: callers that know their temporaries' names clear them at start-up.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing", "write_atomically"]


def write_atomically(path: Path | str, payload: bytes, prefix: str | None = None,
                     suffix: str = ".tmp") -> None:
    """Replace ``path`` with ``payload`` atomically and durably (see the module's description).
    ``prefix``/``suffix`` name the temporary file (default ``.<name>.…tmp``)."""
    with replacing(path, prefix, suffix) as temporary:
        with open(temporary, "wb") as out:
            out.write(payload)


@contextmanager
def replacing(path: Path | str, prefix: str | None = None, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary file beside ``path`` for the block to fill (by any means: a file, a database
    backup); when the block ends normally it replaces ``path`` atomically and durably, when the
    block raises it is removed and ``path`` is left as it was."""
    target = Path(path)
    directory = target.resolve().parent
    handle, name = tempfile.mkstemp(dir=directory, prefix=prefix or f".{target.name}.", suffix=suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        _fsync_file(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_file(path: Path) -> None:
    """Put the file's data on disk before the rename makes it the target (else a crash could
    leave the new name pointing at data never written)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable. Best effort: some file systems and platforms
    cannot open or fsync a directory, and the rename itself has already happened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
