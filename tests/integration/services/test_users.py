"""Staff user operations: invite, validation, role changes, suspension, guard rails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.permissions import user_grants
from app.models import AuditRecord, OutboxEvent, User, UserSession
from app.services import auth, users
from app.services.actor import Actor
from app.services.errors import Invalid, PermissionDenied
from tests.factories import make_user


def actor_for(user: User) -> Actor:
    return Actor(id=user.id, label=user.email, grants=user_grants(user))


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_it_creates_an_invited_user_with_audit_and_event(db_session: Session) -> None:
    admin = make_user(db_session, role_name="admin")
    user = users.create_user(db_session, actor_for(admin), " New.Person@Example.com ", " New Person ", "agent")
    assert (user.status, user.password_hash, user.role_name, user.name) == ("invited", None, "agent", "New Person")
    rec = db_session.scalar(select(AuditRecord).where(AuditRecord.target_id == str(user.id)))
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.aggregate_id == str(user.id)))
    assert rec is not None and rec.action == "user.created" and rec.actor_id == admin.id
    assert evt is not None and evt.type == "user.created" and evt.data["invite"] is True


@pytest.mark.parametrize(
    ("email", "name", "role", "field", "words"),
    [
        ("not-an-email", "Ann", "agent", "email", "valid email"),
        ("", "Ann", "agent", "email", "Enter an email"),
        ("taken@example.com", "Ann", "agent", "email", "already exists"),
        ("TAKEN@example.com", "Ann", "agent", "email", "already exists"),
        ("fresh@example.com", "x" * 121, "agent", "name", "at most 120"),
        ("fresh@example.com", "   ", "agent", "name", "Enter a name"),
        ("fresh@example.com", "Ann", "user", "role", "listed roles"),
        ("fresh@example.com", "Ann", "agent' OR 1=1", "role", "listed roles"),
    ],
)
def test_it_refuses_invalid_input_and_saves_nothing(
    db_session: Session, email: str, name: str, role: str, field: str, words: str
) -> None:
    admin = make_user(db_session, role_name="admin")
    make_user(db_session, email="taken@example.com")
    before = (_count(db_session, User), _count(db_session, AuditRecord), _count(db_session, OutboxEvent))
    with pytest.raises(Invalid) as err:
        users.create_user(db_session, actor_for(admin), email, name, role)
    assert words in " ".join(err.value.details[field])
    after = (_count(db_session, User), _count(db_session, AuditRecord), _count(db_session, OutboxEvent))
    assert after == before


def test_it_requires_create_permission(db_session: Session) -> None:
    manager = make_user(db_session, role_name="manager")
    with pytest.raises(PermissionDenied):
        users.create_user(db_session, actor_for(manager), "x@example.com", "X", "viewer")


def test_nobody_grants_a_role_with_permissions_they_lack(db_session: Session) -> None:
    manager = make_user(db_session, role_name="manager", permissions=["users:create", "users:set_role"])
    target = make_user(db_session, role_name="viewer")
    with pytest.raises(PermissionDenied):
        users.set_role(db_session, actor_for(manager), target.id, "admin")
    with pytest.raises(PermissionDenied):
        users.create_user(db_session, actor_for(manager), "boss@example.com", "Boss", "admin")
    assert users.set_role(db_session, actor_for(manager), target.id, "agent").role_name == "agent"


def test_nobody_grants_extra_permissions_they_lack(db_session: Session) -> None:
    manager = make_user(db_session, role_name="manager", permissions=["users:update", "users:set_role"])
    target = make_user(db_session, role_name="viewer")
    with pytest.raises(PermissionDenied):
        users.update_user(db_session, actor_for(manager), target.id, target.email, target.name, ["system:manage"])
    updated = users.update_user(db_session, actor_for(manager), target.id, target.email, "Renamed", ["audit:read"])
    assert (updated.name, updated.permissions) == ("Renamed", ["audit:read"])


def test_a_user_cannot_change_their_own_role(db_session: Session) -> None:
    admin = make_user(db_session, role_name="admin")
    make_user(db_session, role_name="admin")
    with pytest.raises(Invalid, match="your own role"):
        users.set_role(db_session, actor_for(admin), admin.id, "viewer")
    db_session.refresh(admin)
    assert admin.role_name == "admin"


def test_the_last_active_admin_cannot_be_demoted_or_suspended(db_session: Session) -> None:
    for other in db_session.scalars(select(User).where(User.role_name == "admin")):
        other.status = "suspended"
    last = make_user(db_session, role_name="admin")
    system = Actor.system("pytest")
    with pytest.raises(Invalid, match="last active admin"):
        users.set_role(db_session, system, last.id, "manager")
    with pytest.raises(Invalid, match="last active admin"):
        users.suspend_user(db_session, system, last.id)
    second = make_user(db_session, role_name="admin")
    assert users.set_role(db_session, system, last.id, "manager").role_name == "manager"
    with pytest.raises(Invalid, match="last active admin"):
        users.suspend_user(db_session, system, second.id)


def test_a_bulk_action_never_removes_every_admin(db_session: Session) -> None:
    for other in db_session.scalars(select(User).where(User.role_name == "admin")):
        other.status = "suspended"
    admins = [make_user(db_session, role_name="admin") for _ in range(3)]
    result = users.bulk_update(db_session, Actor.system("pytest"), [str(a.id) for a in admins], "suspend")
    assert result.summary == "2 updated, 1 failed"
    assert result.failed[0][1] == "This is the last active admin."
    assert users.active_admin_count(db_session) == 1


def test_suspension_ends_sessions_and_reactivation_restores_access(db_session: Session) -> None:
    admin = make_user(db_session, role_name="admin")
    target = make_user(db_session, role_name="agent")
    token = auth.start_session(db_session, target, "127.0.0.1", "pytest")
    users.suspend_user(db_session, actor_for(admin), target.id)
    assert target.status == "suspended"
    assert db_session.scalar(select(UserSession.revoked_at).where(UserSession.user_id == target.id)) is not None
    users.reactivate_user(db_session, actor_for(admin), target.id)
    assert target.status == "active"
    assert auth.load_session(db_session, token, timedelta(hours=1), timedelta(hours=12)) is None


def test_a_bulk_role_change_reports_each_failure(db_session: Session) -> None:
    admin = make_user(db_session, role_name="admin")
    targets = [make_user(db_session, role_name="agent") for _ in range(3)]
    already = make_user(db_session, role_name="viewer")
    ids = [str(t.id) for t in targets] + [str(already.id), str(admin.id), "not-a-uuid",
                                           "00000000-0000-0000-0000-000000000000"]
    audits = _count(db_session, AuditRecord)
    result = users.bulk_update(db_session, actor_for(admin), ids, "set_role", "viewer")
    assert result.summary == "3 updated, 4 failed"
    reasons = dict(result.failed)
    assert reasons[admin.email] == "You cannot change your own role."
    assert reasons[already.email] == "Already has the role viewer."
    assert reasons["not-a-uuid"] == "Not a user id."
    assert _count(db_session, AuditRecord) == audits + 3
    assert {t.role_name for t in targets} == {"viewer"}
    evt = db_session.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.role_changed"))
    assert evt is not None and sorted(evt.data["user_ids"]) == sorted(str(t.id) for t in targets)


def test_a_bulk_action_needs_its_permission_and_a_real_role(db_session: Session) -> None:
    manager = make_user(db_session, role_name="manager")
    target = make_user(db_session, role_name="agent")
    with pytest.raises(PermissionDenied):
        users.bulk_update(db_session, actor_for(manager), [str(target.id)], "suspend")
    with pytest.raises(Invalid):
        users.bulk_update(db_session, Actor.system(), [str(target.id)], "set_role", "wizard")
    with pytest.raises(Invalid):
        users.bulk_update(db_session, Actor.system(), [str(target.id)], "delete")
    with pytest.raises(Invalid):
        users.bulk_update(db_session, Actor.system(), [], "suspend")


def test_resending_an_invitation_needs_an_invited_user(db_session: Session) -> None:
    invited = users.create_user(db_session, Actor.system(), "inv@example.com", "Inv", "agent")
    version = invited.session_version
    users.resend_invitation(db_session, Actor.system(), invited.id)
    assert invited.session_version == version + 1
    active = make_user(db_session)
    with pytest.raises(Invalid):
        users.resend_invitation(db_session, Actor.system(), active.id)


def test_a_duplicate_that_slips_past_the_check_is_still_a_field_error(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(db_session, email="race@example.com")
    monkeypatch.setattr(users, "_email_taken", lambda *args, **kwargs: False)
    with pytest.raises(Invalid) as err:
        users.create_user(db_session, Actor.system(), "Race@example.com", "Racer", "agent")
    assert err.value.details == {"email": ["A user with this email already exists."]}
