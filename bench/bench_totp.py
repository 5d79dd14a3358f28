"""Enrol the bench admin in two-factor sign-in with a secret the bench keeps, so `bench/login.py` can
sign in through the code step the admin role requires (TWO_FACTOR_ENFORCE is on, as in production).

    python -m bench.bench_totp EMAIL SECRET_FILE

Idempotent: when the admin is enrolled and SECRET_FILE holds its secret, nothing changes; otherwise the
old second factor is removed and the admin enrols again through the service, which records the audit event.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyotp
from sqlalchemy import delete, func, select

from app import create_app
from app.extensions import db_session
from app.models import RecoveryCode, TwoFactor, User
from app.services import two_factor
from app.services.actor import Actor


def enrol(email: str, secret_file: Path) -> str:
    session = db_session()
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise SystemExit(f"no user {email}: run flask create-admin first")
    row = two_factor.state(session, user)
    kept = secret_file.read_text().strip() if secret_file.exists() else ""
    if row is not None and row.enabled_at is not None and row.secret == kept:
        return "already enrolled"
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    session.commit()
    enrolment = two_factor.begin_enrolment(session, user)
    code = pyotp.TOTP(enrolment.secret).at(int(time.time()))
    two_factor.confirm_enrolment(session, Actor.system("bench"), user, code)
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    secret_file.write_text(enrolment.secret + "\n")
    secret_file.chmod(0o600)
    return "enrolled"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    app = create_app()
    with app.app_context():
        print(f"two-factor for {argv[0]}: {enrol(argv[0], Path(argv[1]))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
