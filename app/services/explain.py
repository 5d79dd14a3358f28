""""Why can / can't they?": the permission check's own answer, with who could change it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.permissions import CATALOG, Explanation, explain, explain_user
from app.models import Role, User
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.users import get_user_for

PERMISSIONS: tuple[str, ...] = tuple(f"{area}:{action}" for area, actions in CATALOG.items() for action in actions)
RESOURCE_MAX = 100


@dataclass(frozen=True)
class RoleAnswer:
    role: str
    explanation: Explanation


@dataclass(frozen=True)
class UserAnswer:
    user: User
    explanation: Explanation
    granting_roles: list[str]  # roles that would allow it
    granters: list[str]  # roles whose members may give the missing grant


def clean_question(permission: str, resource: str | None) -> tuple[str, str | None]:
    """A permission from the catalogue and an optional object id; anything else is a 422."""
    permission, resource = (permission or "").strip(), (resource or "").strip() or None
    errors: dict[str, list[str]] = {}
    if permission not in PERMISSIONS:
        errors["permission"] = ["Choose a permission from the catalogue (area:action)."]
    if resource is not None and (len(resource) > RESOURCE_MAX or ":" in resource or "\x00" in resource):
        errors["resource"] = [f"An object id: at most {RESOURCE_MAX} characters, no colon."]
    if errors:
        raise Invalid("Check the question.", errors)
    return permission, resource


def explain_roles(session: Session, actor: Actor, permission: str, resource: str | None) -> list[RoleAnswer]:
    """Every role's answer to one question (the /roles explainer)."""
    actor.require("roles:read")
    permission, resource = clean_question(permission, resource)
    roles = session.scalars(select(Role).order_by(Role.builtin.desc(), Role.name))
    return [RoleAnswer(r.name, explain({f"role {r.name}": r.permissions}, permission, resource)) for r in roles]


def explain_for(session: Session, actor: Actor, user_id: uuid.UUID | str, permission: str,
                resource: str | None) -> UserAnswer:
    """One user's answer, computed by the same code as every permission check."""
    user = get_user_for(session, actor, user_id)
    permission, resource = clean_question(permission, resource)
    answer = explain_user(user, permission, resource)
    roles = list(session.scalars(select(Role).order_by(Role.name)))
    granting = [r.name for r in roles if explain(r.permissions, permission, resource).allowed]
    # Nobody grants what they do not hold (users.grants_within): a granter holds the grant and may edit users.
    granters = [r.name for r in roles if explain(r.permissions, "users:update").allowed
                and explain(r.permissions, permission, resource).allowed]
    return UserAnswer(user, answer, granting, granters)
