"""Flask extensions, created once and bound in create_app()."""

from __future__ import annotations

import select
import time
from typing import Any

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import Session

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    # If Redis is unreachable the limiter keeps counting in process memory: never unlimited.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    strategy="moving-window",
)


def db_session() -> Session:
    """The session of the current application context.

    ``db.session`` is Flask-SQLAlchemy's ``scoped_session`` proxy, which is not a ``Session`` to the
    type checker; calling it returns the context's real session, the same object the proxy forwards
    to. Services take a ``Session``: pass them ``db_session()``.
    """
    return db.session()


def check_connections_at_checkout(engine: Engine, idle_seconds: float) -> None:
    """Hand out only live connections, without a round trip per request (instead of pool_pre_ping).

    A connection whose server went away (PostgreSQL restarted, the backend terminated) has a
    readable socket while it sits idle in the pool: the server's goodbye or the closed stream. Such
    a connection, and one idle for more than `idle_seconds` (a silent network drop shows nothing),
    gets a real ping; when that fails the pool replaces it before the request sees it.
    """

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _live(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None:  # a new connection
            return
        if time.monotonic() - returned < idle_seconds and not _signalled(dbapi_connection):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # As pool_pre_ping does: the server went away, so every older pooled connection is
            # dropped too, and this checkout connects anew.
            raise InvalidatePoolError("the pooled connection is dead") from exc


def _signalled(dbapi_connection: Any) -> bool:
    """True when an idle connection has something to read (the server closed it), or is closed."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return True
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


# Statements that change nothing: reads, and savepoints (what runs inside one is judged on its own).
READS = ("SELECT", "SHOW", "EXPLAIN", "VALUES", "SAVEPOI", "RELEASE", "ROLLBAC")


def track_writes(engine: Engine) -> None:
    """Mark a connection's transaction as written to when it runs anything but a read.

    `end_request_session` commits a transaction that only read, instead of rolling it back: psycopg
    forgets every prepared statement at a ROLLBACK (and deallocates them in another round trip), so
    pages that end with one plan each of their statements again on every request.
    """

    @event.listens_for(engine, "before_cursor_execute")
    def _mark(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip()[:7].upper().startswith(READS):
            conn.info["wrote"] = True

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(conn: Any) -> None:
        if not conn.invalidated:  # an invalidated connection's record starts afresh anyway
            conn.info.pop("wrote", None)


def only_read(session: Session) -> bool:
    """True when the session's open transaction ran reads only and holds no unflushed changes."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get("wrote", False)
