"""Passwords of staff users: invitation links, reset links, changing a password.

Links are signed (itsdangerous, SECRET_KEY), expire, and are single-use: each
carries a fingerprint of the user's password hash and session version, which
accepting the link changes, so the same link never works twice.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password, password_problems, verify_password
from app.models import User
from app.services import audit, events, jobs
from app.services.actor import Actor
from app.services.auth import end_all_sessions, find_by_email
from app.services.errors import Invalid
from app.services.uow import transaction

INVITE_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 3600
PURPOSES = {"invite": INVITE_MAX_AGE, "reset": RESET_MAX_AGE}


class LinkInvalid(Invalid):
    status = 400
    code = "link_invalid"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"backoffice-{purpose}")


def _fingerprint(user: User) -> str:
    # The address is part of it: a changed email ends every reset and invitation link sent before.
    raw = f"{user.password_hash or ''}|{user.session_version}|{user.status}|{user.email.lower()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": str(user.id), "f": _fingerprint(user)})


def user_for_token(session: Session, token: str, purpose: str) -> User:
    """The user a live link belongs to; LinkInvalid when it is forged, expired or used."""
    try:
        data: Any = _serializer(purpose).loads(token, max_age=PURPOSES[purpose])
    except SignatureExpired as exc:
        raise LinkInvalid("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise LinkInvalid("This link is not valid.") from exc
    try:
        user = session.get(User, uuid.UUID(str(data.get("u"))))
    except (ValueError, AttributeError):
        user = None
    if user is None or data.get("f") != _fingerprint(user):
        raise LinkInvalid("This link has already been used or is no longer valid.")
    if purpose == "invite" and user.status != "invited":
        raise LinkInvalid("This invitation has already been accepted.")
    if purpose == "reset" and user.status != "active":
        raise LinkInvalid("This account is not active. Ask an administrator.")
    return user


def _as_user(actor: Actor, user: User) -> Actor:
    """Who acted, for the audit trail: the link's owner, from the request's address."""
    return replace(actor, id=user.id, label=user.email)


def _check_password(password: str, confirm: str, user: User) -> None:
    problems = password_problems(password, user.email, user.name)
    if not problems and user.password_hash and verify_password(user.password_hash, password):
        problems = ["Choose a password different from your current one."]
    errors = {"password": problems} if problems else {}
    if password != confirm:
        errors["confirm"] = ["The two passwords differ."]
    if errors:
        raise Invalid("Choose another password.", errors)


def accept_invitation(session: Session, actor: Actor, token: str, password: str, confirm: str) -> User:
    """Set the first password of an invited user; the account becomes active."""
    user = user_for_token(session, token, "invite")
    _check_password(password, confirm, user)
    with transaction(session):
        user.password_hash = hash_password(password)
        user.status = "active"
        user.failed_logins, user.locked_until = 0, None
        audit.record(session, _as_user(actor, user), "user.invitation_accepted", "user", user.id,
                     {"status": ["invited", "active"]})
        events.emit(session, _as_user(actor, user), "user.activated", "user", user.id, {"email": user.email})
    return user


RESET_JOB = "workers.jobs.accounts.request_reset"


def queue_reset_request(session: Session, actor: Actor, email: str) -> None:
    """What /password/forgot does on the request: queue one job, whatever the address.

    No lookup happens here, so a known and an unknown address take the same time and the same
    path; the job (request_reset) finds the user and sends the link. With Redis down the work runs
    here instead, so a reset still works (at the cost of the timing guarantee, logged).
    """
    email = (email or "").strip()[:254]
    if jobs.enqueue(RESET_JOB, email, actor.ip, (actor.user_agent or "")[:200], queue_name="high") is None:
        request_reset(session, actor, email)


def request_reset(session: Session, actor: Actor, email: str) -> None:
    """Email a reset link to an active user; says nothing either way about whether one exists."""
    user = find_by_email(session, email or "")
    if user is None or user.status != "active":
        return
    with transaction(session):
        events.emit(session, actor, "user.password_reset_requested", "user", user.id, {"email": user.email})


def reset_password(session: Session, actor: Actor, token: str, password: str, confirm: str) -> User:
    """A new password from a reset link; every session of the user ends."""
    user = user_for_token(session, token, "reset")
    _check_password(password, confirm, user)
    with transaction(session):
        user.password_hash = hash_password(password)
        user.failed_logins, user.locked_until = 0, None
        end_all_sessions(session, user)
        audit.record(session, _as_user(actor, user), "user.password_reset", "user", user.id, {})
    return user


def change_password(
    session: Session, actor: Actor, user: User, current: str, password: str, confirm: str, keep_token: str | None
) -> int:
    """Needs the current password; ends every other session. Returns how many ended."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid("Check the highlighted fields.", {"current": ["This is not your current password."]})
    _check_password(password, confirm, user)
    with transaction(session):
        user.password_hash = hash_password(password)
        ended = end_all_sessions(session, user, keep_token=keep_token)
        audit.record(session, actor, "user.password_changed", "user", user.id, {"sessions_ended": ended})
    return ended


def end_other_sessions(session: Session, actor: Actor, user: User, keep_token: str | None) -> int:
    with transaction(session):
        ended = end_all_sessions(session, user, keep_token=keep_token)
        audit.record(session, actor, "user.sessions_ended", "user", user.id, {"sessions_ended": ended})
    return ended
