"""Customer health: each ticket, invoice or customer event recomputes only the customer it touches."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEvent, Ticket
from app.services import health


def recompute_for_customer(session: Session, evt: OutboxEvent) -> None:
    health.recompute_customer(session, uuid.UUID(evt.aggregate_id))


def recompute_for_invoice(session: Session, evt: OutboxEvent) -> None:
    health.recompute_customer(session, uuid.UUID(evt.data["customer_id"]))


def recompute_for_ticket(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("bulk"):
        return  # a bulk change recomputes each customer once, on ticket.bulk_updated
    raw = evt.data.get("customer_id")
    customer_id = uuid.UUID(raw) if raw else session.scalar(
        select(Ticket.customer_id).where(Ticket.id == uuid.UUID(evt.aggregate_id)))
    if customer_id is not None:
        health.recompute_customer(session, customer_id)


def recompute_for_bulk(session: Session, evt: OutboxEvent) -> None:
    if evt.data.get("field") not in ("status", "priority"):
        return  # assignees and tags do not change anyone's health
    ids = [uuid.UUID(i) for i in evt.data.get("ids", [])]
    health.recompute_many(session, session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(ids))))
