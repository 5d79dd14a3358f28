from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk


class Role(UUIDPk, Timestamps, Base):
    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    permissions: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default="[]")
    # Built-in roles can be edited but not deleted or renamed.
    builtin: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Members must sign in with a second factor (TOTP); they are sent to enrol first.
    requires_two_factor: Mapped[bool] = mapped_column(default=False, server_default="false")

    def __repr__(self) -> str:
        return f"<Role {self.name}>"
