"""Arrows point one way: web, api, cli and workers → services → models; never back."""

from __future__ import annotations

from tests.unit.source import ROOT, imported_names, modules

# The list contract (issue: one list contract) moves ListParams into the service layer; until it
# lands these two imports of it are the only ones allowed.
PENDING = {("app/services/customers.py", "app.web.listing.ListParams"),
           ("app/api/customers.py", "app.web.listing.ListParams")}


def _violations(dirs: tuple[str, ...], forbidden: str) -> list[str]:
    found = []
    for path, tree in modules(*dirs):
        rel = str(path.relative_to(ROOT))
        for line, name in imported_names(tree):
            if (name == forbidden or name.startswith(forbidden + ".")) and (rel, name) not in PENDING:
                found.append(f"{rel}:{line} imports {name}")
    return found


def test_services_and_the_api_do_not_import_the_web_layer() -> None:
    assert _violations(("app/services", "app/api"), "app.web") == []


def test_services_do_not_import_the_api() -> None:
    assert _violations(("app/services",), "app.api") == []


def test_the_app_never_imports_workers() -> None:
    assert _violations(("app",), "workers") == []


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
