"""D6: server-side sessions end when they should."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services.auth import end_all_sessions


def test_an_idle_session_expires(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client("agent")
    assert client.get("/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(minutes=61)):
        assert client.get("/").status_code == 302


def test_activity_keeps_a_session_alive_until_its_absolute_lifetime(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client("agent")
    start = utcnow()
    for minutes in range(50, 12 * 60, 50):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get("/").status_code == 302


def test_log_out_everywhere_ends_every_session(
    db_session: Session, make_client: Callable[..., FlaskClient], app: object
) -> None:
    first = make_client("agent")
    user = first.user  # type: ignore[attr-defined]
    from tests.conftest import sign_in

    second = sign_in(app.test_client(), user)  # type: ignore[attr-defined]
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200
    end_all_sessions(db_session, user)
    db_session.commit()
    assert first.get("/").status_code == 302 and second.get("/").status_code == 302


def test_a_role_change_applies_on_the_next_request(
    db_session: Session, make_client: Callable[..., FlaskClient]
) -> None:
    client = make_client("viewer")
    assert client.get("/").status_code == 200
    user = client.user  # type: ignore[attr-defined]
    user.role.permissions = []
    db_session.commit()
    assert client.get("/").status_code == 403
