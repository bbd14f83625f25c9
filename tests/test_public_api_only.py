"""kzgraph uses other packages through their public API only: no module imports from uvicorn's
protocols, imports a ``_private`` name or module of another package, or reads a ``._private``
attribute of something imported from one. Nothing is allowlisted (the standard library is not
another package)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "kzgraph"
MODULES = sorted(SOURCE.rglob("*.py"))


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def foreign(module: str | None) -> bool:
    """Another package's: not kzgraph's, and not the standard library's (whose ``os._exit``
    and ``sys._getframe`` are documented API)."""
    if module is None:
        return False
    top = module.split(".")[0]
    return top != "kzgraph" and top not in sys.stdlib_module_names


def findings(tree: ast.AST) -> list[str]:
    """Each use of another package's internals in ``tree``, as 'line: what'."""
    found, imported = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and foreign(node.module):
            if node.module == "uvicorn.protocols" or node.module.startswith("uvicorn.protocols."):
                found.append(f"{node.lineno}: from {node.module}")
            for alias in node.names:
                if any(map(private, node.module.split("."))) or private(alias.name):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if foreign(alias.name) and any(map(private, alias.name.split("."))):
                    found.append(f"{node.lineno}: import {alias.name}")
                if foreign(alias.name):
                    imported.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr) and _root(node) in imported:
            found.append(f"{node.lineno}: {_root(node)}…{node.attr}")
    return found


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_no_module_uses_another_packages_internals(path):
    assert findings(ast.parse(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("source", [
    "from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol",
    "from rdflib.plugins.sparql.update import _fillTemplate",
    "import pyshacl._private",
    "from pyshacl import _helpers as helpers",
    "import uvicorn\nuvicorn.main._x",
    "from starlette import middleware\nmiddleware.cors._vary",
])
def test_each_kind_of_use_is_found(source):
    assert findings(ast.parse(source))


def test_kzgraphs_own_private_names_and_dunders_are_not_findings():
    source = ("from kzgraph.query.inspect import _tokens\nimport rdflib\nrdflib.__version__\n"
              "class A:\n    def f(self):\n        return self._own")
    assert findings(ast.parse(source)) == []
