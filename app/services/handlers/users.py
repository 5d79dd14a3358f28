"""Staff user events: invitation and reset emails, role-change notifications."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.models import OutboxEvent, User
from app.services import notifications
from app.services.accounts import INVITE_MAX_AGE, RESET_MAX_AGE, make_token
from app.services.notifications import Email, public_url


def send_invitation(session: Session, evt: OutboxEvent) -> None:
    if evt.type == "user.created" and not evt.data.get("invite"):
        return
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None or user.status != "invited":
        return  # deleted, or accepted already: nothing to invite to
    link = public_url(f"/invitations/{make_token(user, 'invite')}")
    notifications.send(session, user.email, Email("You are invited to Backoffice", "invitation",
                                                  {"user": user, "link": link, "days": INVITE_MAX_AGE // 86400}))


def notify_old_address(session: Session, evt: OutboxEvent) -> None:
    """The address the account had hears of the change (whoever now reads the new one)."""
    context = {"name": evt.data.get("name", ""), "old": evt.data["old"], "new": evt.data["new"],
               "actor": evt.data.get("actor", "")}
    notifications.send(session, evt.data["old"],
                       Email("The email address of your Backoffice account changed", "email_changed", context))


def alert_owner_of_lockout(session: Session, evt: OutboxEvent) -> None:
    """The account's owner hears that someone keeps failing to sign in as them."""
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None:
        return
    context = {"user": user, "until": evt.data.get("until", "")[:16].replace("T", " "),
               "ip": evt.data.get("ip") or "unknown", "link": public_url("/password/forgot")}
    notifications.send(session, user.email,
                       Email("Repeated failed sign-ins to your Backoffice account", "account_locked", context))


def send_reset_link(session: Session, evt: OutboxEvent) -> None:
    user = session.get(User, uuid.UUID(evt.aggregate_id))
    if user is None or user.status != "active":
        return
    link = public_url(f"/password/reset/{make_token(user, 'reset')}")
    notifications.send(session, user.email, Email("Reset your Backoffice password", "password_reset",
                                                  {"user": user, "link": link, "minutes": RESET_MAX_AGE // 60}))


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
