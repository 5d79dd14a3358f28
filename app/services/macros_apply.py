"""Applying a macro to a ticket: its reply (or note) and its field changes in one transaction and one
audit record, under the ticket's optimistic locking when it changes fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.models import Customer, Ticket, TicketComment, User
from app.models.base import utcnow
from app.services import audit, events, macros, tickets
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.uow import transaction


def _changes(macro_actions: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    changes = {k: v for k, v in macro_actions.items() if k in ("status", "priority", "assignee_id")}
    if macro_actions.get("add_tags"):
        changes["tags"] = list(dict.fromkeys([*ticket.tags, *macro_actions["add_tags"]]))
    return changes


def preview(session: Session, actor: Actor, ticket: Ticket, macro_body: str) -> str:
    customer = session.get(Customer, ticket.customer_id) if actor.can("customers:read", ticket.customer_id) else None
    agent = session.get(User, actor.id) if actor.id else None
    return macros.render_body(macro_body, macros.template_values(ticket, customer, agent))


def _add_reply(session: Session, actor: Actor, ticket: Ticket, body: str, internal: bool) -> TicketComment:
    comment = TicketComment(ticket_id=ticket.id, author_id=actor.id, body=body, internal=internal)
    session.add(comment)
    values: dict[str, Any] = {"updated_at": utcnow()}
    if not internal and ticket.first_response_at is None:
        values["first_response_at"] = values["updated_at"]
    # Like a reply: no version bump of its own (the field changes bump it once).
    session.execute(update(Ticket).where(Ticket.id == ticket.id).values(**values)
                    .execution_options(synchronize_session=False))
    session.flush()
    return comment


def apply_macro(session: Session, actor: Actor, ticket_id: object, macro_id: object,
                version: int | str | None) -> Ticket:
    """Reply with the macro's text and make its changes, all or nothing, audited as one change."""
    actor.require("macros:use")
    macro = macros.get_macro_for(session, actor, macro_id)
    ticket = tickets.get_ticket_for(session, actor, ticket_id, "read")
    clean = tickets._clean_changes(session, actor, ticket, _changes(macro.actions, ticket))
    body = preview(session, actor, ticket, macro.body).strip() if macro.body.strip() else ""
    if body:
        actor.require("tickets:comment", ticket)
        if ticket.status == "closed" and not macro.internal:
            raise Invalid("This ticket is closed: reopen it before replying to the customer.", {})
    before = tickets._snapshot(ticket)
    after = {**before, **clean}
    try:
        seen = int(version) if version not in (None, "") else ticket.version
    except (TypeError, ValueError):
        raise Invalid("The form is missing the ticket version; reload the page.", {"version": ["Missing."]}) from None
    if after != before and seen != ticket.version:
        raise tickets._conflict(session, ticket.id, seen)
    try:
        with transaction(session):
            comment = _add_reply(session, actor, ticket, body, macro.internal) if body else None
            diff = audit.diff(before, after)
            if diff:
                tickets._apply(session, ticket, before, after)
                diff["version"] = [seen, seen + 1]
            audit.record(session, actor, "ticket.macro_applied", "ticket", ticket.id,
                         {**diff, "macro": macro.name, "macro_id": str(macro.id),
                          "comment_id": str(comment.id) if comment else None,
                          "internal": macro.internal if comment else None})
            if comment is not None:
                events.emit(session, actor, "ticket.reply_added", "ticket", ticket.id,
                            {"number": ticket.number, "comment_id": str(comment.id), "internal": macro.internal,
                             "actor_id": str(actor.id) if actor.id else None})
            tickets._emit_changes(session, actor, ticket, before, after)
    except StaleDataError:
        raise tickets._conflict(session, ticket.id, seen) from None
    session.refresh(ticket)
    return ticket
