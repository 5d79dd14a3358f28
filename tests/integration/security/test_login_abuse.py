"""Brute force stays expensive without handing attackers a switch: per account+source delays, a lock the
owner's own device or a reset lifts, one answer for every failure, and an alert to the owner."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import User
from app.models.base import utcnow
from app.services import accounts, auth, login_throttle
from app.services.actor import Actor
from tests.factories import PASSWORD, make_user

WRONG = "definitely not the password"


def _token(client: FlaskClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]


def _login(client: FlaskClient, email: str, password: str, ip: str = "127.0.0.1") -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": _token(client)},
        environ_base={"REMOTE_ADDR": ip},
    )


def _text(resp: Any) -> str:
    """The answer without per-request tokens and the echoed email."""
    body = re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", resp.get_data(as_text=True))
    return re.sub(r"[\w.+-]+@example\.com", "EMAIL", body)


def _lock(user: User, app: Flask, policy: auth.LoginPolicy | None = None) -> None:
    """Fail from many addresses until the account locks (no per-source delay involved)."""
    from app.extensions import db

    policy = policy or auth.LoginPolicy(app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_LOCK_MINUTES"])
    for i in range(policy.max_failures):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(db.session, Actor(None, "login", ip=f"10.20.0.{i}"), user.email, WRONG, policy)
    db.session.refresh(user)
    assert user.is_locked()


def test_every_failure_gets_the_same_answer(app: Flask, client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="wrong@example.com")
    make_user(db_session, email="suspended@example.com", status="suspended")
    locked = make_user(db_session, email="locked@example.com")
    make_user(db_session, email="throttled@example.com")
    _lock(locked, app)
    with time_machine.travel(utcnow(), tick=False):  # the delay must not run out while the others answer
        for _ in range(login_throttle.FREE_ATTEMPTS):
            _login(client, "throttled@example.com", WRONG, ip="10.30.0.1")
        answers = {
            "wrong password": _login(client, "wrong@example.com", WRONG),
            "unknown email": _login(client, "nobody@example.com", WRONG),
            "suspended, right password": _login(client, "suspended@example.com", PASSWORD),
            "locked, right password, new device": _login(client, "locked@example.com", PASSWORD),
            "throttled, right password": _login(client, "throttled@example.com", PASSWORD, ip="10.30.0.1"),
        }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 401)
    bodies = {name: _text(a) for name, a in answers.items()}
    assert len(set(bodies.values())) == 1, [n for n in bodies if bodies[n] != bodies["wrong password"]]
    assert auth.GENERIC_FAILURE in answers["wrong password"].get_data(as_text=True)
    assert "locked" not in bodies["wrong password"].lower()


def test_delays_grow_per_account_and_source_and_spare_other_sources(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="target@example.com")
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(login_throttle.FREE_ATTEMPTS):
            assert _login(client, "target@example.com", WRONG, ip="10.40.0.1").status_code == 401
        # Right password from the attacking address, too soon: refused.
        assert _login(client, "target@example.com", PASSWORD, ip="10.40.0.1").status_code == 401
        # The owner at another address is not slowed down at all.
        assert _login(app_client(client), "target@example.com", PASSWORD, ip="10.40.0.2").status_code == 303
        clock.shift(timedelta(seconds=login_throttle.delay_after(login_throttle.FREE_ATTEMPTS) + 0.5))
        assert _login(app_client(client), "target@example.com", PASSWORD, ip="10.40.0.1").status_code == 303
    assert [login_throttle.delay_after(n) for n in range(3, 8)] == [1, 2, 4, 8, 16]
    assert login_throttle.delay_after(100) == login_throttle.MAX_DELAY


def app_client(client: FlaskClient) -> FlaskClient:
    """A fresh browser (no cookies) of the same app."""
    fresh = client.application.test_client()
    return fresh


def test_a_lock_is_lifted_by_the_right_password_from_a_device_seen_before(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    owner = make_user(db_session, email="owner@example.com")
    assert _login(client, "owner@example.com", PASSWORD).status_code == 303  # this browser is now known
    client.post("/logout")
    _lock(owner, app)
    stranger = app_client(client)
    assert _login(stranger, "owner@example.com", PASSWORD, ip="10.50.0.9").status_code == 401
    assert _login(client, "owner@example.com", WRONG).status_code == 401  # known device, wrong password: no
    ok = _login(client, "owner@example.com", PASSWORD)
    assert ok.status_code == 303
    db_session.refresh(owner)
    assert not owner.is_locked()


def test_a_forged_device_cookie_does_not_lift_a_lock(app: Flask, client: FlaskClient, db_session: Session) -> None:
    victim = make_user(db_session, email="victim@example.com")
    other = make_user(db_session, email="other@example.com")
    assert _login(client, "other@example.com", PASSWORD).status_code == 303  # a device of another user
    client.post("/logout")
    _lock(victim, app)
    assert _login(client, "victim@example.com", PASSWORD).status_code == 401
    client.set_cookie("backoffice_device", "forged.value.here")
    assert _login(client, "victim@example.com", PASSWORD).status_code == 401
    assert other.id != victim.id


def test_a_password_reset_lifts_the_lock(app: Flask, client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, email="resetter@example.com")
    _lock(user, app)
    token = accounts.make_token(user, "reset")
    new = "brand new lantern galaxy phrase"
    accounts.reset_password(db_session, Actor.system("pytest"), token, new, new)
    assert _login(app_client(client), "resetter@example.com", new, ip="10.60.0.1").status_code == 303


def test_a_lock_alerts_the_owner_by_email(
    app: Flask, committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    owner = make_user(committed_db, email="alerted@example.com")
    committed_db.commit()
    policy = auth.LoginPolicy(max_failures=4)
    for i in range(policy.max_failures):
        with pytest.raises(auth.LoginFailed):
            auth.authenticate(
                committed_db, replace(Actor.system("login"), ip=f"10.70.0.{i}"), owner.email, WRONG, policy
            )
    run_jobs()
    alerts = [m for m in mail_sink if m["To"] == "alerted@example.com"]
    assert len(alerts) == 1
    body = alerts[0].get_body(preferencelist=("plain",)).get_content()
    assert "failed to sign in" in body and "10.70.0.3" in body and "/password/forgot" in body
