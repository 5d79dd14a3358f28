"""The audit table's entries as it prints them: dates, sources and each change's before and after
rendered once in Python (the markup of components/audit.html's `changes` and `value` macros)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from app.services.audit_view import Entry, Target

DASH = Markup('<span class="text-body-secondary">—</span>')


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    pair: bool  # a [before, after] pair; else `before` is the whole value
    before: Markup
    after: Markup


@dataclass(frozen=True, slots=True)
class Line:
    chain_index: int
    when_iso: str
    when: str
    actor_label: str
    action: str
    group: str  # "3 tickets, one change" for a bulk entry, else ""
    targets: tuple[Target, ...]
    changes: tuple[Change, ...]
    ip: str
    correlation: str


def _value(v: Any, tojson: Callable[[Any], Markup]) -> Markup:
    if v is None or v == "":
        return DASH
    if isinstance(v, Mapping | list | tuple):
        return Markup("<code>") + tojson(v) + Markup("</code>")
    return escape(v)


def changes(values: Mapping[str, Any], tojson: Callable[[Any], Markup]) -> tuple[Change, ...]:
    out = []
    for name in sorted(values, key=str.lower):  # as Jinja's dictsort
        v = values[name]
        if isinstance(v, list) and len(v) == 2:
            out.append(Change(name, True, _value(v[0], tojson), _value(v[1], tojson)))
        else:
            out.append(Change(name, False, _value(v, tojson), DASH))
    return tuple(out)


def _tojson() -> Callable[[Any], Markup]:
    """The template `tojson` filter's own function and settings (Flask's JSON provider)."""
    policies = current_app.jinja_env.policies
    dumps, kwargs = policies["json.dumps_function"], policies["json.dumps_kwargs"]
    return lambda value: htmlsafe_json_dumps(value, dumps=dumps, **kwargs)


def lines(entries: list[Entry]) -> list[Line]:
    tojson = _tojson()
    out = []
    for e in entries:
        r = e.record
        group = f"{len(e.targets)} {r.target_type}s, one change" if e.grouped else ""
        correlation = r.correlation_id or ""
        out.append(Line(r.chain_index, r.occurred_at.isoformat(), r.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                        r.actor_label, r.action, group, tuple(e.targets), changes(e.changes, tojson),
                        str(r.ip) if r.ip else "", correlation))
    return out
