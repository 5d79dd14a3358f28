"""In-app notifications (the bell) and notification emails, per the user's preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.auth.permissions import can
from app.models import Notification, User
from app.models.base import utcnow
from app.services import audit, mail
from app.services.actor import Actor
from app.services.errors import NotFound
from app.services.listing import ListQuery, Page, SortKey, fetch_page
from app.services.uow import affected, transaction

UNREAD_CAP = 99


@dataclass(frozen=True)
class Email:
    """A richer email than the generic notification one: templates/email/<template>.txt/.html."""

    subject: str
    template: str
    context: dict[str, Any]


@dataclass(frozen=True)
class Kind:
    label: str
    in_app: bool = True  # the defaults, until the user chooses
    email: bool = False
    permission: str | None = None  # only people who hold it are offered the setting


# The event kinds a user may tune on /notifications. Others notify in-app only.
KINDS: dict[str, Kind] = {
    "user.locked": Kind("An account was locked after failed sign-ins", True, True, "users:update"),
    "user.role_changed": Kind("My role or permissions changed", True, True),
    "ticket.assigned": Kind("A ticket was assigned to me", True, False),
    "ticket.commented": Kind("A customer replied on my ticket", True, False),
    "ticket.sla_breached": Kind("A ticket of mine breached its SLA", True, True),
}


def preference(user: User, kind: str) -> tuple[bool, bool]:
    """(in-app, email) for this kind: the user's choice, else the kind's default."""
    default = KINDS.get(kind, Kind(kind))
    chosen = (user.preferences or {}).get("notifications", {}).get(kind, {})
    return bool(chosen.get("in_app", default.in_app)), bool(chosen.get("email", default.email))


def notify(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    message: str,
    link: str | None = None,
    event_id: uuid.UUID | None = None,
    email_as: Email | None = None,
) -> Notification | None:
    """Notify one user inside the caller's transaction, as their preferences for `kind` say. With an
    event id, a redelivered event notifies nobody twice. The email (the generic one, or `email_as`)
    is queued only once the transaction commits."""
    user = session.get(User, user_id)
    if user is None or user.status == "suspended":
        return None
    in_app, email = preference(user, kind)
    created = None
    if in_app:
        new_id = session.scalar(
            insert(Notification)
            .values(id=uuid.uuid4(), user_id=user.id, kind=kind, message=message[:2000], link=link,
                    event_id=event_id, created_at=utcnow())
            .on_conflict_do_nothing(constraint="uq_notifications_event_id_user_id")
            .returning(Notification.id)
        )
        if new_id is None:
            return None  # this event already notified this user
        created = session.get(Notification, new_id)
    if email and email_as is not None:
        send(session, user.email, email_as)
    elif email:
        url = public_url(link) if link else None
        send(session, user.email, Email(f"[Backoffice] {message[:120]}", "notification",
                                        {"name": user.name, "message": message, "url": url,
                                         "kind": KINDS.get(kind, Kind(kind)).label}))
    return created


def send(session: Session, to: str, email: Email) -> None:
    """The one way an email leaves: queued when the caller's transaction commits. Messages that are
    not a user's notification (invitations, reset links, replies to customers) come straight here."""
    mail.queue_email_on_commit(session, to, email.subject, email.template, **email.context)


def public_url(path: str) -> str:
    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + path


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    """Unread notifications, capped (the bell shows 99+); served by the partial index."""
    inner = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(session.scalar(select(func.count()).select_from(inner.limit(UNREAD_CAP + 1).subquery())) or 0)


# Newest first, by (user_id, created_at, id): ix_notifications_user_id_created_at_id.
SORT = SortKey((Notification.created_at, Notification.id), (datetime, uuid.UUID))


def list_for(session: Session, actor: Actor, query: ListQuery) -> Page[Notification]:
    """The actor's own notifications (filter `show=unread` for the unread ones), newest first."""
    stmt = select(Notification).where(Notification.user_id == actor.id)
    if query.filters.get("show") == "unread":
        stmt = stmt.where(Notification.read_at.is_(None))
    return fetch_page(session, stmt, SORT, query, entity=True)


def mark_read(session: Session, actor: Actor, notification_id: uuid.UUID) -> Notification:
    """Only your own notifications: someone else's id is simply not found."""
    with transaction(session):
        note = session.get(Notification, notification_id)
        if note is None or note.user_id != actor.id:
            raise NotFound("That notification does not exist.")
        if note.read_at is None:
            note.read_at = utcnow()
    return note


def mark_all_read(session: Session, actor: Actor) -> int:
    with transaction(session):
        count = affected(
            session,
            update(Notification)
            .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
            .values(read_at=utcnow()),
        )
    return count


def preferences_of(user: User) -> dict[str, dict[str, Any]]:
    return {
        kind: {"label": spec.label, "in_app": preference(user, kind)[0], "email": preference(user, kind)[1]}
        for kind, spec in KINDS.items()
        if spec.permission is None or can(user, spec.permission)
    }


def set_preferences(session: Session, actor: Actor, chosen: dict[str, dict[str, bool]]) -> User:
    """Store the user's choice for every known kind (unknown kinds are ignored)."""
    with transaction(session):
        user = session.get(User, actor.id)
        if user is None:
            raise NotFound("No such user.")
        before = (user.preferences or {}).get("notifications", {})
        after = {k: {"in_app": bool(chosen[k].get("in_app")), "email": bool(chosen[k].get("email"))}
                 for k in preferences_of(user) if k in chosen}
        after = {**before, **after}
        user.preferences = {**(user.preferences or {}), "notifications": after}
        changes = audit.diff(before, after)
        if changes:
            audit.record(session, actor, "user.notification_preferences", "user", user.id, changes)
    return user


def purge_read(session: Session, older_than_days: int = 180) -> int:
    """Housekeeping: read notifications older than the cutoff go (unread ones stay)."""
    from datetime import timedelta

    from sqlalchemy import delete

    cutoff = utcnow() - timedelta(days=older_than_days)
    with transaction(session):
        count = affected(
            session, delete(Notification).where(Notification.read_at.is_not(None), Notification.created_at < cutoff)
        )
    return count
