"""Notifications raised by domain events (the bell, and email when the user wants it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import OutboxEvent, Role, User
from app.services import notifications


def notify_admins_of_lockout(session: Session, evt: OutboxEvent) -> None:
    """Repeated failed sign-ins may be an attack: every active admin hears about it."""
    admins = session.scalars(
        select(User.id)
        .join(Role, Role.name == User.role_name)
        .where(Role.permissions.contains(["*"]), User.status == "active")
    ).all()
    who = evt.data.get("email") or "An account"
    for admin_id in admins:
        notifications.notify(
            session,
            admin_id,
            "user.locked",
            f"{who} was locked after repeated failed sign-ins.",
            f"/users/{evt.aggregate_id}",
            evt.id,
        )
