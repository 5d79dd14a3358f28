"""System Health %: the share of six checks that pass right now.

1. database — PostgreSQL answers `SELECT 1`;
2. redis — Redis answers PING;
3. workers — at least one RQ worker sent a heartbeat in the last 90 seconds;
4. queue backlog — fewer than 1,000 jobs wait across the queues;
5. outbox lag — no domain event has waited more than 5 minutes to be processed;
6. errors — under 1 % of the responses of the last 15 minutes were 5xx
   (counted per minute in Redis by app.observability).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.utils import utcparse
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.models.base import utcnow
from app.services import jobs

QUEUES = ("high", "default", "low")
HEARTBEAT_SECONDS = 90
BACKLOG_LIMIT = 1000
OUTBOX_LAG = timedelta(minutes=5)
ERROR_WINDOW_MINUTES = 15
ERROR_SHARE_LIMIT = 0.01


def _redis_state() -> dict[str, Any]:
    """Everything the checks need from Redis in one pipeline (two when workers are registered)."""
    redis = jobs.connection()
    pipe = redis.pipeline(transaction=False)
    pipe.ping()
    pipe.smembers(Worker.redis_workers_keys)
    for name in QUEUES:
        pipe.llen(Queue(name, connection=redis).key)
    for m in minute_keys():
        pipe.hmget(f"http:minute:{m}", ["all", "5xx"])
    res = pipe.execute()
    workers, lengths, minutes = res[1], res[2:2 + len(QUEUES)], res[2 + len(QUEUES):]
    beats = []
    if workers:
        pipe = redis.pipeline(transaction=False)
        for key in workers:
            pipe.hget(key, "last_heartbeat")
        beats = [utcparse(b.decode()) for b in pipe.execute() if b]
    now = utcnow()
    return {"alive": sum(1 for b in beats if (now - b.replace(tzinfo=UTC)).total_seconds() < HEARTBEAT_SECONDS),
            "waiting": sum(lengths), "requests": sum(int(a or 0) for a, _e in minutes),
            "errors": sum(int(e or 0) for _a, e in minutes)}


def _database(session: Session) -> datetime | None:
    """The oldest unprocessed outbox event (ix_outbox_pending); answering at all proves the database."""
    return session.scalar(select(func.min(OutboxEvent.occurred_at)).where(
        OutboxEvent.processed_at.is_(None), OutboxEvent.parked_at.is_(None)))


def _outbox(oldest: datetime | None) -> tuple[bool, str]:
    if oldest is None:
        return True, "nothing waiting"
    lag = utcnow() - oldest
    return lag < OUTBOX_LAG, f"oldest waits {int(lag.total_seconds())} s"


def _errors(requests: int, errors: int) -> tuple[bool, str]:
    if not requests:
        return True, "no requests"
    share = errors / requests
    return share < ERROR_SHARE_LIMIT, f"{errors} of {requests} responses ({100 * share:.1f} %)"


LABELS = {"database": "Database", "redis": "Redis", "workers": "Workers", "queues": "Queue backlog",
          "outbox": "Outbox lag", "errors": "5xx share, 15 min"}


def minute_keys(now: float | None = None) -> list[str]:
    minute = int((now or time.time()) // 60)
    return [str(m) for m in range(minute - ERROR_WINDOW_MINUTES + 1, minute + 1)]


def error_counts() -> tuple[int, int]:
    """(responses, 5xx responses) over the last 15 minutes, from per-minute Redis counters."""
    state = _redis_state()
    return state["requests"], state["errors"]


def _results(session: Session) -> dict[str, tuple[bool, str]]:
    results: dict[str, tuple[bool, str]] = {}
    try:
        oldest = _database(session)
        results["database"], results["outbox"] = (True, "answering"), _outbox(oldest)
    except SQLAlchemyError as exc:
        session.rollback()
        results["database"] = results["outbox"] = (False, f"error: {type(exc).__name__}")
    try:
        r = _redis_state()
        results["redis"] = (True, "answering")
        results["workers"] = (r["alive"] > 0, f"{r['alive']} alive")
        results["queues"] = (r["waiting"] < BACKLOG_LIMIT, f"{r['waiting']} jobs waiting")
        results["errors"] = _errors(r["requests"], r["errors"])
    except (RedisError, OSError) as exc:
        for key in ("redis", "workers", "queues", "errors"):
            results[key] = (False, f"error: {type(exc).__name__}")
    return results


def check(session: Session) -> dict[str, Any]:
    """Every check, then the percentage that passed; a check that cannot run counts as failed."""
    results = _results(session)
    checks = [{"key": k, "label": label, "ok": results[k][0], "detail": results[k][1]} for k, label in LABELS.items()]
    passed = sum(1 for k in LABELS if results[k][0])
    return {"percent": round(100 * passed / len(checks)), "passed": passed, "total": len(checks), "checks": checks}
