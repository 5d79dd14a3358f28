"""Who else is viewing a ticket: a short-lived Redis key per viewer, refreshed by the page's poll."""

from __future__ import annotations

from typing import cast

from redis import Redis
from redis.exceptions import RedisError

TTL = 25  # seconds; the page polls every 10


def _index(ticket_id: object) -> str:
    return f"presence:ticket:{ticket_id}"


def visit(redis: Redis, ticket_id: object, user_id: object, name: str) -> list[str]:
    """Mark `user_id` as viewing (a key per viewer, expiring, and a set of viewer ids per ticket) and
    answer the names of the others viewing now: one round trip, a second only when others are there."""
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.setex(f"{_index(ticket_id)}:{user_id}", TTL, name)
        pipe.sadd(_index(ticket_id), str(user_id))
        pipe.expire(_index(ticket_id), TTL * 4)
        pipe.smembers(_index(ticket_id))
        members = cast(set[bytes], pipe.execute()[-1])
    except RedisError:
        return []
    return _names(redis, ticket_id, sorted({i.decode() for i in members} - {str(user_id)}))


def _names(redis: Redis, ticket_id: object, ids: list[str]) -> list[str]:
    """The names of viewers `ids` whose keys have not expired; the expired leave the set."""
    if not ids:
        return []
    try:
        names = cast(list[bytes | None], redis.mget([f"{_index(ticket_id)}:{i}" for i in ids]))
        gone = [i for i, n in zip(ids, names, strict=True) if n is None]
        if gone:
            redis.srem(_index(ticket_id), *gone)
        return [n.decode() for n in names if n is not None]
    except RedisError:
        return []
