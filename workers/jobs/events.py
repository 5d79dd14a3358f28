from __future__ import annotations

import uuid

from app.extensions import db_session
from app.services import events


def process_event(event_id: str) -> bool:
    """Run the handlers of one outbox event (idempotent per handler)."""
    return events.process(db_session(), uuid.UUID(event_id))


def process_events(event_ids: list[str]) -> int:
    """Run the handlers of a batch of outbox events (a bulk change); returns how many were processed."""
    return sum(events.process(db_session(), uuid.UUID(event_id)) for event_id in event_ids)


def relay_outbox(limit: int = 500) -> int:
    """Periodic: dispatch events that were never enqueued or are stuck."""
    return events.relay(db_session(), limit)
