"""Reading our own source with ast, for the tests that check the code's structure."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules(*dirs: str) -> Iterator[tuple[Path, ast.Module]]:
    for d in dirs:
        for path in sorted((ROOT / d).rglob("*.py")):
            yield path, ast.parse(path.read_text(), str(path))


def imported_names(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of every import, names from `from x import y` as x.y."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def calls(tree: ast.Module, owner: str, names: tuple[str, ...]) -> Iterator[tuple[ast.Call, ast.AST]]:
    """`owner.name(...)` calls, each with its enclosing function (or the module)."""
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(scope):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in names
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == owner):
                yield node, scope
