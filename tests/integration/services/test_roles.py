"""Roles: creating, editing the grants, deleting, and their guard rails."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Role, User
from app.services import roles
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, PermissionDenied
from tests.factories import make_user
from tests.integration.services.test_users import actor_for

SYSTEM = Actor.system("pytest")


def test_it_lists_roles_with_member_counts(db_session: Session) -> None:
    make_user(db_session, role_name="viewer")
    make_user(db_session, role_name="viewer")
    counts = {role.name: n for role, n in roles.list_roles(db_session, SYSTEM)}
    expected = db_session.query(User).filter(User.role_name == "viewer").count()
    assert counts["viewer"] == expected >= 2 and {"admin", "manager", "agent", "viewer"} <= set(counts)


def test_it_creates_edits_and_deletes_a_custom_role(db_session: Session) -> None:
    role = roles.create_role(db_session, SYSTEM, "Billing", "Invoices only", ["invoices:*"])
    assert (role.name, role.permissions, role.builtin) == ("billing", ["invoices:*"], False)
    roles.update_role(db_session, SYSTEM, role.id, ["invoices:read", "customers:read", "invoices:read"])
    assert role.permissions == ["customers:read", "invoices:read"]
    roles.delete_role(db_session, SYSTEM, role.id)
    assert db_session.scalar(select(Role).where(Role.name == "billing")) is None


@pytest.mark.parametrize(("name", "field"), [("x", "name"), ("Has Space", "name"), ("admin", "name")])
def test_it_refuses_bad_role_names(db_session: Session, name: str, field: str) -> None:
    with pytest.raises(Invalid) as err:
        roles.create_role(db_session, SYSTEM, name, "", [])
    assert field in err.value.details


def test_it_refuses_unknown_permissions(db_session: Session) -> None:
    role = db_session.scalar(select(Role).where(Role.name == "viewer"))
    with pytest.raises(Invalid):
        roles.update_role(db_session, SYSTEM, role.id, ["tickets:fly"])


def test_it_refuses_to_delete_builtin_or_used_roles(db_session: Session) -> None:
    builtin = db_session.scalar(select(Role).where(Role.name == "viewer"))
    with pytest.raises(Conflict, match="Built-in"):
        roles.delete_role(db_session, SYSTEM, builtin.id)
    custom = roles.create_role(db_session, SYSTEM, "temp", "", [])
    make_user(db_session, role_name="temp")
    with pytest.raises(Conflict, match="in use"):
        roles.delete_role(db_session, SYSTEM, custom.id)


def test_nobody_adds_grants_they_do_not_hold(db_session: Session) -> None:
    editor = make_user(db_session, role_name="manager", permissions=["roles:manage"])
    viewer = db_session.scalar(select(Role).where(Role.name == "viewer"))
    with pytest.raises(PermissionDenied):
        roles.update_role(db_session, actor_for(editor), viewer.id, [*viewer.permissions, "system:manage"])
    with pytest.raises(PermissionDenied):
        roles.create_role(db_session, actor_for(editor), "sneaky", "", ["*"])
    roles.update_role(db_session, actor_for(editor), viewer.id, [*viewer.permissions, "audit:read"])
    assert "audit:read" in viewer.permissions


def test_the_admin_role_keeps_everything_while_it_holds_every_admin(db_session: Session) -> None:
    make_user(db_session, role_name="admin")
    admin_role = db_session.scalar(select(Role).where(Role.name == "admin"))
    with pytest.raises(Invalid, match="no active admin"):
        roles.update_role(db_session, SYSTEM, admin_role.id, ["users:*"])
    assert admin_role.permissions == ["*"]
    roles.create_role(db_session, SYSTEM, "root", "", ["*"])
    make_user(db_session, role_name="root")
    roles.update_role(db_session, SYSTEM, admin_role.id, ["users:*"])
    assert admin_role.permissions == ["users:*"]
