"""Enqueueing background jobs by dotted path. The app never imports workers/."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Job

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# The correlation id of the request or job being served; copied into every job it enqueues.
CORRELATION_ID: ContextVar[str | None] = ContextVar("correlation_id", default=None)

_state: dict[str, Redis | None] = {"redis": None}

DEFAULT_TIMEOUT = 300
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600


def init(redis: Redis) -> None:
    _state["redis"] = redis


def connection() -> Redis:
    """The Redis client. It is synchronous, but redis-py types every reply as `Awaitable[T] | T` (one
    signature for both clients), so callers `cast` a reply to the value it is."""
    redis = _state["redis"]
    if redis is None:
        raise RuntimeError("jobs.init() has not been called")
    return redis


def queue(name: str = "default") -> Queue:
    return Queue(name, connection=connection())


def enqueue(
    func: str,
    *args: Any,
    queue_name: str = "default",
    job_id: str | None = None,
    retries: int = 3,
    timeout: int = DEFAULT_TIMEOUT,
    meta: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Job | None:
    """Put a job on a queue; None (and a warning) when Redis cannot be reached."""
    try:
        return queue(queue_name).enqueue(
            func,
            *args,
            job_id=job_id,
            job_timeout=timeout,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            retry=Retry(max=retries, interval=[10, 30, 90]) if retries else None,
            meta={"correlation_id": CORRELATION_ID.get(), **(meta or {})},
            **kwargs,
        )
    except RedisError as exc:
        log.warning("enqueue failed, job left for the relay", extra={"job": func, "error": str(exc)})
        return None


def after_commit(session: Session, fn: Callable[[], Any]) -> None:
    """Run `fn` once the session's transaction commits (never inside it); dropped on rollback."""
    session.info.setdefault("after_commit", []).append(fn)


def run_after_commit(session: Session) -> None:
    for fn in session.info.pop("after_commit", []):
        try:
            fn()
        except Exception:
            log.exception("after-commit action failed")


def discard_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)
