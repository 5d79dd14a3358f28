"""Signing in and out: credentials, throttling and lockout, server-side sessions."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import psycopg
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from psycopg.pq import TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.auth.principal import Principal, RoleInfo
from app.models import RefreshToken, Role, TwoFactor, User, UserSession
from app.models.base import utcnow
from app.services import audit, events, login_throttle
from app.services.actor import Actor
from app.services.digests import digest
from app.services.errors import DomainError
from app.services.uow import affected, transaction


class LoginFailed(DomainError):
    status = 401
    code = "invalid_credentials"


# One answer for every failure (wrong password, unknown email, throttled, locked, inactive): it tells nothing.
GENERIC_FAILURE = (
    "Sign-in failed. Check your email and password; after several failed attempts, wait a minute and try again."
)
TOUCH_EVERY = timedelta(seconds=60)
DEVICE_MAX_AGE = 180 * 24 * 3600


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 10
    lock_minutes: int = 15


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="backoffice-device")


def device_token(user: User) -> str:
    """For the device cookie: this browser signed in as this user with the right password."""
    return _device_serializer().dumps({"u": str(user.id), "d": secrets.token_urlsafe(16)})


def is_known_device(token: str | None, user: User) -> bool:
    if not token:
        return False
    try:
        data = _device_serializer().loads(token, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("u") == str(user.id)


def _refuse(email: str, actor: Actor, count: bool) -> LoginFailed:
    if count:
        login_throttle.failed(email, actor.ip)
    return LoginFailed(GENERIC_FAILURE)


def authenticate(
    session: Session, actor: Actor, email: str, password: str, policy: LoginPolicy, device: str | None = None
) -> User:
    """Check credentials, with progressive delays per account and source address.

    After `policy.max_failures` failures in a row (from anywhere) the account is locked and its owner
    told; the right password from a device that signed in before (`device`, the signed device cookie)
    or a password reset lifts the lock, so nobody can lock the owner out. Every failure gets the same
    answer.
    """
    user = find_by_email(session, email)
    ok = verify_password(user.password_hash if user else None, password)  # same Argon2 work either way
    if login_throttle.wait_seconds(email, actor.ip) > 0:
        raise _refuse(email, actor, count=False)
    if user is None:
        raise _refuse(email, actor, count=True)
    now = utcnow()
    with transaction(session):
        was_locked = user.is_locked(now)
        if was_locked and not (ok and is_known_device(device, user)):
            raise _refuse(email, actor, count=not ok)
        if not ok:
            user.failed_logins += 1
            if user.failed_logins >= policy.max_failures:
                user.locked_until = now + timedelta(minutes=policy.lock_minutes)
                user.failed_logins = 0
                audit.record(session, actor, "user.locked", "user", user.id, {"reason": "failed sign-ins"})
                events.emit(session, actor, "user.locked", "user", user.id,
                            {"email": user.email, "until": user.locked_until.isoformat(), "ip": actor.ip})
            session.commit()
            events.flush_ready(session)  # committed before the raise: hand its events over now
            raise _refuse(email, actor, count=True)
        if user.status != "active":
            raise _refuse(email, actor, count=False)
        if was_locked:
            audit.record(session, actor, "user.unlocked", "user", user.id, {"by": "a known device"})
        if needs_rehash(user.password_hash or ""):
            user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        user.last_login_ip = actor.ip
        user.last_login_user_agent = (actor.user_agent or "")[:500]
        events.emit(session, actor, "user.logged_in", "user", user.id, {"ip": actor.ip})
    login_throttle.clear(email, actor.ip)
    return user


def start_session(session: Session, user: User, ip: str | None, user_agent: str | None) -> str:
    """A new server-side session; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    with transaction(session):
        session.add(
            UserSession(
                id=digest(token),
                user_id=user.id,
                session_version=user.session_version,
                ip=ip,
                user_agent=(user_agent or "")[:500],
            )
        )
    return token


def _session_query() -> Select[Any]:
    """Session, user, role and whether two-factor is on, in one row (built once, cached compiled)."""
    s, u, r, tf = UserSession.__table__, User.__table__, Role.__table__, TwoFactor.__table__
    return (
        select(s.c.session_version, s.c.created_at, s.c.last_seen_at, s.c.revoked_at,
               u.c.id, u.c.email, u.c.name, u.c.role_name, u.c.status, u.c.session_version.label("user_version"),
               u.c.permissions, u.c.preferences, r.c.permissions.label("role_permissions"),
               r.c.requires_two_factor, tf.c.enabled_at.isnot(None).label("two_factor_enabled"))
        .select_from(s.join(u, u.c.id == s.c.user_id).join(r, r.c.name == u.c.role_name)
                     .outerjoin(tf, tf.c.user_id == u.c.id))
        .where(s.c.id == bindparam("digest"))
    )


