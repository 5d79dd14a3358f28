"""Ticket events: notify and email the assignee, email the customer on public replies."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.models import Customer, OutboxEvent, Ticket, TicketComment, User
from app.services import csat, notifications
from app.services.notifications import Email


def _link(ticket_id: str) -> str:
    return f"/tickets/{ticket_id}"


def _notify(session: Session, evt: OutboxEvent, user: User, kind: str, message: str,
            email: Email | None = None) -> None:
    """The bell and (if the user wants email for this kind) the ticket email, per their preferences."""
    notifications.notify(session, user.id, kind, message, _link(evt.aggregate_id), evt.id, email_as=email)


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
    _notify(session, evt, user, "ticket.assigned", f"Ticket #{number} was assigned to you: {title}", email)


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
    notifications.send(session, customer.contact_email, Email(
        f"Re: [#{ticket.number}] {ticket.title}", "ticket_reply",
        {"customer": customer, "ticket": ticket, "body": comment.body}))


def notify_breach(session: Session, evt: OutboxEvent) -> None:
    user = _assignee(session, evt.data.get("assignee_id"))
    if user is None or user.status != "active":
        return
    number = evt.data.get("number")
    url = notifications.public_url(_link(evt.aggregate_id))
    target = "first-response" if evt.type == "ticket.first_response_breached" else "resolution"
    email = Email(f"[#{number}] SLA breached", "ticket_sla_breached", {"user": user, "number": number, "url": url})
    _notify(session, evt, user, "ticket.sla_breached", f"Ticket #{number} breached its {target} target.", email)


def send_csat_survey(session: Session, evt: OutboxEvent) -> None:
    """On solve: the customer's email with a one-time link to rate the help they got."""
    ticket = session.get(Ticket, uuid.UUID(evt.aggregate_id))
    if ticket is None or ticket.status != "solved":
        return  # reopened (or gone) before the survey went out
    token = csat.open_survey(session, ticket.id)
    if token is None:
        return
    customer = session.get(Customer, ticket.customer_id)
    if customer is None or not customer.contact_email:
        return
    notifications.send(session, customer.contact_email, Email(
        f"How did we do? [#{ticket.number}] {ticket.title}", "csat_survey",
        {"customer": customer, "ticket": ticket, "url": notifications.public_url(f"/csat/{token}")}))
