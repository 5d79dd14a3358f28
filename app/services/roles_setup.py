"""The built-in roles, and creating the first admin."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password, password_problems
from app.auth.permissions import DEFAULT_ROLES
from app.models import Role, User
from app.services import audit, events
from app.services.actor import Actor
from app.services.auth import find_by_email
from app.services.errors import Invalid
from app.services.uow import transaction


def ensure_default_roles(session: Session) -> None:
    """Create any missing built-in role; never overwrite an admin's edits."""
    existing = set(session.scalars(select(Role.name)))
    for name, (description, perms) in DEFAULT_ROLES.items():
        if name not in existing:
            session.add(Role(name=name, description=description, permissions=perms, builtin=True,
                             requires_two_factor=(name == "admin")))
    session.flush()


def create_admin(
    session: Session, actor: Actor, email: str, name: str, password: str | None
) -> tuple[User, str | None]:
    """Create or promote an admin. Returns the user and the generated password, if one was made."""
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(18)
    problems = password_problems(password, email, name)
    if problems:
        raise Invalid("The password is not acceptable.", {"password": problems})
    with transaction(session):
        ensure_default_roles(session)
        user = find_by_email(session, email)
        if user is None:
            user = User(email=email.strip(), name=name.strip(), role_name="admin", status="active",
                        password_hash=hash_password(password))
            session.add(user)
            session.flush()
            audit.record(session, actor, "user.created", "user", user.id, {"email": user.email, "role": "admin"})
            events.emit(session, actor, "user.created", "user", user.id, {"email": user.email, "role": "admin",
                                                                         "invite": False})
        else:
            before = {"role": user.role_name, "status": user.status}
            user.role_name, user.status = "admin", "active"
            user.password_hash = hash_password(password)
            user.failed_logins, user.locked_until = 0, None
            audit.record(session, actor, "user.promoted", "user", user.id,
                         audit.diff(before, {"role": "admin", "status": "active"}))
    return user, generated
