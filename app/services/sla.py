"""SLA targets: due times from the policy table, human phrases, and the breach sweep."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import SlaCalendar, SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.ticket import OPEN_STATUSES
from app.services import events
from app.services.actor import Actor
from app.services.business_hours import Calendar, add_business_minutes, business_minutes_between

SWEEP_BATCH = 1000


CALENDAR_ID = 1


def calendar(session: Session) -> Calendar | None:
    """The business calendar targets count in, or None when they run round the clock."""
    row = session.get(SlaCalendar, CALENDAR_ID)
    if row is None or not row.enabled:
        return None
    hours = {int(d): (time.fromisoformat(span[0]), time.fromisoformat(span[1])) for d, span in row.hours.items()}
    return Calendar(row.tz, hours, frozenset(date.fromisoformat(h) for h in row.holidays))


def add_minutes(start: datetime, minutes: int, cal: Calendar | None) -> datetime:
    """`minutes` of target time after `start`: open minutes of the calendar, or plain minutes without one."""
    return start + timedelta(minutes=minutes) if cal is None else add_business_minutes(start, minutes, cal)


def minutes_between(start: datetime, end: datetime, cal: Calendar | None) -> int:
    if cal is None:
        return max(int((end - start).total_seconds() // 60), 0)
    return business_minutes_between(start, end, cal)


def due_times(session: Session, priority: str, tier: str, start: datetime,
              paused_minutes: int = 0) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for a ticket opened at `start`, counted in the calendar's open
    hours; the resolution target also moves later by the minutes the ticket has spent pending."""
    policy = session.get(SlaPolicy, (priority, tier))
    if policy is None:
        return None, None
    counted = calendar(session)
    return (add_minutes(start, policy.first_response_minutes, counted),
            add_minutes(start, policy.resolution_minutes + paused_minutes, counted))


def pause_values(session: Session, before: str, after: str, pending_since: datetime | None,
                 resolution_due: datetime | None, paused_minutes: int, now: datetime) -> dict[str, Any]:
    """The columns a status change sets for the pause: entering pending starts it; leaving pending moves the
    resolution target later by the open time spent pending."""
    if after == "pending" and before != "pending":
        return {"pending_since": now}
    if before != "pending" or after == "pending":
        return {}
    if pending_since is None:
        return {"pending_since": None}
    cal = calendar(session)
    spent = minutes_between(pending_since, now, cal)
    moved = add_minutes(resolution_due, spent, cal) if resolution_due is not None and spent else resolution_due
    return {"pending_since": None, "paused_minutes": paused_minutes + spent, "resolution_due_at": moved}


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def describe(status: str, due: datetime | None, breached_at: datetime | None, now: datetime | None = None) -> str:
    """'due in 2 h', 'breached 3 h ago', 'paused while pending' or '' for a ticket that is done or has no target."""
    if status not in OPEN_STATUSES or due is None:
        return ""
    now = now or utcnow()
    if status == "pending" and breached_at is None and due <= now:
        return "paused while pending"  # the resolution clock stops; leaving pending moves the target
    if breached_at is not None or due <= now:
        return f"breached {_span(now - (breached_at or due))} ago"
    return f"due in {_span(due - now)}"


def is_breaching(status: str, due: datetime | None, now: datetime | None = None) -> bool:
    return status in OPEN_STATUSES and due is not None and due <= (now or utcnow())


def mark_breaches(session: Session, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Mark open tickets past their resolution target (not while pending: that clock is stopped), and those
    still unanswered past their first-response target, once each (conditional UPDATEs)."""
    now = now or utcnow()
    resolution = _sweep(session, now, batch, "ticket.sla_breached", Ticket.sla_breached_at,
                        Ticket.resolution_due_at <= now, Ticket.status != "pending")
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

