"""The query worker processes of this test process, as the operating system shows them: its
children that named themselves kzgraph's query workers once loaded (``ps`` shows the name)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kzgraph.query.worker import WORKER_NAME


def query_workers() -> set[int]:
    """Live, loaded query workers started by this process (by any of its pools)."""
    children = {int(pid) for task in Path("/proc/self/task").iterdir()
                for pid in (task / "children").read_text().split()}
    return {pid for pid in children if _named_a_worker(pid) and running(pid)}


def wait_for_workers(count: int, besides: set[int] = frozenset(), seconds: float = 60) -> set[int]:
    """The workers not in ``besides`` once there are ``count`` of them (or when time is up)."""
    deadline = time.monotonic() + seconds
    while len(mine := query_workers() - besides) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return mine


def running(pid: int) -> bool:
    """The process exists and is not a zombie (killed, not yet reaped)."""
    stat = _read(f"/proc/{pid}/stat")
    return bool(stat) and stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def cpu_seconds(pid: int) -> float | None:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busiest(pids: set[int], seconds: float = 0.5) -> int:
    """Of ``pids``, the one that spent the most CPU over the next ``seconds``."""
    first = {pid: cpu_seconds(pid) or 0.0 for pid in pids}
    time.sleep(seconds)
    return max(pids, key=lambda pid: (cpu_seconds(pid) or 0.0) - first[pid])


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _named_a_worker(pid: int) -> bool:
    return _read(f"/proc/{pid}/comm").strip() == WORKER_NAME.decode()


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return ""
