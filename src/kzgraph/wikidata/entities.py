"""Reading Wikidata's entity JSON (wbgetentities, Special:EntityData): names, values, redirects.

Data value shapes: https://www.mediawiki.org/wiki/Wikibase/DataModel/JSON. Values become the same
:class:`~kzgraph.wikidata.facts.Value` as kzgraph's facts, so the two can be compared.
"""

from __future__ import annotations

import json
from pathlib import Path

from kzgraph.errors import DataFileError, DataFileNotFound
from kzgraph.wikidata.facts import Value

__all__ = ["entity_names", "entity_values", "load_entity_file", "same_site", "same_value",
           "wikidata_value"]

_DATE_LENGTH = {11: 10, 10: 7, 9: 4}  # precision → characters of YYYY-MM-DD kept


def wikidata_value(datavalue: dict, datatype: str | None = None) -> Value | None:
    """A ``mainsnak.datavalue`` as a Value; None for kinds kzgraph never states. ``datatype`` is the
    snak's property datatype: a URL's datavalue is a plain string, only the datatype says URL."""
    kind, value = datavalue.get("type"), datavalue.get("value")
    if kind == "wikibase-entityid":
        return Value("item", value["id"])
    if kind == "time":
        return _time_value(value)
    if kind == "monolingualtext":
        return Value("monolingualtext", value["text"], language=value["language"])
    if kind == "quantity":
        return Value("quantity", _number(value["amount"]))
    if kind == "string":
        return Value("url" if datatype == "url" else "string", value)
    return None


def _time_value(value: dict) -> Value | None:
    precision = int(value.get("precision", 11))
    if precision not in _DATE_LENGTH:
        return None
    text = value["time"].lstrip("+")[:_DATE_LENGTH[precision]]
    return Value("time", text, precision)


def _number(amount: str) -> str:
    text = amount.lstrip("+")
    return text[:-2] if text.endswith(".0") else text


def entity_values(entity: dict) -> dict[str, list[Value]]:
    """Property id → values of the entity's statements (deprecated rank and no-value left out)."""
    result: dict[str, list[Value]] = {}
    for pid, statements in entity.get("claims", {}).items():
        for statement in statements:
            snak = statement.get("mainsnak", {})
            if statement.get("rank") == "deprecated" or snak.get("snaktype") != "value":
                continue
            value = wikidata_value(snak.get("datavalue", {}), snak.get("datatype"))
            if value is not None:
                result.setdefault(pid, []).append(value)
    return result


def entity_names(entity: dict, language: str) -> tuple[str, list[str], str]:
    """The entity's label, aliases and description in ``language`` ("" when absent)."""
    label = entity.get("labels", {}).get(language, {}).get("value", "")
    aliases = [a["value"] for a in entity.get("aliases", {}).get(language, [])]
    description = entity.get("descriptions", {}).get(language, {}).get("value", "")
    return label, aliases, description


def same_value(ours: Value, theirs: Value) -> bool:
    """Equal values; dates compared at the coarser of the two precisions."""
    if ours.kind != theirs.kind:
        return False
    if ours.kind == "time":
        length = _DATE_LENGTH[min(ours.precision, theirs.precision)]
        return ours.text[:length] == theirs.text[:length]
    if ours.kind == "quantity":
        return float(ours.text) == float(theirs.text)
    if ours.kind == "url":
        return same_site(ours.text, theirs.text)
    return (ours.text, ours.language) == (theirs.text, theirs.language)


def same_site(ours: str, theirs: str) -> bool:
    """Two URLs of the same web address: http or https, ``www.`` or not, a trailing slash or not,
    and the host's case do not matter (the article names the agency's site by its bare host name,
    Wikidata may state it with any of these)."""
    return _site(ours) == _site(theirs)


def _site(url: str) -> str:
    rest = url.strip()
    for scheme in ("https://", "http://"):
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme):]
            break
    host, slash, path = rest.partition("/")
    host = host.lower().removeprefix("www.")
    return host + (slash + path).rstrip("/")


def load_entity_file(path: Path) -> dict[str, dict]:
    """A saved ``Special:EntityData/Q….json``: id → entity."""
    if not path.is_file():
        raise DataFileNotFound(path, "no such file")
    try:
        entities = json.loads(path.read_text(encoding="utf-8"))["entities"]
    except (ValueError, KeyError, TypeError) as error:
        raise DataFileError(path, f"not Special:EntityData JSON ({error}); save it from "
                                  "https://www.wikidata.org/wiki/Special:EntityData/Q….json") from None
    return {key: entity for key, entity in entities.items() if isinstance(entity, dict)}
