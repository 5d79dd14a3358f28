"""Ids from the outside world: a malformed one is simply "not found", never a 500."""

from __future__ import annotations

import uuid
from typing import TypeVar

from sqlalchemy.orm import Session

from app.services.errors import NotFound

T = TypeVar("T")


def parse_uuid(raw: object) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except (ValueError, TypeError, AttributeError):
        return None


def get_or_404(session: Session, model: type[T], raw_id: object, message: str) -> T:
    """The row with this id, or NotFound(message) for an unknown or malformed id."""
    key = parse_uuid(raw_id)
    row = session.get(model, key) if key else None
    if row is None:
        raise NotFound(message)
    return row
