from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk


class Macro(UUIDPk, Timestamps, Base):
    """A canned reply and/or field changes applied to a ticket in one step; shared, or one agent's own."""

    __tablename__ = "macros"
    __table_args__ = (Index("ix_macros_owner_name", "owner_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    # A reply (or internal note) template: plain text with {{ customer.company }}-style placeholders.
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # None: shared with everyone who may use macros; else only its owner sees it.
    owner_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("users.id"))
    # {"status": …, "priority": …, "assignee_id": …, "add_tags": [...]}: each optional.
    actions: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    @property
    def shared(self) -> bool:
        return self.owner_id is None
