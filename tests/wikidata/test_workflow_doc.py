"""docs/wikidata-workflow.md shows real commands with their real output: each ```console block
is run again here and must print what the page shows.

After a change of the data, the links or the snapshot, refresh the page with
``KZGRAPH_REFRESH_DOCS=1 pytest -q -p no:cacheprovider tests/wikidata/test_workflow_doc.py``
and read the difference before committing it.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import sys

from kzgraph import paths

PAGE = paths.home() / "docs" / "wikidata-workflow.md"
BLOCK = re.compile(r"```console\n\$ (?P<command>[^\n]+)\n(?P<output>.*?)```", re.S)


def run(command: str) -> str:
    """The command's stdout, stderr and exit status, as the page shows them."""
    words = shlex.split(command)
    assert words[0] == "kzgraph", command
    args = [match for word in words[1:]
            for match in (sorted(glob.glob(word, root_dir=paths.home())) if "*" in word else [word])]
    result = subprocess.run([sys.executable, "-m", "kzgraph", *args], capture_output=True, text=True,
                            timeout=300, cwd=paths.home())
    return result.stdout + result.stderr + f"[exit status {result.returncode}]\n"


def test_the_page_shows_what_the_commands_print():
    page = PAGE.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(page))
    assert len(blocks) >= 4
    refreshed = BLOCK.sub(lambda m: f"```console\n$ {m['command']}\n{run(m['command'])}```", page)
    if os.environ.get("KZGRAPH_REFRESH_DOCS") == "1":
        PAGE.write_text(refreshed, encoding="utf-8")
    assert refreshed == page, "outputs changed: refresh the page (see this module's docstring)"
