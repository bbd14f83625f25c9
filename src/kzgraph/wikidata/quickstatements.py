"""QuickStatements (version 1) commands that add kzgraph's facts missing on Wikidata.

Syntax: https://www.wikidata.org/wiki/Help:QuickStatements — one tab-separated command per line,
``item  property  value  [qualifier-property value]…  [S-property value]…``. Dates carry their
precision (``/11`` day, ``/10`` month, ``/9`` year); each reference of a statement (the article,
S854 + S1476; a numbered reference, S1476 + S577 + …) is its own line, which QuickStatements merges
into the one statement. A quantity carries its unit (``10U573``, 10 days) and, where the data
states bounds, a tolerance (``10~1``); bounds not symmetric about the amount have no v1 syntax, so
such a quantity is left out rather than written without them.
"""

from __future__ import annotations

from decimal import Decimal

from kzgraph.wikidata.diff import Difference
from kzgraph.wikidata.facts import Statement, Value

__all__ = ["qs_value", "quickstatements", "statement_commands", "writable"]


def quickstatements(differences: list[Difference]) -> str:
    """Commands for every ``missing-on-wikidata`` difference (conflicts are left to people)."""
    lines = []
    for difference in differences:
        statement = difference.statement
        if difference.kind == "missing-on-wikidata" and statement and writable(statement.value):
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


def writable(value: Value) -> bool:
    """False for a quantity whose bounds QuickStatements v1 cannot write (not symmetric)."""
    if value.kind != "quantity" or not (value.lower or value.upper):
        return True
    return _tolerance(value) is not None


def _tolerance(value: Value) -> str | None:
    amount, lower, upper = (Decimal(text or "NaN") for text in (value.text, value.lower, value.upper))
    if upper - amount != amount - lower:
        return None
    return str(upper - amount)


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
        tolerance = _tolerance(value) if value.lower or value.upper else None
        unit = "U" + value.unit.removeprefix("Q") if value.unit else ""
        return value.text + (f"~{tolerance}" if tolerance else "") + unit
    return f'"{_clean(value.text)}"'


def _clean(text: str) -> str:
    """Tabs and line breaks would split the command; QuickStatements has no escape for them."""
    return " ".join(text.split())
