from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import User
from app.services import users
from app.services.actor import Actor
from tests.factories import PASSWORD, make_user


def _token(client: FlaskClient) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _login(client: FlaskClient, email: str, password: str) -> object:
    return client.post("/login", data={"email": email, "password": password, "csrf_token": _token(client)})


def test_it_signs_in_and_out(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, email="ann@example.com")
    resp = _login(client, "ANN@example.com", PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    page = client.get("/")
    # The dashboard's widgets load lazily (htmx): the page holds their self-loading frame.
    assert page.status_code == 200 and 'id="widget-recent"' in page.get_data(as_text=True)
    db_session.refresh(user)
    assert user.last_login_at is not None and str(user.last_login_ip) == "127.0.0.1"
    assert client.post("/logout").status_code == 303
    assert client.get("/").status_code == 302


def test_the_session_cookie_changes_on_login_and_the_old_one_dies_on_logout(
    app: Flask, db_session: Session
) -> None:
    make_user(db_session, email="bob@example.com")
    client = app.test_client()
    client.get("/login")
    before = client.get_cookie("backoffice_session").value
    _login(client, "bob@example.com", PASSWORD)
    after = client.get_cookie("backoffice_session")
    assert after.value != before
    assert after.http_only and after.same_site == "Lax"
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("backoffice_session", after.value)
    assert replay.get("/").status_code == 302


def test_unknown_and_known_emails_get_the_same_answer(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="dan@example.com")
    known = _login(client, "dan@example.com", "wrong password here")
    unknown = _login(client, "nobody@example.com", "wrong password here")
    assert known.status_code == unknown.status_code == 401
    # Per-request tokens (the form field and the htmx header, which carry a timestamp) differ by design.
    strip = lambda r: re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", r.get_data(as_text=True)).replace(  # noqa: E731
        "dan@", "").replace("nobody@", "")
    assert strip(known) == strip(unknown)


def test_too_many_attempts_from_one_address_get_429(client: FlaskClient, db_session: Session) -> None:
    answers = [_login(client, f"x{i}@example.com", "whatever it is") for i in range(25)]
    statuses = [a.status_code for a in answers]
    assert statuses[0] == 401 and 429 in statuses
    limited = answers[statuses.index(429)]
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many requests" in limited.get_data(as_text=True)


def test_a_suspended_user_cannot_sign_in_and_loses_open_sessions(
    db_session: Session, make_client: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    signed_in = make_client("agent")
    user: User = signed_in.user  # type: ignore[attr-defined]
    assert signed_in.get("/").status_code == 200
    users.suspend_user(db_session, Actor.system("pytest"), user.id)  # the service, not a hand-made copy
    assert signed_in.get("/").status_code == 302
    assert _login(client, user.email, PASSWORD).status_code == 401


def test_a_post_without_csrf_token_gets_400(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="erin@example.com")
    resp = client.post("/login", data={"email": "erin@example.com", "password": PASSWORD}, csrf=False)
    assert resp.status_code == 400


def test_next_never_redirects_off_site(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="fay@example.com")
    resp = client.post(
        "/login?next=//evil.example/x",
        data={"email": "fay@example.com", "password": PASSWORD, "csrf_token": _token(client)},
    )
    assert resp.headers["Location"] == "/"


def test_pages_after_sign_in_leave_the_session_cookie_alone(app: Flask, db_session: Session) -> None:
    """The sign-in cookie already holds the CSRF token, so a client that keeps sending it (as a load
    test does) gets no re-signed cookie on every page, and forms still carry a valid token."""
    make_user(db_session, email="cat@example.com")
    client = app.test_client()
    assert _login(client, "cat@example.com", PASSWORD).status_code == 303
    page = client.get("/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
