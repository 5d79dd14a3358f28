"""Acting on another user needs every grant they hold: no account takeover through users:update."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.permissions import user_grants
from app.models import AuditRecord, Role, User
from app.services import users
from app.services.actor import Actor
from app.services.errors import PermissionDenied
from tests.factories import make_user


def actor_for(user: User) -> Actor:
    return Actor(id=user.id, label=user.email, grants=user_grants(user))


def _role(session: Session, name: str, grants: list[str]) -> str:
    session.add(Role(name=name, description="", permissions=grants))
    session.flush()
    return name


@pytest.fixture()
def editor_role(db_session: Session) -> str:
    return _role(db_session, "user-editor", ["users:read", "users:update"])


@pytest.fixture()
def deputy_role(db_session: Session) -> str:
    """Holds every users:* action, but not `*`."""
    return _role(db_session, "deputy", ["users:*", "dashboard:read", "notifications:read"])


def test_a_users_update_holder_cannot_change_an_admins_email_on_the_web(
    make_client: Callable[..., FlaskClient], db_session: Session, editor_role: str
) -> None:
    admin = make_user(db_session, role_name="admin", email="boss@example.com")
    client = make_client(editor_role)
    resp = client.post(f"/users/{admin.id}", data={"email": "attacker@evil.example", "name": admin.name})
    assert resp.status_code == 403
    body = resp.get_data(as_text=True)
    assert "boss@example.com" in body and "hold permissions you do not" in body
    db_session.expire_all()
    assert db_session.get(User, admin.id).email == "boss@example.com"  # type: ignore[union-attr]


def test_the_same_rule_holds_in_the_api(
    make_token: Callable, api: FlaskClient, db_session: Session, editor_role: str
) -> None:
    admin = make_user(db_session, role_name="admin", email="boss2@example.com")
    auth = make_token(editor_role)
    resp = api.patch(f"/api/v1/users/{admin.id}", json={"email": "attacker@evil.example"}, headers=auth.headers)
    assert resp.status_code == 403
    assert "hold permissions you do not" in resp.get_json()["error"]["message"]
    db_session.expire_all()
    assert db_session.get(User, admin.id).email == "boss2@example.com"  # type: ignore[union-attr]


def test_extra_permissions_count_as_grants_of_the_target(db_session: Session, editor_role: str) -> None:
    editor = make_user(db_session, role_name=editor_role)
    viewer_plus = make_user(db_session, role_name="viewer", permissions=["audit:read"])
    plain_viewer = make_user(db_session, role_name="viewer")
    with pytest.raises(PermissionDenied, match="audit:read"):
        users.update_user(db_session, actor_for(editor), viewer_plus.id, viewer_plus.email, "New name")
    # A target holding nothing beyond the editor's grants... the viewer role holds grants the editor lacks.
    with pytest.raises(PermissionDenied):
        users.update_user(db_session, actor_for(editor), plain_viewer.id, plain_viewer.email, "New name")


def test_an_actor_holding_every_grant_of_the_target_may_edit(db_session: Session) -> None:
    manager = make_user(db_session, role_name="manager", permissions=["users:update"])
    viewer = make_user(db_session, role_name="viewer")
    user = users.update_user(db_session, actor_for(manager), viewer.id, viewer.email, "Renamed Viewer")
    assert user.name == "Renamed Viewer"


@pytest.mark.parametrize("action", ["set_role", "suspend", "end_sessions"])
def test_a_non_admin_holder_of_users_star_cannot_demote_suspend_or_sign_out_an_admin(
    db_session: Session, deputy_role: str, action: str
) -> None:
    deputy = make_user(db_session, role_name=deputy_role)
    make_user(db_session, role_name="admin")  # so "last admin" is not the reason
    admin = make_user(db_session, role_name="admin")
    op = {
        "set_role": lambda: users.set_role(db_session, actor_for(deputy), admin.id, deputy_role),
        "suspend": lambda: users.suspend_user(db_session, actor_for(deputy), admin.id),
        "end_sessions": lambda: users.end_sessions(db_session, actor_for(deputy), admin.id),
    }[action]
    with pytest.raises(PermissionDenied, match="hold permissions you do not"):
        op()
    db_session.expire_all()
    fresh = db_session.get(User, admin.id)
    assert fresh is not None and (fresh.role_name, fresh.status, fresh.session_version) == ("admin", "active", 1)


def test_bulk_reports_each_outranking_target_and_changes_the_others(db_session: Session, deputy_role: str) -> None:
    deputy = make_user(db_session, role_name=deputy_role)
    admin = make_user(db_session, role_name="admin", email="top@example.com")
    peer = make_user(db_session, role_name=deputy_role)
    result = users.bulk_update(db_session, actor_for(deputy), [str(admin.id), str(peer.id)], "suspend")
    assert result.updated == [peer.id]
    assert [label for label, _ in result.failed] == ["top@example.com"]
    assert "hold permissions you do not" in result.failed[0][1]


def test_reactivate_and_resend_invitation_need_the_targets_grants(db_session: Session, deputy_role: str) -> None:
    deputy = make_user(db_session, role_name=deputy_role)
    invited_admin = make_user(db_session, role_name="admin", status="invited", password=None)
    suspended_admin = make_user(db_session, role_name="admin", status="suspended")
    with pytest.raises(PermissionDenied):
        users.resend_invitation(db_session, actor_for(deputy), invited_admin.id)
    with pytest.raises(PermissionDenied):
        users.reactivate_user(db_session, actor_for(deputy), suspended_admin.id)


def test_web_actions_on_a_stronger_user_are_403_with_the_reason(
    make_client: Callable[..., FlaskClient], db_session: Session, deputy_role: str
) -> None:
    client = make_client(deputy_role)
    admin = make_user(db_session, role_name="admin", email="strong@example.com")
    for path, data in [
        (f"/users/{admin.id}/role", {"role": "viewer"}),
        (f"/users/{admin.id}/suspend", {}),
        (f"/users/{admin.id}/sessions/end", {}),
    ]:
        resp = client.post(path, data=data)
        assert resp.status_code == 403, path
        assert "strong@example.com" in resp.get_data(as_text=True)


def test_an_admin_ends_another_users_sessions(admin_client: FlaskClient, db_session: Session) -> None:
    from app.services import auth

    target = make_user(db_session, role_name="agent")
    auth.start_session(db_session, target, "10.0.0.1", "browser")
    resp = admin_client.post(f"/users/{target.id}/sessions/end")
    assert resp.status_code == 303
    db_session.expire_all()
    assert db_session.get(User, target.id).session_version == 2  # type: ignore[union-attr]
    rec = db_session.scalar(
        select(AuditRecord).where(AuditRecord.action == "user.sessions_ended", AuditRecord.target_id == str(target.id))
    )
    assert rec is not None and rec.changes["sessions_ended"] == 1
