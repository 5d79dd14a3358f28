"""/api/v1/users: the seed's API tests, permissions, validation and paging."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import User
from tests.factories import make_user
from tests.integration.api.conftest import Auth, assert_envelope

NEW = {"email": "new.agent@example.com", "name": "New Agent", "role": "agent"}


def test_it_creates_a_user_as_admin(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    resp = api.post("/api/v1/users", json=NEW, headers=make_token("admin").headers)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()["data"]
    assert data["email"] == NEW["email"] and data["role"] == "agent"
    assert resp.headers["Location"] == f"/api/v1/users/{data['id']}"
    user = db_session.scalar(select(User).where(User.email == NEW["email"]))
    assert user is not None and str(user.id) == data["id"]


def test_the_same_email_again_is_a_conflict(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    headers = make_token("admin").headers
    assert api.post("/api/v1/users", json=NEW, headers=headers).status_code == 201
    again = api.post("/api/v1/users", json={**NEW, "email": NEW["email"].upper()}, headers=headers)
    assert "already exists" in assert_envelope(again, 409)["message"]


def test_it_requires_users_create(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    assert_envelope(api.post("/api/v1/users", json=NEW, headers=make_token("agent").headers), 403)
    assert_envelope(api.post("/api/v1/users", json=NEW), 401)
    count = db_session.scalar(select(func.count()).select_from(User).where(User.email == NEW["email"]))
    assert count == 0


def test_it_reports_field_errors_and_refuses_unknown_fields(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    headers = make_token("admin").headers
    bad = api.post("/api/v1/users", json={**NEW, "email": "not an email"}, headers=headers)
    assert "email" in assert_envelope(bad, 422)["details"]
    sneaky = api.post("/api/v1/users", json={**NEW, "permissions": ["*"]}, headers=headers)
    assert "permissions" in assert_envelope(sneaky, 422)["details"]
    no_role = api.post("/api/v1/users", json={**NEW, "role": "emperor"}, headers=headers)
    assert "role" in assert_envelope(no_role, 422)["details"]


def test_it_lists_users_a_page_at_a_time(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    headers = make_token("manager").headers
    for n in range(3):
        make_user(db_session, name=f"Zed Paging {n}", email=f"zed{n}@paging.example")
    first = api.get("/api/v1/users?q=paging.example&limit=2&sort=name", headers=headers).get_json()
    assert [u["name"] for u in first["data"]] == ["Zed Paging 0", "Zed Paging 1"]
    cursor = first["meta"]["next_cursor"]
    second = api.get(f"/api/v1/users?q=paging.example&limit=2&sort=name&cursor={cursor}", headers=headers).get_json()
    assert [u["name"] for u in second["data"]] == ["Zed Paging 2"]
    assert second["meta"]["next_cursor"] is None
    assert_envelope(api.get("/api/v1/users?limit=101", headers=headers), 422)
    assert_envelope(api.get("/api/v1/users?cursor=garbage", headers=headers), 422)


def test_it_gets_and_updates_a_user(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    headers = make_token("admin").headers
    user = make_user(db_session, name="Before")
    assert api.get(f"/api/v1/users/{user.id}", headers=headers).get_json()["data"]["name"] == "Before"
    assert_envelope(api.get(f"/api/v1/users/{uuid.uuid4()}", headers=headers), 404)
    resp = api.patch(f"/api/v1/users/{user.id}", json={"name": "After", "role": "manager"}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["data"]["name"] == "After" and resp.get_json()["data"]["role"] == "manager"


def test_suspending_a_user_ends_their_tokens(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    admin, agent = make_token("admin"), make_token("agent")
    assert api.get("/api/v1/openapi.json", headers=agent.headers).status_code == 200
    resp = api.patch(f"/api/v1/users/{agent.user.id}", json={"status": "suspended"}, headers=admin.headers)
    assert resp.status_code == 200, resp.get_json()
    assert_envelope(api.get("/api/v1/openapi.json", headers=agent.headers), 401)


def test_a_retried_invite_with_the_same_key_has_one_effect(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    headers = {**make_token("admin").headers, "Idempotency-Key": "invite-1"}
    first = api.post("/api/v1/users", json=NEW, headers=headers)
    again = api.post("/api/v1/users", json=NEW, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    count = db_session.scalar(select(func.count()).select_from(User).where(User.email == NEW["email"]))
    assert count == 1
    other = api.post("/api/v1/users", json={**NEW, "email": "other@example.com"}, headers=headers)
    assert assert_envelope(other, 422)["code"] == "idempotency_key_reused"
