"""Roles: named sets of permission grants, edited as a grid of the catalog."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.permissions import grants_within, is_valid_grant
from app.models import Role, User
from app.services import audit, events
from app.services.actor import Actor
from app.services.errors import Conflict, Invalid, PermissionDenied
from app.services.ids import get_or_404
from app.services.uow import transaction
from app.services.users import active_admin_count

NAME_MAX = 50
NAME_RE = re.compile(rf"^[a-z][a-z0-9_-]{{1,{NAME_MAX - 1}}}$")
DESCRIPTION_MAX = 500


def list_roles(session: Session, actor: Actor) -> list[tuple[Role, int]]:
    """Every role with how many users hold it."""
    actor.require("roles:read")
    counts = dict(session.execute(select(User.role_name, func.count()).group_by(User.role_name)).tuples().all())
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name))
    return [(role, counts.get(role.name, 0)) for role in roles]


def get_role_for(session: Session, actor: Actor, role_id: uuid.UUID | str) -> Role:
    actor.require("roles:read")
    return get_or_404(session, Role, role_id, "There is no such role.")


def member_count(session: Session, role: Role) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role_name == role.name)) or 0


def _clean_grants(grants: list[str]) -> list[str]:
    cleaned = sorted({g.strip() for g in grants if g and g.strip()})
    bad = [g for g in cleaned if not is_valid_grant(g)]
    if bad:
        raise Invalid("Unknown permissions.", {"permissions": [f"Unknown permission: {', '.join(bad)[:200]}"]})
    return cleaned


def _check_within(actor: Actor, added: list[str]) -> None:
    """Nobody grants a permission they do not hold themselves."""
    missing = grants_within(actor.grants, added)
    if missing:
        raise PermissionDenied(f"You cannot grant permissions you do not hold: {', '.join(missing)}.")


def create_role(session: Session, actor: Actor, name: str, description: str, permissions: list[str]) -> Role:
    """A custom role; its name is a short lowercase slug, unique."""
    actor.require("roles:manage")
    name, description = (name or "").strip().lower(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not NAME_RE.match(name):
        errors["name"] = [f"Use 2–{NAME_MAX} lowercase letters, digits, - or _, starting with a letter."]
    elif session.scalar(select(Role.id).where(Role.name == name)):
        errors["name"] = ["A role with this name already exists."]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"Use at most {DESCRIPTION_MAX} characters."]
    if errors:
        raise Invalid("Check the highlighted fields.", errors)
    grants = _clean_grants(permissions)
    _check_within(actor, grants)
    with transaction(session):
        role = Role(name=name, description=description, permissions=grants, builtin=False)
        session.add(role)
        session.flush()
        audit.record(session, actor, "role.created", "role", role.id, {"name": name, "permissions": grants})
        events.emit(session, actor, "role.created", "role", role.id, {"name": name})
    return role


def update_role(
    session: Session, actor: Actor, role_id: uuid.UUID | str, permissions: list[str], description: str | None = None,
    requires_two_factor: bool | None = None,
) -> Role:
    """New grants apply on members' next request (permissions load with the session)."""
    actor.require("roles:manage")
    role = get_role_for(session, actor, role_id)
    grants = _clean_grants(permissions)
    _check_within(actor, [g for g in grants if g not in role.permissions])
    description = role.description if description is None else description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise Invalid("Check the highlighted fields.", {"description": [f"Use at most {DESCRIPTION_MAX} characters."]})
    if "*" in role.permissions and "*" not in grants and _holds_every_active_admin(session, role):
        raise Invalid("This would leave no active admin.", {"permissions": ["This would leave no active admin."]})
    two_factor = role.requires_two_factor if requires_two_factor is None else requires_two_factor
    before = {"permissions": list(role.permissions), "description": role.description,
              "requires_two_factor": role.requires_two_factor}
    with transaction(session):
        role.permissions, role.description, role.requires_two_factor = grants, description, two_factor
        changes = audit.diff(before, {"permissions": grants, "description": description,
                                      "requires_two_factor": two_factor})
        if changes:
            audit.record(session, actor, "role.updated", "role", role.id, changes)
            events.emit(session, actor, "role.updated", "role", role.id, {"name": role.name})
    return role


def _holds_every_active_admin(session: Session, role: Role) -> bool:
    others = select(func.count()).select_from(User).where(User.role_name == role.name, User.status == "active")
    return (session.scalar(others) or 0) >= active_admin_count(session)


def delete_role(session: Session, actor: Actor, role_id: uuid.UUID | str) -> None:
    """Only custom roles that nobody holds."""
    actor.require("roles:manage")
    role = get_role_for(session, actor, role_id)
    if role.builtin:
        raise Conflict("Built-in roles cannot be deleted.")
    if member_count(session, role):
        raise Conflict("This role is in use; move its members to another role first.")
    try:
        with transaction(session):
            audit.record(session, actor, "role.deleted", "role", role.id, {"name": role.name})
            session.delete(role)
    except IntegrityError as exc:  # someone was given the role meanwhile
        raise Conflict("This role is in use; move its members to another role first.") from exc
