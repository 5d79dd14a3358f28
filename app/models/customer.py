from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, FetchedValue, ForeignKey, Index, Integer, Numeric, String, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps, UUIDPk
from app.models.health import CustomerHealth

TIERS = ("free", "starter", "professional", "enterprise")
CUSTOMER_STATUSES = ("active", "suspended", "churned")
INVOICE_STATUSES = ("draft", "open", "paid", "void")


class Customer(UUIDPk, Timestamps, Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_updated_at_id", "updated_at", "id"),
        Index("ix_customers_company_lower_id", text("lower(company_name)"), "id"),
        Index("ix_customers_contact_email_lower_id", text("lower(contact_email)"), "id"),
        Index("ix_customers_subscription_tier_id", "subscription_tier", "id"),
        Index("ix_customers_status_id", "status", "id"),
        Index("ix_customers_tier_status", "subscription_tier", "status"),
    )

    company_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    subscription_tier: Mapped[str] = mapped_column(String(20), default="free", server_default="free")
    status: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict, server_default="{}")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Written by app.services.health only (a row per customer from the insert trigger of migration 0010).
    health: Mapped[CustomerHealth] = relationship(viewonly=True, uselist=False)
    # Weighted simple tsvector, a generated column (migration 0012_search_everywhere).
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR, server_default=FetchedValue(), server_onupdate=FetchedValue(), deferred=True
    )

    __mapper_args__ = {"version_id_col": version}


class Invoice(UUIDPk, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_customer_id_issued_at", "customer_id", "issued_at"),
        Index("ix_invoices_paid_at", "paid_at", postgresql_where="status = 'paid'"),
    )

    number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("customers.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    # Monthly invoices make up recurring revenue; one-off invoices do not.
    recurring: Mapped[bool] = mapped_column(default=True, server_default="true")
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
