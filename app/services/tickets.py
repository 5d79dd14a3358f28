"""Support tickets: create, change fields under optimistic locking, reply and note."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.auth.permissions import has_permission
from app.models import AuditRecord, Customer, Ticket, TicketComment, User
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import audit, events, mentions, sla
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, NotFound
from app.services.ids import parse_uuid
from app.services.uow import transaction

TITLE_MAX = 500
BODY_MAX = 50_000
TAG_MAX = 50
TAG_RE = re.compile(rf"^[a-z0-9][a-z0-9_-]{{0,{TAG_MAX - 1}}}$")
MAX_TAGS = 20
TEXT_FIELDS = ("title", "description")
FIELDS = ("status", "priority", "assignee_id", "tags", *TEXT_FIELDS)
DONE_STATUSES = ("solved", "closed")


def get_ticket_for(session: Session, actor: Actor, ticket_id: object, action: str = "read") -> Ticket:
    """The ticket, if the actor may see it (404 otherwise) and may do `action` on it (403 otherwise)."""
    tid = parse_uuid(ticket_id)
    ticket = session.get(Ticket, tid) if tid else None
    if ticket is None or not actor.can("tickets:read", ticket):
        raise NotFound("There is no such ticket.")
    actor.require(f"tickets:{action}", ticket)
    return ticket


def scoped_ids(actor: Actor, permission: str) -> list[uuid.UUID] | None:
    """None when the actor holds `permission` outright; else the object ids of their scoped grants."""
    if actor.can(permission):
        return None
    prefix = permission + ":"
    return [u for u in (parse_uuid(g[len(prefix):]) for g in actor.grants if g.startswith(prefix)) if u]


def normalise_tags(raw: Sequence[str] | str) -> list[str]:
    items = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    tags: list[str] = []
    for item in items:
        tag = item.strip().lower()
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise Invalid("Check the tags.", {"tags": [f"“{tag[:60]}” is not a tag: use letters, digits, - or _, up "
                                                      f"to {TAG_MAX} characters."]})
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Invalid("Too many tags.", {"tags": [f"At most {MAX_TAGS} tags."]})
    return tags


def _text(value: str | None) -> str:
    """Form text as PostgreSQL can store it (no NUL characters)."""
    return (value or "").replace("\x00", "")


def _check_description(description: str) -> str:
    description = _text(description)
    if len(description) > BODY_MAX:
        raise Invalid("Check the form.", {"description": [f"The description is limited to {BODY_MAX:,} characters."]})
    return description


def _check_title(title: str) -> str:
    title = _text(title).strip()
    if not title:
        raise Invalid("Check the form.", {"title": ["A title is required."]})
    if "\n" in title or "\r" in title:
        raise Invalid("Check the form.", {"title": ["The title must be a single line."]})
    if len(title) > TITLE_MAX:
        message = f"The title has {len(title)} characters; the limit is {TITLE_MAX}."
        raise Invalid("Check the form.", {"title": [message]})
    return title


def can_work_tickets(user: User) -> bool:
    grants = [*user.role.permissions, *user.permissions]
    return user.status == "active" and (
        has_permission(grants, "tickets:assign") or has_permission(grants, "tickets:update"))


def check_assignee(session: Session, raw: object) -> uuid.UUID | None:
    if raw in (None, ""):
        return None
    uid = parse_uuid(raw)
    user = session.get(User, uid) if uid else None
    if user is None or not can_work_tickets(user):
        raise Invalid("Check the assignee.", {"assignee_id": ["The assignee must be an active agent."]})
    return user.id


def create_ticket(session: Session, actor: Actor, customer_id: object, title: str, description: str = "",
                  priority: str = "medium", tags: Sequence[str] | str = (), assignee_id: object = None) -> Ticket:
    actor.require("tickets:create")
    errors: dict[str, list[str]] = {}
    cid = parse_uuid(customer_id)
    customer = session.get(Customer, cid) if cid else None
    if customer is None:
        errors["customer_id"] = ["Choose a customer."]
    elif not actor.can("customers:read", customer):
        errors["customer_id"] = ["Choose a customer you may work with: this one is outside your access."]
    if priority not in PRIORITIES:
        errors["priority"] = ["Choose a priority."]
    try:
        description = _check_description(description)
    except Invalid as exc:
        errors.update(exc.details)
    try:
        title = _check_title(title)
    except Invalid as exc:
        errors.update(exc.details)
    if errors or customer is None:
        raise Invalid("Check the form.", errors)
    tag_list = normalise_tags(list(tags) if not isinstance(tags, str) else tags)
    if assignee_id:
        actor.require("tickets:assign")
    assignee = check_assignee(session, assignee_id)
    now = utcnow()
    first_due, res_due = sla.due_times(session, priority, customer.subscription_tier, now)
    with transaction(session):
        ticket = Ticket(customer_id=customer.id, title=title, description=description, priority=priority,
                        tags=tag_list, assignee_id=assignee, created_at=now, updated_at=now,
                        first_response_due_at=first_due, resolution_due_at=res_due)
        session.add(ticket)
        session.flush()
        audit.record(session, actor, "ticket.created", "ticket", ticket.id,
                     {"number": ticket.number, "title": title, "priority": priority, "version": [None, 1]})
        data = {"number": ticket.number, "title": title, "customer_id": str(customer.id), "actor_id": _aid(actor)}
        events.emit(session, actor, "ticket.created", "ticket", ticket.id, data)
        if assignee:
            _emit_changes(session, actor, ticket, {"assignee_id": None}, {"assignee_id": assignee})
    return ticket


def _aid(actor: Actor) -> str | None:
    return str(actor.id) if actor.id else None


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {"status": ticket.status, "priority": ticket.priority,
            "assignee_id": str(ticket.assignee_id) if ticket.assignee_id else None, "tags": list(ticket.tags),
            "title": ticket.title, "description": ticket.description}


def _clean_changes(session: Session, actor: Actor, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in FIELDS:
            raise Invalid(f"“{key}” cannot be changed here.", {key: ["Unknown field."]})
        if key == "status" and value not in STATUSES:
            raise Invalid("Check the status.", {"status": ["Choose a status."]})
        if key == "priority" and value not in PRIORITIES:
            raise Invalid("Check the priority.", {"priority": ["Choose a priority."]})
        if key == "assignee_id":
            actor.require("tickets:assign", ticket)
            value = check_assignee(session, value)
            value = str(value) if value else None
        else:
            actor.require("tickets:update", ticket)
        if key == "tags":
            value = normalise_tags(value)
        elif key == "title":
            value = _check_title(value)
        elif key == "description":
            value = _check_description(value)
        clean[key] = value
    return clean


@dataclass(frozen=True)
class Change:
    """One change made by someone else since a given version (for the conflict message)."""

    who: str
    field: str
    before: Any
    after: Any
    at: Any


def changes_since(session: Session, ticket_id: uuid.UUID, version: int) -> list[Change]:
    recs = session.scalars(
        select(AuditRecord)
        .where(AuditRecord.target_type == "ticket", AuditRecord.target_id == str(ticket_id))
        .order_by(AuditRecord.chain_index.desc())
        .limit(30)
    ).all()
    found: list[Change] = []
    for rec in reversed(recs):
        seen = (rec.changes or {}).get("version") or [None, 0]
        if not isinstance(seen, list) or (seen[1] or 0) <= version:
            continue
        for field, pair in rec.changes.items():
            if field != "version" and isinstance(pair, list) and len(pair) == 2:
                found.append(Change(rec.actor_label, field, pair[0], pair[1], rec.occurred_at))
    return found


def _conflict(session: Session, ticket_id: uuid.UUID, version: int) -> Conflict:
    since = changes_since(session, ticket_id, version)
    if since:
        what = "; ".join(f"{c.who} changed {c.field.replace('_id', '')} from "
                         f"{_short(c.before, c.field)} to {_short(c.after, c.field)}" for c in since[-3:])
        message = f"{what} since you opened this ticket."
    else:
        message = "Someone changed this ticket since you opened it."
    return Conflict(message, {"changes": [c.__dict__ for c in since]})


def _short(value: Any, field: str) -> str:
    """A changed value as the conflict message quotes it (a description can be long)."""
    if not value:
        return "none"
    text_ = " ".join(str(value).split())
    text_ = f"{text_[:60]}…" if len(text_) > 60 else text_
    return f"“{text_}”" if field in TEXT_FIELDS else text_


def update_ticket(session: Session, actor: Actor, ticket_id: object, version: int | str | None,
                  changes: dict[str, Any]) -> Ticket:
    """Change status, priority, assignee, tags, title or description, only if nobody changed the ticket
    since `version`."""
    ticket = get_ticket_for(session, actor, ticket_id, "read")
    clean = _clean_changes(session, actor, ticket, changes)
    try:
        seen = int(version if version is not None else "")  # None, like "", is a missing version
    except (TypeError, ValueError):
        raise Invalid("The form is missing the ticket version; reload the page.", {"version": ["Missing."]}) from None
    if seen != ticket.version:
        raise _conflict(session, ticket.id, seen)
    before = _snapshot(ticket)
    after = {**before, **clean}
    if after == before:
        return ticket
    try:
        with transaction(session):
            _apply(session, ticket, before, after)
            diff = audit.diff(before, after)
            diff["version"] = [seen, seen + 1]
            audit.record(session, actor, "ticket.updated", "ticket", ticket.id, diff)
            _emit_changes(session, actor, ticket, before, after)
    except StaleDataError:
        raise _conflict(session, ticket.id, seen) from None
    return ticket


def _apply(session: Session, ticket: Ticket, before: dict[str, Any], after: dict[str, Any]) -> None:
    # Read everything first: a query after the first assignment would autoflush a second UPDATE
    # (and a second version bump).
    now, sla_cols = utcnow(), {}
    if after["priority"] != before["priority"]:
        tier = session.scalar(select(Customer.subscription_tier).where(Customer.id == ticket.customer_id))
        sla_cols = sla_after_priority(session, after["priority"], tier, ticket.created_at, ticket.paused_minutes)
    if after["status"] != before["status"]:
        sla_cols |= sla.pause_values(session, before["status"], after["status"], ticket.pending_since,
                                     sla_cols.get("resolution_due_at", ticket.resolution_due_at),
                                     ticket.paused_minutes, now)
        sla_cols["resolved_at"] = resolved_at_after(before["status"], after["status"], ticket.resolved_at, now)
    for key, value in sla_cols.items():
        setattr(ticket, key, value)
    ticket.status, ticket.priority, ticket.tags = after["status"], after["priority"], after["tags"]
    ticket.title, ticket.description = after["title"], after["description"]
    ticket.assignee_id = uuid.UUID(after["assignee_id"]) if after["assignee_id"] else None
    session.flush()


def resolved_at_after(before: str, after: str, resolved_at: datetime | None, now: datetime) -> datetime | None:
    """Resolved when the ticket first reaches solved or closed; solved → closed keeps that moment."""
    if after not in DONE_STATUSES:
        return None
    if before in DONE_STATUSES and resolved_at is not None:
        return resolved_at
    return now


def sla_after_priority(session: Session, priority: str, tier: str | None, created_at: datetime,
                       paused_minutes: int = 0) -> dict[str, Any]:
    """New SLA targets for a priority change (measured from the ticket's creation in the calendar's open
    hours, the resolution target later by the time spent pending); no breach yet."""
    first_due, res_due = sla.due_times(session, priority, tier or "free", created_at, paused_minutes)
    return {"first_response_due_at": first_due, "resolution_due_at": res_due, "sla_breached_at": None}


def change_events(number: int, title: str, actor_id: str | None, before: dict[str, Any], after: dict[str, Any],
                  bulk: bool = False) -> list[tuple[str, dict[str, Any]]]:
    """The domain events of one ticket's change (the single and the bulk path emit the same)."""
    base: dict[str, Any] = {"number": number, "title": title, "actor_id": actor_id, **({"bulk": True} if bulk else {})}
    found: list[tuple[str, dict[str, Any]]] = []
    if after.get("status", before.get("status")) != before.get("status"):
        found.append(("ticket.status_changed", {**base, "from": before["status"], "to": after["status"]}))
        if after["status"] == "solved":
            found.append(("ticket.solved", base))
    if after.get("priority", before.get("priority")) != before.get("priority"):
        found.append(("ticket.priority_changed", {**base, "from": before["priority"], "to": after["priority"]}))
    edited = [k for k in TEXT_FIELDS if k in after and after[k] != before.get(k)]
    if edited:
        found.append(("ticket.edited", {**base, "fields": edited}))
    new_assignee = after.get("assignee_id", before.get("assignee_id"))
    if new_assignee != before.get("assignee_id") and new_assignee:
        found.append(("ticket.assigned", {**base, "assignee_id": str(new_assignee)}))
    return found


