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
from app.models import Notification, NotificationEmail, User
from app.models.base import utcnow
from app.services import audit, jobs, mail, notification_mail
from app.services import notification_settings as ns
from app.services.actor import Actor
from app.services.errors import NotFound
from app.services.listing import ListQuery, Page, SortKey, fetch_page
from app.services.notification_mail import Item
from app.services.notification_settings import KINDS, Kind, preference
from app.services.uow import affected, transaction

UNREAD_CAP = 99
__all__ = ["KINDS", "Email", "Kind", "notify", "preference", "send"]


@dataclass(frozen=True)
class Email:
    """A richer email than the generic notification one: templates/email/<template>.txt/.html."""

    subject: str
    template: str
    context: dict[str, Any]


def notify(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    message: str,
    link: str | None = None,
    event_id: uuid.UUID | None = None,
    email_as: Email | None = None,
    *,
    group: tuple[str, str] | None = None,
    urgency: tuple[str, ...] = (),
) -> Notification | None:
    """Notify one user inside the caller's transaction, as their settings for `kind` say. With an event
    id, a redelivered event notifies nobody twice. `group` (key, label) folds repeats about one thing
    within the dedupe window into one notification and one email ("10 updates to #123"). An email
    goes at once (the generic one, or `email_as`) only when it is not folded, not for a digest and
    not inside the user's quiet hours (unless an `urgency` is one they let through); otherwise it waits
    in notification_emails. Nothing is queued before the transaction commits."""
    user = session.get(User, user_id)
    if user is None or user.status == "suspended":
        return None
    in_app, mode = ns.preference(user, kind)
    item = Item(kind, message, link, group[0] if group else None, group[1] if group else None, urgency)
    now = utcnow()
    created = None
    if in_app:
        created = _in_app(session, user, item, event_id, now)
        if created is None:
            return None  # this event already notified this user
    if mode == "off":
        return created
    if mode == "now" and item.group_key is None and ns.quiet_until(ns.settings_of(user), now, urgency) is None:
        send(session, user.email, email_as or _generic(user, kind, message, link))
    else:
        notification_mail.hold(session, user, item, mode, now)
    return created


def _in_app(session: Session, user: User, item: Item, event_id: uuid.UUID | None,
            now: datetime) -> Notification | None:
    """A new notification, or the user's unread one about the same thing from the last few minutes
    with its count raised; None when this event already notified this user."""
    if item.group_key:
        recent = session.scalar(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == item.kind,
                   Notification.group_key == item.group_key, Notification.read_at.is_(None),
                   Notification.created_at >= now - notification_mail.DEDUPE_WINDOW)
            .order_by(Notification.created_at.desc())
            .limit(1)
            .with_for_update()
        )
        if recent is not None:
            recent.count += 1
            recent.message = notification_mail.folded_message(recent.count, item)
            recent.link, recent.updated_at = item.link or recent.link, now
            return recent
    new_id = session.scalar(
        insert(Notification)
        .values(id=uuid.uuid4(), user_id=user.id, kind=item.kind, message=item.message[:2000], link=item.link,
                event_id=event_id, created_at=now, group_key=item.group_key, count=1)
        .on_conflict_do_nothing(constraint="uq_notifications_event_id_user_id")
        .returning(Notification.id)
    )
    return session.get(Notification, new_id) if new_id is not None else None


def _generic(user: User, kind: str, message: str, link: str | None) -> Email:
    url = public_url(link) if link and link.startswith("/") else None
    return Email(f"[Backoffice] {message[:120]}", "notification",
                 {"name": user.name, "message": message, "url": url, "kind": ns.kind_of(kind).label})


def send_held(session: Session, user: User, rows: list[NotificationEmail], settings: ns.Settings) -> None:
    """Emails that waited leave as one message: a single one as itself, several as a digest grouped by
    ticket and kind. The digest carries the sending job's correlation id; a single one its cause's."""
    if len(rows) == 1 and rows[0].mode == "now":
        row = rows[0]
        send(session, user.email, _generic(user, row.kind, row.message, row.link), row.correlation_id)
        return
    modes = {r.mode for r in rows}
    title = {"hourly": "Your hourly digest", "daily": "Your daily digest"}.get(
        modes.pop() if len(modes) == 1 else "", "While you were away")
    total = sum(r.count for r in rows)
    groups = notification_mail.digest_groups(rows, settings, public_url)
    correlation_id = jobs.CORRELATION_ID.get() or f"digest-{uuid.uuid4().hex}"
    send(session, user.email, Email(
        f"[Backoffice] {title}: {total} notification{'s' if total != 1 else ''}", "notification_digest",
        {"name": user.name, "title": title, "groups": groups, "total": total,
         "settings_url": public_url("/notifications")}), correlation_id)


def send(session: Session, to: str, email: Email, correlation_id: str | None = None) -> None:
    """The one way an email leaves: queued when the caller's transaction commits. Messages that are
    not a user's notification (invitations, reset links, replies to customers) come straight here."""
    mail.queue_email_on_commit(session, to, email.subject, email.template, correlation_id, **email.context)


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
    """Every kind this user is offered, with its label and their (in-app, email mode) choice."""
    offered = {k: spec for k, spec in KINDS.items() if spec.permission is None or can(user, spec.permission)}
    return {kind: dict(zip(("in_app", "email"), ns.preference(user, kind), strict=True), label=spec.label)
            for kind, spec in offered.items()}


def set_preferences(session: Session, actor: Actor, chosen: dict[str, dict[str, Any]],
                    settings: dict[str, Any] | None = None) -> User:
    """Store the user's choice for every kind offered to them (others are ignored) and, when given,
    their time zone, quiet hours and digest hour (Invalid when one is not understood)."""
    stored = ns.check_settings(settings) if settings is not None else {}
    with transaction(session):
        user = session.get(User, actor.id)
        if user is None:
            raise NotFound("No such user.")
        prefs = user.preferences or {}
        before = {"notifications": prefs.get("notifications", {}), **{k: prefs.get(k) for k in stored}}
        kinds = {k: {"in_app": bool(chosen[k].get("in_app")), "email": ns.email_mode(chosen[k].get("email"), "off")}
                 for k in preferences_of(user) if k in chosen}
        after = {**before, **stored, "notifications": {**before["notifications"], **kinds}}
        user.preferences = {**prefs, **after}
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
