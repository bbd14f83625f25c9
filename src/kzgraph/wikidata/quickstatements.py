"""QuickStatements (version 1) commands that add kzgraph's facts missing on Wikidata.

Syntax: https://www.wikidata.org/wiki/Help:QuickStatements — one tab-separated command per line,
``item  property  value  [qualifier-property value]…  [S-property value]…``. Dates carry their
precision (``/11`` day, ``/10`` month, ``/9`` year); each reference of a statement (the article,
S854 + S1476; a numbered reference, S1476 + S577 + …) is its own line, which QuickStatements merges
into the one statement. Quantities are left out: their unit (day) has no checked Wikidata id yet,
and a unitless amount would state something else.
"""

from __future__ import annotations

from kzgraph.wikidata.diff import Difference
from kzgraph.wikidata.facts import Statement, Value

__all__ = ["qs_value", "quickstatements", "statement_commands"]


def quickstatements(differences: list[Difference]) -> str:
    """Commands for every ``missing-on-wikidata`` difference (conflicts are left to people)."""
    lines = []
    for difference in differences:
        statement = difference.statement
        if difference.kind == "missing-on-wikidata" and statement and statement.value.kind != "quantity":
            lines.extend(statement_commands(statement))
    return "".join(line + "\n" for line in lines)


def statement_commands(statement: Statement) -> list[str]:
    head = [statement.item, statement.pid, qs_value(statement.value)]
    for pid, qualifier in statement.qualifiers:
        head += [pid, qs_value(qualifier)]
    if not statement.references:
        return ["\t".join(head)]
    return ["\t".join(head + _sources(reference.snaks)) for reference in statement.references]


def _sources(snaks: tuple[tuple[str, Value], ...]) -> list[str]:
    fields = []
    for pid, value in snaks:
        fields += ["S" + pid.removeprefix("P"), qs_value(value)]
    return fields


def qs_value(value: Value) -> str:
    """A value in QuickStatements syntax."""
    if value.kind == "item":
        return value.text
    if value.kind == "time":
        parts = value.text.split("-") + ["00", "00"]
        return f"+{parts[0]}-{parts[1]}-{parts[2]}T00:00:00Z/{value.precision}"
    if value.kind == "monolingualtext":
        return f'{value.language}:"{_clean(value.text)}"'
    if value.kind == "quantity":
        return value.text
    return f'"{_clean(value.text)}"'


def _clean(text: str) -> str:
    """Tabs and line breaks would split the command; QuickStatements has no escape for them."""
    return " ".join(text.split())
