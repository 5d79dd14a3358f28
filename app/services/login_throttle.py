"""Progressive delays per account and source address, kept in Redis.

The first FREE_ATTEMPTS failures for one (email, address) pair cost nothing; after
that each attempt must wait 1, 2, 4 … up to MAX_DELAY seconds after the previous
failure. Nobody else's failures slow a user down, so an attacker cannot use the
delay against the owner; Flask-Limiter still caps attempts per address per minute.
When Redis cannot be reached the per-pair delay is skipped (the account lock and
Flask-Limiter's in-memory fallback still apply).
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import cast

from redis.exceptions import RedisError

from app.services import jobs

log = logging.getLogger(__name__)

FREE_ATTEMPTS = 3
MAX_DELAY = 300
WINDOW = 3600


def _key(email: str, source: str | None) -> str:
    raw = f"{email.strip().lower()}|{source or '-'}"
    return "login-throttle:" + hashlib.sha256(raw.encode()).hexdigest()


def delay_after(failures: int) -> int:
    """Seconds an attempt must wait after the last failure, given the failures so far."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(1 << (failures - FREE_ATTEMPTS), MAX_DELAY)


def wait_seconds(email: str, source: str | None) -> float:
    """How long this pair must still wait before its next attempt counts (0 when it may try now)."""
    try:
        failures, last = cast(list[bytes | None], jobs.connection().hmget(_key(email, source), ["n", "last"]))
    except RedisError as exc:
        log.warning("login throttle unavailable", extra={"error": str(exc)})
        return 0.0
    if failures is None or last is None:
        return 0.0
    remaining = float(last) + delay_after(int(failures)) - time.time()
    return max(0.0, remaining)


def failed(email: str, source: str | None) -> None:
    key = _key(email, source)
    try:
        pipe = jobs.connection().pipeline()
        pipe.hincrby(key, "n", 1)
        pipe.hset(key, "last", str(time.time()))
        pipe.expire(key, WINDOW)
        pipe.execute()
    except RedisError as exc:
        log.warning("login throttle unavailable", extra={"error": str(exc)})


def clear(email: str, source: str | None) -> None:
    try:
        jobs.connection().delete(_key(email, source))
    except RedisError as exc:
        log.warning("login throttle unavailable", extra={"error": str(exc)})
