"""Ticket events: notify and email the assignee, email the customer on public replies, notify the
people a note @mentions."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.auth.permissions import can
from app.models import Customer, OutboxEvent, Ticket, TicketComment, User
from app.services import notifications
from app.services.notifications import Email


def _link(ticket_id: str) -> str:
    return f"/tickets/{ticket_id}"


def _notify(session: Session, evt: OutboxEvent, user: User, kind: str, message: str,
            email: Email | None = None, urgency: tuple[str, ...] = ()) -> None:
    """The bell and (if the user wants email for this kind) the ticket email, per their preferences."""
    notifications.notify(session, user.id, kind, message, _link(evt.aggregate_id), evt.id, email_as=email,
                         urgency=urgency)


def _urgency(ticket: Ticket | None) -> tuple[str, ...]:
    """What lets a notification about this ticket through quiet hours (when the user allows it)."""
    return ("urgent_priority",) if ticket is not None and ticket.priority == "urgent" else ()


def _assignee(session: Session, raw: str | None) -> User | None:
    return session.get(User, uuid.UUID(raw)) if raw else None


def notify_assignee(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("bulk"):
        return  # a bulk assignment notifies once for the batch (ticket.bulk_updated)
    user = _assignee(session, evt.data.get("assignee_id"))
    if user is None or user.status != "active" or str(user.id) == evt.data.get("actor_id"):
        return
    number, title = evt.data.get("number"), evt.data.get("title", "")
    url = notifications.public_url(_link(evt.aggregate_id))
    email = Email(f"[#{number}] assigned to you", "ticket_assigned",
                  {"user": user, "number": number, "title": title, "url": url})
    _notify(session, evt, user, "ticket.assigned", f"Ticket #{number} was assigned to you: {title}", email,
            _urgency(session.get(Ticket, uuid.UUID(evt.aggregate_id))))


def notify_bulk_assignee(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("field") != "assignee_id":
        return
    user = _assignee(session, evt.data.get("value"))
    if user is None or user.status != "active" or str(user.id) == evt.data.get("actor_id"):
        return
    count = len(evt.data.get("ids", []))
    _notify(session, evt, user, "ticket.assigned", f"{count} tickets were assigned to you.")


def email_customer(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("internal"):
        return  # internal notes never leave the building
    comment = session.get(TicketComment, uuid.UUID(evt.data["comment_id"]))
    ticket = session.get(Ticket, uuid.UUID(evt.aggregate_id))
    if comment is None or ticket is None:
        return
    customer = session.get(Customer, ticket.customer_id)
    if customer is None:
        return
    notifications.send(session, customer.contact_email, Email(
        f"Re: [#{ticket.number}] {ticket.title}", "ticket_reply",
        {"customer": customer, "ticket": ticket, "body": comment.body}))


def notify_breach(session: Session, evt: OutboxEvent) -> None:
    user = _assignee(session, evt.data.get("assignee_id"))
    if user is None or user.status != "active":
        return
    number = evt.data.get("number")
    url = notifications.public_url(_link(evt.aggregate_id))
    email = Email(f"[#{number}] SLA breached", "ticket_sla_breached", {"user": user, "number": number, "url": url})
    _notify(session, evt, user, "ticket.sla_breached", f"Ticket #{number} breached its resolution target.", email,
            ("sla_breach",))


def notify_mentions(session: Session, evt: OutboxEvent) -> None:
    """Each person an internal note @mentions, if they may still open the ticket (access is checked
    again: it may have changed since the note was written). Mentioning yourself notifies nobody."""
    ticket = session.get(Ticket, uuid.UUID(evt.aggregate_id))
    if not evt.data.get("internal") or ticket is None:
        return
    author = _assignee(session, evt.data.get("actor_id"))
    who = author.name if author is not None else "Someone"
    for raw in evt.data.get("mentioned", []):
        user = _assignee(session, raw)
        if user is None or user.status != "active" or user is author or not can(user, "tickets:read", ticket):
            continue
        _notify(session, evt, user, "ticket.mentioned",
                f"{who} mentioned you in a note on #{ticket.number} {ticket.title}", None,
                ("mention", *_urgency(ticket)))


_UPDATES = {"ticket.status_changed": "status", "ticket.priority_changed": "priority"}


def notify_update(session: Session, evt: OutboxEvent) -> None:
    """The assignee hears about changes and notes others make on their ticket; ten within a few
    minutes are one notification ("10 updates to #123 …"). Bulk changes and the assignee's own are
    not news to them; a note that @mentions them already notified them."""
    ticket = session.get(Ticket, uuid.UUID(evt.aggregate_id))
    if evt.data.get("bulk") or ticket is None or ticket.assignee_id is None:
        return
    user = session.get(User, ticket.assignee_id)
    if user is None or user.status != "active" or str(user.id) == evt.data.get("actor_id"):
        return
    if str(user.id) in evt.data.get("mentioned", []):
        return
    field = _UPDATES.get(evt.type)
    if field:
        message = f"#{ticket.number} {field}: {evt.data.get('from')} → {evt.data.get('to')}"
    else:
        message = f"New {'internal note' if evt.data.get('internal') else 'reply'} on #{ticket.number}"
    notifications.notify(session, user.id, "ticket.updated", f"{message} ({ticket.title})", _link(evt.aggregate_id),
                         evt.id, group=(f"ticket:{ticket.id}", f"#{ticket.number} {ticket.title}"),
                         urgency=_urgency(ticket))
