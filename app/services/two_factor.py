"""Two-factor sign-in (TOTP): enrolment, codes, recovery codes, remembered devices, admin reset."""

from __future__ import annotations

import base64
import io
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import RecoveryCode, RememberedDevice, TwoFactor, User
from app.models.base import utcnow
from app.services import audit, users
from app.services.actor import Actor
from app.services.digests import digest
from app.services.errors import DomainError, Invalid, PermissionDenied
from app.services.ids import get_or_404
from app.services.uow import affected, transaction

ISSUER = "Backoffice"
STEP = 30  # seconds; one step of drift either way is accepted (clocks on phones wander)
RECOVERY_CODES = 10
REMEMBER_DAYS = 30


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg_data_uri: str


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def state(session: Session, user: User) -> TwoFactor | None:
    return session.get(TwoFactor, user.id)


def is_enrolled(session: Session, user: User) -> bool:
    row = state(session, user)
    return row is not None and row.enabled_at is not None


def is_required(user: User) -> bool:
    return bool(user.role.requires_two_factor)


def begin_enrolment(session: Session, user: User) -> Enrolment:
    """A new secret, waiting for its first code; an enrolled user must be reset first."""
    row = state(session, user)
    with transaction(session):
        if row is not None and row.enabled_at is not None:
            raise Invalid("Two-factor sign-in is already set up.")
        if row is None:
            row = TwoFactor(user_id=user.id, secret=pyotp.random_base32(32))
            session.add(row)
    return enrolment(row, user)


def enrolment(row: TwoFactor, user: User) -> Enrolment:
    uri = pyotp.TOTP(row.secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True)
    data = out.getvalue()
    return Enrolment(row.secret, uri, "data:image/svg+xml;base64," + base64.b64encode(data).decode())


def _accept_totp(row: TwoFactor, code: str, now: float) -> bool:
    """A 6-digit code of this step or its neighbours, newer than the last one used (single use)."""
    code = _normal(code)
    if len(code) != 6 or not code.isdigit():
        return False
    totp, step = pyotp.TOTP(row.secret), int(now // STEP)
    for candidate in (step, step - 1, step + 1):
        if candidate > row.last_step and secrets.compare_digest(totp.at(candidate * STEP), code):
            row.last_step = candidate
            return True
    return False


def confirm_enrolment(session: Session, actor: Actor, user: User, code: str, now: float | None = None) -> list[str]:
    """The first good code turns two-factor on; returns the recovery codes (shown once, stored hashed)."""
    row = state(session, user)
    with transaction(session):
        if row is None or row.enabled_at is not None:
            raise Invalid("Start the set-up again.")
        if not _accept_totp(row, code, time.time() if now is None else now):
            raise Invalid("That code does not match. Check the clock on your phone and try again.",
                          {"code": ["That code does not match."]})
        row.enabled_at = utcnow()
        codes = _new_recovery_codes(session, user)
        audit.record(session, actor, "user.two_factor_enabled", "user", user.id, {})
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=digest(_normal(c))) for c in codes)
    return codes


def verify(session: Session, actor: Actor, user: User, code: str, now: float | None = None) -> bool:
    """A TOTP code, or an unused recovery code (which is then spent)."""
    row = state(session, user)
    if row is None or row.enabled_at is None:
        return False
    with transaction(session):
        if _accept_totp(row, code, time.time() if now is None else now):
            return True
        spent = affected(
            session,
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest(_normal(code)),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()),
        )
        if spent:
            audit.record(session, actor, "user.recovery_code_used", "user", user.id, {})
        return bool(spent)


class CodeRequired(DomainError):
    status = 401
    code = "two_factor_required"


def require_code(session: Session, actor: Actor, user: User, code: str | None) -> None:
    """The API's second step: a user with two-factor must send a good code with the password."""
    if not is_enrolled(session, user):
        return
    if not code:
        raise CodeRequired("This account uses two-factor sign-in: send `otp` with the password.")
    if not verify(session, actor, user, code):
        raise CodeRequired("The two-factor code does not work.")


def remember_device(session: Session, user: User, user_agent: str | None) -> str:
    """A 30-day device token for the cookie; the server keeps only its hash."""
    token, now = secrets.token_urlsafe(32), utcnow()
    with transaction(session):
        session.add(RememberedDevice(id=digest(token), user_id=user.id, user_agent=(user_agent or "")[:500],
                                     created_at=now, expires_at=now + timedelta(days=REMEMBER_DAYS)))
    return token


def is_remembered(session: Session, user: User, token: str | None, now: datetime | None = None) -> bool:
    if not token:
        return False
    row = session.get(RememberedDevice, digest(token))
    now = now or utcnow()
    return row is not None and row.user_id == user.id and row.revoked_at is None and row.expires_at > now


def reset(session: Session, actor: Actor, user_id: uuid.UUID | str) -> User:
    """Another admin turns a user's two-factor off (lost phone): secret, codes and devices go."""
    actor.require("users:update")
    user = get_or_404(session, User, user_id, "There is no such user.")
    if actor.id == user.id:
        raise PermissionDenied("Another admin must reset your two-factor sign-in.")
    users.check_may_act_on(actor, user)  # nobody resets the second factor of someone who outranks them
    with transaction(session):
        session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
        session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
        session.execute(update(RememberedDevice).where(RememberedDevice.user_id == user.id,
                                                       RememberedDevice.revoked_at.is_(None))
                        .values(revoked_at=utcnow()))
        audit.record(session, actor, "user.two_factor_reset", "user", user.id, {})
    return user


def unused_recovery_codes(session: Session, user: User) -> int:
    rows = session.scalars(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                         RecoveryCode.used_at.is_(None)))
    return len(list(rows))