_SESSION_QUERY = _session_query()
_SESSION_SQL: dict[str, str] = {}  # the query's SQL text per dialect, compiled once


def _session_row(session: Session, key: str) -> Any:
    """The session's row, read outside a transaction when none has begun yet.

    A request usually starts here. Run as the first statement of a transaction, the read costs
    three round trips (BEGIN, the query, the ROLLBACK at the end) and the ROLLBACK makes psycopg
    drop its prepared statements; in autocommit it is one round trip of a prepared statement, and
    the request's own transaction (if any) begins with its next statement, as before. With pending
    changes or a transaction under way (tests, a view that signs in), it runs in that transaction.
    The fast path talks to the driver itself (SQLAlchemy's result machinery cost more than the
    query); on any driver error it runs the statement again through SQLAlchemy, which raises the
    usual wrapped error and invalidates a dead connection, so outages are answered as before.
    """
    conn = session.connection()
    dbapi = conn.connection.driver_connection
    status = getattr(getattr(dbapi, "info", None), "transaction_status", None)
    if dbapi is None or status != TransactionStatus.IDLE or session.new or session.dirty or session.deleted:
        return session.execute(_SESSION_QUERY, {"digest": key}).one_or_none()  # autoflushes
    sql = _SESSION_SQL.get(conn.dialect.name)
    if sql is None:
        sql = _SESSION_SQL[conn.dialect.name] = str(_SESSION_QUERY.compile(dialect=conn.dialect))
    dbapi.autocommit = True
    try:
        try:
            with dbapi.cursor(row_factory=namedtuple_row) as cursor:
                return cursor.execute(sql, {"digest": key}).fetchone()
        except psycopg.Error:
            return conn.exec_driver_sql(sql, {"digest": key}).one_or_none()
    finally:
        if not dbapi.closed:
            dbapi.autocommit = False


def load_session(
    session: Session, token: str, idle: timedelta, lifetime: timedelta, now: datetime | None = None
) -> Principal | None:
    """The active user behind a session token, or None if it ended, expired or was revoked.

    One query reads the session, the user, their role and whether two-factor is on; the answer is a
    plain `Principal`, not an ORM object (see app/auth/principal.py).
    """
    now = now or utcnow()
    key = digest(token)
    row = _session_row(session, key)
    if row is None or row.revoked_at is not None:
        return None
    expired = row.last_seen_at < now - idle or row.created_at < now - lifetime
    if expired or row.status != "active" or row.session_version != row.user_version:
        return None
    if row.last_seen_at < now - TOUCH_EVERY:
        # Touch at most once a minute: the idle timer without a write per request.
        session.execute(update(UserSession).where(UserSession.id == key).values(last_seen_at=now))
        session.commit()
    role = _role_info(row.role_name, tuple(row.role_permissions or ()), bool(row.requires_two_factor))
    return Principal(id=row.id, email=row.email, name=row.name, role_name=row.role_name, status=row.status,
                     session_version=row.user_version, permissions=frozenset(row.permissions or ()),
                     preferences=row.preferences or {}, role=role,
                     two_factor_enabled=bool(row.two_factor_enabled), current_session_id=token)


@lru_cache(maxsize=256)
def _role_info(name: str, permissions: tuple[str, ...], requires_two_factor: bool) -> RoleInfo:
    # Keyed by the role's whole content: an edited role is a new key, never a stale answer.
    return RoleInfo(name, frozenset(permissions), requires_two_factor)


def end_session(session: Session, token: str) -> None:
    with transaction(session):
        session.execute(
            update(UserSession).where(UserSession.id == digest(token)).values(revoked_at=utcnow())
        )


def end_all_sessions(session: Session, user: User, keep_token: str | None = None) -> int:
    """Revoke every session of the user (all but `keep_token`, when given). Caller commits."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.id != digest(keep_token))
    else:
        user.session_version += 1
    # API refresh-token families are sessions too (their access tokens check the family on every request).
    session.execute(
        update(RefreshToken).where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return affected(session, stmt.values(revoked_at=utcnow()))
