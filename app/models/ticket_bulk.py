from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPk, utcnow

BULK_STATES = ("queued", "running", "done", "failed")


class TicketBulkRun(UUIDPk, Base):
    """One bulk change: what was asked, a result per ticket (with the values before, for undo) and progress."""

    __tablename__ = "ticket_bulk_runs"
    __table_args__ = (Index("ix_ticket_bulk_runs_actor_created", "actor_id", "created_at"),)

    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    value: Mapped[Any] = mapped_column(JSONB)
    # Tickets changed since this moment (by someone else) are refused, not overwritten.
    loaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    versions: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    ticket_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    # [{id, number, outcome: changed|unchanged|refused, reason, before, version}]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undo_results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
