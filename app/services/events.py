"""Domain events through a transactional outbox.

A service calls emit() inside its transaction; the row commits or rolls back
with the change. After commit the new events are enqueued to RQ; if Redis is
down they stay undelivered and the relay enqueues them later. Each handler's
effect is recorded in event_deliveries, so a redelivered event is a no-op for
every handler that already ran.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.models import EventDelivery, OutboxEvent
from app.models.base import utcnow
from app.services import catalogue, jobs
from app.services.actor import Actor

log = logging.getLogger(__name__)

Handler = Callable[[Session, OutboxEvent], None]
_handlers: dict[str, list[tuple[str, Handler]]] = {}
PROCESS_JOB = "workers.jobs.events.process_event"
PROCESS_MANY_JOB = "workers.jobs.events.process_events"
BATCH = 100
# Longer than a job's timeout (jobs.DEFAULT_TIMEOUT), so a slow but live job is not sent twice.
REDELIVER_AFTER = timedelta(minutes=6)
MAX_ATTEMPTS = 10


def handler_name(fn: Handler) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register(event_type: str, fn: Handler) -> None:
    """Register a handler the catalogue declares as a consumer of the type (idempotent)."""
    name = handler_name(fn)
    if name not in catalogue.get(event_type).consumers:
        raise ValueError(f"{name} is not a declared consumer of {event_type} (see app/services/catalogue.py)")
    entries = _handlers.setdefault(event_type, [])
    if all(existing != name for existing, _ in entries):
        entries.append((name, fn))


def handlers_for(event_type: str) -> list[tuple[str, Handler]]:
    return list(_handlers.get(event_type, []))


def missing_handlers(event_type: str) -> list[str]:
    """Declared consumers of the type that nobody registered."""
    registered = {name for name, _ in _handlers.get(event_type, [])}
    return [c for c in catalogue.get(event_type).consumers if c not in registered]


def emit(
    session: Session,
    actor: Actor,
    type: str,
    aggregate_type: str,
    aggregate_id: object,
    data: dict[str, Any] | None = None,
    version: int = 1,
) -> OutboxEvent:
    _check(type, data)
    evt = OutboxEvent(
        id=uuid.uuid4(),
        type=type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        data=data or {},
        version=version,
        occurred_at=utcnow(),
        correlation_id=actor.correlation_id,
    )
    session.add(evt)
    session.info.setdefault("outbox_pending", []).append(evt.id)
    return evt


def emit_many(
    session: Session, actor: Actor, type: str, aggregate_type: str, items: list[tuple[object, dict[str, Any]]]
) -> list[uuid.UUID]:
    """One event per (aggregate id, data), written with one INSERT (bulk changes)."""
    if not items:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for aggregate_id, data in items:
        _check(type, data)
        rows.append({"id": uuid.uuid4(), "type": type, "aggregate_type": aggregate_type,
                     "aggregate_id": str(aggregate_id), "data": data, "version": 1, "occurred_at": now,
                     "correlation_id": actor.correlation_id, "attempts": 0})
    session.execute(insert(OutboxEvent), rows)
    ids = [r["id"] for r in rows]
    session.info.setdefault("outbox_pending", []).extend(ids)
    return ids


def _check(type: str, data: dict[str, Any] | None) -> None:
    extra = set(data or {}) - catalogue.get(type).payload
    if extra:
        raise ValueError(f"{type}: payload keys {sorted(extra)} are not declared in the catalogue")


def dispatch(session: Session, event_ids: list[uuid.UUID]) -> int:
    """Enqueue events (carrying the correlation id) and mark them dispatched. One event is one job
    (job id = event id); a batch (a bulk change) goes in jobs of BATCH events each."""
    correlation = dict(
        session.execute(select(OutboxEvent.id, OutboxEvent.correlation_id).where(OutboxEvent.id.in_(event_ids)))
        .tuples().all()
    )
    sent: list[uuid.UUID] = []
    chunks = [event_ids] if len(event_ids) == 1 else [event_ids[i:i + BATCH] for i in range(0, len(event_ids), BATCH)]
    for chunk in chunks:
        meta = {"correlation_id": correlation.get(chunk[0])}
        if len(chunk) == 1:
            job = jobs.enqueue(PROCESS_JOB, str(chunk[0]), job_id=f"event-{chunk[0]}", queue_name="default", meta=meta)
        else:
            job = jobs.enqueue(PROCESS_MANY_JOB, [str(i) for i in chunk], job_id=f"events-{chunk[0]}",
                               queue_name="default", meta=meta)
        if job is None:
            break  # Redis is down: the relay will pick up the rest.
        sent.extend(chunk)
    if sent:
        session.execute(
            update(OutboxEvent).where(OutboxEvent.id.in_(sent)).values(dispatched_at=utcnow())
        )
        session.commit()
    else:
        session.rollback()  # release the relay's row locks
    return len(sent)


def relay(session: Session, limit: int = 500, stale_after: timedelta = REDELIVER_AFTER) -> int:
    """Re-dispatch events never enqueued, or enqueued long ago and still unprocessed (a lost or
    killed job). Events that failed MAX_ATTEMPTS times stay put with their error for an operator."""
    stale = utcnow() - stale_after
    ids = session.scalars(
        select(OutboxEvent.id)
        .where(OutboxEvent.processed_at.is_(None), OutboxEvent.parked_at.is_(None))
        .where(OutboxEvent.attempts < MAX_ATTEMPTS)
        .where((OutboxEvent.dispatched_at.is_(None)) | (OutboxEvent.dispatched_at < stale))
        .order_by(OutboxEvent.occurred_at)
        .limit(limit)
        .with_for_update(skip_locked=True)  # two relays at once split the rows, not double them
    ).all()
    if not ids:
        session.rollback()
        return 0
    return dispatch(session, list(ids))


def process(session: Session, event_id: uuid.UUID) -> bool:
    """Run every handler of one event that has not run yet. Raises when a handler fails."""
    evt = session.get(OutboxEvent, event_id)
    if evt is None or evt.processed_at is not None:
        return False
    missing = missing_handlers(evt.type)
    if missing:
        # Never mark an event done when the handlers that should act on it are not registered.
        raise RuntimeError(f"{evt.type}: declared consumers not registered: {', '.join(missing)}")
    for name, handler in handlers_for(evt.type):
        if session.get(EventDelivery, (evt.id, name)) is not None:
            continue
        try:
            # The handler's effect and its delivery row commit together: effectively once.
            handler(session, evt)
            session.add(EventDelivery(event_id=evt.id, handler=name))
            session.commit()
        except IntegrityError:
            _rollback(session)  # another worker finished this handler first
        except Exception as exc:
            _rollback(session)
            log.warning("event handler failed", extra={"event_id": str(event_id), "handler": name,
                                                        "error": repr(exc)[:500]})
            attempts = session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id == event_id)
                .values(attempts=OutboxEvent.attempts + 1, last_error=f"{name}: {exc!r}"[:2000])
                .returning(OutboxEvent.attempts)
            ).scalar_one()
            if attempts >= MAX_ATTEMPTS:
                # Parked: the relay leaves it alone; an operator retries or discards it on /system.
                session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id).values(parked_at=utcnow()))
                log.error("event parked after its last attempt", extra={"event_id": str(event_id),
                                                                       "attempts": attempts})
            session.commit()
            raise
        else:
            jobs.run_after_commit(session)
            flush_ready(session)  # events the handler emitted
        current = session.get(OutboxEvent, event_id)
        if current is None:
            return False  # discarded on /system while its handlers ran
        evt = current
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id == event_id)
        .values(processed_at=utcnow(), attempts=OutboxEvent.attempts + 1, last_error=None)
    )
    session.commit()
    return True


def _rollback(session: Session) -> None:
    """Roll back a handler's work, with what it meant to do after commit."""
    session.rollback()
    jobs.discard_after_commit(session)
    session.info.pop("outbox_pending", None)


def flush_ready(session: Session) -> int:
    """Dispatch the events that the transaction just committed emitted."""
    ready = session.info.pop("outbox_pending", None)
    if not ready:
        return 0
    try:
        return dispatch(session, ready)
    except Exception:
        log.exception("dispatch after commit failed; the relay will retry")
        session.rollback()
        return 0
