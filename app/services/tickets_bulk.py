"""Bulk changes to many tickets: one transaction, one UPDATE, one audit record per ticket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.models import Ticket
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import audit, events
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.ids import parse_uuid
from app.services.tickets import check_assignee, normalise_tags
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


def _set_clause(action: str, new: Any) -> dict[str, Any]:
    if action == "status":
        return {"status": new, "resolved_at": utcnow() if new in ("solved", "closed") else None}
    if action == "priority":
        return {"priority": new, "sla_breached_at": None}
    if action == "assignee":
        return {"assignee_id": new}
    fn = func.array_append if action == "add_tag" else func.array_remove
    return {"tags": fn(Ticket.tags, new)}


FIELD = {"status": "status", "priority": "priority", "assignee": "assignee_id", "add_tag": "tags",
         "remove_tag": "tags"}
RESLA = text(
    "UPDATE support_tickets t SET"
    " first_response_due_at = t.created_at + make_interval(mins => p.first_response_minutes),"
    " resolution_due_at = t.created_at + make_interval(mins => p.resolution_minutes)"
    " FROM customers c, sla_policies p WHERE t.id = ANY(:ids) AND c.id = t.customer_id"
    " AND p.tier = c.subscription_tier AND p.priority = t.priority"
)


def bulk_update(session: Session, actor: Actor, action: str, value: str, ids: list[str] | None = None,
                tf: TicketFilter | None = None) -> BulkResult:
    """Apply one change to the selected tickets (or to all matching `tf`, capped at BULK_CAP)."""
    actor.require("tickets:bulk")
    actor.require("tickets:assign" if action == "assignee" else "tickets:update")
    new = _check(session, action, value)
    field = FIELD[action]
    targets, capped = _target_ids(session, ids, tf)
    with transaction(session):
        col = getattr(Ticket, field)
        rows = session.execute(
            select(Ticket.id, col, Ticket.version).where(Ticket.id.in_(targets))
            .order_by(Ticket.id).with_for_update()
        ).all() if targets else []
        items, changed = [], []
        for tid, old, version in rows:
            after = _new_value(action, new, old)
            if after == old:
                continue
            changed.append(tid)
            before_v, after_v = _jsonable(old), _jsonable(after)
            items.append((tid, {field: [before_v, after_v], "version": [version, version + 1], "bulk": True}))
        if changed:
            session.execute(
                update(Ticket).where(Ticket.id.in_(changed))
                .values(**_set_clause(action, new), version=Ticket.version + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if action == "priority":
                session.execute(RESLA, {"ids": changed})
            audit.record_many(session, actor, "ticket.updated", "ticket", items)
            events.emit(session, actor, "ticket.bulk_updated", "ticket", changed[0],
                        {"ids": [str(i) for i in changed], "field": field, "value": _jsonable(new),
                         "actor_id": str(actor.id) if actor.id else None})
    return BulkResult(action, str(value), len(rows), len(changed), capped)


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    return list(value) if isinstance(value, list) else value
