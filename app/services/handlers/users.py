"""Staff user events: invitation and reset emails, role-change notifications."""

from __future__ import annotations

import uuid

from flask import current_app
from sqlalchemy.orm import Session

from app.models import OutboxEvent, User
from app.services import mail, notifications
from app.services.accounts import INVITE_MAX_AGE, RESET_MAX_AGE, make_token
from app.services.events import subscribe


def _link(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@subscribe("user.created")
@subscribe("user.invitation_resent")
@subscribe("user.email_changed")
def send_invitation(session: Session, evt: OutboxEvent) -> None:
    if evt.type == "user.created" and not evt.data.get("invite"):
        return
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None or user.status != "invited":
        return  # deleted, or accepted already: nothing to invite to
    link = _link(f"/invitations/{make_token(user, 'invite')}")
    mail.queue_email_on_commit(
        session,
        user.email,
        "You are invited to Backoffice",
        "invitation",
        user=user,
        link=link,
        days=INVITE_MAX_AGE // 86400,
    )


@subscribe("user.email_changed")
def notify_old_address(session: Session, evt: OutboxEvent) -> None:
    """The address the account had hears of the change (whoever now reads the new one)."""
    mail.queue_email_on_commit(
        session,
        evt.data["old"],
        "The email address of your Backoffice account changed",
        "email_changed",
        name=evt.data.get("name", ""),
        old=evt.data["old"],
        new=evt.data["new"],
        actor=evt.data.get("actor", ""),
    )


@subscribe("user.locked")
def alert_owner_of_lockout(session: Session, evt: OutboxEvent) -> None:
    """The account's owner hears that someone keeps failing to sign in as them."""
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None:
        return
    mail.queue_email_on_commit(
        session,
        user.email,
        "Repeated failed sign-ins to your Backoffice account",
        "account_locked",
        user=user,
        until=evt.data.get("until", "")[:16].replace("T", " "),
        ip=evt.data.get("ip") or "unknown",
        link=_link("/password/forgot"),
    )


@subscribe("user.password_reset_requested")
def send_reset_link(session: Session, evt: OutboxEvent) -> None:
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None or user.status != "active":
        return
    link = _link(f"/password/reset/{make_token(user, 'reset')}")
    mail.queue_email_on_commit(
        session,
        user.email,
        "Reset your Backoffice password",
        "password_reset",
        user=user,
        link=link,
        minutes=RESET_MAX_AGE // 60,
    )


@subscribe("user.role_changed")
def notify_role_changed(session: Session, evt: OutboxEvent) -> None:
    """One notification per user (notify() keeps it to one per event and user on redelivery)."""
    role = evt.data.get("role", "")
    for user_id in evt.data.get("user_ids", []):
        notifications.notify(
            session,
            uuid.UUID(user_id),
            "user.role_changed",
            f"Your role has been updated to {role}",
            "/profile",
            evt.id,
        )
