"""Running a command with its stderr on a pseudo-terminal, to see what a person would see."""

from __future__ import annotations

import os
import pty
import subprocess


def stderr_on_a_terminal(command: list[str], timeout: float = 180) -> tuple[int, bytes]:
    """Run ``command`` with stderr on a pseudo-terminal (stdout on a pipe); its exit status and
    everything it wrote to the terminal."""
    leader, follower = pty.openpty()
    try:
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=follower, timeout=timeout)
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal has no more writers
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    return result.returncode, shown
