"""Which store errors answer 503 (retry shortly) and which stay a 500 (a bug to look at)."""

from __future__ import annotations

import psycopg
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.outage import is_store_outage


def test_lost_connections_are_outages() -> None:
    assert is_store_outage(OperationalError("INSERT", {}, psycopg.errors.AdminShutdown("terminating")))
    # A driver error on a connection that SQLAlchemy found dead, whatever its class.
    assert is_store_outage(InterfaceError("COMMIT", {}, psycopg.InterfaceError("the connection is lost"),
                                          connection_invalidated=True))
    assert is_store_outage(PoolTimeout("QueuePool limit of size 10 overflow 10 reached"))
    assert is_store_outage(RedisConnectionError("Connection refused"))


def test_other_driver_errors_are_not() -> None:
    assert not is_store_outage(InterfaceError("SELECT", {}, psycopg.InterfaceError("the cursor is closed")))
    assert not is_store_outage(IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key")))
    assert not is_store_outage(ProgrammingError("SELECT", {}, psycopg.errors.UndefinedColumn("no column")))
    assert not is_store_outage(ValueError("not a store error"))
