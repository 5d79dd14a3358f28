"""SLA targets: due times from the policy table, human phrases, and the breach sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.ticket import OPEN_STATUSES
from app.services import events
from app.services.actor import Actor

SWEEP_BATCH = 1000


def due_times(session: Session, priority: str, tier: str, start: datetime) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for a ticket opened at `start`."""
    policy = session.get(SlaPolicy, (priority, tier))
    if policy is None:
        return None, None
    return (start + timedelta(minutes=policy.first_response_minutes),
            start + timedelta(minutes=policy.resolution_minutes))


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def describe(status: str, due: datetime | None, breached_at: datetime | None, now: datetime | None = None) -> str:
    """'due in 2 h', 'breached 3 h ago' or '' for a ticket that is done or has no target."""
    if status not in OPEN_STATUSES or due is None:
        return ""
    now = now or utcnow()
    if breached_at is not None or due <= now:
        return f"breached {_span(now - (breached_at or due))} ago"
    return f"due in {_span(due - now)}"


def is_breaching(status: str, due: datetime | None, now: datetime | None = None) -> bool:
    return status in OPEN_STATUSES and due is not None and due <= (now or utcnow())


def mark_breaches(session: Session, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Mark open tickets past their resolution target, and those still unanswered past their first-response
    target, once each (conditional UPDATEs)."""
    now = now or utcnow()
    resolution = _sweep(session, now, batch, "ticket.sla_breached", Ticket.sla_breached_at,
                        Ticket.resolution_due_at <= now)
    first = _sweep(session, now, batch, "ticket.first_response_breached", Ticket.first_response_breached_at,
                   Ticket.first_response_due_at <= now, Ticket.first_response_at.is_(None))
    return resolution + first


def _sweep(session: Session, now: datetime, batch: int, event: str, mark: Any, *due: Any) -> int:
    actor = Actor.system("sla-sweep")
    total = 0
    while True:
        candidates = (
            select(Ticket.id)
            .where(Ticket.status.in_(OPEN_STATUSES), *due, mark.is_(None))
            .limit(batch)
            .scalar_subquery()
        )
        rows = session.execute(
            update(Ticket)
            .where(Ticket.id.in_(candidates), mark.is_(None))
            .values({mark.key: now})
            .returning(Ticket.id, Ticket.number, Ticket.assignee_id)
            .execution_options(synchronize_session=False)
        ).all()
        for tid, number, assignee in rows:
            events.emit(session, actor, event, "ticket", tid,
                        {"number": number, "assignee_id": str(assignee) if assignee else None})
        session.commit()
        events.flush_ready(session)
        total += len(rows)
        if len(rows) < batch:
            return total

