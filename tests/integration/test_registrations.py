"""The registrations a new area touches agree with each other (see CONTRIBUTING.md)."""

from __future__ import annotations

import ast

from flask import Flask

from app.auth.permissions import CATALOG
from app.models.base import Base
from app.services.audit_log import TARGET_URLS
from tests.conftest import KEPT, TRUNCATE
from tests.unit.source import calls, modules

OPEN_LABELS = ("public", "authenticated")


def test_every_blueprint_route_permission_is_in_the_permission_catalogue(app: Flask) -> None:
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        perm = app.view_functions[rule.endpoint].required_permission
        if perm in OPEN_LABELS:
            continue
        area, action = perm.split(":")[:2]
        if action not in CATALOG.get(area, ()):
            missing.append(f"{rule.blueprint or '-'} {rule.endpoint}: {perm}")
    assert missing == []


def test_every_audit_target_type_has_a_url_entry() -> None:
    used: set[str] = set()
    for _path, tree in modules("app"):
        for call, _scope in calls(tree, "audit", ("record", "record_many")):
            args = call.args
            if len(args) > 3 and isinstance(args[3], ast.Constant):
                used.add(args[3].value)
            for kw in call.keywords:
                if kw.arg == "target_type" and isinstance(kw.value, ast.Constant):
                    used.add(kw.value.value)
    assert {"user", "ticket", "customer"} <= used
    assert sorted(used - set(TARGET_URLS)) == []


def test_every_table_is_truncated_after_committed_tests_or_kept_on_purpose() -> None:
    listed = {t.strip() for t in TRUNCATE.split(",")} | set(KEPT)
    assert sorted(set(Base.metadata.tables) - listed - {f"audit.{t}" for t in KEPT}) == []
    assert sorted(t for t in Base.metadata.tables if t.split(".")[-1] not in listed) == []
