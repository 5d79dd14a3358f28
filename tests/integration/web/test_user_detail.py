"""/users/<id>: the detail page, edit, role, suspend/reactivate, resend invitation."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, OutboxEvent
from app.services import users
from app.services.actor import Actor
from tests.factories import make_user

HX = {"HX-Request": "true"}


def test_it_shows_profile_role_status_and_activity(admin_client: FlaskClient, db_session: Session) -> None:
    target = make_user(db_session, name="Dora Detail", role_name="agent", permissions=["audit:read"])
    users.set_role(db_session, Actor.system("pytest"), target.id, "viewer")
    resp = admin_client.get(f"/users/{target.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body
    assert "Dora Detail" in body and "audit:read" in body and "user.role_changed" in body and "never" in body
    partial = admin_client.get(f"/users/{target.id}", headers=HX)
    assert "<html" not in partial.get_data(as_text=True) and 'id="user-detail"' in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]


def test_an_unknown_user_is_404(admin_client: FlaskClient) -> None:
    assert admin_client.get(f"/users/{uuid.uuid4()}").status_code == 404


def test_it_edits_name_email_and_extra_permissions(admin_client: FlaskClient, db_session: Session) -> None:
    target = make_user(db_session)
    assert admin_client.get(f"/users/{target.id}/edit").status_code == 200
    resp = admin_client.post(f"/users/{target.id}", data={"email": "edited@example.com", "name": "Edited",
                                                          "permissions": "audit:read\naudit:export"})
    assert resp.status_code == 303
    db_session.refresh(target)
    assert (target.email, target.name, target.permissions) == ("edited@example.com", "Edited",
                                                               ["audit:export", "audit:read"])


def test_an_edit_with_bad_values_shows_errors_in_place(admin_client: FlaskClient, db_session: Session) -> None:
    target = make_user(db_session, name="Keep Me")
    make_user(db_session, email="other@example.com")
    resp = admin_client.post(f"/users/{target.id}", data={"email": "OTHER@example.com", "name": "Typed",
                                                          "permissions": "tickets:fly"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "already exists" in body and "Unknown permission" in body
    assert 'value="Typed"' in body
    db_session.refresh(target)
    assert target.name == "Keep Me"


def test_it_changes_the_role(admin_client: FlaskClient, db_session: Session) -> None:
    target = make_user(db_session, role_name="agent")
    resp = admin_client.post(f"/users/{target.id}/role", data={"role": "manager"})
    assert resp.status_code == 303
    db_session.refresh(target)
    assert target.role_name == "manager"


def test_an_admin_cannot_change_their_own_role(admin_client: FlaskClient, db_session: Session) -> None:
    me = admin_client.user  # type: ignore[attr-defined]
    make_user(db_session, role_name="admin")
    resp = admin_client.post(f"/users/{me.id}/role", data={"role": "viewer"})
    assert resp.status_code == 422 and "cannot change your own role" in resp.get_data(as_text=True)
    db_session.refresh(me)
    assert me.role_name == "admin"


def test_suspension_ends_the_users_sessions(
    admin_client: FlaskClient, make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    agent = make_client("agent")
    assert agent.get("/").status_code == 200
    resp = admin_client.post(f"/users/{agent.user.id}/suspend")  # type: ignore[attr-defined]
    assert resp.status_code == 303
    after = agent.get("/")
    assert after.status_code in (302, 303) and "/login" in after.headers["Location"]
    assert admin_client.post(f"/users/{agent.user.id}/reactivate").status_code == 303  # type: ignore[attr-defined]
    db_session.refresh(agent.user)  # type: ignore[attr-defined]
    assert agent.user.status == "active"  # type: ignore[attr-defined]


def test_the_last_admin_cannot_suspend_themselves_or_be_suspended(
    admin_client: FlaskClient, db_session: Session
) -> None:
    me = admin_client.user  # type: ignore[attr-defined]
    resp = admin_client.post(f"/users/{me.id}/suspend")
    assert resp.status_code == 422 and "cannot suspend yourself" in resp.get_data(as_text=True)


def test_it_resends_an_invitation(admin_client: FlaskClient, db_session: Session) -> None:
    invited = make_user(db_session, status="invited", password=None)
    assert admin_client.post(f"/users/{invited.id}/invitation").status_code == 303
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.invitation_resent"))
    assert evt is not None and evt.aggregate_id == str(invited.id)
    active = make_user(db_session)
    assert admin_client.post(f"/users/{active.id}/invitation").status_code == 422


def test_permission_matrix_for_the_detail_actions(
    make_client: Callable[..., FlaskClient], client: FlaskClient, db_session: Session
) -> None:
    target = make_user(db_session, role_name="viewer")
    agent, manager = make_client("agent"), make_client("manager")
    posts = ["", "/role", "/suspend", "/reactivate", "/invitation"]
    for suffix in posts:
        assert agent.post(f"/users/{target.id}{suffix}", data={"role": "agent"}).status_code == 403
        assert manager.post(f"/users/{target.id}{suffix}", data={"role": "agent"}).status_code == 403
        anon = client.post(f"/users/{target.id}{suffix}", data={"role": "agent"})
        assert anon.status_code in (302, 303, 400)
    assert agent.get(f"/users/{target.id}").status_code == 403
    assert manager.get(f"/users/{target.id}").status_code == 200
    assert manager.get(f"/users/{target.id}/edit").status_code == 403
    db_session.refresh(target)
    assert target.role_name == "viewer" and target.status == "active"


def test_a_manager_granted_set_role_may_change_roles_within_their_grants(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    manager = make_client("manager", permissions=["users:set_role"])
    target = make_user(db_session, role_name="viewer")
    assert manager.post(f"/users/{target.id}/role", data={"role": "agent"}).status_code == 303
    assert manager.post(f"/users/{target.id}/role", data={"role": "admin"}).status_code == 403
    db_session.refresh(target)
    assert target.role_name == "agent"
    audits = db_session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(target.id))).all()
    assert [a.action for a in audits] == ["user.role_changed"]
