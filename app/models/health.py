"""Customer health: the stored score per customer, its history, and the tunable weights."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, Numeric, SmallInteger, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

BANDS = ("healthy", "watch", "at_risk")
BAND_LABELS = {"healthy": "Healthy", "watch": "Watch", "at_risk": "At risk"}


class CustomerHealth(Base):
    """One row per customer, made by a trigger when the customer is inserted (migration 0010), so the
    list can join it and sort on its index; `computed_at` is NULL until the first computation."""

    __tablename__ = "customer_health"
    __table_args__ = (
        # Sorting the customer list by health, and the "at risk" filter sorted by health (keyset-friendly).
        Index("ix_customer_health_score_id", "score", "customer_id"),
        Index("ix_customer_health_band_score_id", "band", "score", "customer_id"),
        # The dashboard: customers at risk, weighted by revenue.
        Index("ix_customer_health_band_mrr", "band", "mrr", "customer_id"),
    )

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[int] = mapped_column(SmallInteger, default=100, server_default="100")
    band: Mapped[str] = mapped_column(String(10), default="healthy", server_default="healthy")
    components: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    mrr: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0), server_default="0")
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CustomerHealthHistory(Base):
    """A row each time a customer's score or band changes: the points of the trend line."""

    __tablename__ = "customer_health_history"
    __table_args__ = (Index("ix_customer_health_history_customer_at", "customer_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)
    band: Mapped[str] = mapped_column(String(10))
    components: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HealthSettings(Base):
    """The single row of weights and band thresholds (id = 1), tuned on /customers/health-settings.

    Seeded by migration 0010; the defaults are app.services.health_score.Weights."""

    __tablename__ = "health_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1)
    weight_revenue: Mapped[int] = mapped_column(SmallInteger)
    weight_support: Mapped[int] = mapped_column(SmallInteger)
    weight_sla: Mapped[int] = mapped_column(SmallInteger)
    weight_satisfaction: Mapped[int] = mapped_column(SmallInteger)
    healthy_min: Mapped[int] = mapped_column(SmallInteger)
    at_risk_below: Mapped[int] = mapped_column(SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
