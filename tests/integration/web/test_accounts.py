"""Invitation links, forgot/reset password, and /profile."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.passwords import verify_password
from app.models import UserSession
from app.models.base import utcnow
from app.services import accounts, auth
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new long passphrase"


def _invited(session: Session, **fields: object) -> object:
    return make_user(session, status="invited", password=None, **fields)


def test_an_invitation_link_sets_the_password_once(client: FlaskClient, db_session: Session) -> None:
    user = _invited(db_session, email="invitee@example.com")
    token = accounts.make_token(user, "invite")
    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200 and "invitee@example.com" in page.get_data(as_text=True)
    resp = client.post(f"/invitations/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/login")
    db_session.refresh(user)
    assert user.status == "active" and verify_password(user.password_hash, NEW_PASSWORD)
    again = client.get(f"/invitations/{token}")
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)


def test_a_weak_password_is_refused_in_place(client: FlaskClient, db_session: Session) -> None:
    user = _invited(db_session, email="weakling@example.com")
    token = accounts.make_token(user, "invite")
    for password, words in [("short", "at least 12"), ("1qaz2wsx3edc", "too common"),
                            ("weakling-is-my-password", "email")]:
        resp = client.post(f"/invitations/{token}", data={"password": password, "confirm": password})
        assert resp.status_code == 422 and words in resp.get_data(as_text=True), password
    mismatch = client.post(f"/invitations/{token}", data={"password": NEW_PASSWORD, "confirm": "other"})
    assert mismatch.status_code == 422 and "differ" in mismatch.get_data(as_text=True)
    db_session.refresh(user)
    assert user.status == "invited" and user.password_hash is None


def test_forged_and_expired_links_are_refused(client: FlaskClient, db_session: Session) -> None:
    user = _invited(db_session)
    assert client.get("/invitations/forged-token").status_code == 400
    with time_machine.travel(utcnow() - timedelta(days=8)):
        old = accounts.make_token(user, "invite")
    resp = client.get(f"/invitations/{old}")
    assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    assert client.get(f"/password/reset/{accounts.make_token(user, 'invite')}").status_code == 400


def test_a_reset_link_changes_the_password_and_ends_sessions(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    session_token = auth.start_session(db_session, user, "127.0.0.1", "pytest")
    token = accounts.make_token(user, "reset")
    resp = client.post(f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert resp.status_code == 303
    db_session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert auth.load_session(db_session, session_token, timedelta(hours=1), timedelta(hours=1)) is None
    assert client.get(f"/password/reset/{token}").status_code == 400


def test_the_profile_shows_recent_sign_ins(make_client: Callable[..., FlaskClient]) -> None:
    me = make_client("viewer")
    resp = me.get("/profile")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body and 'data-testid="sign-ins"' in body
    assert "127.0.0.1" in body and "this session" in body
    partial = me.get("/profile", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and 'id="sign-ins"' in partial


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    me = make_client("agent")
    user = me.user  # type: ignore[attr-defined]
    other = auth.start_session(db_session, user, "10.0.0.2", "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    wrong = me.post("/profile/password", data={"current": "nope", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    ok = me.post("/profile/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert ok.status_code == 303
    assert me.get("/profile").status_code == 200  # this session stays
    assert auth.load_session(db_session, other, timedelta(hours=1), timedelta(hours=1)) is None


def test_log_out_all_other_sessions(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    me = make_client("agent")
    user = me.user  # type: ignore[attr-defined]
    others = [auth.start_session(db_session, user, "10.0.0.3", "curl/8") for _ in range(2)]
    assert me.post("/profile/sessions/end-others").status_code == 303
    assert me.get("/profile").status_code == 200
    assert all(auth.load_session(db_session, t, timedelta(hours=1), timedelta(hours=1)) is None for t in others)
    live = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                         UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1
