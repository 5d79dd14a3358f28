"""The /system screen: queues, workers, failed jobs, the outbox, and the stores' health."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.models.base import utcnow
from app.services import audit, events, jobs
from app.services.actor import Actor
from app.services.errors import NotFound
from app.services.ids import parse_uuid
from app.services.uow import transaction

FAILED_SHOWN = 50
BACKLOG_CAP = 10_000


@dataclass
class QueueInfo:
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int


@dataclass
class WorkerInfo:
    name: str
    state: str
    queues: str
    last_heartbeat: datetime | None
    current_job: str | None
    alive: bool


@dataclass
class FailedJob:
    id: str
    queue: str
    func: str | None
    error: str
    ended_at: datetime | None


@dataclass
class OutboxInfo:
    backlog: int
    oldest: datetime | None
    failing: list[OutboxEvent] = field(default_factory=list)
    parked: list[OutboxEvent] = field(default_factory=list)


@dataclass
class Overview:
    database: str
    redis: str
    queues: list[QueueInfo] = field(default_factory=list)
    workers: list[WorkerInfo] = field(default_factory=list)
    failed: list[FailedJob] = field(default_factory=list)
    outbox: OutboxInfo | None = None


def overview(session: Session, actor: Actor, queue_names: list[str]) -> Overview:
    """Everything an operator checks first; a store that is down is reported, never a 500."""
    actor.require("system:manage")
    result = Overview(database=_database_status(session), redis=_redis_status())
    if result.redis.startswith("ok"):
        try:
            result.queues = [_queue_info(name) for name in queue_names]
            result.workers = _workers()
            result.failed = _failed_jobs(queue_names)
        except RedisError as exc:
            result.redis = f"error: {type(exc).__name__}"
    if result.database.startswith("ok"):
        result.outbox = _outbox(session)
    return result


def _database_status(session: Session) -> str:
    try:
        version = session.execute(text("SHOW server_version")).scalar()
        size = session.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
        return f"ok · PostgreSQL {version} · {size}"
    except SQLAlchemyError as exc:
        session.rollback()
        return f"error: {type(exc).__name__}"


def _redis_status() -> str:
    try:
        info = cast(dict[str, Any], jobs.connection().info())
        return (f"ok · Redis {info.get('redis_version')} · {info.get('used_memory_human')} · "
                f"maxmemory-policy {info.get('maxmemory_policy')} · aof {'on' if info.get('aof_enabled') else 'off'}")
    except (RedisError, OSError) as exc:
        return f"error: {type(exc).__name__}"


def _queue_info(name: str) -> QueueInfo:
    conn = jobs.connection()
    q = Queue(name, connection=conn)
    # rq leaves ScheduledJobRegistry.__init__ unannotated (its other registries are typed).
    scheduled = ScheduledJobRegistry(name, connection=conn)  # type: ignore[no-untyped-call]
    return QueueInfo(name, q.count, StartedJobRegistry(name, connection=conn).count,
                     scheduled.count, FailedJobRegistry(name, connection=conn).count)


def _workers() -> list[WorkerInfo]:
    now = utcnow()
    infos = []
    for w in Worker.all(connection=jobs.connection()):
        # An idle worker heartbeats about every worker_ttl seconds; older than that, it is gone.
        alive = w.last_heartbeat is not None and w.last_heartbeat > now - timedelta(seconds=w.worker_ttl + 60)
        infos.append(WorkerInfo(w.name, str(w.get_state()), ", ".join(w.queue_names()), w.last_heartbeat,
                                w.get_current_job_id(), alive))
    return sorted(infos, key=lambda i: i.name)


def _failed_jobs(queue_names: list[str]) -> list[FailedJob]:
    conn = jobs.connection()
    found = []
    for name in queue_names:
        ids = FailedJobRegistry(name, connection=conn).get_job_ids(0, FAILED_SHOWN - 1, desc=True)
        for job in Job.fetch_many(ids, connection=conn):
            # A job the relay sent again may have succeeded since: only what is still failed.
            if job is not None and job.is_failed:
                found.append(FailedJob(job.id, name, job.func_name, _last_line(job), job.ended_at))
    return found[:FAILED_SHOWN]


def _last_line(job: Job) -> str:
    result = job.latest_result()
    exc_info = result.exc_string if result else (job.exc_info or "")
    lines = [line for line in (exc_info or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no error recorded)"


def _outbox(session: Session) -> OutboxInfo:
    waiting = (OutboxEvent.processed_at.is_(None), OutboxEvent.parked_at.is_(None))
    pending = select(OutboxEvent.id).where(*waiting).limit(BACKLOG_CAP)
    backlog = session.scalar(select(func.count()).select_from(pending.subquery())) or 0
    oldest = session.scalar(select(func.min(OutboxEvent.occurred_at)).where(*waiting))
    failing = session.scalars(
        select(OutboxEvent).where(*waiting, OutboxEvent.last_error.is_not(None))
        .order_by(OutboxEvent.occurred_at).limit(10)
    ).all()
    parked = session.scalars(
        select(OutboxEvent).where(OutboxEvent.processed_at.is_(None), OutboxEvent.parked_at.is_not(None))
        .order_by(OutboxEvent.parked_at.desc()).limit(FAILED_SHOWN)
    ).all()
    return OutboxInfo(int(backlog), oldest, list(failing), list(parked))


def _parked(session: Session, event_id: str) -> OutboxEvent:
    key = parse_uuid(event_id)
    evt = session.get(OutboxEvent, key, with_for_update=True) if key else None
    if evt is None or evt.parked_at is None or evt.processed_at is not None:
        raise NotFound("That event is no longer parked.")
    return evt


def _find_failed(job_id: str, queue_names: list[str]) -> FailedJobRegistry:
    for name in queue_names:
        registry = FailedJobRegistry(name, connection=jobs.connection())
        if job_id in registry:
            return registry
    raise NotFound("That job is no longer in the failed list.")


def retry_job(session: Session, actor: Actor, job_id: str, queue_names: list[str]) -> None:
    """Put a failed job back on its queue (after the cause was fixed)."""
    actor.require("system:manage")
    with transaction(session):
        registry = _find_failed(job_id, queue_names)
        audit.record(session, actor, "job.retried", "job", job_id, {"queue": registry.name})
        try:
            registry.requeue(job_id)
        except NoSuchJobError as exc:
            raise NotFound("That job has expired.") from exc


def delete_job(session: Session, actor: Actor, job_id: str, queue_names: list[str]) -> None:
    actor.require("system:manage")
    with transaction(session):
        registry = _find_failed(job_id, queue_names)
        audit.record(session, actor, "job.deleted", "job", job_id, {"queue": registry.name})
        registry.remove(job_id, delete_job=True)


def relay_now(session: Session, actor: Actor) -> int:
    """The operator's "relay now": dispatch undelivered events without waiting for the schedule."""
    actor.require("system:manage")
    return events.relay(session)


def _settle_parked(session: Session, actor: Actor, event_id: str, action: str) -> OutboxEvent:
    """The parked event, locked, with the operator's decision audited (the caller's transaction)."""
    actor.require("system:manage")
    evt = _parked(session, event_id)
    audit.record(session, actor, action, "event", evt.id,
                 {"type": evt.type, "attempts": evt.attempts, "error": evt.last_error})
    return evt


def retry_event(session: Session, actor: Actor, event_id: str) -> None:
    """Give a parked event a fresh set of attempts and dispatch it now."""
    with transaction(session):
        evt = _settle_parked(session, actor, event_id, "event.retried")
        evt.parked_at, evt.attempts, evt.dispatched_at = None, 0, None
    events.dispatch(session, [evt.id])


def discard_event(session: Session, actor: Actor, event_id: str) -> None:
    """Give up on a parked event: marked processed, its error kept in the audit record."""
    with transaction(session):
        _settle_parked(session, actor, event_id, "event.discarded").processed_at = utcnow()
