"""The session loader's own path: with no transaction under way it reads in autocommit (one round
trip, no BEGIN/ROLLBACK), and revocation, expiry and the once-a-minute touch hold there too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import time_machine
from flask.testing import FlaskClient
from psycopg.pq import TransactionStatus
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.models import UserSession
from app.models.base import utcnow
from app.services import auth
from app.services.digests import digest
from tests.factories import make_user

IDLE, LIFETIME = timedelta(hours=1), timedelta(hours=12)


def _status(session: Session) -> Any:
    return session.connection().connection.driver_connection.info.transaction_status  # type: ignore[union-attr]


def test_a_session_is_read_without_opening_a_transaction(committed_db: Session) -> None:
    user = make_user(committed_db, role_name="agent")
    committed_db.commit()
    token = auth.start_session(committed_db, user, "127.0.0.1", "pytest")
    user_id = user.id
    committed_db.commit()
    assert _status(committed_db) == TransactionStatus.IDLE
    principal = auth.load_session(committed_db, token, IDLE, LIFETIME)
    assert isinstance(principal, Principal) and principal.id == user_id
    assert "tickets:read" in principal.grants
    assert _status(committed_db) == TransactionStatus.IDLE  # nothing to roll back at the end


def test_revocation_and_expiry_hold_on_the_autocommit_path(committed_db: Session) -> None:
    user = make_user(committed_db, role_name="agent")
    committed_db.commit()
    token = auth.start_session(committed_db, user, "127.0.0.1", "pytest")
    committed_db.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        assert auth.load_session(committed_db, token, IDLE, LIFETIME) is None  # idle too long
    assert auth.load_session(committed_db, token, IDLE, LIFETIME) is not None
    auth.end_session(committed_db, token)
    committed_db.commit()
    assert auth.load_session(committed_db, token, IDLE, LIFETIME) is None  # revoked: at the next read


def test_the_touch_is_written_at_most_once_a_minute(committed_db: Session) -> None:
    user = make_user(committed_db, role_name="agent")
    committed_db.commit()
    token = auth.start_session(committed_db, user, "127.0.0.1", "pytest")
    committed_db.commit()

    def seen() -> Any:
        committed_db.expire_all()
        return committed_db.scalar(select(UserSession.last_seen_at).where(UserSession.id == digest(token)))

    first = seen()
    committed_db.commit()
    with time_machine.travel(utcnow() + timedelta(seconds=30)):
        auth.load_session(committed_db, token, IDLE, LIFETIME)
        assert seen() == first
    committed_db.commit()
    with time_machine.travel(utcnow() + timedelta(minutes=2)):
        assert auth.load_session(committed_db, token, IDLE, LIFETIME) is not None
        assert seen() > first
    committed_db.commit()


def test_signed_in_pages_work_on_committed_data(committed_db: Session,
                                                make_client: Callable[..., FlaskClient]) -> None:
    client = make_client("agent")
    committed_db.commit()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200


def test_a_driver_error_on_the_fast_path_goes_through_sqlalchemy(committed_db: Session,
                                                                 monkeypatch: Any) -> None:
    """The fast read talks to psycopg itself; when that fails, the statement runs again through
    SQLAlchemy, which answers (a passing fault) or raises its own wrapped error (an outage)."""
    import psycopg
    from sqlalchemy.exc import OperationalError

    user = make_user(committed_db, role_name="agent")
    committed_db.commit()
    token = auth.start_session(committed_db, user, "127.0.0.1", "pytest")
    committed_db.commit()
    failing = {"left": 1}
    cursor = psycopg.Connection.cursor

    def flaky(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("row_factory") is not None and failing["left"]:
            failing["left"] -= 1
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return cursor(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cursor", flaky)
    assert auth.load_session(committed_db, token, IDLE, LIFETIME) is not None  # answered by the retry
    committed_db.rollback()

    def dead(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(psycopg.Connection, "cursor", dead)
    try:
        auth.load_session(committed_db, token, IDLE, LIFETIME)
    except OperationalError as exc:  # SQLAlchemy's, which the outage handler answers with 503
        assert isinstance(exc.orig, psycopg.OperationalError)
    else:
        raise AssertionError("expected SQLAlchemy's OperationalError")
    finally:
        monkeypatch.undo()
        committed_db.rollback()
