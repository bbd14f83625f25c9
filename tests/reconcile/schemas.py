"""The Reconciliation Service API v0.2 JSON schemas (vendored in ``schemas/``) as validators.

References between the schemas (``type.json``) resolve among the vendored files; anything else
(the manifest's ``authentication`` points at Swagger's schema) is unresolvable rather than
fetched: no test reaches the network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

FOLDER = Path(__file__).parent / "schemas"
NAMES = ("manifest", "reconciliation-query-batch", "reconciliation-result-batch",
         "suggest-entities-response", "suggest-properties-response", "suggest-types-response",
         "data-extension-property-proposal", "data-extension-query", "data-extension-response")


def _load(name: str) -> dict:
    return json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _registry() -> Registry:
    schemas = [_load(name) for name in (*NAMES, "type")]
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7))
        for schema in schemas)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft7Validator:
    schema = _load(name)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, registry=_registry())


def errors(name: str, instance: object) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def check(name: str, instance: object) -> object:
    """``instance``, after asserting it is valid by the schema ``name``."""
    found = errors(name, instance)
    assert not found, f"not a valid {name}: {found}"
    return instance
