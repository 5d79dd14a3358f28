"""Signing in and out: credentials, lockout, server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.models import RefreshToken, User, UserSession
from app.models.base import utcnow
from app.services import audit, events
from app.services.actor import Actor
from app.services.errors import DomainError
from app.services.uow import transaction


class LoginFailed(DomainError):
    status = 401
    code = "invalid_credentials"


GENERIC_FAILURE = "Invalid email or password."
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    lock_minutes: int = 15


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def authenticate(session: Session, actor: Actor, email: str, password: str, policy: LoginPolicy) -> User:
    """Check credentials; lock the account after repeated failures; rehash old hashes."""
    user = find_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        raise LoginFailed(GENERIC_FAILURE)
    now = utcnow()
    with transaction(session):
        if user.is_locked(now):
            raise LoginFailed("This account is locked after too many failed sign-ins. Try again later.")
        if not ok:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + timedelta(minutes=policy.lock_minutes)
                user.failed_logins = 0
                audit.record(session, actor, "user.locked", "user", user.id, {"reason": "failed sign-ins"})
                events.emit(session, actor, "user.locked", "user", user.id,
                            {"email": user.email, "until": user.locked_until.isoformat()})
            session.commit()
            events.flush_ready(session)  # committed before the raise: hand its events over now
            raise LoginFailed(GENERIC_FAILURE)
        if user.status != "active":
            raise LoginFailed("This account is not active. Ask an administrator.")
        if needs_rehash(user.password_hash or ""):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        user.last_login_ip = actor.ip
        user.last_login_user_agent = (actor.user_agent or "")[:500]
        events.emit(session, actor, "user.logged_in", "user", user.id, {"ip": actor.ip})
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, ip: str | None, user_agent: str | None) -> str:
    """A new server-side session; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    with transaction(session):
        session.add(
            UserSession(
                id=_digest(token),
                user_id=user.id,
                session_version=user.session_version,
                ip=ip,
                user_agent=(user_agent or "")[:500],
            )
        )
    return token


def load_session(
    session: Session, token: str, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> User | None:
    """The active user behind a session token, or None if it ended, expired or was revoked."""
    now = now or utcnow()
    row = session.get(UserSession, _digest(token))
    if row is None or row.revoked_at is not None:
        return None
    user = row.user
    expired = row.last_seen_at < now - idle or row.created_at < now - lifetime
    if expired or user.status != "active" or row.session_version != user.session_version:
        return None
    if row.last_seen_at < now - TOUCH_EVERY:
        # Touch at most once a minute: the idle timer without a write per request.
        session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
        session.commit()
    user.current_session_id = token
    return user


def end_session(session: Session, token: str) -> None:
    with transaction(session):
        session.execute(
            update(UserSession).where(UserSession.id == _digest(token)).values(revoked_at=utcnow())
        )


def end_all_sessions(session: Session, user: User, keep_token: str | None = None) -> int:
    """Revoke every session of the user (all but `keep_token`, when given). Caller commits."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.id != _digest(keep_token))
    else:
        user.session_version += 1
    # API refresh-token families are sessions too (their access tokens check the family on every request).
    session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return session.execute(stmt.values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]
