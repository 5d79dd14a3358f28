"""/roles: the list with member counts, the permission grid, custom roles, and who may do it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEvent, Role
from app.services import jobs
from tests.factories import make_user

HX = {"HX-Request": "true"}


def _role(session: Session, name: str) -> Role:
    role = session.scalar(select(Role).where(Role.name == name))
    assert role is not None
    return role


def test_it_lists_roles_with_member_counts(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, role_name="viewer")
    resp = admin_client.get("/roles")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body and 'data-testid="role-members-viewer"' in body
    partial = admin_client.get("/roles", headers=HX)
    assert "<html" not in partial.get_data(as_text=True) and 'id="role-list"' in partial.get_data(as_text=True)


def test_it_shows_the_permission_grid(admin_client: FlaskClient, db_session: Session) -> None:
    role = _role(db_session, "agent")
    body = admin_client.get(f"/roles/{role.id}").get_data(as_text=True)
    assert 'value="tickets:assign"' in body and 'value="tickets:*"' in body and 'value="*"' in body
    partial = admin_client.get(f"/roles/{role.id}", headers=HX).get_data(as_text=True)
    assert "<html" not in partial and 'id="permission-grid"' in partial


def test_it_creates_a_role_and_saves_its_grid(admin_client: FlaskClient, db_session: Session) -> None:
    resp = admin_client.post("/roles", data={"name": "billing", "description": "Invoices"})
    assert resp.status_code == 303
    role = _role(db_session, "billing")
    resp = admin_client.post(f"/roles/{role.id}", data={"perms": ["invoices:*", "customers:read"],
                                                        "description": "Invoices"})
    assert resp.status_code == 303
    db_session.refresh(role)
    assert role.permissions == ["customers:read", "invoices:*"]
    assert admin_client.post(f"/roles/{role.id}/delete").status_code == 303
    assert db_session.scalar(select(Role).where(Role.name == "billing")) is None


def test_bad_names_and_permissions_are_shown_in_place(admin_client: FlaskClient, db_session: Session) -> None:
    resp = admin_client.post("/roles", data={"name": "Bad Name!", "description": ""})
    assert resp.status_code == 422 and "lowercase letters" in resp.get_data(as_text=True)
    role = _role(db_session, "viewer")
    resp = admin_client.post(f"/roles/{role.id}", data={"perms": ["tickets:fly"]})
    assert resp.status_code == 422 and "Unknown permission" in resp.get_data(as_text=True)


def test_builtin_and_used_roles_cannot_be_deleted(admin_client: FlaskClient, db_session: Session) -> None:
    assert admin_client.post(f"/roles/{_role(db_session, 'viewer').id}/delete").status_code == 409
    admin_client.post("/roles", data={"name": "temp"})
    make_user(db_session, role_name="temp")
    assert admin_client.post(f"/roles/{_role(db_session, 'temp').id}/delete").status_code == 409


def test_permission_matrix(make_client: Callable[..., FlaskClient], client: FlaskClient, db_session: Session) -> None:
    role = _role(db_session, "viewer")
    agent, manager = make_client("agent"), make_client("manager")
    assert agent.get("/roles").status_code == 403
    assert agent.get(f"/roles/{role.id}").status_code == 403
    for url in ("/roles", f"/roles/{role.id}", f"/roles/{role.id}/delete"):
        assert agent.post(url, data={"name": "x1", "perms": ["*"]}).status_code == 403
        assert manager.post(url, data={"name": "x1", "perms": ["*"]}).status_code == 403
    assert manager.get("/roles").status_code == 200
    assert "save-permissions" not in manager.get(f"/roles/{role.id}").get_data(as_text=True)
    assert client.get("/roles").status_code in (302, 303)
    db_session.refresh(role)
    assert "*" not in role.permissions


@pytest.fixture(params=["redis up", "redis down"])
def redis_state(request: pytest.FixtureRequest, app: Flask) -> Iterator[str]:
    """Redis down: jobs and the app's client point at a port where nothing listens."""
    if request.param == "redis down":
        dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5, socket_timeout=0.5)
        live = jobs.connection()
        jobs.init(dead)
        app.extensions["redis"] = dead
        try:
            yield request.param
        finally:
            jobs.init(live)
            app.extensions["redis"] = live
    else:
        yield request.param


def test_a_role_change_applies_on_the_members_next_request(
    redis_state: str, admin_client: FlaskClient, make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    viewer = make_client("viewer")
    assert viewer.get("/audit").status_code == 403
    role = _role(db_session, "viewer")
    resp = admin_client.post(f"/roles/{role.id}", data={"perms": [*role.permissions, "audit:read"]})
    assert resp.status_code == 303
    assert viewer.get("/audit").status_code == 200
    admin_client.post(f"/roles/{role.id}", data={"perms": [p for p in role.permissions if p != "audit:read"]})
    assert viewer.get("/audit").status_code == 403
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == "role.updated"))
    assert evt is not None and (evt.dispatched_at is None) is (redis_state == "redis down")
