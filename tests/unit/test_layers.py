"""Arrows point one way: web, api, cli and workers → services → models; never back."""

from __future__ import annotations

import ast

from tests.unit.source import ROOT, imported_names, modules


def _violations(dirs: tuple[str, ...], forbidden: str) -> list[str]:
    """Every import of `forbidden` (or below it) in these directories, at module level or in a function."""
    found = []
    for path, tree in modules(*dirs):
        rel = str(path.relative_to(ROOT))
        for line, name in imported_names(tree):
            if name == forbidden or name.startswith(forbidden + "."):
                found.append(f"{rel}:{line} imports {name}")
    return found


def test_services_and_the_api_do_not_import_the_web_layer() -> None:
    assert _violations(("app/services", "app/api"), "app.web") == []


def test_services_do_not_import_the_api() -> None:
    assert _violations(("app/services",), "app.api") == []


def test_imports_between_the_app_and_the_workers_point_one_way() -> None:
    """workers → app only, so there is no circle: `flask worker` starts `python -m workers`, and the
    app enqueues jobs by dotted path."""
    assert _violations(("workers",), "app") != []
    assert _violations(("app",), "workers") == []


def test_the_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from workers.runner import get_app\n")
    assert [name for _, name in imported_names(tree)] == ["workers.runner.get_app"]


def test_only_the_notification_service_queues_email() -> None:
    """Preferences, dedupe and the correlation id are applied in one place."""
    found = []
    for path, tree in modules("app", "workers"):
        rel = str(path.relative_to(ROOT))
        if rel in ("app/services/notifications.py", "app/services/mail.py"):
            continue
        found += [f"{rel}:{line} {name}" for line, name in imported_names(tree)
                  if name.startswith("app.services.mail.queue_email")]
        found += [f"{rel}: mail.queue_email" for _ in range(path.read_text().count("mail.queue_email"))]
    assert found == []


def test_no_registration_hides_a_broken_import() -> None:
    """The web area and the API are registered side by side in create_app; an import that fails
    must fail the app, not be caught and leave a part of it missing."""
    found = []
    for path, tree in modules("app"):
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                caught = ast.unparse(node.type)
                if "ModuleNotFoundError" in caught or "ImportError" in caught:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} catches {caught}")
    assert found == []
