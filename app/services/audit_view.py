"""The audit log as people read it: names and ticket numbers instead of ids, bookkeeping fields
hidden, and a bulk change (one request, many targets) shown as one entry listing its targets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Customer, Role, Ticket, User
from app.services.audit_log import target_url
from app.services.ids import parse_uuid

# Fields that keep the machinery honest but tell a reader nothing.
NOISE = frozenset({"version", "comment_id", "bulk", "internal"})


@dataclass
class Target:
    type: str
    id: str
    label: str
    url: str | None


@dataclass
class Entry:
    record: AuditRecord  # the first (newest) record of the entry
    targets: list[Target] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def grouped(self) -> bool:
        return len(self.targets) > 1


def _ids(records: Iterable[AuditRecord]) -> set[uuid.UUID]:
    found = set()
    for r in records:
        found.add(parse_uuid(r.target_id))
        for key, value in (r.changes or {}).items():
            if key.endswith("_id") and key not in NOISE:
                values = value if isinstance(value, list) else [value]
                found.update(parse_uuid(v) for v in values if isinstance(v, str))
    return {u for u in found if u}


def names(session: Session, records: list[AuditRecord]) -> dict[str, str]:
    """Readable labels for every id the records mention: "#1042", a person's name, a company, a role."""
    ids = _ids(records)
    if not ids:
        return {}
    labels: dict[str, str] = {}
    queries = ((Ticket.id, Ticket.number, "#{}"), (User.id, User.name, "{}"),
               (Customer.id, Customer.company_name, "{}"), (Role.id, Role.name, "role {}"))
    for key, label, pattern in queries:
        for i, v in session.execute(select(key, label).where(key.in_(ids))):
            labels[str(i)] = pattern.format(v)
    return labels


def _readable(changes: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (changes or {}).items():
        if key in NOISE:
            continue
        name = key[:-3] if key.endswith("_id") else key
        if isinstance(value, list) and key.endswith("_id"):
            value = [labels.get(v, v) if isinstance(v, str) else v for v in value]
        elif isinstance(value, str) and key.endswith("_id"):
            value = labels.get(value, value)
        out[name] = value
    return out


def _after(changes: dict[str, Any]) -> dict[str, Any]:
    """What a change set leaves behind (the "after" of every [before, after] pair)."""
    return {k: v[1] if isinstance(v, list) and len(v) == 2 else v for k, v in changes.items()}


def _target(r: AuditRecord, labels: dict[str, str]) -> Target:
    label = labels.get(r.target_id) or f"{r.target_type} {r.target_id[:24]}"
    return Target(r.target_type, r.target_id, label, target_url(r.target_type, r.target_id))


def entries(session: Session, records: list[AuditRecord]) -> list[Entry]:
    """The page's records as entries: consecutive records of one request (correlation id) with the
    same action and the same change become one entry listing every target."""
    labels = names(session, records)
    out: list[Entry] = []
    for r in records:
        changes = _readable(r.changes, labels)
        last = out[-1] if out else None
        if (last and r.correlation_id and last.record.correlation_id == r.correlation_id
                and last.record.action == r.action and last.record.target_type == r.target_type
                and _after(last.changes) == _after(changes)):
            last.targets.append(_target(r, labels))
            last.changes = _after(changes)  # the befores differ per target; the entry says what they became
            continue
        out.append(Entry(r, [_target(r, labels)], changes))
    return out
