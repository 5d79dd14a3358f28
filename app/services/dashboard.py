"""The numbers on the dashboard cards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Customer, Invoice, Ticket, User
from app.models.base import utcnow
from app.models.ticket import OPEN_STATUSES


@dataclass(frozen=True)
class Stats:
    total_users: int
    open_tickets: int
    revenue: Decimal
    revenue_days: int


def stats(session: Session, revenue_days: int = 30) -> Stats:
    since = utcnow() - timedelta(days=revenue_days)
    users = session.scalar(select(func.count()).select_from(User).where(User.status != "suspended")) or 0
    open_tickets = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_STATUSES)))
    revenue = session.scalar(
        select(func.coalesce(func.sum(Invoice.amount), 0)).where(Invoice.status == "paid", Invoice.paid_at >= since)
    )
    return Stats(users, open_tickets or 0, Decimal(revenue or 0), revenue_days)


def recent_tickets(session: Session, limit: int = 10) -> list[tuple[Ticket, str]]:
    rows = session.execute(
        select(Ticket, Customer.company_name)
        .join(Customer, Customer.id == Ticket.customer_id)
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    ).all()
    return [(t, company) for t, company in rows]