def _emit_changes(session: Session, actor: Actor, ticket: Ticket, before: dict[str, Any],
                  after: dict[str, Any]) -> None:
    for type_, data in change_events(ticket.number, ticket.title, _aid(actor), before, after):
        events.emit(session, actor, type_, "ticket", ticket.id, data)


def add_comment(session: Session, actor: Actor, ticket_id: object, body: str, internal: bool) -> TicketComment:
    """A public reply (emailed to the customer) or an internal note (staff only; its @mentions are
    resolved now and notified by the event's handler)."""
    ticket = get_ticket_for(session, actor, ticket_id, "comment")
    body = _text(body).strip()
    if not body:
        raise Invalid("Write something first.", {"body": ["The message is empty."]})
    if len(body) > BODY_MAX:
        raise Invalid("The message is too long.", {"body": [f"At most {BODY_MAX:,} characters."]})
    if ticket.status == "closed" and not internal:
        raise Invalid("This ticket is closed: reopen it before replying to the customer.",
                      {"body": ["This ticket is closed: reopen it before replying to the customer."]})
    with transaction(session):
        found = mentions.find(session, body, ticket) if internal else []
        comment = TicketComment(ticket_id=ticket.id, author_id=actor.id, body=body, internal=internal,
                                mentions=found)
        session.add(comment)
        now = utcnow()
        # Not a field edit: no version bump, so nobody's open form goes stale because of a reply.
        values: dict[str, Any] = {"updated_at": now}
        if not internal and ticket.first_response_at is None:
            values["first_response_at"] = now
        session.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values)
                        .execution_options(synchronize_session=False))
        session.flush()
        kind = "note" if internal else "reply"
        audit.record(session, actor, f"ticket.{kind}_added", "ticket", ticket.id,
                     {"comment_id": str(comment.id), "internal": internal})
        events.emit(session, actor, "ticket.reply_added", "ticket", ticket.id,
                    {"number": ticket.number, "comment_id": str(comment.id), "internal": internal,
                     "actor_id": _aid(actor), "mentioned": sorted({m["id"] for m in found})})
    session.refresh(ticket)
    return comment


THEN_STATUSES = ("pending", "solved")


def reply_and_set_status(session: Session, actor: Actor, ticket_id: object, body: str, status: str) -> TicketComment:
    """A public reply and the status it leaves the ticket in, from one click: both are allowed before
    either happens, then the reply and the status change (at the version just read) follow."""
    if status not in THEN_STATUSES:
        raise Invalid("Choose pending or solved.", {"then_status": [f"One of {', '.join(THEN_STATUSES)}."]})
    ticket = get_ticket_for(session, actor, ticket_id, "comment")
    actor.require("tickets:update", ticket)
    comment = add_comment(session, actor, ticket.id, body, internal=False)
    update_ticket(session, actor, ticket.id, ticket.version, {"status": status})
    return comment
