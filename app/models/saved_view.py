from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk


class SavedView(UUIDPk, Timestamps, Base):
    """A named ticket list (filters, search and sort as a query string), personal or shared with a role."""

    __tablename__ = "saved_views"
    __table_args__ = (Index("ix_saved_views_owner_position", "owner_id", "position"),
                      Index("ix_saved_views_role_position", "role_name", "position"))

    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    # Shared with everyone of this role (besides its owner); None: personal.
    role_name: Mapped[str | None] = mapped_column(String(50), ForeignKey("roles.name", ondelete="SET NULL",
                                                                         onupdate="CASCADE"))
    query: Mapped[str] = mapped_column(String(2000))
    position: Mapped[int] = mapped_column(Integer, default=0)
