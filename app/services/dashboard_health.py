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
from collections.abc import Callable
from datetime import timedelta

from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import func, select, text
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


def _database(session: Session) -> tuple[bool, str]:
    session.execute(text("SELECT 1"))
    return True, "answering"


def _redis(session: Session) -> tuple[bool, str]:
    jobs.connection().ping()
    return True, "answering"


def _workers(session: Session) -> tuple[bool, str]:
    now = time.time()
    alive = [w for w in Worker.all(connection=jobs.connection())
             if w.last_heartbeat and now - w.last_heartbeat.timestamp() < HEARTBEAT_SECONDS]
    return bool(alive), f"{len(alive)} alive"


def _backlog(session: Session) -> tuple[bool, str]:
    pipe = jobs.connection().pipeline(transaction=False)
    for name in QUEUES:
        pipe.llen(Queue(name, connection=jobs.connection()).key)
    waiting = sum(pipe.execute())
    return waiting < BACKLOG_LIMIT, f"{waiting} jobs waiting"


def _outbox(session: Session) -> tuple[bool, str]:
    oldest = session.scalar(select(func.min(OutboxEvent.occurred_at)).where(OutboxEvent.processed_at.is_(None)))
    if oldest is None:
        return True, "nothing waiting"
    lag = utcnow() - oldest
    return lag < OUTBOX_LAG, f"oldest waits {int(lag.total_seconds())} s"


def _errors(session: Session) -> tuple[bool, str]:
    total, errors = error_counts()
    if not total:
        return True, "no requests"
    share = errors / total
    return share < ERROR_SHARE_LIMIT, f"{errors} of {total} responses ({100 * share:.1f} %)"


CHECKS: tuple[tuple[str, str, Callable[[Session], tuple[bool, str]]], ...] = (
    ("database", "Database", _database),
    ("redis", "Redis", _redis),
    ("workers", "Workers", _workers),
    ("queues", "Queue backlog", _backlog),
    ("outbox", "Outbox lag", _outbox),
    ("errors", "5xx share, 15 min", _errors),
)


def minute_keys(now: float | None = None) -> list[str]:
    minute = int((now or time.time()) // 60)
    return [str(m) for m in range(minute - ERROR_WINDOW_MINUTES + 1, minute + 1)]


def error_counts() -> tuple[int, int]:
    """(responses, 5xx responses) over the last 15 minutes, from per-minute Redis counters."""
    pipe = jobs.connection().pipeline()
    for m in minute_keys():
        pipe.hmget(f"http:minute:{m}", "all", "5xx")
    rows = pipe.execute()
    return sum(int(a or 0) for a, _e in rows), sum(int(e or 0) for _a, e in rows)


def check(session: Session) -> dict:
    """Every check, then the percentage that passed; a check that raises counts as failed."""
    results = []
    for key, label, fn in CHECKS:
        try:
            ok, detail = fn(session)
        except (SQLAlchemyError, RedisError, OSError) as exc:
            if isinstance(exc, SQLAlchemyError):
                session.rollback()
            ok, detail = False, f"error: {type(exc).__name__}"
        results.append({"key": key, "label": label, "ok": ok, "detail": detail})
    passed = sum(r["ok"] for r in results)
    return {"percent": round(100 * passed / len(results)), "passed": passed, "total": len(results),
            "checks": results}
