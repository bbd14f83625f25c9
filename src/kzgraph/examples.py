"""The example queries of ``examples/``: their titles, text and expected answers.

Each ``.rq`` file opens with comment lines: ``# title:``, ``# description:``, optionally
``# expect-rows: N`` and any number of ``# expect: a | b | c`` rows (``*`` matches any value,
an empty cell an unbound one). The query UI shows them; the tests run them and check the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kzgraph import paths

__all__ = ["Example", "load_examples", "load_wikidata_examples", "parse_example"]


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    query: str
    expected_rows: int | None = None
    expected: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def display_query(self) -> str:
        """The query as shown to people: without the ``# expect`` lines meant for the tests."""
        return "\n".join(line for line in self.query.splitlines() if not line.startswith("# expect"))

    def matches(self, rows: list[tuple[str, ...]]) -> bool:
        """Whether result rows (values as strings, '' for unbound) meet the expectations."""
        if self.expected_rows is not None and len(rows) != self.expected_rows:
            return False
        return all(any(_row_matches(want, got) for got in rows) for want in self.expected)


def _row_matches(want: tuple[str, ...], got: tuple[str, ...]) -> bool:
    return len(want) == len(got) and all(w in ("*", g) for w, g in zip(want, got))


def parse_example(path: Path) -> Example:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    expected: list[tuple[str, ...]] = []
    for line in text.splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        if key == "expect":
            expected.append(tuple(cell.strip() for cell in value.split(" | ")))
        else:
            header[key] = value.strip()
    rows = header.get("expect-rows")
    return Example(
        name=path.stem, title=header.get("title", path.stem),
        description=header.get("description", ""), query=text,
        expected_rows=int(rows) if rows else None, expected=expected,
    )


def load_examples(files: list[Path] | None = None) -> list[Example]:
    """The examples of kzgraph's own endpoint: ``examples/*.rq``, then the federated ones."""
    if files is None:
        files = paths.example_files() + paths.example_files("federated")
    return [parse_example(p) for p in files]


def load_wikidata_examples() -> list[Example]:
    """Queries written for the Wikidata Query Service, for the ``/wikidata/sparql`` endpoint."""
    return [parse_example(p) for p in paths.example_files("wikidata")]
