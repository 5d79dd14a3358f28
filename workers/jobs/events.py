from __future__ import annotations

import uuid

from app.extensions import db
from app.services import events


def process_event(event_id: str) -> bool:
    """Run the handlers of one outbox event (idempotent per handler)."""
    import app.services.handlers  # noqa: F401 - registers handlers

    return events.process(db.session, uuid.UUID(event_id))


def relay_outbox(limit: int = 500) -> int:
    """Periodic: dispatch events that were never enqueued or are stuck."""
    return events.relay(db.session, limit)
