"""Analytics events: a row per tracked domain event (the seed's analytics service)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.models import AnalyticsEvent, OutboxEvent


def track(session: Session, evt: OutboxEvent) -> None:
    actor = evt.data.get("actor_id")
    session.add(
        AnalyticsEvent(
            type=evt.type,
            occurred_at=evt.occurred_at,
            user_id=uuid.UUID(actor) if actor else None,
            data=evt.data,
            event_id=evt.id,
        )
    )

