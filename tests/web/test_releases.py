"""Checking releases against the shapes in a separate process that ends with each check."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

from kzgraph.validation import load_shapes
from kzgraph.web.releases import Releases
from kzgraph.release import Served


def test_the_checker_process_ends_with_each_check(dataset):
    """The checker holds the whole graph in rdflib (gigabytes at a million quads): a process
    kept for the next release would keep that memory for the server's life."""
    releases = Releases(Served(dataset), pool=None, shapes=load_shapes)
    before = set(multiprocessing.active_children())

    async def check_twice():
        first = await releases.validate_current()
        second = await releases.validate_current()
        return first, second

    first, second = asyncio.run(check_twice())
    assert first.conforms and second.conforms and first.triples == second.triples > 500
    deadline = time.monotonic() + 30
    while set(multiprocessing.active_children()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(multiprocessing.active_children()) - before == set()
