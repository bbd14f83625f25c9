"""Memory at scale: freed memory given back to the system, the garbage collector held off."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused", "give_back_memory"]


def give_back_memory() -> None:
    """Return freed heap to the system. glibc keeps freed memory for reuse: a server that had
    built a million-quad store held ~800 MB it no longer used, and a worker its parse buffers."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of short-lived objects are made (an
    rdflib copy of a big dataset, a pySHACL run): each full collection they would trigger walks
    every live object too, a quarter to a third of such a run at 100k quads. Their garbage is
    collected once, when the collector resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
