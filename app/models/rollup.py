"""Dashboard rollups, kept exact by statement triggers (migration 0002_dashboard)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, Numeric, String, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.ticket import Ticket

# ticket_open_counts.assignee_key for tickets nobody is assigned to.
NO_ASSIGNEE = uuid.UUID(int=0)


class TicketDailyStats(Base):
    """Per UTC day and priority: tickets opened (created_at), resolved (resolved_at), resolved within SLA."""

    __tablename__ = "ticket_daily_stats"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    opened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolved_in_sla: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TicketOpenCount(Base):
    """Open (open/pending/on hold) tickets now, per priority and assignee."""

    __tablename__ = "ticket_open_counts"

    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    assignee_key: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    open_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RevenueDaily(Base):
    """Paid invoices per UTC day of payment."""

    __tablename__ = "revenue_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=0, server_default="0")
    paid_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


# An agent's own SLA on the dashboard: the tickets they resolved in a range, index-only.
Index("ix_support_tickets_assignee_resolved", Ticket.assignee_id, Ticket.resolved_at,
      postgresql_include=["resolution_due_at"], postgresql_where=text("resolved_at IS NOT NULL"))
