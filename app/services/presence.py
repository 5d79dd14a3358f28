"""Who else is viewing a ticket: a short-lived Redis key per viewer, refreshed by the page's poll."""

from __future__ import annotations

from typing import cast

from redis import Redis
from redis.exceptions import RedisError

TTL = 25  # seconds; the page polls every 10


def _index(ticket_id: object) -> str:
    return f"presence:ticket:{ticket_id}"


def touch(redis: Redis, ticket_id: object, user_id: object, name: str) -> None:
    """Mark `user_id` as viewing (SETEX per viewer, plus a set of viewer ids per ticket)."""
    try:
        pipe = redis.pipeline()
        pipe.setex(f"{_index(ticket_id)}:{user_id}", TTL, name)
        pipe.sadd(_index(ticket_id), str(user_id))
        pipe.expire(_index(ticket_id), TTL * 4)
        pipe.execute()
    except RedisError:
        pass  # presence is a courtesy; never fail the page for it


def viewers(redis: Redis, ticket_id: object, exclude: object = None) -> list[str]:
    """Names of the others viewing now; expired viewers are dropped from the set."""
    try:
        ids = sorted(i.decode() for i in cast(set[bytes], redis.smembers(_index(ticket_id))))
        ids = [i for i in ids if i != str(exclude)]
        if not ids:
            return []
        names = cast(list[bytes | None], redis.mget([f"{_index(ticket_id)}:{i}" for i in ids]))
        gone = [i for i, n in zip(ids, names, strict=True) if n is None]
        if gone:
            redis.srem(_index(ticket_id), *gone)
        return [n.decode() for n in names if n is not None]
    except RedisError:
        return []
