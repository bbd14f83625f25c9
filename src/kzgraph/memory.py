"""Giving freed memory back to the system after building or loading a big store."""

from __future__ import annotations

import ctypes

__all__ = ["give_back_memory"]


def give_back_memory() -> None:
    """Return freed heap to the system. glibc keeps freed memory for reuse: a server that had
    built a million-quad store held ~800 MB it no longer used, and a worker its parse buffers."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass
