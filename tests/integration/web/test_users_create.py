"""Creating a user: the inline panel (htmx), the full-page form, and validation in place."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import User
from tests.factories import make_user

HX = {"HX-Request": "true"}


def _users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def test_it_creates_a_user_and_returns_the_form_and_the_table(admin_client: FlaskClient, db_session: Session) -> None:
    resp = admin_client.post("/users", data={"email": "new.hire@example.com", "name": "New Hire", "role": "agent",
                                             "view": "q=new.hire"}, headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body
    assert 'id="create-user-form"' in body and 'id="user-table"' in body and 'hx-swap-oob="true"' in body
    assert "new.hire@example.com" in body
    assert json.loads(resp.headers["HX-Trigger"])["toast"]["message"] == "Invitation sent to new.hire@example.com."
    user = db_session.scalar(select(User).where(User.email == "new.hire@example.com"))
    assert user is not None and user.status == "invited" and user.role_name == "agent"


def test_without_htmx_it_flashes_and_redirects(admin_client: FlaskClient) -> None:
    resp = admin_client.post("/users", data={"email": "plain@example.com", "name": "Plain", "role": "viewer"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/users")
    page = admin_client.get("/users").get_data(as_text=True)
    assert 'data-testid="success-message"' in page and "plain@example.com" in page


def test_the_new_user_page_has_the_contract_hooks(admin_client: FlaskClient) -> None:
    body = admin_client.get("/users/new").get_data(as_text=True)
    for hook in ("create-user-form", "user-email", "user-name", "user-role", "submit-user"):
        assert f'data-testid="{hook}"' in body
    assert '<select class="form-select' in body and 'data-testid="user-role"' in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "DUPE@example.com"}, "A user with this email already exists."),
        ({"role": "user"}, "Choose one of the listed roles."),
        ({"role": "admin<script>"}, "Choose one of the listed roles."),
        ({"name": "N" * 121}, "Use at most 120 characters."),
    ],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_invalid_input_shows_the_error_in_place_and_keeps_the_values(
    admin_client: FlaskClient, db_session: Session, fields: dict[str, str], message: str, htmx: bool
) -> None:
    make_user(db_session, email="dupe@example.com")
    data = {"email": "someone@example.com", "name": "Some One", "role": "agent", **fields}
    before = _users(db_session)
    resp = admin_client.post("/users", data=data, headers=HX if htmx else {})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in body and "is-invalid" in body
    assert f'value="{data["email"]}"' in body and f'value="{data["name"]}"' in body
    assert ("<html" in body) is not htmx
    assert _users(db_session) == before


def test_creating_needs_the_create_permission(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    data = {"email": "x@example.com", "name": "X", "role": "viewer"}
    assert make_client("agent").post("/users", data=data).status_code == 403
    assert make_client("manager").post("/users", data=data).status_code == 403
    assert make_client("manager").get("/users/new").status_code == 403
    assert db_session.scalar(select(User).where(User.email == "x@example.com")) is None


def test_a_manager_with_create_cannot_invite_an_admin(make_client: Callable[..., FlaskClient]) -> None:
    client = make_client("manager", permissions=["users:create"])
    resp = client.post("/users", data={"email": "boss@example.com", "name": "Boss", "role": "admin"})
    assert resp.status_code == 403
