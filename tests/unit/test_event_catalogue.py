"""Every emitted event type is declared once, and every declared consumer is a registered handler."""

from __future__ import annotations

import ast
import importlib
import re

from app.services import catalogue, events, handlers
from tests.unit.source import ROOT, calls, modules

EVENT_NAME = re.compile(r"^[a-z]+\.[a-z_]+$")


def _emitted() -> set[str]:
    """Types passed to events.emit/emit_many; where the type is a variable, the event-like strings of
    the function that computes it."""
    found: set[str] = set()
    for _path, tree in modules("app"):
        for call, scope in calls(tree, "events", ("emit", "emit_many")):
            arg = call.args[2] if len(call.args) > 2 else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            else:
                found |= {n.value for n in ast.walk(scope) if isinstance(n, ast.Constant)
                          and isinstance(n.value, str) and EVENT_NAME.match(n.value)
                          and n.value.split(".")[0] in ("user", "ticket", "customer", "invoice", "role")
                          and not n.value.endswith(("_added", ".updated"))}
    # The ticket change events, built once for the single and the bulk path.
    fn = next(n for _p, t in modules("app/services") for n in ast.walk(t)
              if isinstance(n, ast.FunctionDef) and n.name == "change_events")
    found |= {n.value for n in ast.walk(fn) if isinstance(n, ast.Constant) and isinstance(n.value, str)
              and EVENT_NAME.match(n.value)}
    return found


def test_every_emitted_type_is_declared() -> None:
    emitted = _emitted()
    assert {"ticket.solved", "ticket.assigned", "user.suspended", "customer.suspended"} <= emitted
    assert sorted(emitted - set(catalogue.CATALOGUE)) == []


def test_every_declared_type_is_emitted_somewhere() -> None:
    source = "".join(p.read_text() for p, _ in modules("app") if p.name != "catalogue.py")
    unused = [name for name in catalogue.CATALOGUE if not name.startswith("test.") and f'"{name}"' not in source]
    assert unused == []


def test_every_declared_consumer_exists_and_is_registered_for_exactly_its_types() -> None:
    for spec in catalogue.CATALOGUE.values():
        for dotted in spec.consumers:
            if spec.name.startswith("test."):
                continue
            module, _, attr = dotted.rpartition(".")
            assert callable(getattr(importlib.import_module(module), attr)), dotted
    registered = {t: {events.handler_name(fn) for fn in fns} for t, fns in handlers.HANDLERS.items()}
    declared = {n: set(e.consumers) for n, e in catalogue.CATALOGUE.items()
                if e.consumers and not n.startswith("test.")}
    assert registered == declared


def test_an_event_without_consumers_must_be_published_for_integrations() -> None:
    import pytest

    with pytest.raises(ValueError, match="consumer"):
        catalogue.EventType("thing.happened", frozenset())
    assert all(e.consumers or e.published for e in catalogue.CATALOGUE.values())


def test_the_reports_types_are_the_analytics_consumers() -> None:
    tracked = {n for n, e in catalogue.CATALOGUE.items() if catalogue.H + "analytics.track" in e.consumers}
    assert set(catalogue.TRACKED) == tracked


def test_the_source_root_is_the_repository() -> None:
    assert (ROOT / "app" / "services" / "catalogue.py").exists()
