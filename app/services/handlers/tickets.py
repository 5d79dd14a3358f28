"""Ticket events: notify and email the assignee, email the customer on public replies."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy.orm import Session

from app.models import Customer, OutboxEvent, Ticket, TicketComment, User
from app.services import mail, notifications
from app.services.events import subscribe


def _link(ticket_id: str) -> str:
    return f"/tickets/{ticket_id}"


def _notify(session: Session, evt: OutboxEvent, user: User, kind: str, message: str) -> None:
    # In-app only: these handlers send their own ticket emails.
    notifications.notify(session, user.id, kind, message, _link(evt.aggregate_id), evt.id, send_email=False)


def _assignee(session: Session, raw: str | None) -> User | None:
    return session.get(User, uuid.UUID(raw)) if raw else None


@subscribe("ticket.assigned")
def notify_assignee(session: Session, evt: OutboxEvent) -> None:
    user = _assignee(session, evt.data.get("assignee_id"))
    if user is None or user.status != "active" or str(user.id) == evt.data.get("actor_id"):
        return
    number, title = evt.data.get("number"), evt.data.get("title", "")
    _notify(session, evt, user, "ticket.assigned", f"Ticket #{number} was assigned to you: {title}")
    url = current_app.config["PUBLIC_URL"] + _link(evt.aggregate_id)
    mail.queue_email_on_commit(
        session,
        user.email,
        f"[#{number}] assigned to you",
        "ticket_assigned",
        user=user,
        number=number,
        title=title,
        url=url,
    )


@subscribe("ticket.bulk_updated")
def notify_bulk_assignee(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("field") != "assignee_id":
        return
    user = _assignee(session, evt.data.get("value"))
    if user is None or user.status != "active" or str(user.id) == evt.data.get("actor_id"):
        return
    count = len(evt.data.get("ids", []))
    _notify(session, evt, user, "ticket.assigned", f"{count} tickets were assigned to you.")


@subscribe("ticket.reply_added")
def email_customer(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("internal"):
        return  # internal notes never leave the building
    comment = session.get(TicketComment, uuid.UUID(evt.data["comment_id"]))
    ticket = session.get(Ticket, uuid.UUID(evt.aggregate_id))
    if comment is None or ticket is None:
        return
    customer = session.get(Customer, ticket.customer_id)
    mail.queue_email_on_commit(
        session,
        customer.contact_email,
        f"Re: [#{ticket.number}] {ticket.title}",
        "ticket_reply",
        customer=customer,
        ticket=ticket,
        body=comment.body,
    )


@subscribe("ticket.sla_breached")
def notify_breach(session: Session, evt: OutboxEvent) -> None:
    user = _assignee(session, evt.data.get("assignee_id"))
    if user is None or user.status != "active":
        return
    number = evt.data.get("number")
    _notify(session, evt, user, "ticket.sla_breached", f"Ticket #{number} breached its resolution target.")
    url = current_app.config["PUBLIC_URL"] + _link(evt.aggregate_id)
    mail.queue_email_on_commit(
        session, user.email, f"[#{number}] SLA breached", "ticket_sla_breached", user=user, number=number, url=url
    )
