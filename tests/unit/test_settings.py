"""Settings are read only through the Config dataclass: every key read exists there, with its default."""

from __future__ import annotations

import ast
from dataclasses import fields

from app.config import Config
from tests.unit.source import ROOT, modules

CONFIG_KEYS = {f.name for f in fields(Config)}
# Set by create_app or an extension, not by us: read by Flask or the extension itself.
EXTENSION_KEYS = {"RATELIMIT_STORAGE_URI"}


def _is_config(node: ast.AST) -> bool:
    """`<anything>.config`, or a local named `config`/`cfg` (an alias of it)."""
    return (isinstance(node, ast.Attribute) and node.attr == "config") or (
        isinstance(node, ast.Name) and node.id in ("config", "cfg"))


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name) \
        and node.value.id == "os"


def _reads(rel: str, tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = node.func.value, node.func.attr
            if name == "get" and _is_config(owner):
                found.append(f"{rel}:{node.lineno} config.get(...) with a default at the call site")
            if name == "get" and _is_environ(owner):
                found.append(f"{rel}:{node.lineno} os.environ.get(...)")
            if name == "getenv":
                found.append(f"{rel}:{node.lineno} getenv(...)")
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_environ(node.value):
                found.append(f"{rel}:{node.lineno} os.environ[...]")
            key = node.slice
            if _is_config(node.value) and isinstance(key, ast.Constant) and isinstance(key.value, str) \
                    and key.value not in CONFIG_KEYS | EXTENSION_KEYS:
                found.append(f"{rel}:{node.lineno} reads {key.value}, which Config does not declare")
    return found


def test_settings_are_read_through_config() -> None:
    found = []
    for path, tree in modules("app", "workers"):
        rel = str(path.relative_to(ROOT))
        if rel != "app/config.py":  # the one place that reads the environment
            found += _reads(rel, tree)
    assert found == []


def test_the_check_sees_a_call_site_default() -> None:
    tree = ast.parse('current_app.config.get("X", 1)\nos.environ.get("Y")\napp.config["NOT_A_SETTING"]\n')
    assert len(_reads("example.py", tree)) == 3
