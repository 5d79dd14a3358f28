"""API tokens: short-lived JWT access tokens and rotating, opaque refresh tokens.

Access tokens are HS256 JWTs checked on every request (signature, algorithm,
issuer, audience, type, expiry) together with the user's status, session
version and refresh family. Refresh tokens are random strings stored only as
SHA-256, grouped in families; each use rotates the token, and a used token
presented again revokes its whole family (RFC 9700 §4.14).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NoReturn

import jwt
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from app.auth.permissions import user_grants
from app.models import RefreshToken, User
from app.models.base import utcnow
from app.services import audit, auth, two_factor
from app.services.actor import Actor
from app.services.digests import digest
from app.services.errors import DomainError
from app.services.uow import affected, transaction

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ACCESS_TYPE = "access"


class TokenInvalid(DomainError):
    status = 401
    code = "invalid_token"


@dataclass(frozen=True)
class TokenSettings:
    secret: str
    issuer: str
    audience: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)  # absolute: rotation keeps the family's expiry
    refresh_idle: timedelta = timedelta(days=7)  # a refresh token unused this long is dead


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


def issue_access(user: User, family_id: uuid.UUID, settings: TokenSettings, now: datetime | None = None) -> str:
    now = now or utcnow()
    claims = {
        "sub": str(user.id),
        "email": user.email,
        "role": user.role_name,
        "permissions": sorted(user_grants(user)),
        "iss": settings.issuer,
        "aud": settings.audience,
        "typ": ACCESS_TYPE,
        "iat": int(now.timestamp()),
        "exp": int((now + settings.access_ttl).timestamp()),
        "jti": uuid.uuid4().hex,
        "sv": user.session_version,
        "fid": str(family_id),
    }
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


def decode_access(token: str, settings: TokenSettings) -> dict[str, Any]:
    """The verified claims of an access token; TokenInvalid for anything else."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=settings.audience,
            issuer=settings.issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud", "jti", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenInvalid("The access token has expired.") from exc
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenInvalid("The access token is not valid.") from exc
    if claims.get("typ") != ACCESS_TYPE:
        raise TokenInvalid("The access token is not valid.")
    return claims


def user_for_access(session: Session, token: str, settings: TokenSettings) -> User:
    """The active user behind a valid access token whose sessions and family are still live."""
    claims = decode_access(token, settings)
    try:
        user_id = uuid.UUID(str(claims["sub"]))
        family_id = uuid.UUID(str(claims.get("fid")))
    except ValueError as exc:
        raise TokenInvalid("The access token is not valid.") from exc
    user = session.get(User, user_id)
    if user is None or user.status != "active" or claims.get("sv") != user.session_version:
        raise TokenInvalid("The access token has been revoked.")
    revoked = session.scalar(
        select(exists().where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_not(None)))
    )
    if revoked:
        raise TokenInvalid("The access token has been revoked.")
    return user


def _new_refresh(session: Session, user: User, family_id: uuid.UUID, expires_at: datetime) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=digest(raw),
            family_id=family_id,
            user_id=user.id,
            session_version=user.session_version,
            expires_at=expires_at,
            issued_at=utcnow(),
        )
    )
    return raw


def login(
    session: Session, actor: Actor, email: str, password: str, policy: auth.LoginPolicy, settings: TokenSettings,
    otp: str | None = None,
) -> TokenPair:
    """Check credentials (with the same lockout as the sign-in page) and start a token family."""
    user = auth.authenticate(session, actor, email, password, policy)
    two_factor.require_code(session, actor, user, otp)
    family_id = uuid.uuid4()
    with transaction(session):
        refresh = _new_refresh(session, user, family_id, utcnow() + settings.refresh_ttl)
        audit.record(session, actor, "auth.api_login", "user", user.id, {"family_id": str(family_id)})
    return TokenPair(issue_access(user, family_id, settings), refresh, int(settings.access_ttl.total_seconds()))


def refresh(session: Session, actor: Actor, raw: str, settings: TokenSettings) -> TokenPair:
    """Rotate: claim the presented token once (atomically), hand out its successor in the same family."""
    now = utcnow()
    claimed = session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.token_hash == digest(raw),
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
            RefreshToken.issued_at > now - settings.refresh_idle,
        )
        .values(used_at=now)
        .returning(RefreshToken.family_id, RefreshToken.user_id, RefreshToken.session_version, RefreshToken.expires_at)
    ).first()
    if claimed is None:
        session.rollback()
        _refuse(session, actor, raw)
    family_id, user_id, version, expires_at = claimed
    user = session.get(User, user_id)
    if user is None or user.status != "active" or user.session_version != version:
        _revoke_family(session, family_id, now)
        session.commit()
        raise TokenInvalid("The refresh token has been revoked.")
    with transaction(session):
        new_raw = _new_refresh(session, user, family_id, expires_at)
    return TokenPair(issue_access(user, family_id, settings), new_raw, int(settings.access_ttl.total_seconds()))


def _refuse(session: Session, actor: Actor, raw: str) -> NoReturn:
    """Why a refresh token could not be claimed; a used one means theft or replay: end its family."""
    row = session.get(RefreshToken, digest(raw))
    if row is None or row.used_at is None:
        raise TokenInvalid("The refresh token is not valid.")
    with transaction(session):
        revoked = _revoke_family(session, row.family_id, utcnow())
        audit.record(
            session, actor, "auth.refresh_reuse", "user", row.user_id,
            {"family_id": str(row.family_id), "revoked": revoked},
        )
    log.warning("refresh token reuse; family revoked", extra={"family_id": str(row.family_id)})
    raise TokenInvalid("The refresh token is not valid.")


def _revoke_family(session: Session, family_id: uuid.UUID, now: datetime) -> int:
    stmt = update(RefreshToken).where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
    return affected(session, stmt.values(revoked_at=now))


def logout(session: Session, actor: Actor, raw: str) -> None:
    """Revoke the family of a refresh token (RFC 7009: unknown tokens are not an error)."""
    row = session.get(RefreshToken, digest(raw))
    if row is None:
        return
    with transaction(session):
        _revoke_family(session, row.family_id, utcnow())
        audit.record(session, actor, "auth.api_logout", "user", row.user_id, {"family_id": str(row.family_id)})


def logout_everywhere(session: Session, actor: Actor, user: User) -> None:
    """End every browser session and API token of the user."""
    with transaction(session):
        auth.end_all_sessions(session, user)  # browser sessions and refresh families
        audit.record(session, actor, "auth.logout_everywhere", "user", user.id, {})
