"""Which errors mean a store is unreachable (PostgreSQL or Redis restarting, failing over, saturated).

Pages and the API answer them 503 with Retry-After, never 500: the client retries in a few seconds.
"""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# What the error handlers are registered for; `is_store_outage` tells the outages among them.
STORE_ERRORS: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout, RedisError)


def is_store_outage(exc: BaseException) -> bool:
    """An OperationalError (refused, terminated, shutting down), any driver error that SQLAlchemy
    recognised as a lost connection (`connection_invalidated`, e.g. an InterfaceError on a closed
    connection), a pool with no connection to give in time, or any Redis error."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, OperationalError) or bool(exc.connection_invalidated)
    return isinstance(exc, (PoolTimeout, RedisError))
