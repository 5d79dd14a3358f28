"""Bulk changes to many tickets: one transaction, one UPDATE statement, one audit record and the same
domain events per ticket as a single change (written with one outbox INSERT per type)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.models import Customer, Ticket
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import audit, events
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.ids import parse_uuid
from app.services.tickets import (
    change_events,
    check_assignee,
    normalise_tags,
    resolved_at_after,
    sla_after_priority,
)
from app.services.tickets_query import TicketFilter, matching_ids
from app.services.uow import transaction

BULK_CAP = 1000
ACTIONS = {"status": "Change status", "priority": "Change priority", "assignee": "Assign",
           "add_tag": "Add tag", "remove_tag": "Remove tag"}


@dataclass(frozen=True)
class BulkResult:
    action: str
    value: str
    selected: int
    changed: int
    capped: bool

    @property
    def summary(self) -> str:
        unchanged = self.selected - self.changed
        text_ = f"{self.changed} ticket{'s' if self.changed != 1 else ''} changed"
        if unchanged:
            text_ += f", {unchanged} already as asked"
        if self.capped:
            text_ += f" (only the first {BULK_CAP:,} matching tickets; run it again for the rest)"
        return text_ + "."


def _target_ids(session: Session, ids: list[str] | None, tf: TicketFilter | None) -> tuple[list[uuid.UUID], bool]:
    if tf is not None:
        found = matching_ids(session, tf, BULK_CAP + 1)
        return found[:BULK_CAP], len(found) > BULK_CAP
    parsed = list(dict.fromkeys(u for u in (parse_uuid(i) for i in ids or []) if u))
    if not parsed:
        raise Invalid("Select at least one ticket.", {"ids": ["Nothing selected."]})
    if len(parsed) > BULK_CAP:
        raise Invalid(f"Select at most {BULK_CAP:,} tickets at once.", {"ids": ["Too many."]})
    return parsed, False


def _check(session: Session, action: str, value: str) -> Any:
    """The new value for the action (validated)."""
    if action == "status" and value in STATUSES:
        return value
    if action == "priority" and value in PRIORITIES:
        return value
    if action == "assignee":
        return None if value in ("", "none") else check_assignee(session, value)
    if action in ("add_tag", "remove_tag"):
        tags = normalise_tags([value])
        if len(tags) == 1:
            return tags[0]
        raise Invalid("Give one tag.", {"value": ["Give one tag."]})
    if action not in ACTIONS:
        raise Invalid("Choose an action.", {"action": ["Unknown action."]})
    raise Invalid(f"Choose a {action}.", {"value": [f"Choose a {action}."]})


def _new_value(action: str, new: Any, old: Any) -> Any:
    if action == "add_tag":
        return old if new in old else [*old, new]
    if action == "remove_tag":
        return [t for t in old if t != new]
    return new


def _row_values(session: Session, action: str, new: Any, row: Any, after: Any, now: Any) -> dict[str, Any]:
    """The columns one ticket's change sets, by the same rules as a single change."""
    if action == "status":
        return {"status": new, "resolved_at": resolved_at_after(row.status, new, row.resolved_at, now)}
    if action == "priority":
        return {"priority": new, **sla_after_priority(session, new, row.tier, row.created_at)}
    return {FIELD[action]: after}


def _write(session: Session, values: list[tuple[uuid.UUID, dict[str, Any]]], now: Any) -> None:
    """One UPDATE per distinct set of new values (a status change is one or two statements)."""
    groups: dict[str, tuple[dict[str, Any], list[uuid.UUID]]] = {}
    for tid, cols in values:
        groups.setdefault(repr(sorted(cols.items())), (cols, []))[1].append(tid)
    for cols, ids in groups.values():
        session.execute(update(_TABLE).where(_T.id.in_(ids))
                        .values(**cols, version=_T.version + 1, updated_at=now))


FIELD = {"status": "status", "priority": "priority", "assignee": "assignee_id", "add_tag": "tags",
         "remove_tag": "tags"}
# Core, not ORM, UPDATEs: no per-row session synchronisation for up to BULK_CAP rows. A mapped
# class's __table__ is typed as a FromClause; for Ticket it is its Table.
_TABLE = cast(Table, Ticket.__table__)
_T = _TABLE.c


def bulk_update(session: Session, actor: Actor, action: str, value: str, ids: list[str] | None = None,
                tf: TicketFilter | None = None) -> BulkResult:
    """Apply one change to the selected tickets (or to all matching `tf`, capped at BULK_CAP)."""
    actor.require("tickets:bulk")
    actor.require("tickets:assign" if action == "assignee" else "tickets:update")
    new = _check(session, action, value)
    field = FIELD[action]
    targets, capped = _target_ids(session, ids, tf)
    with transaction(session):
        rows = session.execute(
            select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Ticket.resolved_at, Ticket.created_at,
                   Ticket.version, getattr(Ticket, field).label("old"), Customer.subscription_tier.label("tier"))
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(Ticket.id.in_(targets)).order_by(Ticket.id).with_for_update(of=Ticket)
        ).all() if targets else []
        now, aid = utcnow(), str(actor.id) if actor.id else None
        items, values, changed, evts = [], [], [], []
        for row in rows:
            after = _new_value(action, new, row.old)
            if after == row.old:
                continue
            changed.append(row.id)
            before_v, after_v = _jsonable(row.old), _jsonable(after)
            items.append((row.id, {field: [before_v, after_v], "version": [row.version, row.version + 1],
                                   "bulk": True}))
            values.append((row.id, _row_values(session, action, new, row, after, now)))
            evts += [(t, row.id, d) for t, d in
                     change_events(row.number, row.title, aid, {field: before_v}, {field: after_v}, bulk=True)]
        if changed:
            _write(session, values, now)
            audit.record_many(session, actor, "ticket.updated", "ticket", items)
            for type_ in dict.fromkeys(t for t, _, _ in evts):
                events.emit_many(session, actor, type_, "ticket", [(i, d) for t, i, d in evts if t == type_])
            events.emit(session, actor, "ticket.bulk_updated", "ticket", changed[0],
                        {"ids": [str(i) for i in changed], "field": field, "value": _jsonable(new),
                         "actor_id": aid})
    return BulkResult(action, str(value), len(rows), len(changed), capped)


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return list(value) if isinstance(value, list) else value
