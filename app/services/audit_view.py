"""The audit log as people read it: names and ticket numbers instead of ids, bookkeeping fields
hidden, and a bulk change (one request, many targets) shown as one entry listing its targets."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, cast, literal, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Session

from app.models import Customer, Role, Ticket, User
from app.services.audit_log import target_url
from app.services.ids import parse_uuid

# Fields that keep the machinery honest but tell a reader nothing.
NOISE = frozenset({"version", "comment_id", "bulk", "internal"})


@dataclass(frozen=True)
class Target:
    type: str
    id: str
    label: str
    url: str | None


@dataclass
class Entry:
    record: Any  # the first (newest) record of the entry: an AuditRecord or a row of its columns
    targets: list[Target] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def grouped(self) -> bool:
        return len(self.targets) > 1


def _ids(records: Iterable[Any]) -> set[uuid.UUID]:
    found: set[str] = set()
    for r in records:
        found.add(r.target_id)
        for key, value in (r.changes or {}).items():
            if key.endswith("_id") and key not in NOISE:
                values = value if isinstance(value, list) else [value]
                found.update(v for v in values if isinstance(v, str))
    return {u for u in map(parse_uuid, found) if u}  # each distinct text parsed once


LABELS = ((Ticket.id, Ticket.number, "#{}"), (User.id, User.name, "{}"),
          (Customer.id, Customer.company_name, "{}"), (Role.id, Role.name, "role {}"))
# One statement, built once (its cache key too): a branch per kind, each a primary-key lookup for an
# array of ids. An array, not an IN list: a page names ~100 ids, and 4 × 100 placeholders cost more
# to send than the lookups cost to run.
_WANTED = bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))
NAMES = union_all(*(select(key, cast(label, String), literal(kind, Integer)).where(key == any_(_WANTED))
                    for kind, (key, label, _) in enumerate(LABELS)))


def names(session: Session, records: Sequence[Any]) -> dict[str, str]:
    """Readable labels for every id the records mention: "#1042", a person's name, a company, a role."""
    ids = _ids(records)
    if not ids:
        return {}
    labels: dict[str, str] = {}
    for i, v, kind in session.execute(NAMES, {"ids": list(ids)}):
        labels[str(i)] = LABELS[kind][2].format(v)
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


def _target(r: Any, labels: dict[str, str]) -> Target:
    label = labels.get(r.target_id) or f"{r.target_type} {r.target_id[:24]}"
    return Target(r.target_type, r.target_id, label, target_url(r.target_type, r.target_id))


def entries(session: Session, records: Sequence[Any]) -> list[Entry]:
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
