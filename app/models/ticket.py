from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPk, utcnow
from app.models.customer import Customer
from app.models.user import User

PRIORITIES = ("low", "medium", "high", "urgent")
STATUSES = ("open", "pending", "on_hold", "solved", "closed")
OPEN_STATUSES = ("open", "pending", "on_hold")
PRIORITY_RANK = "(CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END)"
STATUS_RANK = ("(CASE status WHEN 'open' THEN 1 WHEN 'pending' THEN 2 WHEN 'on_hold' THEN 3 "
               "WHEN 'solved' THEN 4 ELSE 5 END)")


class Ticket(UUIDPk, Timestamps, Base):
    __tablename__ = "support_tickets"
    __table_args__ = (
        Index("ix_support_tickets_updated_at_id", "updated_at", "id"),
        # Ending in id (migration 0002_tickets): list pages order by (updated_at, id).
        Index("ix_support_tickets_status_priority_updated", "status", "priority", "updated_at", "id"),
        Index("ix_support_tickets_assignee_status_updated", "assignee_id", "status", "updated_at", "id"),
        Index("ix_support_tickets_customer_id_updated", "customer_id", "updated_at", "id"),
        # Sorting by priority / status / SLA (see tickets_query.RANKS and migration 0002_tickets).
        Index("ix_support_tickets_priority_rank", text(PRIORITY_RANK), "updated_at", "id"),
        Index("ix_support_tickets_status_rank", text(STATUS_RANK), "updated_at", "id"),
        Index("ix_support_tickets_resolution_due_at_id", "resolution_due_at", "id"),
        Index("ix_support_tickets_created_at", "created_at", "id"),
        Index("ix_support_tickets_tags", "tags", postgresql_using="gin"),
        Index("ix_support_tickets_search", "search_vector", postgresql_using="gin"),
        Index("ix_support_tickets_search_pairs", "search_pairs", postgresql_using="gin"),
        Index(
            "ix_support_tickets_resolution_due_open",
            "resolution_due_at",
            postgresql_where="status IN ('open', 'pending', 'on_hold')",
        ),
        # An agent's queue in SLA order and their recent tickets (migration 0016_agent_queue).
        Index("ix_support_tickets_queue", "assignee_id", "resolution_due_at", "id",
              postgresql_where="status IN ('open', 'pending', 'on_hold')"),
        Index("ix_support_tickets_assignee_created", "assignee_id", "created_at", "id"),
    )

    number: Mapped[int] = mapped_column(BigInteger, Identity(start=1000), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    priority: Mapped[str] = mapped_column(String(10), default="medium", server_default="medium")
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)), default=list, server_default="{}")
    first_response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Times the ticket went from solved/closed back to an open status (a trigger counts them, migration 0010).
    reopened_count: Mapped[int] = mapped_column(Integer, server_default="0", server_onupdate=FetchedValue())
    # Set once when the first public reply came later than first_response_due_at (or not yet, when due).
    first_response_breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # While pending (waiting on the customer) the resolution clock stops: since when, and the open
    # minutes of the calendar spent pending so far (added to the target when it is recomputed).
    pending_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Set when this ticket was merged into another: its conversation lives there, its page redirects there.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("support_tickets.id"))
    # english to_tsvector(title || ' ' || description), kept by a database trigger (migration 0005).
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, server_default=FetchedValue(), server_onupdate=FetchedValue(), deferred=True
    )
    # hashtext of every two neighbouring lexemes of search_vector, kept by the same trigger (migration
    # 0018): what a phrase search finds its candidates by (app/search/pairs.py).
    search_pairs: Mapped[list[int] | None] = mapped_column(
        ARRAY(Integer), server_default=FetchedValue(), server_onupdate=FetchedValue(), deferred=True
    )

    customer: Mapped[Customer] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}


class TicketComment(UUIDPk, Base):
    __tablename__ = "ticket_comments"
    __table_args__ = (Index("ix_ticket_comments_ticket_id_created_at", "ticket_id", "created_at"),)

    ticket_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("support_tickets.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    # Internal notes are for staff only; public replies go to the customer.
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The @mentions of an internal note, resolved when it was written: [{"id", "name", "start", "end"}].
    mentions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list, server_default="[]")

    author: Mapped[User | None] = relationship(lazy="raise")


class SlaPolicy(Base):
    """Targets in minutes, by priority and customer tier."""

    __tablename__ = "sla_policies"

    priority: Mapped[str] = mapped_column(String(10), primary_key=True)
    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class SlaCalendar(Base):
    """The one business calendar SLA targets count in (row id 1); no row, or disabled, = round the clock."""

    __tablename__ = "sla_calendar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    tz: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # weekday ("0" = Monday) -> ["09:00", "17:00"]; a missing weekday is closed
    hours: Mapped[dict[str, list[str]]] = mapped_column(JSONB, default=dict, server_default="{}")
    holidays: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")  # ISO dates
